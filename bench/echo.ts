// `npm run bench`: echo, chatsocket against ws measured in the same run, as one table of ratios. chatsocket
// runs twice, in the host's bench completion mode (BENCH_COMPLETION, after-return unless set) and in sync;
// a minimal C echo server gives each row's ceiling: what the client reaches when the server costs next to
// nothing. The client of the rate and latency rows is a C program (native/bench/echo_load.c); with two CPUs
// or more it runs on CPU 0 and every server on CPU 1, as the performance issue measured, so that no server
// can take the client's core or spread over two where ws has one. ws clients hold the idle connections of
// the memory row (BENCH_IDLE of them). BENCH_SAMPLES (at least 3) samples of BENCH_SECONDS per server and
// row, the servers taking turns to go first; medians.
import os from "node:os";

import type { CompletionMode } from "../scripts/host_binding";
import { IdleMemory, Load, idleMemory, latency, throughput } from "./echo_load";
import { Peer, startCeiling, startChatsocket, startWsEcho } from "./echo_servers";
import { printTable, Row } from "./echo_table";
import { BENCH_COMPLETION, pinProcess } from "./server_process";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SAMPLES = Math.max(3, Number(process.env.BENCH_SAMPLES ?? 3));
const IDLE = Number(process.env.BENCH_IDLE ?? 10000);
const CLIENT_CPU = os.availableParallelism() >= 2 ? 0 : undefined;
const SERVER_CPU = 1;
// chatsocket's servers pin themselves before the host starts, so that it runs one I/O thread (serveHost).
if (CLIENT_CPU !== undefined) process.env.BENCH_SERVER_CPU = String(SERVER_CPU);
const MODES: CompletionMode[] = BENCH_COMPLETION === "sync" ? ["sync"] : [BENCH_COMPLETION, "sync"];

const SMALL_1: Load = { connections: 100, inFlight: 1, size: 32 };
const SMALL_16: Load = { connections: 100, inFlight: 16, size: 32 };
const LARGE: Load = { connections: 10, inFlight: 4, size: 16 * 1024 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** SAMPLES of `measure` per peer, the order rotating by one each time; each peer's samples. */
async function sampled<T>(peers: Peer[], measure: (peer: Peer) => Promise<T>): Promise<T[][]> {
  const results: T[][] = peers.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    for (let k = 0; k < peers.length; k++) {
      const index = (i + k) % peers.length;
      results[index].push(await measure(peers[index]));
    }
  }
  return results;
}

async function main(): Promise<void> {
  const peers: Peer[] = [];
  try {
    for (const mode of MODES) peers.push(await startChatsocket(mode));
    peers.push(await startWsEcho(), await startCeiling());
    if (CLIENT_CPU !== undefined) for (const peer of peers) pinProcess(peer.pid, SERVER_CPU);
    const rows: Row[] = [];
    const idle: IdleMemory[] = [];
    for (const peer of peers) idle.push(await idleMemory(peer, IDLE));
    rows.push({
      label: `RSS per idle connection (${IDLE.toLocaleString("en").replace(/,/g, " ")} conns)`,
      unit: "KiB",
      higherBetter: false,
      values: idle.map((memory) => memory.rss / 1024),
      digits: 1,
    });
    rows.push({
      label: "  of which the module's own (counters)",
      unit: "KiB",
      higherBetter: false,
      values: idle.map((memory) => (memory.module === undefined ? NaN : memory.module / 1024)),
      digits: 1,
    });
    const rtt = await sampled(peers, (peer) => latency(peer, 32, SECONDS, CLIENT_CPU));
    for (const q of ["p50", "p99"] as const) {
      rows.push({
        label: `1 conn × 32 B round trip ${q}`,
        unit: "µs",
        higherBetter: false,
        values: rtt.map((samples) => median(samples.map((s) => s[q]))),
        digits: 0,
        clientCanLimit: true,
      });
    }
    const small1 = await sampled(peers, (peer) => throughput(peer, SMALL_1, SECONDS, CLIENT_CPU));
    const small16 = await sampled(peers, (peer) => throughput(peer, SMALL_16, SECONDS, CLIENT_CPU));
    const large = await sampled(peers, (peer) => throughput(peer, LARGE, SECONDS, CLIENT_CPU));
    for (const [label, samples] of [
      ["100 conns × 32 B, 1 in flight", small1],
      ["100 conns × 32 B, 16 in flight", small16],
    ] as const) {
      rows.push({
        label,
        unit: "msgs/s",
        higherBetter: true,
        values: samples.map((s) => median(s.map((x) => x.messagesPerSecond))),
        digits: 0,
        clientCanLimit: true,
        clientBusy: samples.map((s) => median(s.map((x) => x.clientPercent)) >= 90),
      });
    }
    rows.push({
      label: "10 conns × 16 KiB, 4 in flight",
      unit: "MB/s",
      higherBetter: true,
      values: large.map((s) => median(s.map((x) => x.bytesPerSecond / 1e6))),
      digits: 1,
      clientCanLimit: true,
      clientBusy: large.map((s) => median(s.map((x) => x.clientPercent)) >= 90),
    });
    rows.push({
      label: "server CPU per message (16 in flight)",
      unit: "µs",
      higherBetter: false,
      values: small16.map((s) => median(s.map((x) => x.serverMicrosPerMessage))),
      digits: 2,
    });
    printTable({ modes: MODES, samples: SAMPLES, seconds: SECONDS, rows, pinned: CLIENT_CPU !== undefined });
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
