// The upgrade as a client sees it through the host: RFC 6455's accept key, and the right status for each
// kind of bad handshake.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { httpExchange, upgradeRequest } from "../support/raw_client";

let host: RunningHost;
before(async () => {
  host = await startHost({ provokesErrors: "broken.chatsocket cannot be parsed" });
});
after(() => host.stop());

describe("the WebSocket handshake", () => {
  test("answers RFC 6455's example key with 101 and its Sec-WebSocket-Accept", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket"));
    assert.equal(answer.status, 101);
    assert.equal(answer.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert.equal(answer.headers.get("upgrade")?.toLowerCase(), "websocket");
    assert.equal(answer.headers.get("connection")?.toLowerCase(), "upgrade");
  });

  test("ignores empty lines before the request line (RFC 9112 section 2.2)", async () => {
    const answer = await httpExchange(host.port, "\r\n\r\n" + upgradeRequest("/echo.chatsocket"));
    assert.equal(answer.status, 101);
  });

  test("accepts Firefox's Connection: keep-alive, Upgrade", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { Connection: "keep-alive, Upgrade" }));
    assert.equal(answer.status, 101);
  });

  test("refuses a request without Sec-WebSocket-Key with 400 and says why", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { "Sec-WebSocket-Key": undefined }));
    assert.equal(answer.status, 400);
    assert.match(answer.body, /Sec-WebSocket-Key/i);
  });

  test("refuses a key that is not 16 bytes of base64 with 400", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { "Sec-WebSocket-Key": "c2hvcnQ=" }));
    assert.equal(answer.status, 400);
  });

  test("refuses version 8 with 426 and Sec-WebSocket-Version: 13", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { "Sec-WebSocket-Version": "8" }));
    assert.equal(answer.status, 426);
    assert.equal(answer.headers.get("sec-websocket-version"), "13");
  });

  test("refuses POST with the module's 405, Allow: GET and a reason", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { "Content-Length": "0" }, "POST"));
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get("allow"), "GET");
    assert.equal(answer.body, "A WebSocket handshake must use the GET method.");
  });

  test("answers HEAD as it answers POST, 405 with Allow: GET, and sends no body after the head", async () => {
    // Two requests on one kept-alive connection: a body after HEAD's head would garble the second answer.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const head = await request(agent, "HEAD", "/echo.chatsocket");
      assert.equal(head.status, 405);
      assert.equal(head.allow, "GET");
      assert.equal(head.body, "");
      const next = await request(agent, "GET", "/hello.txt");
      assert.equal(next.status, 200);
      assert.match(next.body, /^plain text/);
    } finally {
      agent.destroy();
    }
  });

  test("refuses a request without Upgrade: websocket with 400", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket", { Upgrade: undefined, Connection: undefined }));
    assert.equal(answer.status, 400);
  });

  test("answers 404 when no endpoint file exists at the URL", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/nowhere.chatsocket"));
    assert.equal(answer.status, 404);
  });

  test("answers 500 naming the line of an endpoint file it cannot parse", async () => {
    const answer = await httpExchange(host.port, upgradeRequest("/broken.chatsocket"));
    assert.equal(answer.status, 500);
    assert.match(answer.body, /line 2/);
  });
});

function request(agent: http.Agent, method: string, pathname: string): Promise<{ status: number; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: "127.0.0.1", port: host.port, method, path: pathname, agent }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, allow: response.headers.allow, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}
