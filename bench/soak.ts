// `npm run soak`: churns WebSocket connections against `npm start`'s server (a child process, on a scratch copy
// of the test site) for SOAK_SECONDS, with slow-loris writers and half-open clients beside them, and prints the
// server's memory, file descriptors and threads before (after a warm-up), at the peak and after a settle
// period. Exits 1 only when something is clearly wrong: a lost echo or failed connection, a slow or half-open
// client the server never cut, the server gone, or its descriptors not back near where they were.
//
// SOAK_SECONDS (60), SOAK_CONNECTIONS (10000, spread over the seconds), SOAK_CONCURRENCY (200: at most that many
// at once, and each lingers for about that many to be open), SOAK_SLOW_CLIENTS (10), SOAK_HALF_OPEN_CLIENTS
// (10), SOAK_SETTLE_SECONDS (40: past the host's 30 s retention of finished requests, which hold their memory
// until then), SOAK_FD_TOLERANCE (8).
import { writeFileSync } from "node:fs";
import path from "node:path";

import { HostProcess, scratchSite, startHostProcess } from "../test/support/host_process";
import { Resources, maxResources, resourcesOf } from "./proc_resources";
import { Tally, churnOne, halfOpen, newTally, slowLoris } from "./soak_clients";

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${process.env[name]} is not a number`);
  return value;
}
const SECONDS = setting("SOAK_SECONDS", 60);
const CONNECTIONS = setting("SOAK_CONNECTIONS", 10000);
const CONCURRENCY = Math.max(1, setting("SOAK_CONCURRENCY", 200));
const SLOW_CLIENTS = setting("SOAK_SLOW_CLIENTS", 10);
const HALF_OPEN_CLIENTS = setting("SOAK_HALF_OPEN_CLIENTS", 10);
const SETTLE_SECONDS = setting("SOAK_SETTLE_SECONDS", 40);
const FD_TOLERANCE = setting("SOAK_FD_TOLERANCE", 8);
const WARM_UP_CONNECTIONS = 200;
// The host's hand-off pool grows by a thread whenever none is idle, up to 64; its threads leave after 5 s idle.
const POOL_THREADS = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function soakSite(): string {
  const site = scratchSite();
  // Short keepalive and close timeouts, so a half-open client is cut within the run.
  writeFileSync(
    path.join(site, "soak-echo.chatsocket"),
    "kind = echo\nping_interval = 1000\npong_timeout = 1000\nclose_timeout = 1000\nidle_timeout = 10000\n",
  );
  writeFileSync(path.join(site, "soak-room.chatsocket"), "kind = chat\nrooms = query\nformat = raw\nclose_timeout = 1000\n");
  return site;
}

/** Runs `count` churned connections, `concurrency` at once, spread evenly over `seconds`. Each stays open long
 * enough (up to 5 s) for about `concurrency` to be open at a time. */
async function churn(server: HostProcess, count: number, concurrency: number, seconds: number, tally: Tally) {
  const start = Date.now();
  const spacing = (seconds * 1000) / Math.max(1, count);
  const holdMs = Math.min(5000, 0.8 * concurrency * spacing);
  let next = 0;
  const worker = async () => {
    while (next < count && server.running()) {
      const index = next++;
      const wait = start + index * spacing - Date.now();
      if (wait > 0) await sleep(wait);
      await churnOne(server.port, index, holdMs, tally);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function table(before: Resources, peak: Resources, after: Resources): string {
  const rows: Array<[string, (r: Resources) => string]> = [
    ["RSS (MiB)", (r) => (r.rssBytes / 1048576).toFixed(1)],
    ["open fds", (r) => String(r.fds)],
    ["threads", (r) => String(r.threads)],
  ];
  const lines = [`${"".padEnd(10)}${"before".padStart(10)}${"peak".padStart(10)}${"after".padStart(10)}`];
  for (const [name, show] of rows)
    lines.push(`${name.padEnd(10)}${show(before).padStart(10)}${show(peak).padStart(10)}${show(after).padStart(10)}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const server = await startHostProcess(soakSite(), {
    HEADER_WAIT_MS: "2000",
    IDLE_CONNECTION_TIMEOUT_MS: "2000",
    CHATSOCKET_LOG_LEVEL: "warning",
  });
  console.log(`soak: server pid ${server.pid} on port ${server.port}; ${CONNECTIONS} connections over ${SECONDS} s, ` +
    `${CONCURRENCY} at once, ${SLOW_CLIENTS} slow-loris and ${HALF_OPEN_CLIENTS} half-open clients`);
  const problems: string[] = [];

  await churn(server, WARM_UP_CONNECTIONS, CONCURRENCY, 1, newTally());
  await sleep(2000);
  const before = resourcesOf(server.pid);
  if (!before) throw new Error("the server died during the warm-up");
  let peak = before;
  const sampler = setInterval(() => {
    const now = resourcesOf(server.pid);
    if (now) peak = maxResources(peak, now);
  }, 250);

  const tally = newTally();
  const started = Date.now();
  let running = true;
  const loops = [
    ...Array.from({ length: SLOW_CLIENTS }, () => slowLoris(server.port, () => running && server.running(), tally)),
    ...Array.from({ length: HALF_OPEN_CLIENTS }, () => halfOpen(server.port, () => running && server.running(), tally)),
  ];
  await churn(server, CONNECTIONS, CONCURRENCY, SECONDS, tally);
  running = false;
  await Promise.all(loops);
  const elapsed = (Date.now() - started) / 1000;
  clearInterval(sampler);

  await sleep(SETTLE_SECONDS * 1000);
  let after = resourcesOf(server.pid);
  // Closing is asynchronous on the server's side too: give its descriptors a little longer to come back.
  for (let tries = 0; after && after.fds > before.fds + FD_TOLERANCE && tries < 20; tries++) {
    await sleep(500);
    after = resourcesOf(server.pid);
  }
  const alive = server.running() && after !== undefined;
  after ??= { rssBytes: 0, fds: 0, threads: 0 };

  console.log(table(before, peak, after));
  console.log(
    `in ${elapsed.toFixed(1)} s: ${tally.connections} connections (${tally.cleanCloses} closed cleanly, ` +
      `${tally.destroyed} destroyed), ${tally.messagesBack}/${tally.messagesSent} messages echoed, ` +
      `${tally.lorisCut} slow-loris and ${tally.halfOpenCut} half-open connections cut by the server, ` +
      `${tally.failures} failures`,
  );
  for (const failure of tally.firstFailures) console.log(`  failure: ${failure}`);

  if (!alive) problems.push(`the server died (${server.ending()}): ${server.logLines().slice(-20).join("\n")}`);
  if (tally.failures > 0) problems.push(`${tally.failures} failures`);
  if (tally.connections < CONNECTIONS) problems.push(`only ${tally.connections} of ${CONNECTIONS} connections opened`);
  if (SLOW_CLIENTS > 0 && tally.lorisCut === 0) problems.push("no slow-loris connection was cut");
  if (HALF_OPEN_CLIENTS > 0 && tally.halfOpenCut === 0) problems.push("no half-open connection was cut");
  if (alive && after.fds > before.fds + FD_TOLERANCE) problems.push(`${after.fds - before.fds} more fds than before`);
  if (alive && after.threads > before.threads + POOL_THREADS) problems.push(`${after.threads - before.threads} more threads`);
  console.log(`soak-result ${JSON.stringify({ before, peak, after, alive, elapsed, tally, problems })}`);
  for (const problem of problems) console.error(`soak: ${problem}`);
  await server.stop();
  return problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`soak: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
