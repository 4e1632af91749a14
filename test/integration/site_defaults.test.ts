// A site's defaults for its endpoint files, the IIS way: the <system.webServer><chatsocket> section of its
// web.config, checked against windows/chatsocket_schema.xml by the host as IIS checks it, and read by the
// module through IIS's configuration API (IHttpServer::GetAdminManager), as on IIS.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { FIXTURE_SITE, RunningHost, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { httpExchange, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

/** A scratch copy of the fixture site whose web.config has `<chatsocket attributes/>`, and these endpoint files. */
function siteWith(attributes: string, files: Record<string, string> = {}): string {
  const site = scratchSite();
  writeFileSync(
    path.join(site, "web.config"),
    `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="ChatSocket" path="*.chatsocket" verb="*" modules="ChatSocketModule" resourceType="Unspecified" />
    </handlers>
    <chatsocket ${attributes} />
  </system.webServer>
</configuration>
`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(site, name), text);
  return site;
}

const statusOf = async (port: number, pathname: string, origin?: string) =>
  (await httpExchange(port, upgradeRequest(pathname, { Origin: origin }))).status;

describe("the site's <chatsocket> section", () => {
  let host: RunningHost;
  before(async () => {
    const site = siteWith(`max_message_size="4" allowed_origins="https://chat.example.com" idle_timeout="60000"`, {
      "plain.chatsocket": "kind = echo\n",
      "own.chatsocket": "kind = echo\nmax_message_size = 1000\nallowed_origins = *\n",
      "room.chatsocket": "kind = chat\nformat = raw\n",
    });
    host = await startHost({ site });
  });
  after(() => host.stop());

  test("applies to an endpoint file that does not set the key", async () => {
    const ws = await openWs(host.url("/plain.chatsocket"));
    ws.send("four");
    assert.equal((await messageOf(ws)).data.toString(), "four");
    const closed = closeOf(ws);
    ws.send("longer than four");
    assert.equal((await closed).code, 1009, "max_message_size = 4 from web.config");

    assert.equal(await statusOf(host.port, "/plain.chatsocket", "https://chat.example.com"), 101);
    assert.equal(await statusOf(host.port, "/plain.chatsocket", "https://elsewhere.example"), 403);
  });

  test("gives way to the endpoint file's own key", async () => {
    const ws = await openWs(host.url("/own.chatsocket"));
    ws.send("longer than four");
    assert.equal((await messageOf(ws)).data.toString(), "longer than four");
    ws.close(1000);
    assert.equal(await statusOf(host.port, "/own.chatsocket", "https://elsewhere.example"), 101);
  });

  test("applies to every kind that has the key", async () => {
    const ws = await openWs(host.url("/room.chatsocket"));
    const closed = closeOf(ws);
    ws.send("longer than four");
    assert.equal((await closed).code, 1009);
  });
});

describe("a sub-folder's <chatsocket> section", () => {
  test("applies over the site's to the endpoint files under that folder, and only there", async () => {
    const host = await startHost({ site: FIXTURE_SITE });
    try {
      const ws = await openWs(host.url("/defaults/small-by-folder.chatsocket"));
      ws.send("four");
      assert.equal((await messageOf(ws)).data.toString(), "four");
      const closed = closeOf(ws);
      ws.send("longer than four");
      assert.equal((await closed).code, 1009, "max_message_size = 4 from defaults/web.config");

      const root = await openWs(host.url("/echo.chatsocket"));
      root.send("longer than four");
      assert.equal((await messageOf(root)).data.toString(), "longer than four");
      root.close(1000);
    } finally {
      await host.stop();
    }
  });

  test("that its schema refuses is 500.19 for the requests under that folder alone", async () => {
    const site = siteWith(`idle_timeout="1000"`, { "plain.chatsocket": "kind = echo\n" });
    mkdirSync(path.join(site, "strict"));
    writeFileSync(
      path.join(site, "strict", "web.config"),
      `<configuration><system.webServer><chatsocket idleTimeout="5" /></system.webServer></configuration>`,
    );
    writeFileSync(path.join(site, "strict", "plain.chatsocket"), "kind = echo\n");
    const host = await startHost({ site });
    try {
      const answer = await httpExchange(host.port, upgradeRequest("/strict/plain.chatsocket"));
      assert.equal(answer.status, 500);
      assert.match(answer.body, /^HTTP Error 500\.19/);
      assert.match(answer.body, /strict\/web\.config: Unrecognized attribute 'idleTimeout'/);
      assert.equal(await statusOf(host.port, "/plain.chatsocket"), 101);
    } finally {
      await host.stop();
    }
  });
});

describe("a bad value in the site's <chatsocket> section", () => {
  test("refuses the site's handshakes with 500 and logs web.config and the attribute, once", async () => {
    const site = siteWith(`max_rate="lots"`, {
      "plain.chatsocket": "kind = echo\n",
      "own.chatsocket": "kind = echo\nmax_rate = 10\n",
    });
    const server = await startHostProcess(site);
    const good = await startHost({ site: siteWith(`max_rate="10"`, { "plain.chatsocket": "kind = echo\n" }) });
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await httpExchange(server.port, upgradeRequest("/plain.chatsocket"));
        assert.equal(answer.status, 500);
        assert.equal(
          answer.body,
          "Site settings (<system.webServer><chatsocket> in web.config): " +
            "max_rate must be a whole number of messages per second from 0 to 100000.\n",
        );
      }
      const [line] = await server.waitForLog(/chatsocket> section/);
      assert.match(line, /^\[chatsocket\] error: .*web\.config.*plain\.chatsocket.*max_rate must be/);
      assert.equal(server.logLines().filter((l) => l.includes("chatsocket> section")).length, 1);

      assert.equal(await statusOf(server.port, "/own.chatsocket"), 101, "a file that sets max_rate itself");
      const page = await httpExchange(server.port, "GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.equal(page.status, 200, "the rest of the site is served");
      assert.equal(await statusOf(good.port, "/plain.chatsocket"), 101, "another site is not affected");
    } finally {
      await server.stop();
      await good.stop();
    }
  });
});

describe("a <chatsocket> section its schema refuses", () => {
  for (const [what, attributes, problem] of [
    ["an attribute the schema does not have", `maxMessageSize="5"`, /Unrecognized attribute 'maxMessageSize'/],
    ["a number out of its range", `compression_level="12"`, /'compression_level'.*between 0 and 9/],
    ["a number that is not one", `idle_timeout="soon"`, /'idle_timeout'.*not a valid unsigned integer/],
  ] as const) {
    test(`(${what}) is IIS's 500.19 for every request under that web.config`, async () => {
      const site = siteWith(attributes, { "plain.chatsocket": "kind = echo\n" });
      const server = await startHostProcess(site);
      try {
        for (const request of [upgradeRequest("/plain.chatsocket"), "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"]) {
          const answer = await httpExchange(server.port, request);
          assert.equal(answer.status, 500);
          assert.match(answer.body, /^HTTP Error 500\.19/);
          assert.match(answer.body, /web\.config/);
          assert.match(answer.body, problem);
        }
        await server.waitForLog(/500\.19 for every request/);
      } finally {
        await server.stop();
      }
    });
  }
});
