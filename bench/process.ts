// The process bridge against websocketd (Debian's), both running /bin/cat, measured in the same run and
// printed as ratios. `npm run bench:process`.
//   lines/s: C connections, each keeping W lines of S bytes in flight through cat, for BENCH_SECONDS
//     (native/bench/echo_load.c with text frames: each message is a line on cat's stdin and comes back).
//   round trip: one line at a time on one connection, p50 and p99.
//   connects/s: C clients in a loop, each connecting (a program is started), sending one line, getting it
//     back and closing (native/bench/connect_load.c, a thread per client).
// With two CPUs or more the client runs on CPU 0 and each server, with the programs it starts, on CPU 1, as
// bench/echo.ts does, so that neither server can take the client's core.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";

import { scratchSite } from "../test/support/host_process";
import { LoadResult, runCClient } from "./c_client";
import { forkServer, pinProcess, serveHost, serverRole } from "./server_process";

interface Peer {
  name: string;
  port: number;
  /** The endpoint's request target. */
  target: string;
  pid: number;
  stop(): Promise<void>;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CAT = "/bin/cat";
// What each program inherits from its server, the same for both: websocketd's default (--passenv). With
// chatsocket's default (LANG too) cat would load the locale at every start, ~6 % of a connect's CPU.
const PASS_ENVIRONMENT = "PATH,LD_LIBRARY_PATH";
const CLIENT_CPU = os.availableParallelism() >= 2 ? 0 : undefined;
const SERVER_CPU = 1;
// chatsocket's server pins itself before the host starts, so that it runs one I/O thread (serveHost).
if (CLIENT_CPU !== undefined) process.env.BENCH_SERVER_CPU = String(SERVER_CPU);

const role = serverRole();
if (role === "chatsocket") {
  const site = scratchSite();
  writeFileSync(path.join(site, "cat.chatsocket"), `kind = process\ncommand = ["${CAT}"]\nmax_processes = 65535\n`);
  serveHost({
    site,
    completionMode: "after-return",
    env: { CHATSOCKET_ALLOWED_PROGRAMS: CAT, CHATSOCKET_MAX_PROCESSES: "65535", CHATSOCKET_PASS_ENVIRONMENT: PASS_ENVIRONMENT },
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startChatsocket(): Promise<Peer> {
  const server = await forkServer(__filename, "chatsocket");
  return { name: "chatsocket", pid: server.pid, port: server.port, target: "/cat.chatsocket", stop: server.stop };
}

async function startWebsocketd(): Promise<Peer> {
  const port = await freePort();
  const child = spawn("websocketd", ["--address=127.0.0.1", `--port=${port}`, "--loglevel=error", `--passenv=${PASS_ENVIRONMENT}`, CAT], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`websocketd could not start (apt-get install websocketd): ${error.message}`)));
    const poll = () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      ws.once("open", () => (ws.close(), resolve()));
      ws.once("error", () => setTimeout(poll, 50));
    };
    poll();
  });
  return {
    name: "websocketd",
    pid: child.pid!,
    port,
    target: "/",
    stop: () => new Promise((done) => (child.once("exit", () => done()), child.kill("SIGTERM"))),
  };
}

interface Measure {
  rate: number;
  /** The server's CPU (its processes and the programs it ran) per 1000 lines or connections, in ms. */
  cpuMsPerThousand: number;
  /** The client's CPU in % of one core. */
  clientPercent: number;
  p50?: number;
  p99?: number;
}

/** Runs `program` with `mode` (its first arguments, if any), the peer's port and target, then `args`. */
async function measure(peer: Peer, program: string, mode: string[], args: (string | number)[]): Promise<Measure> {
  const { result, serverCpu } = await runCClient<LoadResult>({
    program,
    args: [...mode, peer.port, peer.target, ...args],
    serverPids: [peer.pid],
    cpu: CLIENT_CPU,
    against: peer.name,
  });
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the programs end before the next run
  return {
    rate: result.messages / result.seconds,
    cpuMsPerThousand: (serverCpu * 1e6) / Math.max(1, result.messages),
    clientPercent: (100 * result.clientCpu) / result.seconds,
    p50: result.p50,
    p99: result.p99,
  };
}

const linesPerSecond = (peer: Peer, connections: number, inFlight: number, size: number) =>
  measure(peer, "cs_echo_load", ["throughput"], [connections, inFlight, size, SECONDS, "text"]);
const lineRoundTrip = (peer: Peer, size: number) => measure(peer, "cs_echo_load", ["latency"], [size, SECONDS, "text"]);
const connectsPerSecond = (peer: Peer, clients: number) => measure(peer, "cs_connect_load", [], [clients, SECONDS]);

function row(label: string, ours: Measure, theirs: Measure): void {
  const number = (value: number, digits = 0) => value.toFixed(digits).padStart(9);
  const ratio = (value: number) => value.toFixed(2).padStart(6);
  const client = (m: Measure) => `${m.clientPercent.toFixed(0)}%`.padStart(5);
  console.log(
    `${label.padEnd(32)}${number(ours.rate)}${number(theirs.rate)} ${ratio(ours.rate / theirs.rate)}` +
      `${number(ours.cpuMsPerThousand, 1)}${number(theirs.cpuMsPerThousand, 1)} ${ratio(theirs.cpuMsPerThousand / ours.cpuMsPerThousand)}` +
      `  ${client(ours)}${client(theirs)}`,
  );
  if (ours.p50 === undefined || theirs.p50 === undefined) return;
  for (const key of ["p50", "p99"] as const) {
    const mine = ours[key]!;
    const peer = theirs[key]!;
    console.log(`${`  round trip ${key}, µs`.padEnd(32)}${number(mine, 1)}${number(peer, 1)} ${ratio(peer / mine)}`);
  }
}

async function main(): Promise<void> {
  const peers = [await startChatsocket(), await startWebsocketd()];
  if (CLIENT_CPU !== undefined) for (const peer of peers) pinProcess(peer.pid, SERVER_CPU);
  try {
    const where = CLIENT_CPU === undefined ? "" : `; client on CPU ${CLIENT_CPU}, servers and their programs on CPU ${SERVER_CPU}`;
    console.log(`kind = process against websocketd, both running ${CAT}; ${SECONDS}s per run${where}; ratios: chatsocket's advantage`);
    console.log("                                    per second, higher better   server CPU µs each, lower better   client core");
    console.log("scenario                         chatsock websocketd  ratio  chatsock websocketd  ratio  chatsock  wsd");
    const lineRows: [number, number, number][] = [
      [1, 1, 32],
      [10, 16, 32],
      [10, 4, 4096],
    ];
    for (const [connections, inFlight, size] of lineRows) {
      const runs = [];
      for (const peer of peers) runs.push(await linesPerSecond(peer, connections, inFlight, size));
      row(`lines/s ${connections} conn × ${inFlight} × ${size} B`, runs[0], runs[1]);
    }
    const roundTrips = [];
    for (const peer of peers) roundTrips.push(await lineRoundTrip(peer, 32));
    row("one line at a time, 32 B", roundTrips[0], roundTrips[1]);
    for (const clients of [1, 8]) {
      const runs = [];
      for (const peer of peers) runs.push(await connectsPerSecond(peer, clients));
      row(`connects/s, ${clients} client(s) in a loop`, runs[0], runs[1]);
    }
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
}

if (!role) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
