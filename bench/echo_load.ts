// The echo bench's clients: for rates and latency a C program (native/bench/echo_load.c), so that the client
// costs little next to any server; for the idle-memory row ws (with bufferutil) in this process, which only
// has to hold connections open. Every echo is checked against what was sent.
import WebSocket from "ws";

import { LoadResult, runCClient } from "./c_client";
import type { Peer } from "./echo_servers";
import { rssBytes } from "./proc_resources";

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
  /** The client's CPU time in % of one core. */
  clientPercent: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** The C client (native/bench/echo_load.c) in `mode` with `args`, on CPU `cpu` if given. */
function runClient(peer: Peer, mode: "throughput" | "latency", args: number[], cpu: number | undefined) {
  const url = new URL(peer.url);
  return runCClient<LoadResult>({
    program: "cs_echo_load",
    args: [mode, url.port, url.pathname, ...args],
    serverPids: [peer.pid],
    cpu,
    against: peer.name,
  });
}

/** `load` for `seconds` after a 0.5 s warm-up: echoes and payload bytes per second, server CPU per echo,
 * client CPU. */
export async function throughput(peer: Peer, load: Load, seconds: number, clientCpu?: number): Promise<Throughput> {
  const { result, serverCpu } = await runClient(
    peer,
    "throughput",
    [load.connections, load.inFlight, load.size, seconds],
    clientCpu,
  );
  return {
    messagesPerSecond: result.messages / result.seconds,
    bytesPerSecond: (result.messages * load.size) / result.seconds,
    serverMicrosPerMessage: (serverCpu * 1e6) / Math.max(1, result.messages),
    clientPercent: (100 * result.clientCpu) / result.seconds,
  };
}

/** One connection, one message of `size` bytes in flight for `seconds`: each round trip timed, p50 and p99 in µs. */
export async function latency(peer: Peer, size: number, seconds: number, clientCpu?: number): Promise<{ p50: number; p99: number }> {
  const { result } = await runClient(peer, "latency", [size, seconds], clientCpu);
  return { p50: result.p50!, p99: result.p99! };
}

export interface IdleMemory {
  /** The server's RSS growth per connection. */
  rss: number;
  /** chatsocket's: the module's own bytes per connection, by its counters (Peer.moduleBytes). */
  module?: number;
}

/** What `count` connections cost a server when each echoed one message and then sits idle. */
export async function idleMemory(peer: Peer, count: number): Promise<IdleMemory> {
  await closeAll(await connect(peer, 10)); // what the server sets up at its first connections is not per connection
  await sleep(1000);
  const before = rssBytes(peer.pid);
  const moduleBefore = await peer.moduleBytes?.();
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
  const modulePeak = await peer.moduleBytes?.();
  for (const ws of sockets) ws.terminate();
  await sleep(2000);
  echoes.done();
  const module = modulePeak === undefined || moduleBefore === undefined ? undefined : (modulePeak - moduleBefore) / count;
  return { rss: (peak - before) / count, module };
}
