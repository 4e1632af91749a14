// Every endpoint's keepalive (ping_interval, pong_timeout), idle_timeout and allowed_origins, seen by ws and
// raw-socket clients through the host.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { CLOSE, PONG, TEXT, clientFrame } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { RawClient, httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const PING = 0x9;

let host: RunningHost;
before(async () => {
  const site = scratchSite();
  const endpoint = (name: string, lines: string[]) => writeFileSync(path.join(site, name), lines.join("\n") + "\n");
  endpoint("pinged.chatsocket", ["kind = echo", "ping_interval = 100", "pong_timeout = 300"]);
  endpoint("quiet.chatsocket", ["kind = echo", "ping_interval = 0"]);
  endpoint("idle.chatsocket", ["kind = echo", "ping_interval = 0", "idle_timeout = 300"]);
  endpoint("idle-room.chatsocket", ["kind = chat", "ping_interval = 0", "idle_timeout = 300"]);
  endpoint("origins.chatsocket", ["kind = echo", "allowed_origins = https://chat.example.com, *.example.org, null"]);
  endpoint("bad-origins.chatsocket", ["kind = echo", "allowed_origins = https://chat.example.com/path"]);
  endpoint("no-origins.chatsocket", ["kind = echo", "allowed_origins = ,"]);
  host = await startHost({ site, provokesErrors: "bad-origins.chatsocket cannot be parsed" });
});
after(() => host.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw client past the handshake of `pathname`. */
async function rawOpen(pathname: string): Promise<RawClient> {
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest(pathname));
  assert.equal((await client.readAnswer()).status, 101);
  return client;
}

describe("keepalive", () => {
  test("a client that answers pings (ws does) stays connected and keeps echoing", async () => {
    const ws = await openWs(host.url("/pinged.chatsocket"));
    let pings = 0;
    ws.on("ping", () => pings++);
    await sleep(1000); // ~10 pings, each due a pong within 300 ms
    assert.ok(pings >= 3, `${pings} pings in a second at ping_interval = 100`);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.send("still here");
    assert.equal((await messageOf(ws)).data.toString(), "still here");
    ws.close(1000);
    await closeOf(ws);
  });

  test("a client that never answers is closed with 1001 after pong_timeout, and its close answered", async () => {
    const client = await rawOpen("/pinged.chatsocket");
    try {
      const ping = await client.readFrame(5000);
      assert.equal(ping.opcode, PING);
      assert.equal(ping.payload.length, 0);
      const close = await client.readFrame(5000);
      assert.equal(close.opcode, CLOSE);
      assert.equal(close.payload.readUInt16BE(0), 1001);
      assert.match(close.payload.subarray(2).toString(), /no answer to a ping within 300 ms/);
      await client.write(clientFrame(CLOSE, close.payload.subarray(0, 2)));
      await client.closed;
    } finally {
      client.destroy();
    }
  });

  test("a pong answers the ping: the connection stays, and the next ping comes", async () => {
    const client = await rawOpen("/pinged.chatsocket");
    try {
      for (let i = 0; i < 4; i++) {
        const ping = await client.readFrame(5000);
        assert.equal(ping.opcode, PING);
        await client.write(clientFrame(PONG, ping.payload));
      }
      await client.write(clientFrame(TEXT, "after four pings"));
      let frame = await client.readFrame(5000);
      while (frame.opcode === PING) frame = await client.readFrame(5000);
      assert.equal(frame.opcode, TEXT);
      assert.equal(frame.payload.toString(), "after four pings");
    } finally {
      client.destroy();
    }
  });

  test("ping_interval = 0 sends no pings", async () => {
    const client = await rawOpen("/quiet.chatsocket");
    try {
      await sleep(400);
      assert.equal(client.unreadBytes, 0);
      assert.equal(client.ended, false);
    } finally {
      client.destroy();
    }
  });
});

describe("idle_timeout", () => {
  test("a connection with no message either way is closed with 1001", async () => {
    const ws = await openWs(host.url("/idle.chatsocket"));
    const closed = await closeOf(ws);
    assert.equal(closed.code, 1001);
    assert.equal(closed.reason, "idle for 300 ms");
  });

  test("messages keep a connection from being idle", async () => {
    const ws = await openWs(host.url("/idle.chatsocket"));
    for (let i = 0; i < 12; i++) {
      ws.send(`message ${i}`);
      assert.equal((await messageOf(ws)).data.toString(), `message ${i}`);
      await sleep(100); // 1.2 s in all, four times idle_timeout
    }
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close(1000);
    assert.equal((await closeOf(ws)).code, 1000);
  });

  test("applies to every kind: a silent chat member is closed too", async () => {
    const ws = await openWs(host.url("/idle-room.chatsocket"));
    const closed = await closeOf(ws);
    assert.equal(closed.code, 1001);
  });
});

describe("allowed_origins", () => {
  const originOf = async (origin: string | undefined) =>
    (await httpExchange(host.port, upgradeRequest("/origins.chatsocket", { Origin: origin }))).status;

  test("an exact origin and a subdomain of a wildcard are let in", async () => {
    assert.equal(await originOf("https://chat.example.com"), 101);
    assert.equal(await originOf("https://chat.example.com:443"), 101);
    assert.equal(await originOf("http://a.b.example.org:8080"), 101);
  });

  test("another origin, scheme or port is refused with 403 and a reason", async () => {
    for (const origin of ["https://evil.example", "http://chat.example.com", "https://chat.example.com:8443", "https://example.org"]) {
      assert.equal(await originOf(origin), 403, origin);
    }
    const answer = await httpExchange(host.port, upgradeRequest("/origins.chatsocket", { Origin: "https://evil.example" }));
    assert.equal(answer.body, "Origin https://evil.example may not open this endpoint (allowed_origins).");
  });

  test("null only when listed, and no Origin at all (not a browser) is let in", async () => {
    assert.equal(await originOf("null"), 101);
    assert.equal(await originOf(undefined), 101);
    assert.equal((await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { Origin: "null" }))).status, 101);
  });

  test("a browser-like ws client from a listed origin talks; one from elsewhere sees 403", async () => {
    const ws = new WebSocket(host.url("/origins.chatsocket"), { origin: "https://chat.example.com" });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send("hi");
    assert.equal((await messageOf(ws)).data.toString(), "hi");
    ws.close(1000);
    await closeOf(ws);
    const refused = new WebSocket(host.url("/origins.chatsocket"), { origin: "https://evil.example" });
    const status = await new Promise<number>((resolve) => refused.once("unexpected-response", (_, response) => resolve(response.statusCode ?? 0)));
    assert.equal(status, 403);
  });

  test("an entry that is not an origin makes the file fail with its line", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/bad-origins.chatsocket"));
    assert.equal(answer.status, 500);
    assert.match(answer.body, /line 2: allowed_origins: `https:\/\/chat\.example\.com\/path` is not an origin/);
  });

  test("an empty list is an error, not a list that lets everyone in", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/no-origins.chatsocket", { Origin: "https://evil.example" }));
    assert.equal(answer.status, 500);
    assert.match(answer.body, /line 2: allowed_origins is empty/);
  });
});
