// Echo throughput, chatsocket against ws, measured in the same run and printed as ratios.
// `npm run bench`. Each scenario: C connections, each keeping W messages of S bytes in flight, for
// BENCH_SECONDS; BENCH_SAMPLES samples (at least 3) per server, the two servers taking turns to go first.
// Every echo is checked against what was sent. ws runs with bufferutil (its native masking), as its
// README recommends. Beside each rate: the server's CPU and the client's (this process), in % of one core;
// a client near 100 % means the client, not the server, set the rate.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

import { Peer, startChatsocket, startWsEcho } from "./echo_servers";
import { rssBytes } from "./proc_memory";
import { treeCpuSeconds } from "./tree_cpu";

interface Scenario {
  connections: number;
  inFlight: number;
  size: number;
}

interface Sample {
  rate: number;
  serverPercent: number;
  clientPercent: number;
}

const SCENARIOS: Scenario[] = [
  { connections: 1, inFlight: 1, size: 64 },
  { connections: 50, inFlight: 4, size: 64 },
  { connections: 50, inFlight: 4, size: 16 * 1024 },
  { connections: 4, inFlight: 2, size: 1024 * 1024 },
];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IDLE = Number(process.env.BENCH_IDLE ?? 5000);
const SAMPLES = Math.max(3, Number(process.env.BENCH_SAMPLES ?? 3));

function patterned(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

async function sample(peer: Peer, scenario: Scenario): Promise<Sample> {
  const payload = patterned(scenario.size);
  const sockets = await Promise.all(
    Array.from({ length: scenario.connections }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(peer.url, { maxPayload: 64 * 1024 * 1024 });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    })),
  );
  let echoed = 0;
  let running = true;
  let wrong: string | undefined;
  for (const ws of sockets) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary || !data.equals(payload)) wrong ??= `${peer.name} echoed ${data.length} bytes that differ from the ${payload.length} sent`;
      echoed++;
      if (running) ws.send(payload);
    });
    for (let i = 0; i < scenario.inFlight; i++) ws.send(payload);
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  const start = echoed;
  const serverCpu = treeCpuSeconds(peer.pid);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const rate = (echoed - start) / elapsed;
  const serverPercent = ((treeCpuSeconds(peer.pid) - serverCpu) * 100) / elapsed;
  const client = process.cpuUsage(clientCpu);
  running = false;
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    ws.once("close", resolve);
    ws.close();
  })));
  if (wrong) throw new Error(wrong);
  return { rate, serverPercent, clientPercent: (client.user + client.system) / 1e4 / elapsed };
}

/**
 * Memory: IDLE connections, each having echoed one small message, then idle; the server's RSS growth per
 * connection. Then all close: how much of that growth the server still holds 35 s later (after the host's
 * 30 s retention of finished requests).
 */
async function idleMemory(peer: Peer): Promise<{ perConnection: number; kept: number }> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = rssBytes(peer.pid);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < IDLE; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, IDLE - i) }, () => new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(peer.url);
        ws.once("open", () => {
          ws.once("message", () => resolve(ws));
          ws.send("hi");
        });
        ws.once("error", reject);
      })),
    );
    sockets.push(...batch);
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const peak = rssBytes(peer.pid);
  for (const ws of sockets) ws.terminate();
  await new Promise((resolve) => setTimeout(resolve, 35000));
  const after = rssBytes(peer.pid);
  return { perConnection: (peak - before) / IDLE, kept: (after - before) / Math.max(1, peak - before) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** "median (min–max)" of the rates, and the median CPU of server and client. */
function summarize(samples: Sample[]): string {
  const rates = samples.map((s) => s.rate);
  const spread = `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`;
  const cpu = `${median(samples.map((s) => s.serverPercent)).toFixed(0)}/${median(samples.map((s) => s.clientPercent)).toFixed(0)}`;
  return `${median(rates).toFixed(0).padStart(8)} ${spread.padStart(15)} ${cpu.padStart(8)}`;
}

async function main(): Promise<void> {
  const peers = [await startChatsocket(), await startWsEcho()];
  try {
    console.log(`echo messages per second, ${SAMPLES} samples of ${SECONDS}s per server, servers alternating; client: ws + bufferutil in this process`);
    console.log("                                  chatsocket                          ws                      ratio of");
    console.log("scenario                         median       min–max  cpu s/c    median       min–max  cpu s/c   medians");
    for (const scenario of SCENARIOS) {
      const results: Sample[][] = [[], []];
      for (let i = 0; i < SAMPLES; i++) {
        const order = i % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) results[index].push(await sample(peers[index], scenario));
      }
      const ratio = median(results[0].map((s) => s.rate)) / median(results[1].map((s) => s.rate));
      const label = `${scenario.connections} conn × ${scenario.inFlight} in flight × ${scenario.size} B`;
      console.log(`${label.padEnd(30)} ${summarize(results[0])}  ${summarize(results[1])} ${ratio.toFixed(2).padStart(9)}`);
    }
    const memory = [await idleMemory(peers[0]), await idleMemory(peers[1])];
    const cell = (m: { perConnection: number; kept: number }) =>
      `${(m.perConnection / 1024).toFixed(1)} KiB, ${(m.kept * 100).toFixed(0)}% kept`.padStart(31);
    const ratio = (memory[0].perConnection / memory[1].perConnection).toFixed(2).padStart(9);
    console.log(`${`RSS per idle conn (${IDLE})`.padEnd(30)} ${cell(memory[0])}  ${cell(memory[1])} ${ratio}`);
    console.log("(% kept: of that growth, what the server still holds 35 s after they all closed)");
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
