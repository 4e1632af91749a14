// RFC 6455's rules through the host, from a raw socket: each violation gets its close code, the server then
// waits for the client's close frame (or its close timeout) and closes TCP itself.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BINARY, CLOSE, CONTINUATION, PING, TEXT, clientFrame, closeCodeOf, closePayload } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { RawClient, httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, openWs } from "../support/ws_client";

let host: RunningHost;
before(async () => {
  host = await startHost();
});
after(() => host.stop());

async function upgraded(path = "/echo.chatsocket"): Promise<RawClient> {
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest(path));
  assert.equal((await client.readAnswer()).status, 101);
  return client;
}

// Sends `bytes`, expects a close frame with `code`, answers it, and expects the server to close TCP then:
// the endpoint's close_timeout is ten minutes, so only the answering close frame can end it in time.
async function expectClose(bytes: Buffer, code: number): Promise<void> {
  const client = await upgraded("/patient-close.chatsocket");
  await client.write(bytes);
  const frame = await client.readFrame();
  assert.equal(frame.opcode, CLOSE, `expected a close frame, got opcode ${frame.opcode}`);
  assert.equal(closeCodeOf(frame), code);
  await client.write(clientFrame(CLOSE, closePayload(code)));
  await closedWithin(client, 30000);
}

async function closedWithin(client: RawClient, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const VIOLATIONS: Array<[string, Buffer, number]> = [
  ["RSV1 set without an extension", clientFrame(TEXT, "x", { rsv: 4 }), 1002],
  ["a reserved data opcode (3)", clientFrame(3, "x"), 1002],
  ["a reserved control opcode (0xB)", clientFrame(0xb, "x"), 1002],
  ["an unmasked client frame", clientFrame(TEXT, "x", { masked: false }), 1002],
  ["a fragmented ping", clientFrame(PING, "x", { fin: false }), 1002],
  ["a ping with 126 bytes of payload", clientFrame(PING, Buffer.alloc(126)), 1002],
  ["a continuation without a started message", clientFrame(CONTINUATION, "x"), 1002],
  ["a new message while one is open",
    Buffer.concat([clientFrame(TEXT, "a", { fin: false }), clientFrame(BINARY, "b")]), 1002],
  ["invalid UTF-8 in a text message", clientFrame(TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xff])), 1007],
  ["a close code of 999", clientFrame(CLOSE, closePayload(999)), 1002],
  ["a close code of 1005", clientFrame(CLOSE, closePayload(1005)), 1002],
  ["a one-byte close payload", clientFrame(CLOSE, Buffer.from([3])), 1002],
  ["a close reason that is not UTF-8", clientFrame(CLOSE, closePayload(1000, Buffer.from([0xff, 0xfe]))), 1007],
];

