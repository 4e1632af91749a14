// What real IIS does that a strict host need not, imitated on request (native/host README, "IIS quirks"), and
// the module coping with each: CancelIo that misses a pending WebSocket read, and http.sys leaving the known
// Connection header out of a 101.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CLOSE, TEXT, clientFrame, closeCodeOf } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

// quick-close.chatsocket gives up on the client's close frame after 200 ms, then the module lets go of the read.
async function silentAfterOurClose(host: RunningHost): Promise<RawClient> {
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest("/quick-close.chatsocket"));
  assert.equal((await client.readAnswer()).status, 101);
  await client.write(clientFrame(TEXT, "x", { rsv: 2 }));
  const frame = await client.readFrame();
  assert.equal(frame.opcode, CLOSE);
  assert.equal(closeCodeOf(frame), 1002);
  return client; // never answers the close, never closes TCP
}

async function assertAllEnded(host: RunningHost): Promise<void> {
  await host.waitFor(
    (stats) => stats.openConnections === 0 && stats.activeRequests === 0 && stats.module?.connections === 0,
    "the connection, its request and the module's connection to end",
  );
  const stats = host.stats();
  assert.equal(stats.violations, 0, stats.lastViolation);
  assert.equal(stats.droppedCompletions, 0);
}

describe("a host whose CancelIo misses a pending WebSocket read (cancelIoMissesReads)", () => {
  test("still ends a connection whose client never answers our close: the module resets it", async () => {
    const host = await startHost({
      cancelIoMissesReads: true,
      provokesErrors: "the module warns the first time it resets a connection CancelIo did not end",
    });
    try {
      const client = await silentAfterOurClose(host);
      await client.closed;
      await assertAllEnded(host);
      assert.equal(host.stats().connectionResets, 1);
    } finally {
      await host.stop();
    }
  });

  test("stop() still finishes when a client never answers the 1001", async () => {
    // patient-close.chatsocket waits ten minutes for a close frame: the host's drain time ends it.
    const host = await startHost({ cancelIoMissesReads: true, drainMs: 500 });
    const client = await RawClient.connect(host.port);
    await client.write(upgradeRequest("/patient-close.chatsocket"));
    assert.equal((await client.readAnswer()).status, 101);
    const stopped = host.stop();
    assert.equal(closeCodeOf(await client.readFrame()), 1001);
    await stopped;
    await client.closed;
  });
});

describe("a host whose CancelIo ends a pending read (the default)", () => {
  test("ends such a connection with CancelIo alone", async () => {
    const host = await startHost();
    try {
      const client = await silentAfterOurClose(host);
      await client.closed;
      await assertAllEnded(host);
      assert.equal(host.stats().connectionResets, 0);
    } finally {
      await host.stop();
    }
  });
});

for (const drops of [true, false]) {
  describe(`a host that ${drops ? "drops" : "sends"} a 101's known Connection header`, () => {
    test("sends exactly one Connection: Upgrade", async () => {
      const host = await startHost({ dropsKnownConnectionOn101: drops });
      try {
        const client = await RawClient.connect(host.port);
        await client.write(upgradeRequest("/echo.chatsocket"));
        const answer = await client.readAnswer();
        assert.equal(answer.status, 101);
        // Repeated headers are read as one, their values joined with ", ".
        assert.equal(answer.headers.get("connection"), "Upgrade");
        assert.equal(answer.headers.get("upgrade"), "websocket");
        client.destroy();

        const ws = await openWs(host.url("/echo.chatsocket"));
        ws.send("through");
        assert.equal((await messageOf(ws)).data.toString(), "through");
        const closed = closeOf(ws);
        ws.close(1000);
        await closed;
        await assertAllEnded(host);
      } finally {
        await host.stop();
      }
    });
  });
}
