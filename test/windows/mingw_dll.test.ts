// The mingw-w64 chatsocket.dll as IIS will load it, read from its PE headers with objdump -p: a 64-bit DLL
// that exports RegisterModule by name and nothing else, and imports only DLLs every Windows has.
import assert from "node:assert/strict";
import { before, describe } from "node:test";

import { MINGW_DLL, PeFacts, SKIP_WINDOWS, buildMingw, isSystemDll, readPe, windowsTest } from "./mingw";

describe("the mingw-w64 chatsocket.dll", () => {
  let pe: PeFacts;
  before(() => {
    if (SKIP_WINDOWS) return;
    buildMingw();
    pe = readPe(MINGW_DLL);
  });

  windowsTest("is a 64-bit PE DLL", () => {
    assert.equal(pe.format, "pei-x86-64");
    assert.match(pe.magic, /PE32\+/);
  });

  windowsTest("exports RegisterModule undecorated and nothing else", () => {
    assert.deepEqual(pe.exports, ["RegisterModule"]);
  });

  windowsTest("imports only system DLLs, so nothing else has to be installed beside it", () => {
    assert.ok(pe.imports.length > 0, "no import table found");
    const foreign = pe.imports.filter((name) => !isSystemDll(name));
    assert.deepEqual(foreign, [], `imports DLLs a server does not have (link the mingw runtime statically): ${foreign}`);
  });

  windowsTest("imports ReportEventW's DLL, so it can write the Event Log", () => {
    assert.ok(pe.imports.some((name) => name.toLowerCase() === "advapi32.dll"), `imports: ${pe.imports}`);
  });

  windowsTest("can be loaded at a random base with a non-executable heap (ASLR, DEP)", () => {
    const DYNAMIC_BASE = 0x40;
    const NX_COMPAT = 0x100;
    assert.equal(pe.dllCharacteristics & DYNAMIC_BASE, DYNAMIC_BASE);
    assert.equal(pe.dllCharacteristics & NX_COMPAT, NX_COMPAT);
  });
});
