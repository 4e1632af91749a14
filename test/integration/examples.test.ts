// The example site as `npm start` serves it: its endpoints answer as their pages expect.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";

import { HostProcess, startHostProcess } from "../support/host_process";
import { EXAMPLE_SITE } from "../support/paths";

let server: HostProcess;
before(async () => {
  // Nothing set by hand: npm start allows the example programs itself.
  server = await startHostProcess(EXAMPLE_SITE, { CHATSOCKET_ALLOWED_PROGRAMS: undefined, CHATSOCKET_TEST_HOOKS: undefined });
});
after(() => server.stop());

/** Opens `pathname`, sends `messages` once open, and resolves with the first `count` messages back. */
function exchange(pathname: string, messages: (string | Buffer)[], count: number): Promise<{ data: Buffer; isBinary: boolean }[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url(pathname));
    const got: { data: Buffer; isBinary: boolean }[] = [];
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      got.push({ data, isBinary });
      if (got.length === count) {
        ws.close(1000);
        resolve(got);
      }
    });
    ws.on("open", () => messages.forEach((m) => ws.send(m)));
    ws.on("error", reject);
    ws.on("close", (code) => got.length < count && reject(new Error(`closed with ${code} after ${got.length}`)));
  });
}

test("cat.chatsocket: every line comes back, through chatsocket-cat", async () => {
  const replies = await exchange("/cat.chatsocket", ["one", "two"], 2);
  assert.deepEqual(replies.map((r) => r.data.toString()), ["one", "two"]);
});

test("calc.chatsocket: greets, computes, and reports mistakes on stderr", async () => {
  const replies = await exchange("/calc.chatsocket", ["2 * (3 + 4)", "2 +"], 3);
  const messages = replies.map((r) => JSON.parse(r.data.toString()));
  assert.equal(messages[0].stream, "stdout");
  assert.match(messages[0].data, /calculator ready/);
  assert.deepEqual(messages[1], { stream: "stdout", data: "2 * (3 + 4) = 14" });
  assert.equal(messages[2].stream, "stderr");
  assert.match(messages[2].data, /^2 \+: /);
});

test("bytes.chatsocket: a binary message comes back byte for byte", async () => {
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
  const replies = await exchange("/bytes.chatsocket", [payload], 1);
  assert.ok(replies[0].isBinary);
  assert.deepEqual(replies[0].data, payload);
});

test("deflate.chatsocket: answers ws's permessage-deflate offer and echoes a long text whole", async () => {
  const text = "compress me, ".repeat(500);
  const ws = new WebSocket(server.url("/deflate.chatsocket"), { perMessageDeflate: true });
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.on("open", () => {
      assert.match(ws.extensions, /^permessage-deflate/);
      ws.send(text);
    });
    ws.on("message", (data: Buffer) => resolve(data.toString()));
    ws.on("error", reject);
  });
  ws.close(1000);
  assert.equal(echoed, text);
});

test("echo.chatsocket still echoes", async () => {
  const replies = await exchange("/echo.chatsocket", ["still here"], 1);
  assert.equal(replies[0].data.toString(), "still here");
});
