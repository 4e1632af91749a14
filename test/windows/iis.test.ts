// What a client sees from a real IIS with chatsocket.dll installed: the checks of test/integration that
// need no host counters, against a site serving test/fixtures/site. Run by .github/workflows/windows.yml:
//   CHATSOCKET_IIS_URL=http://localhost:8080   the site (skipped when unset)
//   CHATSOCKET_IIS_TEST_HOOKS=1                the app pool has CHATSOCKET_TEST_HOOKS=1 (trap.chatsocket)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";

import { BINARY, CLOSE, PONG, TEXT, clientFrame, closeCodeOf, closePayload } from "../unit/frames";
import { RawClient, httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const SITE = process.env.CHATSOCKET_IIS_URL;
const skip = SITE ? false : "CHATSOCKET_IIS_URL is not set (the site on IIS to test)";
const trapSkip = skip || (process.env.CHATSOCKET_IIS_TEST_HOOKS === "1" ? false : "CHATSOCKET_IIS_TEST_HOOKS is not 1");
// Each test is skipped on its own (a skipped describe hides its tests from the summary's count), with the
// reason in the report.
const onIis = (name: string, fn: () => Promise<void>) => test(name, { skip }, fn);
const site = new URL(SITE ?? "http://localhost:80");
const port = Number(site.port || 80);
const wsUrl = (path: string) => `ws://${site.host}${path}`;
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024, 8 * 1024 * 1024];

async function upgradedRawClient(path = "/echo.chatsocket"): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.write(upgradeRequest(path, { Host: site.host }));
  assert.equal((await client.readAnswer()).status, 101);
  return client;
}

describe("the handshake on IIS", () => {
  onIis("answers RFC 6455's example key with 101, its Sec-WebSocket-Accept, and one Connection: Upgrade", async () => {
    const answer = await httpExchange(port, upgradeRequest("/echo.chatsocket", { Host: site.host }));
    assert.equal(answer.status, 101);
    assert.equal(answer.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert.equal(answer.headers.get("upgrade")?.toLowerCase(), "websocket");
    // A repeated Connection header (iisnode's known bug) makes .NET's ClientWebSocket refuse the upgrade.
    assert.equal(answer.headers.get("connection")?.toLowerCase(), "upgrade");
  });

  onIis("accepts Firefox's Connection: keep-alive, Upgrade", async () => {
    const request = upgradeRequest("/echo.chatsocket", { Host: site.host, Connection: "keep-alive, Upgrade" });
    assert.equal((await httpExchange(port, request)).status, 101);
  });

  onIis("refuses a request without Sec-WebSocket-Key with 400, and IIS keeps the module's text", async () => {
    const answer = await httpExchange(port, upgradeRequest("/echo.chatsocket", { Host: site.host, "Sec-WebSocket-Key": undefined }));
    assert.equal(answer.status, 400);
    assert.match(answer.body, /Sec-WebSocket-Key/i);
  });

  onIis("refuses version 8 with 426 and Sec-WebSocket-Version: 13", async () => {
    const answer = await httpExchange(port, upgradeRequest("/echo.chatsocket", { Host: site.host, "Sec-WebSocket-Version": "8" }));
    assert.equal(answer.status, 426);
    assert.equal(answer.headers.get("sec-websocket-version"), "13");
  });

  onIis("refuses POST with the module's 405, Allow: GET and a reason (web.config maps every verb)", async () => {
    const request = upgradeRequest("/echo.chatsocket", { Host: site.host, "Content-Length": "0" }, "POST");
    const answer = await httpExchange(port, request);
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get("allow"), "GET");
    assert.equal(answer.body, "A WebSocket handshake must use the GET method.");
  });

  onIis("answers 404 when no endpoint file exists at the URL", async () => {
    assert.equal((await httpExchange(port, upgradeRequest("/nowhere.chatsocket", { Host: site.host }))).status, 404);
  });

  onIis("answers 500 naming the line of an endpoint file it cannot parse", async () => {
    const answer = await httpExchange(port, upgradeRequest("/broken.chatsocket", { Host: site.host }));
    assert.equal(answer.status, 500);
    assert.match(answer.body, /line 2/);
  });

  onIis("leaves other URLs to IIS (a static file is still served)", async () => {
    const answer = await httpExchange(port, `GET /hello.txt HTTP/1.1\r\nHost: ${site.host}\r\nConnection: close\r\n\r\n`);
    assert.equal(answer.status, 200);
  });
});

