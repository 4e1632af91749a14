// The C++ unit tests (runtime, core, compat, host) run by ctest, reported here so one runner sums up.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

import { BUILD_DIR } from "../support/paths";

test("the C++ unit tests pass under ctest", () => {
  const result = spawnSync("ctest", ["--test-dir", path.join(BUILD_DIR, "native"), "--output-on-failure"], {
    encoding: "utf8",
  });
  process.stdout.write(result.stdout.split("\n").map((line) => `  ${line}`).join("\n"));
  assert.equal(result.status, 0, result.stderr || "ctest failed");
  assert.match(result.stdout, /100% tests passed/);
});
