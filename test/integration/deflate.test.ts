// permessage-deflate through the host with real clients: ws with perMessageDeflate on and off, compressed
// messages both ways, context takeover, fragments, a room with members of both sorts, a decompression bomb,
// and the zlib memory an idle compressed connection keeps (none).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import zlib from "node:zlib";
import WebSocket from "ws";

import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { RawClient, upgradeRequest } from "../support/raw_client";
import { closeOf, messageOf } from "../support/ws_client";
import { BINARY, CLOSE, clientFrame, closeCodeOf } from "../unit/frames";

let host: RunningHost;

before(async () => {
  const site = scratchSite();
  const deflate = "kind = echo\ncompression = permessage-deflate\n";
  writeFileSync(path.join(site, "deflate.chatsocket"), deflate + "max_message_size = 1048576\n");
  writeFileSync(path.join(site, "takeover.chatsocket"), deflate + "server_no_context_takeover = false\nclient_no_context_takeover = false\n");
  writeFileSync(path.join(site, "room.chatsocket"), "kind = chat\ncompression = permessage-deflate\ncompression_threshold = 64\n");
  host = await startHost({ site });
});
after(() => host.stop());

/** A JSON-like text of about `bytes` bytes, as a chat or an API would send. */
function jsonText(bytes: number): string {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < bytes; i++) items.push({ id: i, user: `user${i % 37}`, text: "hello there", ok: i % 3 === 0 });
  return JSON.stringify(items);
}

function open(pathname: string, perMessageDeflate: boolean | object): Promise<{ ws: WebSocket; extensions: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(host.url(pathname), { perMessageDeflate });
    let extensions = "";
    ws.once("upgrade", (response) => (extensions = String(response.headers["sec-websocket-extensions"] ?? "")));
    ws.once("open", () => resolve({ ws, extensions }));
    ws.once("error", reject);
  });
}

async function echoes(ws: WebSocket, message: string | Buffer, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    ws.send(message);
    const { data } = await messageOf(ws);
    assert.ok(data.equals(Buffer.from(message)), `echo ${i} came back unchanged`);
  }
}

async function bye(ws: WebSocket): Promise<void> {
  ws.close(1000);
  await closeOf(ws);
}

