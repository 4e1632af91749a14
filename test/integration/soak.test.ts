// A short run of the soak (bench/soak.ts) against `npm start`'s server: after a thousand churned connections,
// slow-loris writers and half-open clients, the server is alive and holds what it held before.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

import { REPO_ROOT } from "../support/paths";

interface Resources {
  rssBytes: number;
  fds: number;
  threads: number;
}

interface SoakResult {
  before: Resources;
  peak: Resources;
  after: Resources;
  alive: boolean;
  tally: { connections: number; messagesSent: number; messagesBack: number; lorisCut: number; halfOpenCut: number };
  problems: string[];
}

function runSoak(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "build", "js", "bench", "soak.js")], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

test("a short soak leaves the server alive with its descriptors and threads back", async () => {
  const { code, output } = await runSoak({
    SOAK_SECONDS: "10",
    SOAK_CONNECTIONS: "1000",
    SOAK_CONCURRENCY: "100",
    SOAK_SLOW_CLIENTS: "4",
    SOAK_HALF_OPEN_CLIENTS: "4",
    SOAK_SETTLE_SECONDS: "3",
  });
  const line = output.split("\n").find((l) => l.startsWith("soak-result "));
  assert.ok(line, `no result from the soak:\n${output}`);
  const result = JSON.parse(line.slice("soak-result ".length)) as SoakResult;
  console.log(output.split("\n").filter((l) => !l.startsWith("soak-result ")).join("\n"));
  assert.deepEqual(result.problems, []);
  assert.equal(code, 0, output);
  assert.ok(result.alive, "the server died");
  assert.equal(result.tally.connections, 1000);
  assert.equal(result.tally.messagesBack, result.tally.messagesSent);
  assert.ok(result.tally.lorisCut > 0 && result.tally.halfOpenCut > 0, "the host let slow or half-open clients stay");
  assert.ok(result.after.fds <= result.before.fds + 8, `fds ${result.before.fds} before, ${result.after.fds} after`);
  // The host's hand-off pool may keep up to 64 threads it grew at the peak.
  assert.ok(result.after.threads <= result.before.threads + 64, `threads ${result.before.threads} → ${result.after.threads}`);
});
