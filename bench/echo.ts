// Echo throughput, chatsocket against ws, measured in the same run and printed as ratios.
// `npm run bench`. Each scenario: C connections, each keeping W messages of S bytes in flight, for T seconds.
import WebSocket from "ws";

import { Peer, startChatsocket, startWsEcho } from "./echo_servers";

interface Scenario {
  connections: number;
  inFlight: number;
  size: number;
}

const SCENARIOS: Scenario[] = [
  { connections: 1, inFlight: 1, size: 64 },
  { connections: 50, inFlight: 4, size: 64 },
  { connections: 50, inFlight: 4, size: 16 * 1024 },
  { connections: 4, inFlight: 2, size: 1024 * 1024 },
];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function run(peer: Peer, scenario: Scenario): Promise<number> {
  const payload = Buffer.alloc(scenario.size, 0x61);
  const sockets = await Promise.all(
    Array.from({ length: scenario.connections }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(peer.url, { maxPayload: 64 * 1024 * 1024 });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    })),
  );
  let echoed = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on("message", () => {
      echoed++;
      if (running) ws.send(payload);
    });
    for (let i = 0; i < scenario.inFlight; i++) ws.send(payload);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));  // warm up
  const start = echoed;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const perSecond = ((echoed - start) * 1e9) / Number(process.hrtime.bigint() - started);
  running = false;
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    ws.once("close", resolve);
    ws.close();
  })));
  return perSecond;
}

async function main(): Promise<void> {
  const peers = [await startChatsocket(), await startWsEcho()];
  try {
    console.log(`echo messages per second, ${SECONDS}s per run, client: ws in this process`);
    console.log("scenario                         chatsocket          ws   chatsocket/ws");
    for (const scenario of SCENARIOS) {
      const [ours, theirs] = [await run(peers[0], scenario), await run(peers[1], scenario)];
      const label = `${scenario.connections} conn × ${scenario.inFlight} in flight × ${scenario.size} B`;
      console.log(`${label.padEnd(32)} ${ours.toFixed(0).padStart(10)} ${theirs.toFixed(0).padStart(11)} ${(ours / theirs).toFixed(2).padStart(15)}`);
    }
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
