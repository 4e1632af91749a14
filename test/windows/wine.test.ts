// The host-independent parts built for Windows and run under Wine (scripts/build-windows.sh runs them
// through ctest): the runtime and core suites against the real generated Wasm C, the Win32 process
// launcher (pipes on the thread pool, Job Objects), and chatsocket.dll loaded and registered the way IIS
// does it.
import assert from "node:assert/strict";
import { before, describe } from "node:test";

import { SKIP_WINDOWS, buildAndTestUnderWine, wineBinary, windowsTest } from "./mingw";

describe("the mingw-w64 build under Wine", () => {
  let report: string;
  before(() => {
    if (SKIP_WINDOWS) return;
    wineBinary();
    report = buildAndTestUnderWine();
  });

  const passed = (name: string) => new RegExp(`Test +#\\d+: ${name} \\.+ +Passed`).test(report);

  windowsTest("the runtime suite passes (traps, memory, threads, exceptions, recursion)", () => {
    assert.ok(passed("cs_runtime_tests"), report);
  });

  windowsTest("the core suite passes against the real generated Wasm C", () => {
    assert.ok(passed("cs_core_tests"), report);
  });

  windowsTest("the Win32 launcher runs programs: stdin, stdout, stderr, exit codes, a whole tree ended, the policy", () => {
    assert.ok(passed("cs_process_tests"), report);
  });

  windowsTest("chatsocket.dll loads, registers with IIS-like fakes, and carries its message table and version", () => {
    assert.ok(passed("cs_module_dll_tests"), report);
  });

  windowsTest("nothing else ran and nothing failed", () => {
    assert.match(report, /100% tests passed, 0 tests failed out of 4/);
  });
});
