// The host serves the rest of the site as IIS would: files, default documents, and nothing outside it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { RunningHost, startHost } from "../support/host";
import { httpExchange } from "../support/raw_client";

let host: RunningHost;
before(async () => {
  host = await startHost();
});
after(() => host.stop());

const get = (path: string) => httpExchange(host.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

describe("static files next to the endpoints", () => {
  test("serves a file with its content type", async () => {
    const answer = await get("/hello.txt");
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(answer.body, "plain text\n");
  });

  test("serves index.html for the site root", async () => {
    const answer = await get("/");
    assert.equal(answer.status, 200);
    assert.match(answer.body, /fixture site/);
  });

  test("answers 404 for a missing file", async () => {
    assert.equal((await get("/missing.txt")).status, 404);
  });

  test("answers 403 for a folder without a default document", async () => {
    assert.equal((await get("/folder/")).status, 403);
  });

  test("never serves web.config", async () => {
    assert.equal((await get("/web.config")).status, 404);
  });

  test("refuses paths that climb out of the site", async () => {
    for (const path of ["/../package.json", "/%2e%2e/package.json", "/folder/../../package.json"]) {
      const status = (await get(path)).status;
      assert.ok([400, 404].includes(status), `${path}: ${status}`);
    }
  });
});
