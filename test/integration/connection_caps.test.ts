// max_connections (per endpoint file), CHATSOCKET_MAX_CONNECTIONS (the whole server) and max_rate. Past a cap, a
// handshake gets 503 with Retry-After and a reason, the connections already open carry on, and a place
// freed by a close is taken by the next client.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { httpExchange, upgradeRequest } from "../support/raw_client";
import { closeAll, closeOf, messageOf, openWs } from "../support/ws_client";

/** Opens `url`, trying again while the answer is 503: a closed client's place is given back once the
 * server has seen its close, a moment after the client has. */
async function openWhenRoom(url: string): Promise<WebSocket> {
  for (let attempt = 0; ; attempt++) {
    const ws = new WebSocket(url);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once("open", () => resolve(101));
      ws.once("unexpected-response", (_, response) => resolve(response.statusCode ?? 0));
      ws.once("error", reject);
    });
    if (status === 101) return ws;
    assert.equal(status, 503);
    assert.ok(attempt < 100, "no place came free");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("max_connections", () => {
  let host: RunningHost;
  let site: string;
  before(async () => {
    site = scratchSite();
    writeFileSync(path.join(site, "two.chatsocket"), "kind = echo\nmax_connections = 2\n");
    writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\nmax_connections = 1\n");
    host = await startHost({ site });
  });
  after(() => host.stop());

  test("the third connection of a file that allows two gets 503, Retry-After and the reason", async () => {
    const open = [await openWs(host.url("/two.chatsocket")), await openWs(host.url("/two.chatsocket"))];
    const answer = await httpExchange(host.port, upgradeRequest("/two.chatsocket"));
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get("retry-after"), "5");
    assert.equal(answer.body, "This endpoint has reached its limit of 2 connections (max_connections); try again later.");
    open[0].send("the others carry on");
    assert.equal((await messageOf(open[0])).data.toString(), "the others carry on");
    await closeAll(open);
  });

  test("a place freed by a close goes to the next client", async () => {
    const first = await openWs(host.url("/two.chatsocket"));
    const second = await openWs(host.url("/two.chatsocket"));
    await closeAll([first]);
    const third = await openWhenRoom(host.url("/two.chatsocket"));
    await closeAll([second, third]);
  });

  test("counts per file over its versions: raised to three by an edit, the file has one place left", async () => {
    const file = path.join(site, "three.chatsocket");
    writeFileSync(file, "kind = echo\nmax_connections = 2\n");
    const open = [await openWs(host.url("/three.chatsocket")), await openWs(host.url("/three.chatsocket"))];
    writeFileSync(file, "kind = echo\nmax_connections = 3\n# raised while two are open\n");
    open.push(await openWs(host.url("/three.chatsocket"))); // the new version's cap, the old version's two counted
    const answer = await httpExchange(host.port, upgradeRequest("/three.chatsocket"));
    assert.equal(answer.status, 503);
    assert.match(answer.body, /limit of 3 connections/);
    await closeAll(open);
  });

  test("a refused chat client never joins the room", async () => {
    const member = new WebSocket(host.url("/room.chatsocket?name=ada"));
    const welcome = messageOf(member); // listening before the 101: the welcome may come in the same packet
    assert.equal(JSON.parse((await welcome).data.toString()).type, "welcome");
    const answer = await httpExchange(host.port, upgradeRequest("/room.chatsocket?name=bo"));
    assert.equal(answer.status, 503);
    assert.equal(host.stats().module!.roomMembers, 1);
    await closeAll([member]);
  });
});

describe("max_rate on every kind", () => {
  let host: RunningHost;
  before(async () => {
    const site = scratchSite();
    writeFileSync(path.join(site, "rated.chatsocket"), "kind = echo\nmax_rate = 5\n");
    host = await startHost({ site });
  });
  after(() => host.stop());

  test("an echo client over max_rate is closed with 1008 after its allowance; within it, it carries on", async () => {
    const calm = await openWs(host.url("/rated.chatsocket"));
    const hasty = await openWs(host.url("/rated.chatsocket"));
    const echoed: string[] = [];
    hasty.on("message", (data: Buffer) => echoed.push(data.toString()));
    for (let i = 0; i < 20; i++) hasty.send(`burst ${i}`);
    const closed = await closeOf(hasty);
    assert.deepEqual([closed.code, closed.reason], [1008, "too many messages: over max_rate"]);
    assert.ok(echoed.length >= 5 && echoed.length < 20, `${echoed.length} of 20 echoed before the close`);
    for (let i = 0; i < 3; i++) {
      calm.send(`calm ${i}`);
      assert.equal((await messageOf(calm)).data.toString(), `calm ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    calm.close(1000);
    assert.equal((await closeOf(calm)).code, 1000);
  });
});

describe("CHATSOCKET_MAX_CONNECTIONS", () => {
  test("past the server's cap every endpoint answers 503 naming the setting, and a close makes room", async () => {
    const site = scratchSite();
    writeFileSync(path.join(site, "other.chatsocket"), "kind = echo\n");
    const server = await startHostProcess(site, { CHATSOCKET_MAX_CONNECTIONS: "3" });
    try {
      const open = [
        await openWs(server.url("/echo.chatsocket")),
        await openWs(server.url("/echo.chatsocket")),
        await openWs(server.url("/other.chatsocket")),
      ];
      const answer = await httpExchange(server.port, upgradeRequest("/other.chatsocket"));
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get("retry-after"), "5");
      assert.match(answer.body, /limit of 3 WebSocket connections \(CHATSOCKET_MAX_CONNECTIONS\)/);
      await closeAll(open.slice(0, 1));
      const next = await openWhenRoom(server.url("/other.chatsocket"));
      await closeAll([...open.slice(1), next]);
    } finally {
      await server.stop();
    }
  });
});
