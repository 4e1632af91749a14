// Fan-out: one sender, R receivers in one room, chatsocket's `kind = chat` against the same room written
// with ws (the broadcast loop of ws's README), measured in the same run and printed as ratios.
// `npm run bench:chat`.
//   The sender (a ws client) keeps W messages in flight: a message counts as delivered when all R
//   receivers have it, and only then may the next beyond W go. W = 1 shows the time one message takes to
//   reach everyone; a larger W, the rate a room sustains.
//   Receivers are raw TCP sockets with a minimal frame reader, so the one Node process that plays 1000
//   clients is not the bottleneck: each checks that it gets every message once and in order.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect, Socket } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket, { WebSocketServer } from "ws";

import { scratchSite } from "../test/support/host_process";
import { forkServer, reportPort, serveHost, serverRole } from "./server_process";
import { treeCpuSeconds } from "./tree_cpu";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RECEIVERS = Number(process.env.BENCH_RECEIVERS ?? 1000);
const TEXT_BYTES = 64;

type Format = "json" | "raw";

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

/** Delivery latencies in 1 µs buckets up to 1 s (the last bucket: everything slower). */
class Latencies {
  private readonly buckets = new Uint32Array(1_000_001);
  private count = 0;

  add(microseconds: number): void {
    this.buckets[Math.min(Math.floor(microseconds), 1_000_000)]++;
    this.count++;
  }

  percentile(p: number): number {
    let seen = 0;
    const wanted = Math.ceil(this.count * p);
    for (let us = 0; us < this.buckets.length; us++) if ((seen += this.buckets[us]) >= wanted) return us;
    return Infinity;
  }
}

const MESSAGE_PREFIX = Buffer.from('{"type":"message"');
const TEXT_KEY = Buffer.from('"text":"');

/** The message number at the start of the text a server delivered (the whole payload when raw). */
function sequenceOf(payload: Buffer, format: Format): number {
  let at = 0;
  if (format === "json") {
    if (!payload.subarray(0, MESSAGE_PREFIX.length).equals(MESSAGE_PREFIX)) return -1; // presence
    at = payload.indexOf(TEXT_KEY) + TEXT_KEY.length;
  }
  let value = 0;
  for (let digit = payload[at]; digit >= 0x30 && digit <= 0x39; digit = payload[++at]) value = value * 10 + digit - 0x30;
  return value;
}

/** A WebSocket client that only receives: the handshake, then unmasked server frames. */
class Receiver {
  private pending = Buffer.alloc(0);
  private expected = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly format: Format,
    private readonly onMessage: (sequence: number, now: number) => void,
  ) {}

  static open(peer: Peer, format: Format, index: number, onMessage: (sequence: number, now: number) => void): Promise<Receiver> {
    return new Promise((resolve, reject) => {
      const socket = connect(peer.port, "127.0.0.1");
      socket.setNoDelay(true);
      socket.once("error", reject);
      socket.once("connect", () =>
        socket.write(
          `GET ${peer.path(format)}?name=r${index} HTTP/1.1\r\nHost: 127.0.0.1:${peer.port}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      );
      let head = Buffer.alloc(0);
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onHead);
        if (!head.subarray(0, 12).toString().startsWith("HTTP/1.1 101")) {
          reject(new Error(`${peer.name} refused receiver ${index}: ${head.subarray(0, end).toString().split("\r\n")[0]}`));
          socket.destroy();
          return;
        }
        const receiver = new Receiver(socket, format, onMessage);
        socket.on("data", (data: Buffer) => receiver.read(data));
        receiver.read(head.subarray(end + 4));
        resolve(receiver);
      };
      socket.on("data", onHead);
    });
  }

  private read(data: Buffer): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    const now = performance.now();
    for (;;) {
      if (buffer.length < 2) break;
      let length = buffer[1] & 0x7f;
      let start = 2;
      if (length === 126) {
        if (buffer.length < 4) break;
        length = buffer.readUInt16BE(2);
        start = 4;
      } else if (length === 127) {
        if (buffer.length < 10) break;
        length = Number(buffer.readBigUInt64BE(2));
        start = 10;
      }
      if (buffer.length < start + length) break;
      const opcode = buffer[0] & 0x0f;
      if (opcode === 1 || opcode === 2) {
        const sequence = sequenceOf(buffer.subarray(start, start + length), this.format);
        if (sequence >= 0) {
          if (sequence !== this.expected) throw new Error(`a receiver got message ${sequence}, expected ${this.expected}`);
          this.expected++;
          this.onMessage(sequence, now);
        }
      }
      buffer = buffer.subarray(start + length);
    }
    this.pending = buffer.length > 0 ? Buffer.from(buffer) : Buffer.alloc(0);
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Measure {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** The server's CPU per delivery. */
  cpuNs: number;
  /** How much of one core this process (the sender and every receiver) used: near 100, the client was the limit. */
  clientPercent: number;
}

async function fanOut(peer: Peer, format: Format, inFlight: number): Promise<Measure> {
  const sentAt: number[] = [];
  const missing: number[] = [];
  const latencies = new Latencies();
  let measuring = false;
  let delivered = 0;
  let running = true;
  let sent = 0;
  let open = 0;
  let sender!: WebSocket;
  const filler = "x".repeat(TEXT_BYTES);
  const send = () => {
    sentAt[sent] = performance.now();
    missing[sent] = RECEIVERS;
    sender.send(`${sent++} ${filler}`.slice(0, TEXT_BYTES));
    open++;
  };
  const onMessage = (sequence: number, now: number) => {
    if (measuring) {
      latencies.add((now - sentAt[sequence]) * 1000);
      delivered++;
    }
    if (--missing[sequence] === 0) {
      open--;
      while (running && open < inFlight) send();
    }
  };

  const receivers: Receiver[] = [];
  for (let i = 0; i < RECEIVERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, RECEIVERS - i) }, (_, k) => Receiver.open(peer, format, i + k, onMessage));
    receivers.push(...(await Promise.all(batch)));
  }
  sender = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${peer.port}${peer.path(format)}?name=sender`);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // the join announcements are out of the way
  while (open < inFlight) send();
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  measuring = true;
  const cpu = treeCpuSeconds(peer.pid);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const used = treeCpuSeconds(peer.pid) - cpu;
  const clientUsed = process.cpuUsage(clientCpu);
  running = false;
  const deliveries = delivered;
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last messages arrive
  if (open !== 0) throw new Error(`${peer.name}: ${open} messages did not reach every receiver`);
  sender.terminate();
  for (const receiver of receivers) receiver.close();
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the server lets them go before the next run
  return {
    deliveriesPerSecond: deliveries / elapsed,
    p50: latencies.percentile(0.5),
    p99: latencies.percentile(0.99),
    cpuNs: (used * 1e9) / deliveries,
    clientPercent: (clientUsed.user + clientUsed.system) / 1e4 / elapsed,
  };
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
  try {
    console.log(`fan-out, 1 sender → ${RECEIVERS} receivers in one room, ${TEXT_BYTES} B of text; ${SECONDS}s per run; ratios: chatsocket's advantage`);
    console.log("                            deliveries/s, higher better   p99 ms, lower better     server CPU ns/delivery    client core %");
    console.log("scenario                    chatsock        ws  ratio  chatsock       ws  ratio  chatsock       ws  ratio  chatsock   ws");
    for (const [format, inFlight] of [
      ["json", 1],
      ["json", 16],
      ["raw", 16],
    ] as const) {
      const results = [];
      for (const peer of peers) results.push(await fanOut(peer, format, inFlight));
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
