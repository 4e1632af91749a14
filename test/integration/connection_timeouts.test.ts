// The host's http.sys-like connection timeouts (HeaderWait, IdleConnectionTimeout), set short here: slow or
// silent clients are cut, other connections and upgraded WebSockets are not.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { TEXT, clientFrame } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const HEADER_WAIT_MS = 400;
const IDLE_MS = 400;

let host: RunningHost;
before(async () => {
  const site = scratchSite();
  writeFileSync(path.join(site, "quiet.chatsocket"), "kind = echo\nping_interval = 0\n");
  host = await startHost({ site, headerWaitMs: HEADER_WAIT_MS, idleConnectionTimeoutMs: IDLE_MS });
});
after(() => host.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when the server closes `client`; fails if it is still open after a generous while. */
async function closedByServer(client: RawClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the server kept the connection open")), 20000);
  });
  try {
    await Promise.race([client.closed, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `head` a byte at a time, `gapMs` apart, until the server closes the connection or the head is out. */
async function dribble(client: RawClient, head: string, gapMs: number): Promise<number> {
  let written = 0;
  for (; written < head.length && !client.ended; written++) {
    await client.write(head[written]).catch(() => {});
    await sleep(gapMs);
  }
  return written;
}

describe("header wait", () => {
  test("a client dribbling its request head is cut without an answer, while a WebSocket keeps echoing", async () => {
    const ws = await openWs(host.url("/echo.chatsocket"));
    const loris = await RawClient.connect(host.port);
    // 20 bytes a second for a head of 180: each byte comes well within the idle timeout, the head never
    // within the header wait.
    const head = upgradeRequest("/echo.chatsocket", { "X-Padding": "x".repeat(40) });
    let dribbled = false;
    const dribbling = dribble(loris, head, 50).finally(() => (dribbled = true));
    let echoes = 0;
    while (!loris.ended && !dribbled) {
      ws.send(`message ${echoes}`);
      assert.equal((await messageOf(ws)).data.toString(), `message ${echoes}`);
      echoes++;
      await sleep(20);
    }
    const written = await dribbling;
    assert.ok(written < head.length, "the server waited for the whole head");
    assert.equal(loris.unreadBytes, 0, "no answer to a head that never came");
    assert.ok(echoes > 0);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close(1000);
    await closeOf(ws);
  });

  test("a head that comes whole in time is answered", async () => {
    const client = await RawClient.connect(host.port);
    try {
      await client.write(upgradeRequest("/echo.chatsocket"));
      assert.equal((await client.readAnswer()).status, 101);
    } finally {
      client.destroy();
    }
  });
});

describe("idle connection timeout", () => {
  test("a connection that never sends a byte is closed", async () => {
    const client = await RawClient.connect(host.port);
    await closedByServer(client);
    assert.equal(client.unreadBytes, 0);
  });

  test("a connection kept alive after its response is closed when no next request comes", async () => {
    const client = await RawClient.connect(host.port);
    await client.write("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const answer = await client.readAnswer();
    assert.equal(answer.status, 200);
    assert.notEqual(answer.headers.get("connection"), "close");
    await closedByServer(client);
  });
});

describe("upgraded connections", () => {
  test("a WebSocket quiet for longer than both timeouts stays open and echoes", async () => {
    const client = await RawClient.connect(host.port);
    try {
      await client.write(upgradeRequest("/quiet.chatsocket"));
      assert.equal((await client.readAnswer()).status, 101);
      await sleep(3 * Math.max(HEADER_WAIT_MS, IDLE_MS));
      assert.equal(client.ended, false);
      await client.write(clientFrame(TEXT, "after the quiet"));
      const echo = await client.readFrame();
      assert.equal(echo.opcode, TEXT);
      assert.equal(echo.payload.toString(), "after the quiet");
    } finally {
      client.destroy();
    }
  });

  test("a ws client quiet for longer than both timeouts stays open", async () => {
    const ws = await openWs(host.url("/quiet.chatsocket"));
    await sleep(3 * Math.max(HEADER_WAIT_MS, IDLE_MS));
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.send("still here");
    assert.equal((await messageOf(ws)).data.toString(), "still here");
    ws.close(1000);
    assert.equal((await closeOf(ws)).code, 1000);
  });
});
