// Bytes no client should send, at the HTTP layer (frame-level violations are in conformance.test.ts): each
// gets a clean refusal, and a bystander connection echoing all the while never notices.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

let host: RunningHost;
let bystander: WebSocket;
let echoed = 0;

/** The bystander's round trips, counted while a bad client does its worst. */
async function bystanderEchoes(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    bystander.send(`round ${echoed}`);
    assert.equal((await messageOf(bystander)).data.toString(), `round ${echoed}`);
    echoed++;
  }
}

before(async () => {
  host = await startHost();
  bystander = await openWs(host.url("/echo.chatsocket"));
});
after(async () => {
  bystander.close(1000);
  await closeOf(bystander);
  host.stop();
});

/** Sends `bytes` on a fresh socket (in `pieces` writes, the bystander echoing between them); resolves with
 * the status of the answer once the server has also closed the connection. */
async function statusAfter(bytes: Buffer, pieces = 1): Promise<number> {
  const client = await RawClient.connect(host.port);
  try {
    const size = Math.ceil(bytes.length / pieces);
    for (let at = 0; at < bytes.length && !client.ended; at += size) {
      await client.write(bytes.subarray(at, at + size)).catch(() => undefined); // the server may stop reading
      await bystanderEchoes(1);
    }
    const answer = await client.readAnswer();
    await client.closed;
    return answer.status;
  } finally {
    client.destroy();
  }
}

describe("bad input at the HTTP layer", () => {
  test("a handshake head dribbled one byte at a time is still answered with 101", async () => {
    const client = await RawClient.connect(host.port);
    try {
      const head = Buffer.from(upgradeRequest("/echo.chatsocket"));
      for (let i = 0; i < head.length; i++) {
        await client.write(head.subarray(i, i + 1));
        if (i % 40 === 0) await bystanderEchoes(1);
      }
      assert.equal((await client.readAnswer()).status, 101);
    } finally {
      client.destroy();
    }
  });

  test("1 MiB of headers gets 431 and the connection ends", async () => {
    const junk = `X-Junk: ${"j".repeat(1000)}\r\n`.repeat(1024);
    const request = Buffer.from(upgradeRequest("/echo.chatsocket").replace("\r\n\r\n", `\r\n${junk}\r\n`));
    assert.equal(await statusAfter(request, 16), 431);
  });

  test("bytes that are not HTTP get 400 and the connection ends", async () => {
    assert.equal(await statusAfter(Buffer.from("\x00\x01\x02 hello? \xff\xfe\r\n\r\n", "latin1")), 400);
  });

  test("a TLS ClientHello on the plain port gets 400, not a hang", async () => {
    // A TLS 1.2 record header and the start of a ClientHello, as a browser sends for wss:// to a ws:// port.
    const hello = Buffer.from("16030100c4010000c00303" + "ab".repeat(32) + "00001c" + "c02b".repeat(14) + "0100", "hex");
    assert.equal(await statusAfter(hello), 400);
  });

  test("after all of it, the bystander has echoed every round and is still open", async () => {
    await bystanderEchoes(10);
    assert.equal(bystander.readyState, WebSocket.OPEN);
    assert.equal(host.stats().violations, 0, host.stats().lastViolation);
  });
});