describe("echo on IIS", () => {
  for (const size of SIZES) {
    onIis(`echoes a ${size}-byte text message and a ${size}-byte binary message`, async () => {
      const ws = await openWs(wsUrl("/echo.chatsocket"));
      const text = "x".repeat(size);
      ws.send(text);
      const textReply = await messageOf(ws);
      assert.equal(textReply.isBinary, false);
      assert.equal(textReply.data.toString("utf8"), text);
      const bytes = randomBytes(size);
      ws.send(bytes);
      const binaryReply = await messageOf(ws);
      assert.equal(binaryReply.isBinary, true);
      assert.ok(binaryReply.data.equals(bytes));
      ws.close(1000);
      assert.equal((await closeOf(ws)).code, 1000);
    });
  }

  onIis("echoes a message whose frame arrives one byte per write", async () => {
    const client = await upgradedRawClient();
    const payload = Buffer.from("split into single bytes by the client");
    await client.writeByteByByte(clientFrame(TEXT, payload));
    const reply = await client.readFrame();
    assert.equal(reply.opcode, TEXT);
    assert.ok(reply.payload.equals(payload));
    await client.write(clientFrame(CLOSE, closePayload(1000)));
    assert.equal(closeCodeOf(await client.readFrame()), 1000);
    client.destroy();
  });

  onIis("answers a ping with a pong carrying the same payload", async () => {
    const client = await upgradedRawClient();
    await client.write(clientFrame(0x9, "are you there?"));
    const pong = await client.readFrame();
    assert.equal(pong.opcode, PONG);
    assert.equal(pong.payload.toString(), "are you there?");
    client.destroy();
  });

  onIis("echoes the client's close code in a clean closing handshake", async () => {
    const ws = await openWs(wsUrl("/echo.chatsocket"));
    ws.close(4001, "bye");
    assert.equal((await closeOf(ws)).code, 4001);
  });

  onIis("closes with 1009 past an endpoint's own max_message_size", async () => {
    const ws = await openWs(wsUrl("/small.chatsocket"));
    ws.send(Buffer.alloc(1025, 1), { binary: true });
    assert.equal((await closeOf(ws)).code, 1009);
  });

  onIis("keeps 50 connections apart, each getting its own messages back", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => openWs(wsUrl("/echo.chatsocket"))));
    const replies = clients.map((ws, i) => {
      const reply = messageOf(ws);
      ws.send(`client ${i}`);
      return reply;
    });
    const texts = (await Promise.all(replies)).map((reply) => reply.data.toString());
    assert.deepEqual(texts, clients.map((_, i) => `client ${i}`));
    await Promise.all(
      clients.map((ws) => {
        const closed = closeOf(ws);
        ws.close(1000);
        return closed;
      }),
    );
  });

  onIis("a client that vanishes mid-message costs nobody else anything", async () => {
    const vanishing = await upgradedRawClient();
    await vanishing.write(clientFrame(BINARY, randomBytes(4096)).subarray(0, 1000));
    vanishing.destroy();
    const ws = await openWs(wsUrl("/echo.chatsocket"));
    ws.send("still serving");
    assert.equal((await messageOf(ws)).data.toString(), "still serving");
    ws.close(1000);
    await closeOf(ws);
  });
});

describe("site defaults on IIS", () => {
  // defaults/web.config sets <chatsocket max_message_size="4"/>: IIS knows the section only once install.ps1
  // installed chatsocket_schema.xml and declared it, and the module reads it at the folder's config path.
  onIis("a folder's <chatsocket> section sets max_message_size for an endpoint file that does not", async () => {
    const ws = await openWs(wsUrl("/defaults/small-by-folder.chatsocket"));
    ws.send("four");
    assert.equal((await messageOf(ws)).data.toString(), "four");
    const closed = closeOf(ws);
    ws.send("longer than four");
    assert.equal((await closed).code, 1009);
  });
});

describe("a trapping handler on IIS", () => {
  test("closes its connection with 1011, and w3wp keeps serving", { skip: trapSkip }, async () => {
    const trapping = await openWs(wsUrl("/trap.chatsocket"));
    trapping.send("harmless");
    assert.equal((await messageOf(trapping)).data.toString(), "harmless");
    const trapped = closeOf(trapping);
    trapping.send("trap");
    assert.equal((await trapped).code, 1011);

    const fresh = await openWs(wsUrl("/echo.chatsocket"));
    fresh.send("new connection");
    assert.equal((await messageOf(fresh)).data.toString(), "new connection");
    fresh.close(1000);
    await closeOf(fresh);
  });
});
