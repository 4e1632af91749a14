// The servers a benchmark compares, each in a child process of its own so the client's event loop is
// not theirs: chatsocket (our host + module serving examples/site) and a plain ws echo server.
import { EXAMPLE_SITE } from "../test/support/paths";
import { forkServer, reportPort, serveHost, serverRole } from "./server_process";

export interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const role = serverRole();
if (role === "ws-echo") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocketServer } = require("ws") as typeof import("ws");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 16 * 1024 * 1024 });
  server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on("listening", () => reportPort((server.address() as { port: number }).port));
} else if (role === "chatsocket") {
  serveHost({ site: EXAMPLE_SITE });
}

async function startPeer(name: string, role: string, pathname: string): Promise<Peer> {
  const server = await forkServer(__filename, role);
  return { name, url: `ws://127.0.0.1:${server.port}${pathname}`, pid: server.pid, stop: server.stop };
}

export const startChatsocket = (): Promise<Peer> => startPeer("chatsocket", "chatsocket", "/echo.chatsocket");
export const startWsEcho = (): Promise<Peer> => startPeer("ws", "ws-echo", "/");
