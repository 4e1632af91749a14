// The servers a benchmark compares, each in a child process of its own so the client's event loop is
// not theirs: chatsocket (our host + module serving examples/site) and a plain ws echo server.
import { ChildProcess, fork } from "node:child_process";

import type { CompletionMode } from "../scripts/host_binding";

export interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const role = process.argv[2];
// A server child ends with its parent, even when the parent dies without stopping it.
if (role) process.on("disconnect", () => process.exit(0));

if (role === "ws-echo") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocketServer } = require("ws") as typeof import("ws");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 16 * 1024 * 1024 });
  server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on("listening", () => process.send?.({ port: (server.address() as { port: number }).port }));
} else if (role === "chatsocket") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startHost } = require("../test/support/host") as typeof import("../test/support/host");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EXAMPLE_SITE } = require("../test/support/paths") as typeof import("../test/support/paths");
  // after-return by default: every completion on a pool thread after the issuing call returned, as IIS
  // mostly delivers them; BENCH_COMPLETION=sync shows the module's own cost without those thread hops.
  const completionMode = (process.env.BENCH_COMPLETION ?? "after-return") as CompletionMode;
  startHost({ site: EXAMPLE_SITE, completionMode }).then((host) => process.send?.({ port: host.port }));
  setInterval(() => {}, 1 << 30);  // the host runs on native threads; nothing else keeps this process alive
}

function spawnPeer(name: string, role: string, pathname: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, [role], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("error", reject);
    child.once("message", (message: { port: number }) =>
      resolve({
        name,
        url: `ws://127.0.0.1:${message.port}${pathname}`,
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      }),
    );
  });
}

export const startChatsocket = (): Promise<Peer> => spawnPeer("chatsocket", "chatsocket", "/echo.chatsocket");
export const startWsEcho = (): Promise<Peer> => spawnPeer("ws", "ws-echo", "/");
