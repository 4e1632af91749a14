// Endpoint files as a site's owner edits them, through the host: a change reaches the next connection and
// not one already open, and a file that does not parse is reported in the server's log once per version.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

describe("a changed endpoint file", () => {
  let host: RunningHost;
  let site: string;
  before(async () => {
    site = scratchSite();
    host = await startHost({ site });
  });
  after(() => host.stop());

  test("is picked up by the next connection, while an open one keeps the settings it started with", async () => {
    const file = path.join(site, "live.chatsocket");
    writeFileSync(file, "kind = echo\nmax_message_size = 4\n");
    const before = await openWs(host.url("/live.chatsocket"));
    // A different size, so the new version is seen whatever the file system's clock granularity.
    writeFileSync(file, "kind = echo\nmax_message_size = 1000\n");
    const after = await openWs(host.url("/live.chatsocket"));

    const refused = closeOf(before);
    before.send("longer than four");
    assert.equal((await refused).code, 1009, "the open connection still has max_message_size = 4");
    after.send("longer than four");
    assert.equal((await messageOf(after)).data.toString(), "longer than four");

    const closed = closeOf(after);
    after.close(1000);
    await closed;
    assert.equal(host.stats().module?.endpointVersions, 1, "the old version is retired");
  });

  test("that disappears answers 404 from then on", async () => {
    const file = path.join(site, "gone.chatsocket");
    writeFileSync(file, "kind = echo\n");
    assert.equal((await httpExchange(host.port, upgradeRequest("/gone.chatsocket"))).status, 101);
    rmSync(file);
    assert.equal((await httpExchange(host.port, upgradeRequest("/gone.chatsocket"))).status, 404);
  });
});

describe("an endpoint file that does not parse", () => {
  test("is logged once per version, naming the file and the line, and every handshake gets 500 saying why", async () => {
    const site = scratchSite();
    const file = path.join(site, "typo.chatsocket");
    writeFileSync(file, "kind = echo\nmax_mesage_size = 10\n");
    const server = await startHostProcess(site);
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await httpExchange(server.port, upgradeRequest("/typo.chatsocket"));
        assert.equal(answer.status, 500);
        assert.equal(answer.body, "Endpoint file, line 2: unknown key `max_mesage_size` for kind echo.\n");
      }
      const reports = () => server.logLines().filter((line) => line.includes(`endpoint file ${file}`));
      await server.waitForLog(/endpoint file .*typo\.chatsocket/);
      assert.deepEqual(reports(), [
        `[chatsocket] error: endpoint file ${file}, line 2: unknown key \`max_mesage_size\` for kind echo.`,
      ]);

      writeFileSync(file, "kind = echo\n\nmax_message_size = ten\n");  // a new version, broken elsewhere
      assert.equal((await httpExchange(server.port, upgradeRequest("/typo.chatsocket"))).status, 500);
      assert.equal((await httpExchange(server.port, upgradeRequest("/typo.chatsocket"))).status, 500);
      await server.waitForLog(/endpoint file .*typo\.chatsocket/, 2);
      assert.equal(reports().length, 2);
      assert.match(reports()[1], /line 3: max_message_size must be a whole number of bytes/);

      writeFileSync(file, "kind = echo\nmax_message_size = 10\n");  // fixed: no restart needed
      assert.equal((await httpExchange(server.port, upgradeRequest("/typo.chatsocket"))).status, 101);
      assert.equal(reports().length, 2);
    } finally {
      await server.stop();
    }
  });
});
