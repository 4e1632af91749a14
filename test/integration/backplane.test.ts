// Chat rooms across two servers through a real redis-server (Debian's) on 127.0.0.1: server A is the host in
// this process, server B is `npm start`'s server in a child process, both with CHATSOCKET_REDIS. Redis starts
// after them (down at start), and is killed and started again mid-suite.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { HostProcess, scratchSite, startHostProcess } from "../support/host_process";

interface Event {
  type: string;
  id?: number;
  name?: string;
  text?: string;
  count?: number;
  members?: { id: number; name: string }[];
}

class Member {
  readonly events: Event[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data) => this.events.push(JSON.parse(data.toString())));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
  }

  texts(): string[] {
    return this.events.filter((e) => e.type === "message").map((e) => e.text!);
  }

  async until(condition: (member: Member) => boolean, what: string, timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  leave(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close(1000);
    });
  }
}

let redisPort = 0;
let redis: ChildProcess | undefined;
let a: RunningHost;
let b: HostProcess;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  for (const deadline = Date.now() + 10000; ; ) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(redisPort, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error("redis-server did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killRedis(): Promise<void> {
  return new Promise((resolve) => {
    if (!redis || redis.exitCode !== null) return resolve();
    redis.once("exit", () => resolve());
    redis.kill("SIGKILL");
  });
}

/** Both servers connected to Redis: A by its stats, B by its log (the `count`-th connection it reports). */
async function bothConnected(count: number): Promise<void> {
  await a.waitFor((stats) => stats.module!.backplaneConnected === 1, "server A's backplane", 20000);
  await b.waitForLog(/Redis backplane: connected/, count, 20000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // both subscribers listening, directories loaded
}

const join = async (server: { url(pathname: string): string }, pathname: string): Promise<Member> => {
  const member = new Member(server.url(pathname));
  await member.opened;
  await member.until((m) => m.events.some((e) => e.type === "welcome"), "the welcome");
  return member;
};

before(async () => {
  redisPort = await freePort();
  const url = `redis://127.0.0.1:${redisPort}`;
  const site = scratchSite();
  writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\nmax_rate = 0\n");
  writeFileSync(path.join(site, "local.chatsocket"), "kind = chat\nbackplane = off\n");
  writeFileSync(path.join(site, "history.chatsocket"), "kind = chat\nhistory = 3\nmax_rate = 0\n");
  // An endpoint naming a Redis of its own (here the same server's database 1: a backplane of its own).
  writeFileSync(path.join(site, "own.chatsocket"), `kind = chat\nbackplane = ${url}/1\n`);
  a = await startHost({ site, env: { CHATSOCKET_REDIS: url }, provokesErrors: "Redis is down at the start and killed mid-suite" });
  b = await startHostProcess(site, { CHATSOCKET_REDIS: url, CHATSOCKET_LOG_LEVEL: "info" });
});

after(async () => {
  await b?.stop();
  await a?.stop();
  await killRedis();
});

test("with Redis down, each server's room works on its own, and says so in its log", async () => {
  const [a1, a2] = [await join(a, "/room.chatsocket?name=a1"), await join(a, "/room.chatsocket?name=a2")];
  a1.ws.send("local only");
  await a2.until((m) => m.texts().includes("local only"), "the local message");
  await b.waitForLog(/Redis backplane: cannot reach 127\.0\.0\.1:\d+ .*rooms stay local/);
  await Promise.all([a1.leave(), a2.leave()]);
});

test("members on two servers hear each other's messages once, in each sender's order, and see each other", async () => {
  await startRedis();
  await bothConnected(1);
  const alice = await join(a, "/room.chatsocket?name=alice");
  const bob = await join(b, "/room.chatsocket?name=bob");
  const welcome = bob.events.find((e) => e.type === "welcome")!;
  assert.deepEqual(welcome.members!.map((m) => m.name).sort(), ["alice", "bob"], "bob's welcome lists alice on the other server");
  assert.equal(welcome.count, 2);
  await alice.until((m) => m.events.some((e) => e.type === "join" && e.name === "bob" && e.count === 2), "bob's join");
  const aliceId = alice.events.find((e) => e.type === "welcome")!.id;
  assert.notEqual(aliceId, welcome.id, "member ids differ across servers");

  for (let i = 0; i < 30; i++) {
    alice.ws.send(`a${i}`);
    bob.ws.send(`b${i}`);
  }
  for (const member of [alice, bob]) {
    await member.until((m) => m.texts().length >= 60, "all 60 messages");
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything twice would be here by now
    const texts = member.texts();
    assert.equal(texts.length, 60, "none lost, none twice");
    for (const sender of ["a", "b"]) {
      assert.deepEqual(texts.filter((t) => t[0] === sender), Array.from({ length: 30 }, (_, i) => `${sender}${i}`));
    }
  }
  await bob.leave();
  await alice.until((m) => m.events.some((e) => e.type === "leave" && e.name === "bob" && e.count === 1), "bob's leave");
  await alice.leave();
});

test("a newcomer on a server where the room is new gets the room's history from Redis", async () => {
  const alice = await join(a, "/history.chatsocket?name=alice");
  for (const text of ["one", "two", "three", "four"]) alice.ws.send(text);
  await alice.until((m) => m.texts().length === 4, "alice's own four messages");
  const bob = await join(b, "/history.chatsocket?name=bob"); // the room's first member on B
  await bob.until((m) => m.texts().length >= 3, "the history");
  alice.ws.send("five");
  await bob.until((m) => m.texts().includes("five"), "the next live message");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(bob.texts(), ["two", "three", "four", "five"], "the last 3 kept, once each, before what came live");
  const carol = await join(b, "/history.chatsocket?name=carol"); // B's room now has the history itself
  await carol.until((m) => m.texts().length >= 3, "the history on B");
  assert.deepEqual(carol.texts(), ["three", "four", "five"]);
  await Promise.all([alice.leave(), bob.leave(), carol.leave()]);
});

test("an endpoint naming its own Redis shares its rooms through that one", async () => {
  const here = await join(a, "/own.chatsocket?name=here");
  const there = await join(b, "/own.chatsocket?name=there");
  await here.until((m) => m.events.some((e) => e.type === "join" && e.name === "there"), "the other server's join", 20000);
  there.ws.send("through database 1");
  await here.until((m) => m.texts().includes("through database 1"), "the message across");
  await Promise.all([here.leave(), there.leave()]);
});

test("a room with backplane = off stays on its server", async () => {
  const here = await join(a, "/local.chatsocket?name=here");
  const there = await join(b, "/local.chatsocket?name=there");
  assert.equal(there.events.find((e) => e.type === "welcome")!.count, 1);
  here.ws.send("only for A");
  there.ws.send("only for B");
  await here.until((m) => m.texts().includes("only for A"), "A's own message");
  await there.until((m) => m.texts().includes("only for B"), "B's own message");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(here.texts(), ["only for A"]);
  assert.deepEqual(there.texts(), ["only for B"]);
  await Promise.all([here.leave(), there.leave()]);
});

test("a server that dies without a word: after its heartbeat expires, the others hear its members leave", async () => {
  const url = `redis://127.0.0.1:${redisPort}`;
  const site = scratchSite();
  writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\nmax_rate = 0\n");
  const c = await startHostProcess(site, { CHATSOCKET_REDIS: url, CHATSOCKET_LOG_LEVEL: "info" });
  try {
    await c.waitForLog(/Redis backplane: connected/, 1, 20000);
    const watcher = await join(a, "/room.chatsocket?name=watcher");
    const doomed = await join(c, "/room.chatsocket?name=doomed");
    await watcher.until((m) => m.events.some((e) => e.type === "join" && e.name === "doomed"), "doomed's join");
    doomed.ws.on("error", () => {});
    await c.kill();
    // Its key lives 15 s after its last refresh; server A checks every 5 s and needs three misses in a row.
    await watcher.until((m) => m.events.some((e) => e.type === "leave" && e.name === "doomed"), "doomed's leave", 45000);
    await watcher.leave();
  } finally {
    await c.kill();
  }
});

test("Redis killed and started again: both servers reconnect, the room works across them again, nothing twice", async () => {
  const alice = await join(a, "/room.chatsocket?name=alice2");
  const bob = await join(b, "/room.chatsocket?name=bob2");
  await alice.until((m) => m.events.some((e) => e.type === "join" && e.name === "bob2"), "bob2's join");
  await killRedis();
  await a.waitFor((stats) => stats.module!.backplaneConnected === 0, "server A to notice");
  const local = await join(a, "/room.chatsocket?name=carol");
  alice.ws.send("during the outage");
  await local.until((m) => m.texts().includes("during the outage"), "the message on the same server, Redis down");

  await startRedis();
  await bothConnected(2);
  // Redis came back empty: each server registered its members again, and each sees the other's.
  const dave = await join(b, "/room.chatsocket?name=dave");
  const names = dave.events.find((e) => e.type === "welcome")!.members!.map((m) => m.name).sort();
  assert.deepEqual(names, ["alice2", "bob2", "carol", "dave"]);
  alice.ws.send("after the restart");
  bob.ws.send("back from B");
  for (const member of [alice, bob, local, dave]) {
    await member.until((m) => m.texts().includes("after the restart") && m.texts().includes("back from B"), "both new messages");
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const member of [alice, bob, local, dave]) {
    const texts = member.texts();
    assert.equal(new Set(texts).size, texts.length, `nothing twice at a member: ${texts.join(", ")}`);
  }
  // Nobody left: a restarted Redis had forgotten everyone, but no server took that for departures.
  assert.deepEqual(alice.events.filter((e) => e.type === "leave").map((e) => e.name), []);
  assert.deepEqual(bob.events.filter((e) => e.type === "leave").map((e) => e.name), []);
  const erin = await join(a, "/room.chatsocket?name=erin"); // A sees B's members again, dave included
  const seen = erin.events.find((e) => e.type === "welcome")!.members!.map((m) => m.name).sort();
  assert.deepEqual(seen, ["alice2", "bob2", "carol", "dave", "erin"]);
  await erin.leave();
  const stats = a.stats().module!;
  assert.ok(stats.backplanePublished > 0 && stats.backplaneReceived > 0);
  await Promise.all([alice, bob, local, dave].map((m) => m.leave()));
});
