// kind = chat through the host, with ws clients and raw sockets: rooms across Wasm instances, presence,
// history, sub-rooms, slow members cut off by their bound, and a trap that costs only its own instance.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect as tcpConnect, Socket } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { httpExchange, upgradeRequest } from "../support/raw_client";

/** A ws member that keeps every message from the moment it connects. */
class Member {
  readonly ws: WebSocket;
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.waiters.splice(0)) wake();
      }),
    );
    this.ws.on("error", () => {});
  }

  opened(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve(this));
      this.ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
  }

  /** Waits until some message satisfies `predicate`; returns it. */
  async until(predicate: (message: any) => boolean, what: string, timeoutMs = 10000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no message ${what}; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  texts(): string[] {
    return this.messages.filter((m) => m.type === "message").map((m) => m.text);
  }

  async leave(): Promise<void> {
    this.ws.close(1000);
    await this.closed;
  }
}

let host: RunningHost;
let site: string;
const url = (pathname: string) => host.url(pathname);
const join = (pathname: string) => new Member(url(pathname)).opened();

before(async () => {
  site = scratchSite();
  writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\nhistory = 5\n");
  writeFileSync(path.join(site, "big.chatsocket"), "kind = chat\nmax_rate = 0\n");
  writeFileSync(path.join(site, "rooms.chatsocket"), "kind = chat\nrooms = query\n");
  writeFileSync(path.join(site, "slow.chatsocket"), "kind = chat\nformat = raw\nmax_backlog = 1048576\nmax_rate = 0\n");
  writeFileSync(path.join(site, "tiny.chatsocket"), "kind = chat\nmax_members = 2\n");
  host = await startHost({ site, env: { CHATSOCKET_TEST_HOOKS: "1", CHATSOCKET_INSTANCES: "2" }, provokesErrors: "a member's instance traps" });
});
after(() => host.stop());

test("three members see each other's messages in order, and each other come and go", async () => {
  const ada = await join("/room.chatsocket?name=Ada");
  const bo = await join("/room.chatsocket?name=Bo");
  const cy = await join("/room.chatsocket?name=Cy");
  const welcome = await cy.until((m) => m.type === "welcome", "welcome");
  assert.deepEqual(welcome.members.map((m: any) => m.name).sort(), ["Ada", "Bo", "Cy"]);
  assert.equal(welcome.count, 3);
  await ada.until((m) => m.type === "join" && m.name === "Cy" && m.count === 3, "Cy's join");
  for (const text of ["one", "two", "three"]) ada.ws.send(text);
  bo.ws.send("from bo");
  for (const member of [ada, bo, cy]) {
    await member.until((m) => m.text === "three", "the third message");
    await member.until((m) => m.text === "from bo", "bo's message");
    const fromAda = member.texts().filter((t) => t !== "from bo");
    assert.deepEqual(fromAda, ["one", "two", "three"], "in the order sent");
  }
  const message = ada.messages.find((m) => m.text === "one");
  assert.equal(message.name, "Ada");
  assert.ok(Math.abs(message.ts - Date.now()) < 60000, "a server timestamp");
  await bo.leave();
  await ada.until((m) => m.type === "leave" && m.name === "Bo" && m.count === 2, "Bo's leave");
  await ada.leave();
  await cy.leave();
});

test("a member that just drops its TCP connection leaves the room, and the others are told", async () => {
  const stays = await join("/room.chatsocket?name=Stays");
  const drops = await join("/room.chatsocket?name=Drops");
  await stays.until((m) => m.type === "join" && m.name === "Drops", "the join");
  drops.ws.terminate();
  await stays.until((m) => m.type === "leave" && m.name === "Drops" && m.count === 1, "the leave");
  await stays.leave();
});

test("a newcomer gets the room's history after its welcome, while the room has members", async () => {
  const first = await join("/room.chatsocket?name=First");
  for (let i = 1; i <= 7; i++) first.ws.send(`m${i}`);
  await first.until((m) => m.text === "m7", "its own last message");
  const late = await join("/room.chatsocket?name=Late");
  await late.until((m) => m.text === "m7", "the history");
  assert.equal(late.messages[0].type, "welcome");
  assert.deepEqual(late.texts(), ["m3", "m4", "m5", "m6", "m7"], "the last 5 (history = 5)");
  await late.leave();
  await first.leave();
});

test("sub-rooms (rooms = query) are apart from each other", async () => {
  const blue = await join("/rooms.chatsocket?room=blue&name=B");
  const green = await join("/rooms.chatsocket?room=green&name=G");
  const blue2 = await join("/rooms.chatsocket?room=blue&name=B2");
  green.ws.send("green only");
  blue.ws.send("blue only");
  await blue2.until((m) => m.text === "blue only", "blue's message");
  await green.until((m) => m.text === "green only", "its own");
  assert.ok(!green.messages.some((m) => m.text === "blue only" || (m.type === "join" && m.name === "B2")));
  assert.ok(!blue2.messages.some((m) => m.text === "green only"));
  const refused = await httpExchange(host.port, upgradeRequest("/rooms.chatsocket?room=../etc"));
  assert.equal(refused.status, 400);
  for (const member of [blue, green, blue2]) await member.leave();
});

