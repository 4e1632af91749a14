// A handler that traps costs its own instance's connections (closed with 1011), nothing else.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { FIXTURE_SITE, RunningHost, startHost } from "../support/host";
import { startHostProcess } from "../support/host_process";
import { httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

let host: RunningHost;
before(async () => {
  // Two instances: the least busy one takes each new connection, so the echo client and the trapping
  // client land on different instances.
  host = await startHost({ env: { CHATSOCKET_TEST_HOOKS: "1", CHATSOCKET_INSTANCES: "2" }, provokesErrors: "handlers trap" });
});
after(() => host.stop());

test("a trapping handler closes its connection with 1011 and the server keeps serving", async () => {
  const bystander = await openWs(host.url("/echo.chatsocket"));
  const trapping = await openWs(host.url("/trap.chatsocket"));
  trapping.send("harmless");
  assert.equal((await messageOf(trapping)).data.toString(), "harmless");

  const trapped = closeOf(trapping);
  trapping.send("trap");
  assert.equal((await trapped).code, 1011);

  bystander.send("still here?");
  assert.equal((await messageOf(bystander)).data.toString(), "still here?");

  const fresh = await openWs(host.url("/echo.chatsocket"));
  fresh.send("new connection");
  assert.equal((await messageOf(fresh)).data.toString(), "new connection");

  const module = host.stats().module;
  assert.equal(module?.traps, 1);
  assert.equal(module?.rebuilds, 1);
  for (const ws of [bystander, fresh]) {
    const closed = closeOf(ws);
    ws.close(1000);
    assert.equal((await closed).code, 1000);
  }
  await host.waitFor((stats) => stats.activeRequests === 0, "every request to end");
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});

test("past ten rebuilds in a minute the last victim still gets 1011, then handshakes get 503 with Retry-After", async () => {
  // A server of its own with one instance, so every trap hits the same one.
  const server = await startHostProcess(FIXTURE_SITE, { CHATSOCKET_TEST_HOOKS: "1", CHATSOCKET_INSTANCES: "1" });
  try {
    for (let trap = 1; trap <= 11; trap++) {
      const victim = await openWs(server.url("/trap.chatsocket"));
      const closed = closeOf(victim);
      victim.send("trap");
      assert.equal((await closed).code, 1011, `victim ${trap}`);
    }
    await server.waitForLog(/instance 0 trapped/, 11);
    const refused = await httpExchange(server.port, upgradeRequest("/echo.chatsocket"));
    assert.equal(refused.status, 503);
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${refused.headers.get("retry-after")}`);
    assert.equal(refused.body, "The WebSocket handler is restarting too often; try again later.\n");
  } finally {
    await server.stop();
  }
});
