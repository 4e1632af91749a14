// The echo bench's client: ws (with bufferutil) in this process. Every echo is checked against what was sent.
import WebSocket from "ws";

import type { Peer } from "./echo_servers";
import { rssBytes } from "./proc_resources";
import { treeCpuSeconds } from "./tree_cpu";

export interface Load {
  connections: number;
  inFlight: number;
  size: number;
}

export interface Throughput {
  messagesPerSecond: number;
  bytesPerSecond: number;
  /** The server's CPU time per echoed message, in µs. */
  serverMicrosPerMessage: number;
  /** This process's CPU time (the client's) in % of one core. */
  clientPercent: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function patterned(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

/** `count` open connections, opened 100 at a time. */
async function connect(peer: Peer, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(peer.url, { maxPayload: 64 * 1024 * 1024 });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    }));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    ws.once("close", resolve);
    ws.close();
  })));
}

/** Each echo compared with what was sent; the first difference, if any. */
function checker(peer: Peer, payload: Buffer) {
  let wrong: string | undefined;
  return {
    check(data: Buffer, isBinary: boolean) {
      if (!isBinary || !data.equals(payload)) wrong ??= `${peer.name} echoed ${data.length} bytes that differ from the ${payload.length} sent`;
    },
    done() {
      if (wrong) throw new Error(wrong);
    },
  };
}

/** `load` for `seconds` after a 0.5 s warm-up: echoes and payload bytes per second, server CPU per echo,
 * client CPU. */
export async function throughput(peer: Peer, load: Load, seconds: number): Promise<Throughput> {
  const payload = patterned(load.size);
  const sockets = await connect(peer, load.connections);
  const echoes = checker(peer, payload);
  let echoed = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      echoes.check(data, isBinary);
      echoed++;
      if (running) ws.send(payload);
    });
    for (let i = 0; i < load.inFlight; i++) ws.send(payload);
  }
  await sleep(500);
  const startEchoed = echoed;
  const startCpu = treeCpuSeconds(peer.pid);
  const clientCpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const messages = echoed - startEchoed;
  const cpu = treeCpuSeconds(peer.pid) - startCpu;
  const client = process.cpuUsage(clientCpu);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  running = false;
  await closeAll(sockets);
  echoes.done();
  return {
    messagesPerSecond: messages / elapsed,
    bytesPerSecond: (messages * load.size) / elapsed,
    serverMicrosPerMessage: (cpu * 1e6) / Math.max(1, messages),
    clientPercent: (client.user + client.system) / 1e4 / elapsed,
  };
}

/** One connection, one message of `size` bytes in flight for `seconds`: each round trip timed, p50 and p99 in µs. */
export async function latency(peer: Peer, size: number, seconds: number): Promise<{ p50: number; p99: number }> {
  const payload = patterned(size);
  const [ws] = await connect(peer, 1);
  const echoes = checker(peer, payload);
  const times: number[] = [];
  const warmUpUntil = Date.now() + 500;
  const until = warmUpUntil + seconds * 1000;
  await new Promise<void>((resolve) => {
    let sent = process.hrtime.bigint();
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const now = process.hrtime.bigint();
      echoes.check(data, isBinary);
      const wall = Date.now();
      if (wall >= until) return resolve();
      if (wall >= warmUpUntil) times.push(Number(now - sent) / 1e3);
      sent = process.hrtime.bigint();
      ws.send(payload);
    });
    ws.send(payload);
  });
  await closeAll([ws]);
  echoes.done();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

/** The server's RSS growth per connection for `count` connections that each echoed one message and then
 * sit idle. */
export async function idleRss(peer: Peer, count: number): Promise<number> {
  await closeAll(await connect(peer, 10)); // what the server sets up at its first connections is not per connection
  await sleep(1000);
  const before = rssBytes(peer.pid);
  const sockets = await connect(peer, count);
  const echoes = checker(peer, Buffer.from("hi"));
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
    ws.once("message", (data: Buffer) => {
      echoes.check(data, true);
      resolve();
    });
    ws.send("hi", { binary: true });
  })));
  await sleep(1500);
  const peak = rssBytes(peer.pid);
  for (const ws of sockets) ws.terminate();
  await sleep(2000);
  echoes.done();
  return (peak - before) / count;
}
