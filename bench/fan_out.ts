// Fan-out measured from the outside: one ws sender keeps W messages in flight into a room, R receivers (raw
// TCP sockets with a minimal frame reader, so one Node process can play 1000 clients) each check that they
// get every message once and in order; a message counts as delivered when all R have it, and only then may the
// next beyond W go. Used by bench/chat.ts (against a ws room) and bench/backplane.ts (across two servers).
import { randomBytes } from "node:crypto";
import { connect, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

import { treeCpuSeconds } from "./tree_cpu";

export type Format = "json" | "raw";

/** Where a room is served: a server's port and the room's path (with the format's endpoint). */
export interface RoomAddress {
  port: number;
  path: string;
}

export interface FanOut {
  format: Format;
  inFlight: number;
  textBytes: number;
  seconds: number;
  sender: RoomAddress;
  /** Where each receiver joins, in turn (receiver i joins receivers[i % length]). */
  receivers: RoomAddress[];
  count: number;
  /** The server processes whose CPU counts. */
  serverPids: number[];
}

/** Delivery latencies in 1 µs buckets up to 1 s (the last bucket: everything slower). */
export class Latencies {
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

  static open(at: RoomAddress, format: Format, index: number, onMessage: (sequence: number, now: number) => void): Promise<Receiver> {
    return new Promise((resolve, reject) => {
      const socket = connect(at.port, "127.0.0.1");
      socket.setNoDelay(true);
      socket.once("error", reject);
      socket.once("connect", () =>
        socket.write(
          `GET ${at.path}?name=r${index} HTTP/1.1\r\nHost: 127.0.0.1:${at.port}\r\nUpgrade: websocket\r\n` +
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
          reject(new Error(`port ${at.port} refused receiver ${index}: ${head.subarray(0, end).toString().split("\r\n")[0]}`));
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

export interface Measure {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** The server's CPU per delivery. */
  cpuNs: number;
  /** How much of one core this process (the sender and every receiver) used: near 100, the client was the limit. */
  clientPercent: number;
}

function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
}

export async function fanOut(run: FanOut): Promise<Measure> {
  const { format, inFlight } = run;
  const sentAt: number[] = [];
  const missing: number[] = [];
  const latencies = new Latencies();
  let measuring = false;
  let delivered = 0;
  let running = true;
  let sent = 0;
  let open = 0;
  let sender!: WebSocket;
  const filler = "x".repeat(run.textBytes);
  const send = () => {
    sentAt[sent] = performance.now();
    missing[sent] = run.count;
    sender.send(`${sent++} ${filler}`.slice(0, run.textBytes));
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
  for (let i = 0; i < run.count; i += 100) {
    const batch = Array.from({ length: Math.min(100, run.count - i) }, (_, k) =>
      Receiver.open(run.receivers[(i + k) % run.receivers.length], format, i + k, onMessage),
    );
    receivers.push(...(await Promise.all(batch)));
  }
  sender = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${run.sender.port}${run.sender.path}?name=sender`);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // the join announcements are out of the way
  while (open < inFlight) send();
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  measuring = true;
  const cpu = cpuOf(run.serverPids);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, run.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const used = cpuOf(run.serverPids) - cpu;
  const clientUsed = process.cpuUsage(clientCpu);
  running = false;
  const deliveries = delivered;
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last messages arrive
  if (open !== 0) throw new Error(`port ${run.sender.port}: ${open} messages did not reach every receiver`);
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

