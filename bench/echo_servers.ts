// The servers the echo bench compares, each in a child process of its own so the client's event loop is
// not theirs: chatsocket (our host + module serving examples/site) in a given completion mode, a plain ws
// echo server, and the ceiling: a minimal echo server in C (native/bench/echo_ceiling.c).
import { spawn } from "node:child_process";
import path from "node:path";

import type { CompletionMode } from "../scripts/host_binding";
import { BUILD_DIR, EXAMPLE_SITE } from "../test/support/paths";
import { forkServer, reportPort, serveHost, serverRole } from "./server_process";

export interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
  /** chatsocket's: what the module itself holds now (its C++ heap, Wasm pages written, frames, zlib), by its counters. */
  moduleBytes?(): Promise<number>;
}

const role = serverRole();
if (role === "ws-echo") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocketServer } = require("ws") as typeof import("ws");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 16 * 1024 * 1024 });
  server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on("listening", () => reportPort((server.address() as { port: number }).port));
} else if (role?.startsWith("chatsocket:")) {
  serveHost({ site: EXAMPLE_SITE, completionMode: role.slice("chatsocket:".length) as CompletionMode });
}

async function startPeer(name: string, role: string, pathname: string): Promise<Peer> {
  const server = await forkServer(__filename, role);
  return { name, url: `ws://127.0.0.1:${server.port}${pathname}`, pid: server.pid, stop: server.stop };
}

export async function startChatsocket(mode: CompletionMode): Promise<Peer> {
  const server = await forkServer(__filename, `chatsocket:${mode}`);
  const moduleBytes = async () => {
    const m = await server.moduleStats();
    return m.moduleHeapBytes + m.wasmResidentBytes + m.frameBytes + m.zlibBytes;
  };
  return { name: `chatsocket ${mode}`, url: `ws://127.0.0.1:${server.port}/echo.chatsocket`, pid: server.pid, stop: server.stop, moduleBytes };
}
export const startWsEcho = (): Promise<Peer> => startPeer("ws", "ws-echo", "/");

/** The C echo server; it prints its port, and ends with this process (PR_SET_PDEATHSIG). */
export function startCeiling(): Promise<Peer> {
  const program = path.join(BUILD_DIR, "native", "native", "core", "bench", "cs_echo_ceiling");
  const child = spawn(program, ["0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`${program} could not start (npm run build): ${error.message}`)));
    child.stdout.once("data", (text: Buffer) =>
      resolve({
        name: "C ceiling",
        url: `ws://127.0.0.1:${Number(String(text).trim())}/`,
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      }),
    );
  });
}
