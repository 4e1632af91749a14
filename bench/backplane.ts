// A chat room across two servers through Redis, against the single-server room, in the same run.
// `npm run bench:backplane`. A redis-server (Debian's) on a free 127.0.0.1 port and two chatsocket servers, A and
// B, each in a child process with CHATSOCKET_REDIS. One sender on A keeps W messages of 64 B in flight; R
// (BENCH_RECEIVERS, 500) receivers are either all on A in a room with `backplane = off` (the single-server
// room), all on A in the shared room (what the backplane costs a server alone), or split between A and B
// (every message crosses Redis to reach B's half). Deliveries per second, p50 and p99 from send to each
// receiver, and the servers' CPU per delivery (Redis's not counted).
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import WebSocket from "ws";

import { scratchSite } from "../test/support/host_process";
import { fanOut, Measure, RoomAddress } from "./fan_out";
import { forkServer, serveHost, serverRole, ServerProcess } from "./server_process";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RECEIVERS = Number(process.env.BENCH_RECEIVERS ?? 500);
const TEXT_BYTES = 64;

const role = serverRole();
if (role === "chatsocket") {
  const site = scratchSite();
  const room = `kind = chat\necho_self = false\nmax_rate = 0\nmax_members = ${RECEIVERS + 10}\n`;
  writeFileSync(path.join(site, "shared.chatsocket"), room);
  writeFileSync(path.join(site, "local.chatsocket"), `${room}backplane = off\n`);
  serveHost({ site, env: { CHATSOCKET_REDIS: process.env.BENCH_REDIS_URL ?? "" } });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return redis;
}

/** Waits until a message sent on A reaches a member on B: both backplanes are up. */
async function crossing(a: ServerProcess, b: ServerProcess): Promise<void> {
  const open = (port: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/shared.chatsocket?name=probe`);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  const [there, here] = [await open(b.port), await open(a.port)];
  try {
    const deadline = Date.now() + 20000;
    let heard = false;
    there.on("message", (data) => (heard ||= data.toString().includes('"text":"probe"')));
    while (!heard) {
      if (Date.now() > deadline) throw new Error("the two servers never heard each other through Redis");
      here.send("probe");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    there.terminate();
    here.terminate();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

function row(label: string, measure: Measure, baseline: Measure): void {
  const cells = [
    measure.deliveriesPerSecond.toFixed(0).padStart(10),
    (measure.deliveriesPerSecond / baseline.deliveriesPerSecond).toFixed(2).padStart(6),
    (measure.p50 / 1000).toFixed(1).padStart(8),
    (measure.p99 / 1000).toFixed(1).padStart(8),
    (measure.p99 / baseline.p99).toFixed(2).padStart(6),
    measure.cpuNs.toFixed(0).padStart(9),
    measure.clientPercent.toFixed(0).padStart(7),
  ];
  console.log(`${label.padEnd(40)}${cells.join(" ")}`);
}

async function main(): Promise<void> {
  const redisPort = await freePort();
  const redis = await startRedis(redisPort);
  process.env.BENCH_REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  const servers = [await forkServer(__filename, "chatsocket"), await forkServer(__filename, "chatsocket")];
  const [a, b] = servers;
  try {
    await crossing(a, b);
    console.log(`1 sender on A → ${RECEIVERS} receivers, ${TEXT_BYTES} B of text, ${SECONDS}s per run; ratios against the single-server room`);
    console.log(`${"".padEnd(40)}deliveries/s  ratio   p50 ms   p99 ms  ratio  cpu ns/d client %`);
    const on = (server: ServerProcess, room: string): RoomAddress => ({ port: server.port, path: `/${room}.chatsocket` });
    for (const inFlight of [1, 16]) {
      const run = { format: "json" as const, inFlight, textBytes: TEXT_BYTES, seconds: SECONDS, count: RECEIVERS };
      const single = await fanOut({ ...run, sender: on(a, "local"), receivers: [on(a, "local")], serverPids: [a.pid] });
      const alone = await fanOut({ ...run, sender: on(a, "shared"), receivers: [on(a, "shared")], serverPids: [a.pid] });
      const split = await fanOut({
        ...run,
        sender: on(a, "shared"),
        receivers: [on(a, "shared"), on(b, "shared")],
        serverPids: [a.pid, b.pid],
      });
      row(`${inFlight} in flight: one server, backplane = off`, single, single);
      row(`${inFlight} in flight: one server, shared room`, alone, single);
      row(`${inFlight} in flight: split over A and B`, split, single);
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    redis.kill("SIGKILL");
  }
}

if (!role) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
