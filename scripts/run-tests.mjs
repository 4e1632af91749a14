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

// The sanitizer suites' two instrumented trees take over 15 minutes to build on a fresh checkout: they are
// built here, before the runner's timeouts start, so that those bound the tests and not the compiler.
if (files.some((file) => file.endsWith("sanitizers.test.js")) && process.env.CHATSOCKET_SKIP_SANITIZERS !== "1") {
  const started = Date.now();
  process.stdout.write("run-tests: building the sanitizer trees (build/asan, build/tsan) ... ");
  const build = spawnSync("bash", [path.join(root, "scripts", "sanitize.sh"), "build"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) {
    console.log("FAILED");
    console.error(`${build.stdout}\n${build.stderr}`);
    process.exit(1);
  }
  console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// The runner's timeout bounds every test, and each file as a whole too: 15 minutes; a test that should be
// quicker says so with its own timeout.
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=1", "--test-timeout=900000", ...files],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