test("ws with perMessageDeflate gets it; 16 KiB of JSON goes both ways compressed and comes back whole", async () => {
  const { ws, extensions } = await open("/deflate.chatsocket", true);
  assert.equal(extensions, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  const text = jsonText(16 * 1024);
  const before = host.stats();
  await echoes(ws, text, 10);
  const after = host.stats();
  const plainBytes = 10 * text.length;
  assert.ok(after.bytesOut - before.bytesOut < plainBytes / 4, `the server sent ${after.bytesOut - before.bytesOut} bytes for ${plainBytes}`);
  assert.ok(after.bytesIn - before.bytesIn < plainBytes / 4, `the client sent ${after.bytesIn - before.bytesIn} bytes for ${plainBytes}`);
  await bye(ws);
});

test("ws with perMessageDeflate off gets a plain connection on the same endpoint", async () => {
  const { ws, extensions } = await open("/deflate.chatsocket", false);
  assert.equal(extensions, "");
  const text = jsonText(16 * 1024);
  const before = host.stats().bytesOut;
  await echoes(ws, text, 3);
  // The host counts a write when it completes, which may be just after the client has read it.
  await host.waitFor((stats) => stats.bytesOut - before >= 3 * text.length, "the plain echoes counted");
  await bye(ws);
});

test("an endpoint without compression leaves the offer unanswered", async () => {
  const { ws, extensions } = await open("/echo.chatsocket", true);
  assert.equal(extensions, "");
  await echoes(ws, jsonText(4096), 2);
  await bye(ws);
});

test("with context takeover allowed both ways, 50 similar messages refer back to each other and all arrive whole", async () => {
  const { ws, extensions } = await open("/takeover.chatsocket", { threshold: 0 });
  assert.equal(extensions, "permessage-deflate");
  const before = host.stats().bytesOut;
  for (let i = 0; i < 50; i++) await echoes(ws, `${jsonText(2000)} #${i}`, 1);
  // Each message after the first is mostly a reference to the one before it.
  assert.ok(host.stats().bytesOut - before < 50 * 2000 / 20, "context takeover made the messages tiny");
  await bye(ws);
});

test("a compressed message in fragments (RSV1 on the first only) is assembled and echoed", async () => {
  const { ws } = await open("/deflate.chatsocket", { threshold: 0 });
  const parts = [jsonText(3000), jsonText(5000), "the end"];
  ws.send(parts[0], { fin: false });
  ws.send(parts[1], { fin: false });
  ws.send(parts[2], { fin: true });
  assert.equal((await messageOf(ws)).data.toString(), parts.join(""));
  await bye(ws);
});

test("a room compresses for the members that negotiated it and not for the others; all read the same", async () => {
  const members = await Promise.all([true, true, false].map((deflate) => open("/room.chatsocket", deflate)));
  assert.deepEqual(
    members.map((m) => m.extensions.startsWith("permessage-deflate")),
    [true, true, false],
  );
  const heard = members.map(({ ws }) => {
    const texts: string[] = [];
    ws.on("message", (data) => {
      const event = JSON.parse(data.toString());
      if (event.type === "message") texts.push(event.text);
    });
    return texts;
  });
  const text = jsonText(4000);
  members[2].ws.send(text); // the plain member speaks; the compressed members hear it compressed
  members[0].ws.send("short and plain");
  await host.waitFor(() => heard.every((texts) => texts.length === 2), "both messages at every member");
  for (const texts of heard) assert.deepEqual(texts.sort(), [text, "short and plain"].sort());
  await Promise.all(members.map(({ ws }) => bye(ws)));
});

/** 1 GiB of zeros as one compressed message, about 1 MB: made in pieces, never held inflated. */
async function bomb(): Promise<Buffer> {
  const deflater = zlib.createDeflateRaw({ level: 9, memLevel: 9 });
  const out: Buffer[] = [];
  deflater.on("data", (chunk: Buffer) => out.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 1024; i++) {
    if (!deflater.write(zeros)) await new Promise((resolve) => deflater.once("drain", resolve));
  }
  await new Promise<void>((resolve) => deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  const all = Buffer.concat(out);
  return all.subarray(0, all.length - 4);
}

test("a decompression bomb (1 GiB of zeros in about 1 MB) closes with 1009 at max_message_size, not inflated", async () => {
  const payload = await bomb();
  assert.ok(payload.length < 2 * 1024 * 1024, `the bomb is ${payload.length} bytes`);
  const client = await RawClient.connect(host.port);
  try {
    await client.write(upgradeRequest("/deflate.chatsocket", { "Sec-WebSocket-Extensions": "permessage-deflate" }));
    assert.equal((await client.readAnswer()).status, 101);
    const memoryBefore = host.stats().module!.wasmMemoryBytes;
    await client.write(clientFrame(BINARY, payload, { rsv: 4 }));
    const frame = await client.readFrame();
    assert.equal(frame.opcode, CLOSE);
    assert.equal(closeCodeOf(frame), 1009);
    const grew = host.stats().module!.wasmMemoryBytes - memoryBefore;
    assert.ok(grew <= 4 * 1024 * 1024, `the instances grew by ${grew} bytes for a 1 MiB limit`);
  } finally {
    client.destroy();
  }
});

test("idle compressed connections hold no zlib memory: streams go back to a bounded pool after each message", async () => {
  const first = await open("/deflate.chatsocket", { threshold: 0 });
  await echoes(first.ws, jsonText(4096), 1);
  const oneOfEach = host.stats().module!.zlibBytes; // at least one compressor and one inflater, now pooled
  assert.ok(oneOfEach > 0);
  const idle: WebSocket[] = [first.ws];
  for (let i = 0; i < 100; i++) {
    const { ws } = await open("/deflate.chatsocket", { threshold: 0 });
    await echoes(ws, jsonText(4096), 1);
    idle.push(ws);
  }
  const held = host.stats().module!.zlibBytes;
  // Were they held per connection, 101 connections would hold 101 of each; the pool keeps at most 16.
  assert.ok(held <= 16 * oneOfEach, `${idle.length} idle compressed connections hold ${held} bytes of zlib memory`);
  await Promise.all(idle.map(bye));
});
