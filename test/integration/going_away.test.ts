// The server going away (issue 11): when the host stops, as when IIS recycles or stops the application pool,
// every open connection gets a 1001 close frame and a bounded time to answer; programs end; nothing is left
// half-open. Bounds asserted here are generous on purpose: they tell "bounded" from "hangs", not speed.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import WebSocket from "ws";

import { FIXTURE_SITE, startHost } from "../support/host";
import { scratchSite, startHostProcess } from "../support/host_process";
import { REPO_ROOT } from "../support/paths";
import { alive } from "../support/processes";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf, openWs } from "../support/ws_client";

const GOING_AWAY = { code: 1001, reason: "server going away" };
const BOUND_MS = 10000;
const PYTHON = "/usr/bin/python3";
const TOOL = path.join(REPO_ROOT, "test", "fixtures", "programs", "tool.py");

async function until(condition: () => boolean, what: string, timeoutMs = BOUND_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A ws client that keeps its first message, which may come in the same read as the 101. */
function openKeepingFirst(url: string): Promise<{ ws: WebSocket; first: Promise<Buffer> }> {
  const ws = new WebSocket(url);
  const first = new Promise<Buffer>((resolve) => ws.once("message", (data: Buffer) => resolve(data)));
  ws.on("error", () => {});
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, first }));
    ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

describe("npm start's server stopped with SIGTERM", () => {
  test("closes every client, on echo and in a chat room, with 1001 and exits 0", async () => {
    const site = scratchSite();
    writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\n");
    const server = await startHostProcess(site);
    const clients = await Promise.all(
      ["/echo.chatsocket", "/room.chatsocket"].flatMap((pathname) => [1, 2, 3, 4].map(() => openWs(server.url(pathname)))),
    );
    const echo = clients[0];
    echo.send("still there?");
    assert.equal((await messageOf(echo)).data.toString(), "still there?");
    const members = clients.slice(4);
    const heardWhileStopping: string[] = [];
    for (const member of members) {
      member.on("message", (data: Buffer) => heardWhileStopping.push(JSON.parse(data.toString()).type));
    }
    const closes = clients.map((ws) => closeOf(ws));

    const started = Date.now();
    const exitCode = await server.stop();
    const closed = await Promise.all(closes);
    const took = Date.now() - started;

    assert.equal(exitCode, 0);
    for (const close of closed) assert.deepEqual(close, GOING_AWAY);
    assert.ok(took < BOUND_MS, `the stop took ${took} ms`);
    assert.deepEqual(heardWhileStopping.filter((type) => type === "leave"), [], "no one is told of others leaving");
  });

  test("ends a process endpoint's program and its child", async () => {
    const site = scratchSite();
    writeFileSync(path.join(site, "tree.chatsocket"), `kind = process\ncommand = ${JSON.stringify([PYTHON, TOOL, "tree"])}\n`);
    const server = await startHostProcess(site, { CHATSOCKET_ALLOWED_PROGRAMS: PYTHON });
    const { ws, first } = await openKeepingFirst(server.url("/tree.chatsocket"));
    const [, program, child] = String(await first).split(" ").map(Number);
    assert.ok(alive(program) && alive(child), "the program and its child run");
    const closed = closeOf(ws);

    assert.equal(await server.stop(), 0);
    assert.deepEqual(await closed, GOING_AWAY);
    await until(() => !alive(program) && !alive(child), "the program and its child to end");
  });
});

describe("an in-process host's stop()", () => {
  test("closes open clients with 1001, and returns at once when every client is closed already", async () => {
    const host = await startHost({ site: FIXTURE_SITE, drainMs: 30000 });
    const clients = await Promise.all([1, 2, 3].map(() => openWs(host.url("/echo.chatsocket"))));
    const closes = clients.map((ws) => closeOf(ws));
    await host.stop();
    for (const close of await Promise.all(closes)) assert.deepEqual(close, GOING_AWAY);

    const again = await startHost({ site: FIXTURE_SITE, drainMs: 30000 });
    const ws = await openWs(again.url("/echo.chatsocket"));
    const closed = closeOf(ws);
    ws.close(1000);
    await closed;
    await again.waitFor((stats) => stats.activeRequests === 0, "the closed client's request to end");
    const started = Date.now();
    await again.stop();
    assert.ok(Date.now() - started < BOUND_MS, "stop() waited for nothing");
  });

  test("does not wait beyond its drain time for a client that never answers the close frame", async () => {
    // patient-close.chatsocket waits ten minutes for a close frame: only the host's bound can end this.
    const host = await startHost({ site: FIXTURE_SITE, drainMs: 500 });
    const client = await RawClient.connect(host.port);
    await client.write(upgradeRequest("/patient-close.chatsocket"));
    assert.equal((await client.readAnswer()).status, 101);

    const started = Date.now();
    const stopped = host.stop();
    const frame = await client.readFrame();
    assert.equal(frame.opcode, 0x8);
    assert.equal(frame.payload.readUInt16BE(0), 1001);
    assert.equal(frame.payload.subarray(2).toString(), "server going away");
    await stopped; // no answer from the client
    await client.closed;
    assert.ok(Date.now() - started < BOUND_MS, `the stop took ${Date.now() - started} ms`);
  });
});
