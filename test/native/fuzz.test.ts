// The libFuzzer targets of native/fuzz (scripts/fuzz.sh), each for a bounded time: the frame parser and echo,
// the handshake, and endpoint files, through the generated Wasm C that ships, under AddressSanitizer and
// UndefinedBehaviorSanitizer. A run passes when nothing failed and it really ran: enough inputs, and coverage
// of the module's code. Then the target with planted bugs shows that a trap and a broken rule do fail.
// CHATSOCKET_FUZZ_SECONDS sets the time per target (default 20; npm test stops a file after 5 minutes, so for
// long runs use scripts/fuzz.sh itself); CHATSOCKET_SKIP_FUZZ=1 skips them (reported).
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";

import { REPO_ROOT } from "../support/paths";

const SKIP = process.env.CHATSOCKET_SKIP_FUZZ === "1" ? "CHATSOCKET_SKIP_FUZZ=1" : false;
const SECONDS = Number(process.env.CHATSOCKET_FUZZ_SECONDS ?? 20);
// Far below what any target does in a second here: a harness that returns early, or a build that left the
// module uninstrumented, falls short of these.
const MIN_RUNS = 1000;
const MIN_COVERAGE = 300;

function fuzz(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync("bash", [path.join(REPO_ROOT, "scripts", "fuzz.sh"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

const output = (result: SpawnSyncReturns<string>) => `${result.stdout}\n${result.stderr}`.slice(-20000);

describe("the fuzz targets", () => {
  for (const [target, what] of [
    ["frames", "client bytes in any split against echo with small limits"],
    ["handshake", "request heads against echo, chat and process endpoints"],
    ["endpoint", "endpoint files, each then serving a connection"],
  ]) {
    // The first target also builds them all (a minute or so in a fresh checkout).
    test(`fuzz_${target}: ${what}, ${SECONDS} s without a failure`, { skip: SKIP, timeout: 20 * 60_000 }, () => {
      const result = fuzz(target, String(SECONDS));
      assert.equal(result.status, 0, output(result));
      const runs = Number(/^Done (\d+) runs/m.exec(result.stdout)?.[1] ?? 0);
      assert.ok(runs >= MIN_RUNS, `only ${runs} inputs ran:\n${output(result)}`);
      const coverage = Number(/^#\d+\s+DONE\s+cov: (\d+)/m.exec(result.stdout)?.[1] ?? 0);
      assert.ok(coverage >= MIN_COVERAGE, `coverage ${coverage} is too low to be the module's code:\n${output(result)}`);
    });
  }

  describe("with planted bugs (fuzz_frames_planted)", () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "chatsocket-fuzz-"));
    after(() => rmSync(scratch, { recursive: true, force: true }));

    test("a broken rule fails the run, and fuzz.sh names the saved input", { skip: SKIP }, () => {
      const result = fuzz("frames_planted", "10");
      assert.equal(result.status, 1, output(result));
      assert.match(result.stdout, /chatsocket fuzz: the module sent bytes after its close frame/);
      const saved = /^fuzz: frames_planted FAILED \(exit \d+\); input: (\S+)$/m.exec(result.stdout)?.[1];
      assert.ok(saved && existsSync(path.join(REPO_ROOT, saved)), output(result));
      assert.match(saved, /^build\/fuzz\/artifacts\/frames_planted\/crash-/, "never written into the repository's corpus");
    });

    test("a trap in the module fails the input", { skip: SKIP }, () => {
      const built = fuzz("build");
      assert.equal(built.status, 0, output(built));
      // Setup byte 0 (the first endpoint, no backpressure), split byte 0, then a masked text frame "trap",
      // which kind = test answers by aborting.
      const mask = [0x11, 0x22, 0x33, 0x44];
      const payload = [...Buffer.from("trap")].map((byte, i) => byte ^ mask[i % 4]);
      const input = path.join(scratch, "trap");
      writeFileSync(input, Buffer.from([0, 0, 0x81, 0x80 | payload.length, ...mask, ...payload]));
      const result = spawnSync(path.join(REPO_ROOT, "build", "fuzz", "fuzz_frames_planted"), [input], {
        encoding: "utf8",
      });
      assert.notEqual(result.status, 0, output(result));
      assert.match(result.stderr, /chatsocket fuzz: cs_event \(bytes\) trapped: unreachable executed/);
      assert.match(result.stderr, /module log: error: handler aborted: test handler: trap requested by the client/);
      assert.match(result.stderr, /ERROR: libFuzzer: deadly signal/);
    });
  });
});
