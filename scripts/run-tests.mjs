// `npm test`: every suite (C++ unit tests through ctest, Wasm unit tests, integration through the host)
// under node's test runner, so one summary closes the run. `npm test -- <pattern>` narrows by file path.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const testRoot = path.join(root, "build", "js", "test");

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return name.endsWith(".test.js") ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = testFiles(testRoot)
  // Matched against the path inside the checkout, so a checkout whose own path holds the pattern (a worktree
  // named after its branch) does not match every file.
  .filter((file) => filters.length === 0 || filters.some((filter) => path.relative(root, file).includes(filter)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

// The runner's timeout bounds every test, and each file as a whole too: 15 minutes, because the sanitizer
// file builds and runs two instrumented trees (over 5 minutes on a fresh checkout); a test that should be
// quicker says so with its own timeout.
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=1", "--test-timeout=900000", ...files],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
