// The mingw-w64 chatsocket.dll as IIS will load it, read from its PE headers with objdump -p: a 64-bit DLL
// that exports RegisterModule by name and nothing else, and imports only DLLs every Windows has.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe } from "node:test";

import { MINGW_DLL, SKIP_WINDOWS, buildMingw, objdumpBinary, windowsTest } from "./mingw";

// Lower case. ADVAPI32 for the Event Log; msvcrt is the C runtime mingw-w64 links against (a system DLL).
const SYSTEM_DLLS = new Set(["kernel32.dll", "advapi32.dll", "msvcrt.dll", "ws2_32.dll", "ntdll.dll", "bcrypt.dll"]);
const isSystemDll = (name: string) => SYSTEM_DLLS.has(name.toLowerCase()) || /^api-ms-win-[a-z0-9-]+\.dll$/i.test(name);

interface PeFacts {
  format: string;
  magic: string;
  dllCharacteristics: number;
  imports: string[];
  exports: string[];
}

function readPe(dll: string): PeFacts {
  const dump = spawnSync(objdumpBinary(), ["-p", dll], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(dump.status, 0, dump.stderr);
  const text = dump.stdout;
  const exportTable = text.split("[Ordinal/Name Pointer] Table")[1]?.split(/\n\s*\n/)[0] ?? "";
  return {
    format: /file format (\S+)/.exec(text)?.[1] ?? "",
    magic: /^Magic\s+(.+)$/m.exec(text)?.[1].trim() ?? "",
    dllCharacteristics: parseInt(/^DllCharacteristics\s+([0-9a-f]+)/m.exec(text)?.[1] ?? "0", 16),
    imports: [...text.matchAll(/^\s*DLL Name: (\S+)/gm)].map((match) => match[1]),
    exports: [...exportTable.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((match) => match[1]),
  };
}

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
