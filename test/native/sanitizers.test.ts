// The C++ suites under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer
// (scripts/sanitize.sh): the real module on the host, many clients on many threads, with any race, leak,
// bad access or undefined behaviour failing the run. CHATSOCKET_SKIP_SANITIZERS=1 skips them (reported).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

import { CPP_SUITES } from "../support/cpp_suites";
import { REPO_ROOT } from "../support/paths";

const SKIP = process.env.CHATSOCKET_SKIP_SANITIZERS === "1" ? "CHATSOCKET_SKIP_SANITIZERS=1" : false;

for (const [sanitizer, what] of [
  ["asan", "AddressSanitizer and UndefinedBehaviorSanitizer"],
  ["tsan", "ThreadSanitizer"],
]) {
  // scripts/run-tests.mjs builds both trees before the runner starts; run alone, the first build is here.
  test(`the C++ suites pass under ${what}, with no report`, { skip: SKIP, timeout: 30 * 60_000 }, () => {
    const result = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "sanitize.sh"), sanitizer], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.status, 0, output.slice(-20000));
    assert.doesNotMatch(output, /ERROR: AddressSanitizer|runtime error:|WARNING: ThreadSanitizer|ERROR: LeakSanitizer/);
    assert.match(result.stdout, new RegExp(`100% tests passed, 0 tests failed out of ${CPP_SUITES.length}\\b`));
  });
}