describe("protocol violations through the host", () => {
  for (const [what, bytes, code] of VIOLATIONS) {
    test(`closes with ${code} on ${what}`, () => expectClose(bytes, code));
  }

  test("keeps TCP open after its close frame until the client's close frame comes, however late", async () => {
    const client = await upgraded("/patient-close.chatsocket");
    await client.write(clientFrame(TEXT, "x", { rsv: 2 }));
    assert.equal(closeCodeOf(await client.readFrame()), 1002);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a slow client
    assert.equal(client.ended, false, "the server closed TCP without waiting for the client's close frame");
    await client.write(clientFrame(CLOSE, closePayload(1002)));
    await closedWithin(client, 30000);
    assert.equal(client.unreadBytes, 0, "nothing may follow the server's close frame");
  });

  test("closes with 1002 and ends at once on a 64-bit length with the top bit set (frame boundaries are lost)", async () => {
    const client = await upgraded("/patient-close.chatsocket");
    await client.write(clientFrame(BINARY, "", { lengthBytes: 8, declaredLength: 1n << 63n }));
    assert.equal(closeCodeOf(await client.readFrame()), 1002);
    await closedWithin(client, 30000);  // no close frame of the client's can be found any more: nothing to wait for
  });

  test("fails invalid UTF-8 fast: the close comes before the message is finished", async () => {
    const client = await upgraded();
    await client.write(clientFrame(TEXT, Buffer.from([0x68, 0x69, 0xf4, 0x90]), { fin: false }));  // > U+10FFFF
    const frame = await client.readFrame();
    assert.equal(closeCodeOf(frame), 1007);
    client.destroy();
  });

  test("accepts a valid close code from the private range and echoes it", async () => {
    const client = await upgraded();
    await client.write(clientFrame(CLOSE, closePayload(4999, "bye")));
    const frame = await client.readFrame();
    assert.equal(closeCodeOf(frame), 4999);
    await client.closed;
  });

  test("handles a ping between two fragments in order", async () => {
    const client = await upgraded();
    await client.write(Buffer.concat([
      clientFrame(TEXT, "frag", { fin: false }),
      clientFrame(PING, "in between"),
      clientFrame(CONTINUATION, "ment"),
    ]));
    const pong = await client.readFrame();
    assert.equal(pong.opcode, 0xa);
    assert.equal(pong.payload.toString(), "in between");
    const message = await client.readFrame();
    assert.equal(message.opcode, TEXT);
    assert.equal(message.payload.toString(), "fragment");
    client.destroy();
  });

  test("ignores data after the client's close frame", async () => {
    const client = await upgraded();
    await client.write(Buffer.concat([clientFrame(CLOSE, closePayload(1000)), clientFrame(TEXT, "too late")]));
    const frame = await client.readFrame();
    assert.equal(frame.opcode, CLOSE);
    await client.closed;
  });

  test("drops a client that never answers our close once the endpoint's close_timeout passes", async () => {
    const client = await RawClient.connect(host.port);
    await client.write(upgradeRequest("/quick-close.chatsocket"));
    assert.equal((await client.readAnswer()).status, 101);
    await client.write(clientFrame(TEXT, "x", { rsv: 2 }));
    assert.equal(closeCodeOf(await client.readFrame()), 1002);
    await closedWithin(client, 30000);  // the client never answers: the endpoint's 200 ms timeout ends it
    await host.waitFor((stats) => stats.module?.connections === 0, "the module to forget the connection");
  });
});

describe("an endpoint's max_fragments through the host", () => {
  const fragments = (count: number): Buffer =>
    Buffer.concat(Array.from({ length: count }, (_, i) =>
      clientFrame(i === 0 ? TEXT : CONTINUATION, `part ${i};`, { fin: i === count - 1 })));

  test("echoes a message of exactly max_fragments fragments", async () => {
    const client = await upgraded("/few-fragments.chatsocket");
    await client.write(fragments(3));
    const echo = await client.readFrame();
    assert.equal(echo.payload.toString(), "part 0;part 1;part 2;");
    client.destroy();
  });

  test("closes with 1009 at the fragment past max_fragments", async () => {
    const client = await upgraded("/few-fragments.chatsocket");
    await client.write(fragments(4));
    assert.equal(closeCodeOf(await client.readFrame()), 1009);
    client.destroy();
  });
});

describe("subprotocols through the host", () => {
  test("answers with the first protocol the client offers that the endpoint speaks", async () => {
    const ws = await openWs(host.url("/protocols.chatsocket"), ["chat.v3", "chat.v1", "chat.v2"]);
    assert.equal(ws.protocol, "chat.v1");
    ws.close();
    await closeOf(ws);
  });

  test("answers with no protocol when none is shared", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/protocols.chatsocket", { "Sec-WebSocket-Protocol": "other" }));
    assert.equal(answer.status, 101);
    assert.equal(answer.headers.get("sec-websocket-protocol"), undefined);
  });
});

describe("duplicate handshake headers", () => {
  // IIS joins repeated headers with ", ", as the host does; each of these becomes invalid.
  for (const name of ["Sec-WebSocket-Key", "Sec-WebSocket-Version"]) {
    test(`refuses a repeated ${name} with 400`, async () => {
      const request = upgradeRequest("/echo.chatsocket").replace("\r\n\r\n", `\r\n${name}: ${name === "Sec-WebSocket-Key" ? "AQIDBAUGBwgJCgsMDQ4PEA==" : "13"}\r\n\r\n`);
      const answer = await httpExchange(host.port, request);
      assert.equal(answer.status, 400);
      assert.ok(answer.body.length > 0);
    });
  }
});
