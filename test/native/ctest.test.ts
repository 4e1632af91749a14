// The C++ unit tests run by ctest, reported here so one runner sums up. Each suite is named: one that CMake
// dropped (a lost add_test, a test directory no longer added) fails the run instead of going unnoticed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { before, describe, test } from "node:test";

import { CPP_SUITES } from "../support/cpp_suites";
import { BUILD_DIR } from "../support/paths";


describe("the C++ unit tests under ctest", () => {
  let report: string;
  before(() => {
    const result = spawnSync("ctest", ["--test-dir", path.join(BUILD_DIR, "native"), "--output-on-failure"], {
      encoding: "utf8",
    });
    report = result.stdout;
    process.stdout.write(report.split("\n").map((line) => `  ${line}`).join("\n"));
    assert.equal(result.status, 0, result.stderr || "ctest failed");
  });

  for (const [suite, what] of CPP_SUITES) {
    test(`${suite}: ${what}`, () => {
      assert.match(report, new RegExp(`Test +#\\d+: ${suite} \\.+ +Passed`), report);
    });
  }

  test("nothing else ran and nothing failed", () => {
    assert.match(report, new RegExp(`100% tests passed, 0 tests failed out of ${CPP_SUITES.length}\\b`));
  });
});
