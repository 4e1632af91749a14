// permessage-deflate, chatsocket's `deflate.chatsocket` against ws with perMessageDeflate, in the same run,
// printed as ratios. `npm run bench:deflate`.
//
// Echo: C connections × W messages in flight of ~16 KiB of JSON-like text, every echo checked, BENCH_SAMPLES
// (3) samples of BENCH_SECONDS (3) per server, the servers taking turns. Memory: BENCH_IDLE (2000)
// connections each send one such message and then sit idle; the server's RSS growth divided by their number.
// The peers are ws configured as chatsocket is by default (no context takeover either way, threshold
// 1024 bytes, zlib's level 6) and ws with its own defaults (context takeover both ways). The client is ws in
// this process, offering permessage-deflate to all of them.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

import { EXAMPLE_SITE } from "../test/support/paths";
import { forkServer, reportPort, serveHost, serverRole } from "./server_process";
import { rssBytes } from "./proc_resources";
import { treeCpuSeconds } from "./tree_cpu";

interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

interface Scenario {
  connections: number;
  inFlight: number;
}

const SCENARIOS: Scenario[] = [
  { connections: 1, inFlight: 1 },
  { connections: 10, inFlight: 4 },
];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SAMPLES = Math.max(3, Number(process.env.BENCH_SAMPLES ?? 3));
const IDLE = Number(process.env.BENCH_IDLE ?? 2000);

const role = serverRole();
if (role === "ws-deflate" || role === "ws-deflate-takeover") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocketServer } = require("ws") as typeof import("ws");
  const noTakeover = role === "ws-deflate";
  const perMessageDeflate = { threshold: 1024, serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover };
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 16 * 1024 * 1024, perMessageDeflate });
  server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on("listening", () => reportPort((server.address() as { port: number }).port));
} else if (role === "chatsocket") {
  serveHost({ site: EXAMPLE_SITE });
}

async function startPeer(name: string, peerRole: string, pathname: string): Promise<Peer> {
  const server = await forkServer(__filename, peerRole);
  return { name, url: `ws://127.0.0.1:${server.port}${pathname}`, pid: server.pid, stop: server.stop };
}

/** ~16 KiB of JSON as an API or a chat history would send: repetitive keys, varied values. */
function jsonText(): string {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < 16 * 1024; i++) {
    items.push({ id: i, user: `user${(i * 7919) % 1000}`, text: `message number ${i * 31}`, seen: i % 3 === 0 });
  }
  return JSON.stringify(items);
}

function connect(peer: Peer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(peer.url, { perMessageDeflate: true, maxPayload: 64 * 1024 * 1024 });
    ws.once("open", () => {
      if (!String(ws.extensions).includes("permessage-deflate")) reject(new Error(`${peer.name} did not take permessage-deflate`));
      else resolve(ws);
    });
    ws.once("error", reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    ws.once("close", resolve);
    ws.close();
  })));
}

/** Echoed messages per second, and the server's CPU in % of one core. */
async function echoRate(peer: Peer, scenario: Scenario, text: string): Promise<{ rate: number; cpu: number }> {
  const sockets = await Promise.all(Array.from({ length: scenario.connections }, () => connect(peer)));
  let echoed = 0;
  let running = true;
  let wrong: string | undefined;
  for (const ws of sockets) {
    ws.on("message", (data: Buffer) => {
      if (data.toString() !== text) wrong ??= `${peer.name} echoed ${data.length} bytes that differ from what was sent`;
      echoed++;
      if (running) ws.send(text);
    });
    for (let i = 0; i < scenario.inFlight; i++) ws.send(text);
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  const start = echoed;
  const serverCpu = treeCpuSeconds(peer.pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const rate = (echoed - start) / elapsed;
  const cpu = ((treeCpuSeconds(peer.pid) - serverCpu) * 100) / elapsed;
  running = false;
  await closeAll(sockets);
  if (wrong) throw new Error(wrong);
  return { rate, cpu };
}

/** The server's RSS growth per idle compressed connection, each having sent and received one message. */
async function idleBytes(peer: Peer, text: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = rssBytes(peer.pid);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < IDLE; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, IDLE - i) }, () => connect(peer)));
    await Promise.all(batch.map((ws) => new Promise((resolve) => {
      ws.once("message", resolve);
      ws.send(text);
    })));
    sockets.push(...batch);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const grown = rssBytes(peer.pid) - before;
  await closeAll(sockets);
  return grown / IDLE;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const text = jsonText();
  const peers = [
    await startPeer("chatsocket", "chatsocket", "/deflate.chatsocket"),
    await startPeer("ws (no takeover)", "ws-deflate", "/"),
    await startPeer("ws (defaults)", "ws-deflate-takeover", "/"),
  ];
  try {
    console.log(`permessage-deflate echo of ${text.length} bytes of JSON, ${SAMPLES} samples of ${SECONDS}s per server; client: ws in this process`);
    console.log(`${"".padEnd(22)}${peers.map((p) => p.name.padStart(26)).join("")}   ratios chatsocket/ws`);
    for (const scenario of SCENARIOS) {
      const rates: number[][] = peers.map(() => []);
      const cpus: number[][] = peers.map(() => []);
      for (let i = 0; i < SAMPLES; i++) {
        const order = peers.map((_, index) => (index + i) % peers.length);
        for (const index of order) {
          const { rate, cpu } = await echoRate(peers[index], scenario, text);
          rates[index].push(rate);
          cpus[index].push(cpu);
        }
      }
      const cells = peers.map((_, index) => `${median(rates[index]).toFixed(0)}/s ${median(cpus[index]).toFixed(0)}% cpu`.padStart(26));
      const ratios = peers.slice(1).map((_, index) => (median(rates[0]) / median(rates[index + 1])).toFixed(2));
      console.log(`${`${scenario.connections} conn × ${scenario.inFlight} in flight`.padEnd(22)}${cells.join("")}   ${ratios.join("  ")}`);
    }
    const idle: number[] = [];
    for (const peer of peers) idle.push(await idleBytes(peer, text));
    const cells = idle.map((bytes) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(26));
    const ratios = idle.slice(1).map((bytes) => (idle[0] / bytes).toFixed(2));
    console.log(`${`RSS/idle conn (${IDLE})`.padEnd(22)}${cells.join("")}   ${ratios.join("  ")}`);
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
