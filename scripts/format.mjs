#!/usr/bin/env node
// The C and C++ of native/ and windows/tests in one dialect (.clang-format at the root). Files whose first
// lines say GENERATED are left alone: their generator decides their shape.
//
//   node scripts/format.mjs           format every file in place (npm run format)
//   node scripts/format.mjs --check   list the files clang-format would change; exit 1 if any
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FOLDERS = ["native", "windows/tests"];
const SOURCE = /\.(c|cc|cpp|h|inc)$/;

function sources(dir) {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return SOURCE.test(entry.name) ? [relative] : [];
  });
}

const generated = (file) => /GENERATED/.test(readFileSync(path.join(root, file), "utf8").split("\n", 3).join("\n"));
const files = FOLDERS.flatMap(sources).filter((file) => !generated(file)).sort();

const check = process.argv.includes("--check");
const args = check ? ["--dry-run", "--Werror", ...files] : ["-i", ...files];
const result = spawnSync("clang-format", args, { cwd: root, encoding: "utf8" });
if (result.error) {
  console.error(`format: clang-format is not installed (apt-get install clang-format): ${result.error.message}`);
  process.exit(2);
}
if (check) {
  const changed = [...new Set([...result.stderr.matchAll(/^([^:\n]+):\d+:\d+: error/gm)].map((m) => m[1]))];
  if (changed.length > 0) {
    console.error(`format: ${changed.length} file(s) differ from .clang-format (run \`npm run format\`):`);
    for (const file of changed) console.error(`  ${file}`);
    process.exit(1);
  }
  console.log(`format: ${files.length} files match .clang-format`);
} else {
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(result.status ?? 1);
  }
  console.log(`format: ${files.length} files formatted`);
}
