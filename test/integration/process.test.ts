// kind = process through the host, with ws clients: each connection gets its own run of a program; lines,
// bytes, stderr, exit codes, the environment, caps, backpressure, and nothing left behind.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { REPO_ROOT } from "../support/paths";
import { alive } from "../support/processes";
import { httpExchange, RawClient, upgradeRequest } from "../support/raw_client";
import { CLOSE, clientFrame, closePayload, TEXT } from "../unit/frames";

const PYTHON = "/usr/bin/python3";
const TOOL = path.join(REPO_ROOT, "test", "fixtures", "programs", "tool.py");
const CAT = "/bin/cat";

function endpoint(site: string, name: string, lines: string[]): void {
  writeFileSync(path.join(site, name), ["kind = process", ...lines, ""].join("\n"));
}

function tool(...args: string[]): string {
  return `command = ${JSON.stringify([PYTHON, TOOL, ...args])}`;
}

/**
 * A ws client whose messages are kept from the moment it connects: a program may write before the client's
 * 'open' handler has run, and those messages come in the same read as the 101.
 */
class Client {
  readonly ws: WebSocket;
  readonly messages: Buffer[] = [];
  private taken = 0;
  private waiting: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on("message", (data: Buffer) => {
      this.messages.push(data);
      this.waiting?.();
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        this.waiting?.();
      }),
    );
    this.ws.on("error", () => {});
  }

  opened(): Promise<this> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve(this);
      this.ws.once("open", () => resolve(this));
      this.ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
  }

  /** The next `count` messages not taken yet. */
  async next(count: number): Promise<Buffer[]> {
    while (this.messages.length - this.taken < count) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed after ${this.messages.length} messages`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    this.taken += count;
    return this.messages.slice(this.taken - count, this.taken);
  }

  /** Every message as text, once the connection has closed, and how it closed. */
  async everything(): Promise<{ messages: string[]; code: number; reason: string }> {
    const { code, reason } = await this.closed;
    return { messages: this.messages.map(String), code, reason };
  }
}

function connect(pathname: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Client(host.url(pathname), options).opened();
}

async function until(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const children = childProcesses().map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`);
      throw new Error(`timed out waiting for ${what}; children: ${children.join("; ") || "none"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Pipes and other descriptors this process holds (the host runs inside it). */
function openDescriptors(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Processes whose parent is this one, zombies included. */
function childProcesses(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

let host: RunningHost;
let site: string;
before(async () => {
  site = scratchSite();
  endpoint(site, "cat.chatsocket", [`command = ["${CAT}"]`]);
  endpoint(site, "binary.chatsocket", [`command = ["${CAT}"]`, "mode = binary"]);
  endpoint(site, "raw.chatsocket", [`command = ["${CAT}"]`, "mode = raw"]);
  endpoint(site, "lines.chatsocket", [tool("lines", "3")]);
  endpoint(site, "stderr.chatsocket", [tool("stderr"), "stderr = send"]);
  endpoint(site, "exit0.chatsocket", [tool("exit", "0")]);
  endpoint(site, "exit3.chatsocket", [tool("exit", "3")]);
  endpoint(site, "env.chatsocket", [tool("env"), 'environment = {"GREETING": "hello"}']);
  endpoint(site, "tree.chatsocket", [tool("tree")]);
  endpoint(site, "capped.chatsocket", [`command = ["${CAT}"]`, "max_processes = 2"]);
  // Fast pings too: while reading is paused for the program, unread pongs must not count against the client.
  endpoint(site, "noread.chatsocket", [tool("noread"), "mode = binary", "idle_timeout = 2000", "ping_interval = 200", "pong_timeout = 200"]);
  endpoint(site, "flood.chatsocket", [tool("flood", "40000", "1000")]);
  endpoint(site, "bytes.chatsocket", [tool("bytes")]);
  endpoint(site, "save.chatsocket", [tool("save", path.join(site, "saved.txt"))]);
  endpoint(site, "shell.chatsocket", ["shell = echo one; echo two >&2; exit 4", "stderr = send"]);
  process.env.CHATSOCKET_TEST_SENTINEL = "must not reach a program";
  host = await startHost({
    site,
    env: {
      CHATSOCKET_TEST_HOOKS: "1",
      CHATSOCKET_INSTANCES: "1",
      CHATSOCKET_ALLOWED_PROGRAMS: [CAT, PYTHON, "/bin/sh"].join(":"),
    },
    provokesErrors: "a handler traps; programs are refused",
  });
});
after(() => host.stop());

async function bye(client: Client): Promise<void> {
  client.ws.close(1000);
  await client.closed;
}

describe("text mode", () => {
  test("each text message comes back as the same line, in order", async () => {
    const client = await connect("/cat.chatsocket");
    for (const line of ["first", "second", "wide: café ✓"]) client.ws.send(line);
    assert.deepEqual((await client.next(3)).map(String), ["first", "second", "wide: café ✓"]);
    client.ws.close(1000);
    assert.equal((await client.closed).code, 1000);
  });

  test("each line the program writes is a message of its own", async () => {
    const client = await connect("/lines.chatsocket");
    client.ws.send("x");
    assert.deepEqual((await client.next(3)).map(String), ["0: x", "1: x", "2: x"]);
    await bye(client);
  });

  test("a binary message in text mode closes with 1003", async () => {
    const client = await connect("/cat.chatsocket");
    client.ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await client.closed).code, 1003);
  });

  test("output that is not UTF-8 arrives as a valid text message, each bad sequence a U+FFFD", async () => {
    const client = await connect("/bytes.chatsocket");
    const { messages, code } = await client.everything();
    assert.deepEqual(messages, ["ok \ufffd\ufffd \ufffd end"]);
    assert.equal(code, 1000);
  });
});

test("messages that arrive together, a long one among them, and then a close frame all reach stdin in order", async () => {
  const lines = Array.from({ length: 200 }, (_, i) => (i === 100 ? "L".repeat(40000) : `line ${i}`));
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest("/save.chatsocket"));
  assert.equal((await client.readAnswer()).status, 101);
  // One write: the server reads these frames together, the close frame with them.
  await client.write(Buffer.concat([...lines.map((line) => clientFrame(TEXT, line)), clientFrame(CLOSE, closePayload(1000))]));
  const saved = path.join(site, "saved.txt");
  await until(() => readdirSync(site).includes("saved.txt"), "the program's saved stdin");
  assert.deepEqual(readFileSync(saved, "utf8").split("\n"), [...lines, ""]);
  client.destroy();
});

test("binary mode: bytes go through unchanged both ways", async () => {
  const client = await connect("/binary.chatsocket");
  const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  client.ws.send(payload);
  const got: Buffer[] = [];
  while (Buffer.concat(got).length < payload.length) got.push(...(await client.next(1)));
  assert.deepEqual(Buffer.concat(got), payload);
  await bye(client);
});

test("raw mode: no newline is added to what the client sends", async () => {
  const client = await connect("/raw.chatsocket");
  client.ws.send("a");
  client.ws.send("b");
  let text = "";
  while (text.length < 2) text += String((await client.next(1))[0]);
  assert.equal(text, "ab");
  await bye(client);
});

test("stderr = send: both streams arrive as {stream, data}", async () => {
  const client = await connect("/stderr.chatsocket");
  client.ws.send("to stderr");
  const messages = (await client.next(2)).map((m) => JSON.parse(m.toString()));
  assert.deepEqual(
    messages.sort((a, b) => a.stream.localeCompare(b.stream)),
    [
      { stream: "stderr", data: "to stderr" },
      { stream: "stdout", data: "ok" },
    ],
  );
  await bye(client);
});

describe("the program's exit", () => {
  test("exit code 0: the rest of the output, then 1000 with the exit code in the reason", async () => {
    const client = await connect("/exit0.chatsocket");
    client.ws.send("go");
    assert.deepEqual(await client.everything(), { messages: ["bye"], code: 1000, reason: "exit code 0" });
  });

  test("another exit code: 1011 with the code in the reason", async () => {
    const client = await connect("/exit3.chatsocket");
    client.ws.send("go");
    assert.deepEqual(await client.everything(), { messages: ["bye"], code: 1011, reason: "exit code 3" });
  });

  test("a shell command line, when the file asks for one, with stderr sent", async () => {
    const client = await connect("/shell.chatsocket");
    const { messages, code, reason } = await client.everything();
    assert.deepEqual(messages.map((m) => JSON.parse(m)).sort((a, b) => a.stream.localeCompare(b.stream)), [
      { stream: "stderr", data: "two" },
      { stream: "stdout", data: "one" },
    ]);
    assert.deepEqual([code, reason], [1011, "exit code 4"]);
  });
});

test("the environment: CGI variables, the request's headers, the file's own; nothing else of the server's", async () => {
  const client = await connect("/env.chatsocket?room=7", { headers: { "X-Custom": "yes" } });
  const lines: string[] = [];
  for (let line = ""; line !== "end"; line = String((await client.next(1))[0])) if (line) lines.push(line);
  const env = new Map(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  assert.equal(env.get("GATEWAY_INTERFACE"), "CGI/1.1");
  assert.equal(env.get("REMOTE_ADDR"), "127.0.0.1");
  assert.match(env.get("REMOTE_PORT") ?? "", /^\d+$/);
  assert.equal(env.get("SERVER_PORT"), String(host.port));
  assert.equal(env.get("REQUEST_METHOD"), "GET");
  assert.equal(env.get("SCRIPT_NAME"), "/env.chatsocket");
  assert.equal(env.get("QUERY_STRING"), "room=7");
  assert.equal(env.get("REQUEST_URI"), "/env.chatsocket?room=7");
  assert.equal(env.get("HTTPS"), "off");
  assert.equal(env.get("HTTP_X_CUSTOM"), "yes");
  assert.equal(env.get("HTTP_UPGRADE"), "websocket");
  assert.equal(env.get("GREETING"), "hello");
  assert.equal(env.get("PATH"), process.env.PATH, "PATH is on the default list of inherited variables");
  assert.equal(env.get("CHATSOCKET_TEST_SENTINEL"), undefined, "the server's other variables stay out");
  assert.equal(env.get("CHATSOCKET_ALLOWED_PROGRAMS"), undefined);
  await bye(client);
});

test("the program and its own child are gone soon after the client vanishes", async () => {
  const client = await connect("/tree.chatsocket");
  const [, program, child] = String((await client.next(1))[0]).split(" ").map(Number);
  assert.ok(alive(program) && alive(child));
  client.ws.terminate(); // no close frame: the TCP connection just drops
  // stdin closes at once; then the grace (1 s) and SIGTERM to the whole group
  await until(() => !alive(program) && !alive(child), "the program and its child to end");
});

test("the cap of an endpoint answers 503 with Retry-After, and frees up when a program ends", async () => {
  const first = await connect("/capped.chatsocket");
  const second = await connect("/capped.chatsocket");
  const refused = await httpExchange(host.port, upgradeRequest("/capped.chatsocket"));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "5");
  assert.match(refused.body, /Too many programs/);
  await bye(first);
  await until(() => host.stats().module!.processes <= 1, "the first program to end");
  const third = await connect("/capped.chatsocket");
  await bye(third);
  await bye(second);
});

test("a client that stops reading stops the program, and gets everything once it reads again", async () => {
  const client = await connect("/flood.chatsocket");
  const socket = (client.ws as unknown as { _socket: import("node:net").Socket })._socket;
  socket.pause();
  const outBefore = host.stats().bytesOut;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const sent = host.stats().bytesOut - outBefore;
  // 40 MB of lines: what left the server while the client read nothing is bounded by the write queue (1 MiB)
  // and the kernel's buffers, and the program waits on its full pipe meanwhile.
  assert.ok(host.stats().module!.processes >= 1, "the program is blocked, not finished");
  assert.ok(sent < 16 * 1024 * 1024, `${sent} bytes left while the client was not reading`);
  socket.resume();
  const { messages, code } = await client.everything();
  assert.equal(messages.length, 40000);
  assert.ok(messages.every((m, i) => m.trimEnd() === String(i) && m.length === 1000), "every line, whole, in order");
  assert.equal(code, 1000);
});

test("a program that stops reading its stdin stops the server reading from the client", async () => {
  const client = await connect("/noread.chatsocket");
  await client.next(1); // "ready"
  const inBefore = host.stats().bytesIn;
  const chunk = Buffer.alloc(1 << 20, 0x61);
  for (let i = 0; i < 32; i++) client.ws.send(chunk);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const received = host.stats().bytesIn - inBefore;
  assert.ok(received < 12 * 1024 * 1024, `the server took ${received} bytes of 32 MiB for a program that reads none`);
  // The endpoint's idle_timeout (2 s) ends it: nothing moved either way meanwhile.
  const { code, reason } = await client.closed;
  assert.deepEqual([code, reason], [1001, "idle for 2000 ms"]);
  await until(() => host.stats().module!.processes === 0, "the program to end");
});

test("1000 connections that each drop without a close frame leave no process and no pipe behind", async () => {
  const descriptors = openDescriptors();
  for (let batch = 0; batch < 50; batch++) {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect("/cat.chatsocket")));
    for (const client of clients) client.ws.terminate();
  }
  await until(() => host.stats().module!.processes === 0, "every program to end", 20000);
  await until(() => childProcesses().length === 0, "no child process, zombie or not", 10000);
  await host.waitFor((stats) => stats.activeRequests === 0, "every request to end");
  assert.ok(openDescriptors() <= descriptors + 2, `descriptors: ${descriptors} before, ${openDescriptors()} after`);
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});

test("a trap in the handler's instance leaves no program behind", async () => {
  const client = await connect("/tree.chatsocket");
  const [, program, child] = String((await client.next(1))[0]).split(" ").map(Number);
  const trapping = await connect("/trap.chatsocket"); // the same (only) instance
  trapping.ws.send("trap");
  assert.equal((await client.closed).code, 1011);
  await until(() => !alive(program) && !alive(child), "the program and its child to end");
});

describe("a program the server does not allow", () => {
  test("gets 403 at the handshake and a log line naming the setting to change", async () => {
    const other = scratchSite();
    endpoint(other, "forbidden.chatsocket", [`command = ["${PYTHON}", "-c", "print(1)"]`]);
    const server = await startHostProcess(other, { CHATSOCKET_ALLOWED_PROGRAMS: CAT });
    try {
      const answer = await httpExchange(server.port, upgradeRequest("/forbidden.chatsocket"));
      assert.equal(answer.status, 403);
      assert.match(answer.body, /not allowed to run/);
      const [line] = await server.waitForLog(/is not allowed to run/);
      assert.match(line, /CHATSOCKET_ALLOWED_PROGRAMS/);
      assert.match(line, /forbidden\.chatsocket/);
    } finally {
      await server.stop();
    }
  });
});

describe("the server going down", () => {
  test("takes every program and its children with it", async () => {
    const other = scratchSite();
    endpoint(other, "tree.chatsocket", [tool("tree")]);
    host.stop(); // one host per process: the suite's own is done by now
    const second = await startHost({ site: other, env: { CHATSOCKET_ALLOWED_PROGRAMS: PYTHON } });
    try {
      const client = new Client(`ws://127.0.0.1:${second.port}/tree.chatsocket`);
      await client.opened();
      const [, program, child] = String((await client.next(1))[0]).split(" ").map(Number);
      assert.ok(alive(program) && alive(child));
      second.stop();
      await until(() => !alive(program) && !alive(child), "the program and its child to end with the server");
      assert.deepEqual(childProcesses(), []);
    } finally {
      second.stop();
    }
  });
});
