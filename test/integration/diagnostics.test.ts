// What an operator sees of a running server: the closes it started, counted by code and logged where an
// endpoint asks (log_closes); messages counted; the counters served on a local-only port while it runs
// (CHATSOCKET_STATS_PORT, off by default) and summed up when it stops.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { HostStats } from "../../scripts/host_binding";
import { RunningHost, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const OVERSIZE = "x".repeat(2000); // over small.chatsocket's max_message_size of 1024

describe("closes by code and messages, in the module's counters", () => {
  let host: RunningHost;
  before(async () => {
    host = await startHost();
  });
  after(() => host.stop());

  it("a 1009 the server starts is counted under its code; a close the client starts is not", async () => {
    const start = host.stats().module!;
    const small = await openWs(host.url("/small.chatsocket"));
    const closed = closeOf(small);
    small.send(OVERSIZE);
    assert.equal((await closed).code, 1009);

    const echo = await openWs(host.url("/echo.chatsocket"));
    for (const text of ["one", "two", "three"]) {
      const answer = messageOf(echo);
      echo.send(text);
      assert.equal((await answer).data.toString(), text);
    }
    echo.close(1000);
    await closeOf(echo);
    await host.waitFor((s) => s.module!.connections === 0, "both connections to end");

    const end = host.stats().module!;
    assert.equal(end.closed1009 - start.closed1009, 1);
    assert.equal(end.closed1000 - start.closed1000, 0, "the client's close is the client's");
    assert.equal(end.connectionsOpened - start.connectionsOpened, 2);
    assert.equal(end.messagesIn - start.messagesIn, 3, "the oversize message never became one");
    assert.equal(end.messagesOut - start.messagesOut, 3);
  });
});

describe("the close log, the counters port and the summary at shutdown (npm start)", () => {
  const site = scratchSite();
  writeFileSync(path.join(site, "logged.chatsocket"), "kind = echo\nmax_message_size = 1024\nlog_closes = on\n");

  it("log_closes = on logs each close the server starts at info, once, with code and reason; others stay quiet", async () => {
    const server = await startHostProcess(site);
    try {
      for (const endpoint of ["/logged.chatsocket", "/small.chatsocket"]) {
        const ws = await openWs(server.url(endpoint));
        const closed = closeOf(ws);
        ws.send(OVERSIZE);
        assert.equal((await closed).code, 1009);
      }
      const [line] = await server.waitForLog(/closing with 1009/);
      assert.match(line, /info: connection \d+ \(\/logged\.chatsocket\): closing with 1009, \S/);
      assert.equal(server.logLines().filter((l) => /closing with/.test(l)).length, 1, "small.chatsocket does not log");
    } finally {
      await server.stop();
    }
  });

  it("no counters port unless asked for", async () => {
    const server = await startHostProcess(site);
    try {
      assert.deepEqual(
        server.outLines().filter((line) => /counters|stats/i.test(line)),
        [],
      );
    } finally {
      await server.stop();
    }
  });

  it("CHATSOCKET_STATS_PORT serves the counters on 127.0.0.1 while it runs; stopping prints what was done", async () => {
    const server = await startHostProcess(site, { CHATSOCKET_STATS_PORT: "0" });
    let stopped = false;
    try {
      const announced = server.outLines().find((line) => line.startsWith("counters (CHATSOCKET_STATS_PORT): "));
      assert.ok(announced, server.outLines().join("\n"));
      const statsUrl = announced.split(": ")[1];
      assert.match(statsUrl, /^http:\/\/127\.0\.0\.1:\d+\/stats$/);

      const ws = await openWs(server.url("/small.chatsocket"));
      const closed = closeOf(ws);
      ws.send(OVERSIZE);
      await closed;
      const stats = (await (await fetch(statsUrl)).json()) as HostStats;
      assert.equal(stats.module!.closed1009, 1);
      assert.equal(stats.module!.messagesIn, 0, "the oversize message never became one");
      assert.ok(stats.upgradesTotal >= 1);
      assert.equal((await fetch(statsUrl.replace("/stats", "/other"))).status, 404);

      assert.equal(await server.stop(), 0);
      stopped = true;
      const summary = server.logLines().find((line) => line.includes("chatsocket unloading:"));
      assert.match(summary ?? "", /1 connection\(s\) served, 0 message\(s\) in, 0 out, .*closes the server started: 1009: 1;/);
      assert.ok(
        server.outLines().some((line) => /^host: \d+ request\(s\), 1 upgrade\(s\), \d+ bytes in, \d+ out, 0 IIS-rule violation/.test(line)),
        server.outLines().join("\n"),
      );
    } finally {
      if (!stopped) await server.stop();
    }
  });
});
