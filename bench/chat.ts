// Fan-out: one sender, R receivers in one room, chatsocket's `kind = chat` against the same room written
// with ws (the broadcast loop of ws's README), measured in the same run and printed as ratios.
// `npm run bench:chat`.
//   The client is a C program (native/bench/fan_out_load.c): the sender keeps W messages in flight, and a
//   message counts as delivered when all R receivers have it; only then may the next beyond W go. W = 1 shows
//   the time one message takes to reach everyone; a larger W, the rate a room sustains. Each receiver checks
//   that it gets every message once and in order. With two CPUs or more the client runs on CPU 0 and each
//   server on CPU 1, as bench/echo.ts does, so that neither server can take the client's core.
import os from "node:os";
import { writeFileSync } from "node:fs";
import path from "node:path";
import WebSocket, { WebSocketServer } from "ws";

import { scratchSite } from "../test/support/host_process";
import { fanOut, Format, Measure } from "./fan_out";
import { forkServer, pinProcess, reportPort, serveHost, serverRole } from "./server_process";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RECEIVERS = Number(process.env.BENCH_RECEIVERS ?? 1000);
const TEXT_BYTES = 64;
const CLIENT_CPU = os.availableParallelism() >= 2 ? 0 : undefined;
const SERVER_CPU = 1;
// chatsocket's servers pin themselves before the host starts, so that it runs one I/O thread (serveHost).
if (CLIENT_CPU !== undefined) process.env.BENCH_SERVER_CPU = String(SERVER_CPU);

interface Peer {
  name: string;
  port: number;
  pid: number;
  path(format: Format): string;
  stop(): Promise<void>;
}

const role = serverRole();
if (role === "chatsocket") {
  const site = scratchSite();
  const room = `kind = chat\necho_self = false\nmax_rate = 0\nmax_members = ${RECEIVERS + 10}\n`;
  writeFileSync(path.join(site, "json.chatsocket"), room);
  writeFileSync(path.join(site, "raw.chatsocket"), `${room}format = raw\n`);
  serveHost({ site });
} else if (role === "ws") {
  // The room as a ws user writes it: the envelope built once per message (the same fields and order as
  // chatsocket's), then send() to every other client. No presence, history or backlog bound: less work
  // than chatsocket does.
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  const rooms = new Map<string, Set<WebSocket>>();
  let nextId = 1;
  server.on("connection", (ws, request) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const room = rooms.get(url.pathname) ?? rooms.set(url.pathname, new Set()).get(url.pathname)!;
    const id = nextId++;
    const name = url.searchParams.get("name") ?? `guest-${id}`;
    room.add(ws);
    ws.on("close", () => room.delete(ws));
    ws.on("message", (data: Buffer, isBinary) => {
      const frame =
        url.pathname === "/raw"
          ? data
          : Buffer.from(JSON.stringify({ type: "message", id, name, text: data.toString(), ts: Date.now() }));
      for (const client of room) if (client !== ws && client.readyState === WebSocket.OPEN) client.send(frame, { binary: isBinary });
    });
  });
  server.on("listening", () => reportPort((server.address() as { port: number }).port));
}

async function startPeer(name: string, paths: Record<Format, string>): Promise<Peer> {
  const server = await forkServer(__filename, name);
  return { name, port: server.port, pid: server.pid, path: (format) => paths[format], stop: server.stop };
}

function row(label: string, ours: Measure, theirs: Measure): void {
  const cells = [
    ours.deliveriesPerSecond.toFixed(0).padStart(9),
    theirs.deliveriesPerSecond.toFixed(0).padStart(9),
    (ours.deliveriesPerSecond / theirs.deliveriesPerSecond).toFixed(2).padStart(6),
    `${(ours.p99 / 1000).toFixed(1)}`.padStart(8),
    `${(theirs.p99 / 1000).toFixed(1)}`.padStart(8),
    (theirs.p99 / ours.p99).toFixed(2).padStart(6),
    ours.cpuNs.toFixed(0).padStart(8),
    theirs.cpuNs.toFixed(0).padStart(8),
    (theirs.cpuNs / ours.cpuNs).toFixed(2).padStart(6),
    ours.clientPercent.toFixed(0).padStart(8),
    theirs.clientPercent.toFixed(0).padStart(4),
  ];
  const groups = [cells.slice(0, 3), cells.slice(3, 6), cells.slice(6, 9), cells.slice(9)];
  console.log(`${label.padEnd(26)} ${groups.map((group) => group.join(" ")).join("  ")}`);
}

async function main(): Promise<void> {
  const peers = [
    await startPeer("chatsocket", { json: "/json.chatsocket", raw: "/raw.chatsocket" }),
    await startPeer("ws", { json: "/json", raw: "/raw" }),
  ];
  if (CLIENT_CPU !== undefined) for (const peer of peers) pinProcess(peer.pid, SERVER_CPU);
  try {
    const where = CLIENT_CPU === undefined ? "" : `, client on CPU ${CLIENT_CPU}, servers on CPU ${SERVER_CPU}`;
    console.log(`fan-out, 1 sender → ${RECEIVERS} receivers in one room, ${TEXT_BYTES} B of text; ${SECONDS}s per run${where}; ratios: chatsocket's advantage`);
    console.log("                            deliveries/s, higher better   p99 ms, lower better     server CPU ns/delivery    client core %");
    console.log("scenario                    chatsock        ws  ratio  chatsock       ws  ratio  chatsock       ws  ratio  chatsock   ws");
    for (const [format, inFlight] of [
      ["json", 1],
      ["json", 16],
      ["raw", 16],
    ] as const) {
      const results = [];
      for (const peer of peers) {
        const room = { port: peer.port, path: peer.path(format) };
        const run = { format, inFlight, textBytes: TEXT_BYTES, seconds: SECONDS, count: RECEIVERS, clientCpu: CLIENT_CPU };
        results.push(await fanOut({ ...run, sender: room, receivers: [room], serverPids: [peer.pid] }));
      }
      row(`${format}, ${inFlight} in flight`, results[0], results[1]);
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