test("a full room answers 503 with Retry-After", async () => {
  const a = await join("/tiny.chatsocket");
  const b = await join("/tiny.chatsocket");
  const refused = await httpExchange(host.port, upgradeRequest("/tiny.chatsocket"));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "5");
  await a.leave();
  await b.leave();
});

test("500 members across every instance each get all 50 messages of 10 senders, once, in each sender's order", async () => {
  const members: Member[] = [];
  for (let batch = 0; batch < 10; batch++) {
    members.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => join(`/big.chatsocket?name=m${batch * 50 + i}`)))));
  }
  const last = members[members.length - 1];
  await last.until((m) => m.type === "welcome", "the welcome");
  const senders = members.slice(0, 10);
  for (let round = 0; round < 5; round++) {
    senders.forEach((sender, s) => sender.ws.send(`${s}:${round}`));
  }
  for (const member of members) {
    await member.until(() => member.texts().length >= 50, "all 50 messages", 30000);
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // anything extra would be here by now
  for (const member of members) {
    const texts = member.texts();
    assert.equal(texts.length, 50, "none lost, none twice");
    for (let s = 0; s < 10; s++) {
      assert.deepEqual(texts.filter((t) => t.startsWith(`${s}:`)), [0, 1, 2, 3, 4].map((r) => `${s}:${r}`));
    }
  }
  assert.equal(host.stats().module?.roomMembers, 500);
  await Promise.all(members.map((m) => m.leave()));
  await host.waitFor((stats) => stats.module?.roomMembers === 0 && stats.module?.rooms === 0, "the room to empty");
});

/** A raw WebSocket client that joins and then never reads. */
function idleMember(pathname: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(host.port, "127.0.0.1", () => {
      socket.write(upgradeRequest(pathname));
    });
    socket.once("data", (head: Buffer) => {
      if (!head.toString().startsWith("HTTP/1.1 101")) reject(new Error(head.toString()));
      socket.pause(); // from now on nothing is read: the kernel's buffers fill, then the server's queue
      resolve(socket);
    });
    socket.on("error", () => {});
  });
}

test("a member that stops reading is cut off by its bound while the others keep receiving everything", async (t) => {
  const slow = await idleMember("/slow.chatsocket");
  const listener = new WebSocket(url("/slow.chatsocket"));
  const sender = new WebSocket(url("/slow.chatsocket"));
  t.after(() => {
    slow.destroy();
    listener.terminate();
    sender.terminate();
  });
  const heard = { listener: 0, sender: 0 };
  listener.on("message", () => heard.listener++);
  sender.on("message", () => heard.sender++); // echo_self: the sender hears itself too
  await Promise.all([listener, sender].map((ws) => new Promise((resolve) => ws.once("open", resolve))));
  const evictedBefore = host.stats().module!.roomEvicted;
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  // 32 MiB through the room, at most 8 messages (128 KiB, far under the 1 MiB bound) in flight, as a live
  // sender would: a member that reads keeps up. What the module holds for its clients is sampled all along
  // (the process's RSS would not do: these clients live in it and keep what they received until a GC).
  const count = 2000;
  const deadline = Date.now() + 60000;
  let mostQueued = 0;
  for (let sent = 0; sent < count; ) {
    assert.ok(Date.now() < deadline, `the sender's own messages stopped coming back after ${heard.sender}`);
    while (sent < count && sent - heard.sender < 8) {
      sender.send(chunk);
      sent++;
    }
    mostQueued = Math.max(mostQueued, host.stats().module!.frameBytes);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await host.waitFor(() => heard.listener === count && heard.sender === count, "every message at both members", 30000);
  assert.equal(host.stats().module!.roomEvicted, evictedBefore + 1, "the stalled member, and only it, was cut off");
  // The stalled member's 1 MiB bound plus what is in flight to the two live ones, never the 32 MiB sent.
  assert.ok(mostQueued > 0 && mostQueued < 4 * 1024 * 1024, `the module held up to ${mostQueued} bytes for its clients`);
  // It never reads its close frame either: after a grace the server drops it, and its backlog goes with it.
  await host.waitFor((stats) => stats.module!.connections === 2, "the stalled member to be dropped", 15000);
  await host.waitFor((stats) => stats.module!.frameBytes < 64 * 1024, "the stalled member's backlog to be freed");
});

test("a trap in one instance closes only its own members (1011); the room goes on, and hears they left", async () => {
  // Two instances, the least busy takes each new connection: a (slot 0), b (slot 1), the trapping one (slot 0).
  await host.waitFor((stats) => stats.module!.connections === 0, "a quiet host");
  const a = await join("/room.chatsocket?name=OnTrapped");
  const b = await join("/room.chatsocket?name=Survivor");
  const trapping = new WebSocket(url("/trap.chatsocket"));
  await new Promise((resolve) => trapping.once("open", resolve));
  trapping.on("error", () => {});
  trapping.send("trap");
  assert.equal((await a.closed).code, 1011);
  await b.until((m) => m.type === "leave" && m.name === "OnTrapped" && m.count === 1, "the leave of the trapped member");
  const c = await join("/room.chatsocket?name=After");
  b.ws.send("still a room");
  await c.until((m) => m.text === "still a room", "the survivor's message");
  await b.leave();
  await c.leave();
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});
