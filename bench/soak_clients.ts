// What the soak's clients do, each kind counted in one Tally: WebSocket connections that echo a few messages
// and go (cleanly or abruptly), slow-loris writers, and half-open WebSockets that the server must cut.
import net from "node:net";
import WebSocket from "ws";

export interface Tally {
  connections: number;
  cleanCloses: number;
  destroyed: number;
  messagesSent: number;
  messagesBack: number;
  lorisCut: number;
  halfOpenCut: number;
  failures: number;
  firstFailures: string[];
}

export function newTally(): Tally {
  return {
    connections: 0,
    cleanCloses: 0,
    destroyed: 0,
    messagesSent: 0,
    messagesBack: 0,
    lorisCut: 0,
    halfOpenCut: 0,
    failures: 0,
    firstFailures: [],
  };
}

function fail(tally: Tally, what: string): void {
  tally.failures++;
  if (tally.firstFailures.length < 10) tally.firstFailures.push(what);
}

// Far longer than any of the soak's waits should take: past it, something is wrong.
const PATIENCE_MS = 30000;
const MESSAGES = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first value passed to `happened`, or undefined when PATIENCE_MS pass first. */
function within<T>(start: (happened: (value: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), PATIENCE_MS);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Connection `index`: an echo endpoint, or every fifth one a small chat room; MESSAGES messages each waited
 * for, spread over about `holdMs`; then a close handshake, or every third one a destroyed socket. */
export async function churnOne(port: number, index: number, holdMs: number, tally: Tally): Promise<void> {
  const chat = index % 5 === 4;
  const url = chat
    ? `ws://127.0.0.1:${port}/soak-room.chatsocket?room=r${index % 40}`
    : `ws://127.0.0.1:${port}/soak-echo.chatsocket`;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let closed: { code: number } | undefined;
  let expected: string | undefined;
  let arrived: (() => void) | undefined;
  ws.on("error", () => {});
  ws.on("close", (code: number) => {
    closed = { code };
    arrived?.();
  });
  // A room's other members' messages come too; only our own counts as the echo.
  ws.on("message", (data: Buffer) => {
    if (expected !== undefined && data.toString() === expected) {
      expected = undefined;
      arrived?.();
    }
  });
  const opened = await within<boolean>((happened) => {
    ws.once("open", () => happened(true));
    ws.once("error", () => happened(false));
  });
  if (!opened) {
    fail(tally, `${url}: ${opened === undefined ? "no handshake answer" : "handshake failed"}`);
    ws.terminate();
    return;
  }
  tally.connections++;
  for (let k = 0; k < MESSAGES; k++) {
    await sleep(holdMs / MESSAGES);
    const text = `${index}:${k}`;
    expected = text;
    const back = await within<boolean>((happened) => {
      arrived = () => happened(expected === undefined);
      if (closed) happened(false);
      else ws.send(text);
    });
    arrived = undefined;
    tally.messagesSent++;
    if (!back) {
      fail(tally, `${url}: message ${text} not echoed${closed ? ` (closed with ${closed.code})` : ""}`);
      ws.terminate();
      return;
    }
    tally.messagesBack++;
  }
  if (index % 3 === 0) {
    ws.terminate();
    tally.destroyed++;
    return;
  }
  const code = await within<number>((happened) => {
    if (closed) return happened(closed.code);
    ws.once("close", (c: number) => happened(c));
    ws.close(1000);
  });
  if (code === 1000) tally.cleanCloses++;
  else fail(tally, `${url}: close answered with ${code ?? "nothing"}`);
}

/** Resolves with true when the server closes `socket`, false when PATIENCE_MS pass first. */
function serverCloses(socket: net.Socket): Promise<boolean> {
  return within<boolean>((happened) => socket.once("close", () => happened(true))).then((v) => v === true);
}

function connect(port: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", () => resolve(undefined));
  });
}

/** Until `running()` is false: opens a connection and writes a request head a byte every 100 ms (a head too long
 * to finish first), waiting for the server to cut it (HeaderWait). */
export async function slowLoris(port: number, running: () => boolean, tally: Tally): Promise<void> {
  const head = `GET /soak-echo.chatsocket HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"s".repeat(4000)}`;
  while (running()) {
    const socket = await connect(port);
    if (!socket) {
      fail(tally, "slow loris: connect failed");
      await sleep(1000);
      continue;
    }
    let answered = false;
    socket.on("data", () => (answered = true));
    const cut = serverCloses(socket);
    let open = true;
    void cut.then(() => (open = false));
    for (let i = 0; open && i < head.length; i++) {
      socket.write(head[i]);
      await sleep(100);
    }
    if (!(await cut)) fail(tally, "slow loris: never cut");
    else if (answered) fail(tally, "slow loris: the server answered a head that never came");
    else tally.lorisCut++;
    socket.destroy();
  }
}

/** Until `running()` is false: upgrades, then either stays silent (reads and ignores everything, answers no
 * ping) or ends its write side and never answers; the server must close it either way. */
export async function halfOpen(port: number, running: () => boolean, tally: Tally): Promise<void> {
  for (let round = 0; running(); round++) {
    const socket = await connect(port);
    if (!socket) {
      fail(tally, "half-open: connect failed");
      await sleep(1000);
      continue;
    }
    let received = "";
    const upgraded = within<boolean>((happened) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        if (received.includes("\r\n\r\n")) happened(received.startsWith("HTTP/1.1 101"));
      });
      socket.on("close", () => happened(false));
    });
    const cut = serverCloses(socket);
    socket.write(
      "GET /soak-echo.chatsocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    if (!(await upgraded)) {
      fail(tally, `half-open: no 101 (${received.split("\r\n")[0] || "nothing"})`);
      socket.destroy();
      continue;
    }
    if (round % 2 === 1) socket.end();
    if (await cut) tally.halfOpenCut++;
    else fail(tally, `half-open (${round % 2 === 1 ? "write side ended" : "silent"}): never cut`);
    socket.destroy();
  }
}
