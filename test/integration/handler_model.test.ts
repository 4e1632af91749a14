// What ABI v2 gives a handler, seen by a ws client through the host: the request's query string, server
// variables and the headers its endpoint file names; several independent timers.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { closeOf, messageOf } from "../support/ws_client";

let host: RunningHost;
before(async () => {
  const site = scratchSite();
  writeFileSync(
    path.join(site, "report.chatsocket"),
    "kind = test\nreport_headers = X-Team, Cookie, Authorization\n",
  );
  host = await startHost({ site, env: { CHATSOCKET_TEST_HOOKS: "1" } });
});
after(() => host.stop());

function open(pathname: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(host.url(pathname), { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

async function close(ws: WebSocket): Promise<void> {
  const closed = closeOf(ws);
  ws.close(1000);
  assert.equal((await closed).code, 1000);
}

test("a handler sees the query string, server variables and the headers its endpoint file names", async () => {
  const ws = await open("/report.chatsocket?room=blue&name=Ada%20L", { "X-Team": "compilers", Cookie: "id=7" });
  ws.send("request");
  const report = JSON.parse((await messageOf(ws)).data.toString());
  assert.equal(report.path, "/report.chatsocket");
  assert.equal(report.query, "room=blue&name=Ada%20L");
  assert.equal(report.REMOTE_ADDR, "127.0.0.1");
  assert.match(report.REMOTE_PORT, /^\d+$/);
  assert.equal(report.SERVER_PORT, String(host.port));
  assert.equal(report.HTTPS, "off");
  assert.deepEqual(report.headers, { "X-Team": "compilers", Cookie: "id=7", Authorization: null });
  await close(ws);
});

test("two timers of one connection fire independently, and a cancelled one never does", async () => {
  const ws = await open("/trap.chatsocket");
  const texts: string[] = [];
  const twoFired = new Promise<void>((resolve) => {
    ws.on("message", (data) => {
      texts.push(data.toString());
      if (texts.length === 2) resolve();
    });
  });
  ws.send("timer 1 300");
  ws.send("timer 2 30");
  ws.send("timer 3 100");
  ws.send("timer 3 0");
  await twoFired;
  // One timer thread fires them by due time: slot 3, due between the two, would have come second.
  assert.deepEqual(texts, ["timer 2 fired", "timer 1 fired"]);
  await close(ws);
});

test("the close timer's slot is not a handler's to set", async () => {
  const ws = await open("/trap.chatsocket");
  ws.send("timer 0 10");
  assert.equal((await messageOf(ws)).data.toString(), "timer 0 refused");
  await close(ws);
  await host.waitFor((stats) => stats.activeRequests === 0, "every request to end");
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});
