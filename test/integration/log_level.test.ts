// CHATSOCKET_LOG_LEVEL: the module logs what the setting lets through, read where a user reads it (the
// server's stderr), and a value it does not know is named in a warning instead of silently ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";

import { FIXTURE_SITE } from "../support/host";
import { HostProcess, startHostProcess } from "../support/host_process";

/** Asks for broken.chatsocket (an error line) and waits until the refusal arrived. */
async function provokeError(server: HostProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(server.url("/broken.chatsocket"));
    ws.on("unexpected-response", () => resolve());
    ws.on("error", () => resolve());
  });
}

test("at error, the start-up line is left out and an endpoint file's error still shows", async () => {
  const server = await startHostProcess(FIXTURE_SITE, { CHATSOCKET_LOG_LEVEL: "error" });
  try {
    await provokeError(server);
    await server.waitForLog(/error: endpoint file .*broken\.chatsocket, line 2/);
    assert.deepEqual(server.logLines().filter((line) => /\binfo: /.test(line)), []);
  } finally {
    await server.stop();
  }
});

test("at the default (info), the start-up line shows", async () => {
  const server = await startHostProcess(FIXTURE_SITE, { CHATSOCKET_LOG_LEVEL: undefined });
  try {
    await server.waitForLog(/info: chatsocket loaded/);
  } finally {
    await server.stop();
  }
});

test("off silences even errors; an unknown level is named in a warning and info is used", async () => {
  const quiet = await startHostProcess(FIXTURE_SITE, { CHATSOCKET_LOG_LEVEL: "off" });
  try {
    await provokeError(quiet);
  } finally {
    await quiet.stop();
  }
  assert.deepEqual(quiet.logLines().filter((line) => line.startsWith("[chatsocket]")), []);

  const wrong = await startHostProcess(FIXTURE_SITE, { CHATSOCKET_LOG_LEVEL: "loud" });
  try {
    await wrong.waitForLog(/warning: CHATSOCKET_LOG_LEVEL=loud is not one of off, error, warning, info, debug/);
    await wrong.waitForLog(/info: chatsocket loaded/);
  } finally {
    await wrong.stop();
  }
});
