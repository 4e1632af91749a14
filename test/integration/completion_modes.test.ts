// The module under each of the host's completion policies on its own: every async completion synchronous,
// every one on another thread before the issuing call returns, every one after it returns.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";

import { CompletionMode } from "../../scripts/host_binding";
import { startHost } from "../support/host";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const MODES: Array<[CompletionMode, "sync" | "beforeReturn" | "afterReturn"]> = [
  ["sync", "sync"],
  ["before-return", "beforeReturn"],
  ["after-return", "afterReturn"],
];

describe("completion policies", () => {
  for (const [mode, counter] of MODES) {
    test(`echoes correctly when every completion is ${mode}`, async () => {
      const host = await startHost({ completionMode: mode });
      try {
        const clients = await Promise.all([1, 2, 3].map(() => openWs(host.url("/echo.chatsocket"))));
        for (const size of [0, 1, 125, 126, 65536, 1024 * 1024]) {
          for (const ws of clients) {
            const payload = randomBytes(size);
            ws.send(payload);
            assert.ok((await messageOf(ws)).data.equals(payload), `${size} bytes`);
          }
        }
        await Promise.all(clients.map((ws) => {
          const closed = closeOf(ws);
          ws.close(1000);
          return closed;
        }));
        await host.waitFor((stats) => stats.activeRequests === 0, "every request to end");
        const stats = host.stats();
        assert.ok(stats.completions.read[counter] > 0, JSON.stringify(stats.completions));
        assert.ok(stats.completions.write[counter] > 0, JSON.stringify(stats.completions));
        assert.equal(stats.violations, 0, stats.lastViolation);
        assert.equal(stats.module?.connections, 0);
      } finally {
        host.stop();
      }
    });
  }
});
