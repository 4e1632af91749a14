// Many clients at once on the host's thread pool: every message comes back, to the right client, in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { closeOf, openWs } from "../support/ws_client";

const CLIENTS = 200;
const MESSAGES = 100;

let host: RunningHost;
before(async () => {
  host = await startHost();
});
after(() => host.stop());

test(`${CLIENTS} concurrent clients each echo ${MESSAGES} messages correctly`, async () => {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openWs(host.url("/echo.chatsocket"))));
  assert.ok(host.stats().upgraded >= CLIENTS);
  const results = await Promise.all(
    clients.map(
      (ws, client) =>
        new Promise<number>((resolve, reject) => {
          let received = 0;
          ws.on("message", (data: Buffer, isBinary: boolean) => {
            const expected = `client ${client} message ${received}`;
            if (isBinary || data.toString() !== expected) {
              reject(new Error(`client ${client} got ${JSON.stringify(data.toString())}, expected ${expected}`));
              return;
            }
            if (++received === MESSAGES) resolve(received);
          });
          ws.once("close", (code) => reject(new Error(`client ${client} closed with ${code}`)));
          for (let m = 0; m < MESSAGES; m++) ws.send(`client ${client} message ${m}`);
        }),
    ),
  );
  assert.equal(results.reduce((sum, n) => sum + n, 0), CLIENTS * MESSAGES);
  await Promise.all(
    clients.map((ws) => {
      ws.removeAllListeners("close");
      const closed = closeOf(ws);
      ws.close(1000);
      return closed;
    }),
  );
  await host.waitFor((stats) => stats.activeRequests === 0 && stats.upgraded === 0, "every connection to end");
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});
