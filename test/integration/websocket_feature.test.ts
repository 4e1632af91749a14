// IIS's WebSocket module off (<webSocket enabled="false"/>): nobody but the module itself marks the 101
// opaque, in OnSendResponse. The host then treats a 101 without that flag as an ordinary response.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { REPO_ROOT } from "../support/paths";
import { closeOf, messageOf, openWs } from "../support/ws_client";

let host: RunningHost;
before(async () => {
  host = await startHost({ site: path.join(REPO_ROOT, "test", "fixtures", "site-websocket-off") });
});
after(() => host.stop());

test("upgrades and echoes with IIS's WebSocket module turned off", async () => {
  const ws = await openWs(host.url("/echo.chatsocket"));
  ws.send("opaque by our own flag");
  assert.equal((await messageOf(ws)).data.toString(), "opaque by our own flag");
  const closed = closeOf(ws);
  ws.close(1000);
  assert.equal((await closed).code, 1000);
  await host.waitFor((stats) => stats.activeRequests === 0, "the request to end");
  assert.equal(host.stats().violations, 0, host.stats().lastViolation);
});
