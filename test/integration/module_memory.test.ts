// What the module itself holds, by its own counters (moduleHeapBytes: its C++ heap, counted by its operator
// new; frameBytes; zlibBytes), apart from the host around it: it grows with idle connections, and after a
// burst closes it comes back to within a tenth of what the burst added; what a large message made one
// connection take comes back as that connection goes quiet.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import type { ModuleStats } from "../../scripts/host_binding";
import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { closeAll, messageOf, openWs } from "../support/ws_client";

const BURST = 300;
let host: RunningHost;

before(async () => {
  const site = scratchSite();
  // A pending ping timer holds a little of a closed connection until it is due: a short interval here, so
  // that the test sees the end state in a second, not in the default 30.
  writeFileSync(path.join(site, "idle.chatsocket"), "kind = echo\nping_interval = 500\n");
  writeFileSync(path.join(site, "quiet.chatsocket"), "kind = echo\nping_interval = 200\n");
  host = await startHost({ site });
});
after(() => host.stop());

function moduleStats(): ModuleStats {
  const stats = host.stats().module;
  assert.ok(stats, "the module reports its counters");
  return stats;
}

const held = (m: ModuleStats) => m.moduleHeapBytes + m.frameBytes + m.zlibBytes;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` connections, each having had one echo. */
function openEchoed(count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const ws = await openWs(host.url("/idle.chatsocket"));
      const echo = messageOf(ws);
      ws.send("hi");
      await echo;
      return ws;
    }),
  );
}

test("the module's own memory grows with idle connections and comes back after they close", async () => {
  await closeAll(await openEchoed(20)); // what the first connections set up for good is not per connection
  await host.waitFor((s) => s.module?.connections === 0, "the warm-up connections to end");
  await sleep(1500);
  const baseline = held(moduleStats());

  const sockets = await openEchoed(BURST);
  const peak = held(moduleStats());
  const perConnection = (peak - baseline) / BURST;
  // Every connection holds native objects and a read buffer in the module: hundreds of bytes at least.
  assert.ok(perConnection > 512, `the module's heap grew by ${perConnection.toFixed(0)} bytes per idle connection`);
  // Of the Wasm memories, only the pages written so far are in RAM: some, never more than their size.
  const { wasmResidentBytes, wasmMemoryBytes } = moduleStats();
  assert.ok(
    wasmResidentBytes > 0 && wasmResidentBytes <= wasmMemoryBytes,
    `resident ${wasmResidentBytes} of the Wasm memories' ${wasmMemoryBytes} bytes`,
  );

  await closeAll(sockets);
  await host.waitFor((s) => s.module?.connections === 0, "the burst's connections to end");
  const deadline = Date.now() + 15000;
  let now = held(moduleStats());
  while (now - baseline > 0.1 * (peak - baseline) && Date.now() < deadline) {
    await sleep(200);
    now = held(moduleStats());
  }
  assert.ok(
    now - baseline <= 0.1 * (peak - baseline),
    `after the burst the module still holds ${now - baseline} of the ${peak - baseline} bytes it added`,
  );
});

test("a connection's read buffer grows for a large message and comes back as the connection goes quiet", async () => {
  const ws = await openWs(host.url("/quiet.chatsocket"));
  let echo = messageOf(ws);
  ws.send("hi");
  await echo;
  const quiet = held(moduleStats());

  echo = messageOf(ws);
  const large = Buffer.alloc(512 * 1024, 7);
  ws.send(large);
  assert.deepEqual((await echo).data, large);
  const busy = held(moduleStats());
  // Reads of a large message grow the buffer (up to 64 KiB), so that it does not come in 128 bytes at a time.
  assert.ok(busy - quiet >= 16 * 1024, `the module held ${busy - quiet} more bytes after a 512 KiB message`);

  // Every pong is a short read: a few end the burst, more make the connection quiet again (a ping per 200 ms).
  const deadline = Date.now() + 15000;
  let now = busy;
  while (now - quiet > 1024 && Date.now() < deadline) {
    await sleep(200);
    now = held(moduleStats());
  }
  assert.ok(now - quiet <= 1024, `a quiet connection still holds ${now - quiet} of the ${busy - quiet} bytes a large message added`);
  await closeAll([ws]);
});
