// What the host counts: completions of every kind reach the module, and clients that vanish leave
// nothing behind.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, test } from "node:test";

import { TEXT, clientFrame } from "../unit/frames";
import { HostStats } from "../../scripts/host_binding";
import { RunningHost, startHost } from "../support/host";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

let host: RunningHost;
before(async () => {
  host = await startHost({ completionMode: "mixed" });
});
after(() => host.stop());

test("the module gets read, write and flush completions synchronously, before the call returns and after", async () => {
  // A read completes by the policy only when bytes are already waiting; a read issued before the client
  // sends waits for the socket. Messages of 256 KiB, several at once, leave bytes waiting after every
  // 64 KiB read, so each policy choice comes up many times.
  const chunk = "x".repeat(256 * 1024);
  for (let round = 0; round < 10; round++) {
    const ws = await openWs(host.url("/echo.chatsocket"));
    const echoes = new Promise<number>((resolve) => {
      let received = 0;
      ws.on("message", (data: Buffer) => {
        assert.equal(data.length, chunk.length);
        if (++received === 5) resolve(received);
      });
    });
    for (let i = 0; i < 5; i++) ws.send(chunk);
    assert.equal(await echoes, 5);
    ws.close(1000);
    await closeOf(ws);
  }
  const completions = host.stats().completions;
  for (const operation of ["read", "write"] as const) {
    for (const kind of ["sync", "beforeReturn", "afterReturn"] as const) {
      assert.ok(completions[operation][kind] > 0, `${operation} completions ${kind}: ${JSON.stringify(completions)}`);
    }
  }
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});

// Threads of this process that are not the host's pool (which grows on demand up to its cap): the module's
// own (timers) and Node's.
function threadsOutsideThePool(stats: HostStats): number {
  return readdirSync("/proc/self/task").length - stats.threads;
}

async function vanishingClients(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const client = await RawClient.connect(host.port);
    await client.write(upgradeRequest("/echo.chatsocket"));
    assert.equal((await client.readAnswer()).status, 101);
    const frame = clientFrame(TEXT, "x".repeat(5000));
    await client.write(frame.subarray(0, 1000 + i));  // header and part of the payload, then gone
    client.destroy();
    // One at a time, so both rounds hold the same number of half-read messages at once.
    await host.waitFor((stats) => stats.module?.connections === 0, "the vanished client to be forgotten");
  }
  await host.waitFor(
    (stats) => stats.openConnections === 0 && stats.activeRequests === 0 && stats.upgraded === 0 && stats.module?.connections === 0,
    "the vanished clients to be cleaned up",
  );
}

test("clients that vanish mid-message leave no connection, request, thread or Wasm state behind", async () => {
  await host.waitFor((stats) => stats.activeRequests === 0, "earlier requests to end");
  await vanishingClients(100);  // warms up the pool and the instances' heaps
  const before = host.stats();
  const threadsBefore = threadsOutsideThePool(before);
  await vanishingClients(100);
  const after = host.stats();
  assert.equal(threadsOutsideThePool(after), threadsBefore);
  assert.equal(after.violations, 0, after.lastViolation);
  // The instances reuse their heaps: another 100 connections with partial messages need no new memory.
  assert.ok(after.module !== undefined && before.module !== undefined);
  assert.equal(after.module.wasmMemoryBytes, before.module.wasmMemoryBytes);
});
