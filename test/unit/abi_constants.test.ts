// Every ABI constant has one source, src/abi.json; its copies are checked by value (scripts/gen-abi.mjs).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";

import * as harnessCopy from "../support/abi_constants";
import { REPO_ROOT } from "../support/paths";

const GEN = path.join(REPO_ROOT, "scripts", "gen-abi.mjs");
const source = JSON.parse(readFileSync(path.join(REPO_ROOT, "src", "abi.json"), "utf8")) as {
  version: number;
  groups: Record<string, { values: Record<string, [number, string]> }>;
};

function check(...copies: string[]) {
  const args = [GEN, "--check", ...copies.flatMap((c) => ["--copy", c])];
  return spawnSync(process.execPath, args, { encoding: "utf8" });
}

/** `file` with `from` replaced by `to` (which must occur exactly once), written to a scratch file. */
function tampered(file: string, from: RegExp, to: string): string {
  const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
  assert.equal(text.match(new RegExp(from, "g"))?.length, 1, `${from} occurs once in ${file}`);
  const scratch = mkdtempSync(path.join(tmpdir(), "abi-"));
  process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  const out = path.join(scratch, path.basename(file));
  writeFileSync(out, text.replace(from, to));
  return out;
}

describe("ABI constants", () => {
  it("every copy matches src/abi.json", () => {
    const result = check();
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /every copy matches/);
  });

  it("the tests' copy holds the source's values (compared as loaded, not as text)", () => {
    assert.equal(harnessCopy.ABI_VERSION, source.version);
    const loaded = harnessCopy as unknown as Record<string, Record<string, number>>;
    for (const [group, { values }] of Object.entries(source.groups)) {
      for (const [name, [value]] of Object.entries(values)) assert.equal(loaded[group][name], value, `${group}.${name}`);
      assert.deepEqual(Object.keys(loaded[group]).sort(), Object.keys(values).sort(), group);
    }
  });

  it("fails when the C++ copy is edited by hand, naming the constant and both values", () => {
    const edited = tampered("native/core/abi_constants.h", /kBackpressure = 2,/, "kBackpressure = 7,");
    const result = check(`cpp=${edited}`);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Status\.BACKPRESSURE is 7, src\/abi\.json says 2/);
  });

  it("fails when the AssemblyScript copy is edited by hand", () => {
    const edited = tampered("src/abi_constants.ts", /TIMER_SLOTS = 8,/, "TIMER_SLOTS = 16,");
    const result = check(`as=${edited}`);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Limit\.TIMER_SLOTS is 16, src\/abi\.json says 8/);
  });

  it("fails when the tests' copy loses a constant", () => {
    const edited = tampered("test/support/abi_constants.ts", /\n {2}WRITABLE: 2,/, "");
    const result = check(`ts=${edited}`);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Event\.WRITABLE is missing/);
  });

  it("fails when the table in docs/ABI.md disagrees", () => {
    const edited = tampered("docs/ABI.md", /\| `INTERNAL_ERROR` \| 1011 \|/, "| `INTERNAL_ERROR` | 1012 |");
    const result = check(`doc=${edited}`);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /CloseCode\.INTERNAL_ERROR is 1012, src\/abi\.json says 1011/);
  });

  it("passes a copy that is only reformatted", () => {
    const edited = tampered("native/core/abi_constants.h", /kDropped = 3,/, "kDropped   =   3 ,");
    const result = check(`cpp=${edited}`);
    assert.equal(result.status, 0, result.stderr);
  });
});
