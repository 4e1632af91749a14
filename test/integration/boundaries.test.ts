// An allocation failure at each kind of boundary the module has (a Wasm import, an IIS completion callback,
// a timer callback, an IIS notification) costs only the connection it was working for: that one is closed
// with 1011 (a handshake gets 500), the server keeps serving, and nothing escapes into the host. The
// host runs in this test process, so the process surviving is part of every test.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

describe("with test hooks", () => {
  let host: RunningHost;
  before(async () => {
    host = await startHost({ env: { CHATSOCKET_TEST_HOOKS: "1" }, provokesErrors: "allocation failures injected" });
  });
  after(() => host.stop());

  afterEach(async () => {
    await host.waitFor((stats) => stats.activeRequests === 0, "every request to end");
    assert.equal(host.stats().violations, 0, host.stats().lastViolation);
  });

  async function echoes(pathname = "/echo.chatsocket"): Promise<void> {
    const ws = await openWs(host.url(pathname));
    ws.send("still serving");
    assert.equal((await messageOf(ws)).data.toString(), "still serving");
    const closed = closeOf(ws);
    ws.close(1000);
    assert.equal((await closed).code, 1000);
  }

  async function failsWith1011(point: "import" | "completion" | "timer", message: string): Promise<void> {
    const bystander = await openWs(host.url("/echo.chatsocket"));
    const victim = await openWs(host.url("/trap.chatsocket"));
    const failuresBefore = host.stats().module!.nativeFailures;
    const closed = closeOf(victim);
    host.armFault(point);
    victim.send(message);
    assert.equal((await closed).code, 1011);
    assert.equal(host.stats().module!.nativeFailures, failuresBefore + 1);

    bystander.send("unaffected");
    assert.equal((await messageOf(bystander)).data.toString(), "unaffected");
    const bystanderClosed = closeOf(bystander);
    bystander.close(1000);
    assert.equal((await bystanderClosed).code, 1000);
    await echoes();
  }

  test("a failure in a Wasm import (host_send) closes that connection with 1011", async () => {
    await failsWith1011("import", "echo me");
  });

  test("a failure in an IIS read completion closes that connection with 1011", async () => {
    await failsWith1011("completion", "read me");
  });

  test("a failure in a timer callback closes that connection with 1011", async () => {
    await failsWith1011("timer", "timer 1 10");
  });

  test("a failure in the request notification answers that handshake with 500", async () => {
    host.armFault("notification");
    const answer = await httpExchange(host.port, upgradeRequest("/echo.chatsocket"));
    assert.equal(answer.status, 500);
    assert.match(answer.body, /failed on this request/);
    await echoes();
  });
});

describe("without test hooks", () => {
  let plain: RunningHost;
  before(async () => {
    plain = await startHost({ env: { CHATSOCKET_TEST_HOOKS: "0" } });
  });
  after(() => plain.stop());

  test("the module refuses to arm any fault", () => {
    assert.throws(() => plain.armFault("import"), /refused to arm import/);
  });
});
