// The process bridge against websocketd (Debian's), both running /bin/cat, measured in the same run and
// printed as ratios. `npm run bench:process`.
//   lines/s: C connections, each keeping W lines of S bytes in flight through cat, for BENCH_SECONDS.
//   connects/s: C clients in a loop, each connecting (a program is started), sending one line, getting it
//   back and closing, for BENCH_SECONDS.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import WebSocket from "ws";

import { scratchSite } from "../test/support/host_process";
import { forkServer, serveHost, serverRole } from "./server_process";
import { treeCpuSeconds } from "./tree_cpu";

interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CAT = "/bin/cat";

const role = serverRole();
if (role === "chatsocket") {
  const site = scratchSite();
  writeFileSync(path.join(site, "cat.chatsocket"), `kind = process\ncommand = ["${CAT}"]\nmax_processes = 65535\n`);
  serveHost({
    site,
    completionMode: "after-return",
    env: { CHATSOCKET_ALLOWED_PROGRAMS: CAT, CHATSOCKET_MAX_PROCESSES: "65535" },
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
  return { name: "chatsocket", pid: server.pid, url: `ws://127.0.0.1:${server.port}/cat.chatsocket`, stop: server.stop };
}

async function startWebsocketd(): Promise<Peer> {
  const port = await freePort();
  const child = spawn("websocketd", ["--address=127.0.0.1", `--port=${port}`, "--loglevel=error", CAT], {
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
    url: `ws://127.0.0.1:${port}/`,
    stop: () => new Promise((done) => (child.once("exit", () => done()), child.kill("SIGTERM"))),
  };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

interface Measure {
  rate: number;
  /** The server's CPU (its processes and the programs it ran) per 1000 lines or connections. */
  cpuMsPerThousand: number;
}

async function linesPerSecond(peer: Peer, connections: number, inFlight: number, size: number): Promise<Measure> {
  const line = "x".repeat(size);
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(peer.url)));
  let echoed = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", (data: Buffer) => {
      if (data.length !== size) throw new Error(`${peer.name} sent back ${data.length} bytes for ${size}`);
      echoed++;
      if (running) ws.send(line);
    });
    for (let i = 0; i < inFlight; i++) ws.send(line);
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  const start = echoed;
  const cpu = treeCpuSeconds(peer.pid);
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const lines = echoed - start;
  const rate = (lines * 1e9) / Number(process.hrtime.bigint() - started);
  const used = treeCpuSeconds(peer.pid) - cpu;
  running = false;
  for (const ws of sockets) ws.terminate();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the programs end before the next run
  return { rate, cpuMsPerThousand: (used * 1e6) / lines };
}

async function connectsPerSecond(peer: Peer, clients: number): Promise<Measure> {
  let cycles = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const client = async () => {
    while (Date.now() < deadline) {
      const ws = await open(peer.url);
      await new Promise<void>((resolve, reject) => {
        ws.once("message", (data: Buffer) => (data.toString() === "hello" ? resolve() : reject(new Error(`got ${data}`))));
        ws.send("hello");
      });
      await new Promise<void>((resolve) => (ws.once("close", () => resolve()), ws.close(1000)));
      cycles++;
    }
  };
  const cpu = treeCpuSeconds(peer.pid);
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, client));
  const rate = (cycles * 1e9) / Number(process.hrtime.bigint() - started);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the last programs end and are counted
  return { rate, cpuMsPerThousand: ((treeCpuSeconds(peer.pid) - cpu) * 1e6) / cycles };
}

function row(label: string, ours: Measure, theirs: Measure): void {
  const ratio = (ours.rate / theirs.rate).toFixed(2);
  const cpu = (theirs.cpuMsPerThousand / ours.cpuMsPerThousand).toFixed(2);
  console.log(
    `${label.padEnd(34)} ${ours.rate.toFixed(0).padStart(9)} ${theirs.rate.toFixed(0).padStart(9)} ${ratio.padStart(7)}` +
      `   ${ours.cpuMsPerThousand.toFixed(0).padStart(7)} ${theirs.cpuMsPerThousand.toFixed(0).padStart(7)} ${cpu.padStart(7)}`,
  );
}

async function main(): Promise<void> {
  const peers = [await startChatsocket(), await startWebsocketd()];
  try {
    console.log(`kind = process against websocketd, both running ${CAT}; ${SECONDS}s per run, client: ws in this process`);
    console.log("                                     per second, higher is better    server CPU ms per 1000, lower is better");
    console.log("scenario                              chatsock websocketd  ratio     chatsock websocketd  ratio");
    for (const [connections, inFlight, size] of [
      [1, 1, 32],
      [10, 16, 32],
      [10, 4, 4096],
    ]) {
      const rates = [];
      for (const peer of peers) rates.push(await linesPerSecond(peer, connections, inFlight, size));
      row(`lines/s ${connections} conn × ${inFlight} × ${size} B`, rates[0], rates[1]);
    }
    for (const clients of [1, 8]) {
      const rates = [];
      for (const peer of peers) rates.push(await connectsPerSecond(peer, clients));
      row(`connects/s, ${clients} client(s) in a loop`, rates[0], rates[1]);
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
