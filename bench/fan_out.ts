// Fan-out measured from the outside by a C client (native/bench/fan_out_load.c): one sender keeps W messages
// in flight into a room, R receivers each check that they get every message once and in order; a message
// counts as delivered when all R have it, and only then may the next beyond W go. Used by bench/chat.ts
// (against a ws room) and bench/backplane.ts (across two servers).
import { runCClient } from "./c_client";

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
  /** The CPU the client runs on (taskset), if it is pinned. */
  clientCpu?: number;
}

export interface Measure {
  deliveriesPerSecond: number;
  /** From a message's send to a receiver's read, in µs. */
  p50: number;
  p99: number;
  /** The server's CPU per delivery. */
  cpuNs: number;
  /** How much of one core the client (the sender and every receiver) used: near 100, the client was the limit. */
  clientPercent: number;
}

interface ClientResult {
  deliveries: number;
  seconds: number;
  clientCpu: number;
  p50: number;
  p99: number;
}

const address = (room: RoomAddress) => `${room.port}${room.path}`;

export async function fanOut(run: FanOut): Promise<Measure> {
  const { result, serverCpu } = await runCClient<ClientResult>({
    program: "cs_fan_out_load",
    args: [run.format, run.inFlight, run.textBytes, run.seconds, run.count, address(run.sender), ...run.receivers.map(address)],
    serverPids: run.serverPids,
    cpu: run.clientCpu,
    against: `port ${run.sender.port}`,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the servers let the receivers go before the next run
  return {
    deliveriesPerSecond: result.deliveries / result.seconds,
    p50: result.p50,
    p99: result.p99,
    cpuNs: (serverCpu * 1e9) / Math.max(1, result.deliveries),
    clientPercent: (100 * result.clientCpu) / result.seconds,
  };
}
