// echo.chatsocket through the host with real clients: ws for whole messages, a raw socket for splits.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { BINARY, CLOSE, PONG, TEXT, clientFrame, closeCodeOf, closePayload, rng } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const SIZES = [0, 125, 126, 65535, 65536, 8 * 1024 * 1024];

let host: RunningHost;
before(async () => {
  host = await startHost();
});
after(() => host.stop());

function textOfSize(size: number): string {
  const random = rng(size);
  let text = "";
  while (text.length < size) text += String.fromCharCode(0x20 + Math.floor(random() * 95));
  return text;
}

async function upgradedRawClient(path = "/echo.chatsocket"): Promise<RawClient> {
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest(path));
  const answer = await client.readAnswer();
  assert.equal(answer.status, 101);
  return client;
}

describe("echo through a ws client", () => {
  for (const size of SIZES) {
    test(`echoes a ${size}-byte text message`, async () => {
      const ws = await openWs(host.url("/echo.chatsocket"));
      const text = textOfSize(size);
      ws.send(text);
      const reply = await messageOf(ws);
      assert.equal(reply.isBinary, false);
      assert.equal(reply.data.toString("utf8"), text);
      ws.close(1000);
      assert.equal((await closeOf(ws)).code, 1000);
    });

    test(`echoes a ${size}-byte binary message`, async () => {
      const ws = await openWs(host.url("/echo.chatsocket"));
      const bytes = randomBytes(size);
      ws.send(bytes);
      const reply = await messageOf(ws);
      assert.equal(reply.isBinary, true);
      assert.ok(reply.data.equals(bytes));
      ws.close(1000);
      await closeOf(ws);
    });
  }

  test("answers a ping with a pong carrying the same payload", async () => {
    const ws = await openWs(host.url("/echo.chatsocket"));
    const payload = Buffer.from("are you there?");
    const pong = new Promise<Buffer>((resolve) => ws.once("pong", resolve));
    ws.ping(payload);
    assert.ok((await pong).equals(payload));
    ws.close();
    await closeOf(ws);
  });

  test("echoes the client's close code in a clean closing handshake", async () => {
    const ws = await openWs(host.url("/echo.chatsocket"));
    ws.close(4001, "bye");
    const closed = await closeOf(ws);
    assert.equal(closed.code, 4001);
  });

  test("closes with 1009 when a message is over the 16 MiB default", async () => {
    const ws = await openWs(host.url("/echo.chatsocket"));
    ws.send(Buffer.alloc(17 * 1024 * 1024, 7));
    const closed = await closeOf(ws);
    assert.equal(closed.code, 1009);
  });

  test("closes with 1009 past an endpoint's own max_message_size", async () => {
    const ws = await openWs(host.url("/small.chatsocket"));
    ws.send("x".repeat(1024));
    assert.equal((await messageOf(ws)).data.length, 1024);
    ws.send("x".repeat(1025));
    assert.equal((await closeOf(ws)).code, 1009);
  });
});

describe("echo through a raw socket, frames split byte by byte", () => {
  for (const size of SIZES) {
    for (const opcode of [TEXT, BINARY]) {
      test(`echoes a ${size}-byte ${opcode === TEXT ? "text" : "binary"} message fed one byte per write`, async () => {
        const client = await upgradedRawClient();
        const payload = opcode === TEXT ? Buffer.from(textOfSize(size)) : randomBytes(size);
        const frame = clientFrame(opcode, payload);
        // Every byte of the header and of the first 64 KiB goes alone; past that (the 8 MiB case) the rest
        // goes in random pieces of up to 1500 bytes, to keep the test to seconds.
        const byteByByte = Math.min(frame.length, 14 + 65536 + 4);
        await client.writeByteByByte(frame.subarray(0, byteByByte));
        const random = rng(size);
        for (let at = byteByByte; at < frame.length; ) {
          const n = Math.min(frame.length - at, 1 + Math.floor(random() * 1500));
          await client.write(frame.subarray(at, at + n));
          at += n;
        }
        const reply = await client.readFrame(60000);
        assert.equal(reply.opcode, opcode);
        assert.equal(reply.fin, true);
        assert.equal(reply.masked, false);
        assert.ok(reply.payload.equals(payload));
        await client.write(clientFrame(CLOSE, closePayload(1000)));
        const close = await client.readFrame();
        assert.equal(close.opcode, CLOSE);
        assert.equal(closeCodeOf(close), 1000);
        await client.closed;
        client.destroy();
      });
    }
  }

  test("answers a ping split byte by byte with the same payload", async () => {
    const client = await upgradedRawClient();
    await client.writeByteByByte(clientFrame(0x9, "ping-payload"));
    const pong = await client.readFrame();
    assert.equal(pong.opcode, PONG);
    assert.equal(pong.payload.toString(), "ping-payload");
    client.destroy();
  });
});
