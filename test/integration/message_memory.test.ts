// CHATSOCKET_MESSAGE_MEMORY: one instance's message buffers share a budget. Connections that each hold half
// a big message fill it; the next one that needs more is closed with 1013, the instance does not trap, the
// others finish their messages, and the memory they give back serves the next client.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import { BINARY, CLOSE, CONTINUATION, clientFrame } from "../unit/frames";
import { RunningHost, startHost } from "../support/host";
import { scratchSite } from "../support/host_process";
import { RawClient, upgradeRequest } from "../support/raw_client";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let host: RunningHost;

before(async () => {
  const site = scratchSite();
  writeFileSync(path.join(site, "big.chatsocket"), "kind = echo\nmax_message_size = 8388608\nping_interval = 0\nclose_timeout = 60000\n");
  // One instance with 16 MiB for message buffers: two connections assembling 6 MiB (8 MiB buffers) fill it.
  host = await startHost({ site, env: { CHATSOCKET_INSTANCES: "1", CHATSOCKET_MESSAGE_MEMORY: "16" } });
});
after(() => host.stop());

async function open(): Promise<RawClient> {
  const client = await RawClient.connect(host.port);
  await client.write(upgradeRequest("/big.chatsocket"));
  assert.equal((await client.readAnswer()).status, 101);
  return client;
}

const half = (fill: number) => clientFrame(BINARY, Buffer.alloc(6 * MiB, fill), { fin: false });
const end = (fill: number) => clientFrame(CONTINUATION, Buffer.alloc(MiB, fill));

test("past the instance's message memory a connection closes with 1013; the others finish, and the memory comes back", async () => {
  const clients = [await open(), await open(), await open()];
  // Three halves of 6 MiB: any two fit in the budget (8 MiB buffers each), never three. Which one is refused
  // depends on the order the module reads them in; exactly one is, with 1013.
  const firstFrames = clients.map((client) => client.readFrame(60000));
  for (const [index, client] of clients.entries()) await client.write(half(index + 1));
  const refusedIndex = await Promise.any(
    firstFrames.map(async (frame, index) => {
      const f = await frame;
      assert.equal(f.opcode, CLOSE);
      assert.equal(f.payload.readUInt16BE(0), 1013);
      return index;
    }),
  );
  // The refused client's close frame, right after the frame that was refused mid-way, must be found: the
  // server skips exactly the rest of that frame, answers, and ends long before close_timeout (60 s).
  const refused = clients[refusedIndex];
  await refused.write(clientFrame(CLOSE, Buffer.from([0x03, 0xf5])));
  const ended = await Promise.race([refused.closed.then(() => true), sleep(20000).then(() => false)]);
  assert.ok(ended, "the server did not see the refused client's close frame (it skipped past it)");
  refused.destroy();

  for (const [index, client] of clients.entries()) {
    if (index === refusedIndex) continue;
    await client.write(end(index + 1));
    const echo = await firstFrames[index];
    assert.equal(echo.opcode, BINARY, `client ${index} was refused too`);
    assert.equal(echo.payload.length, 7 * MiB);
    assert.equal(echo.payload[0], index + 1);
    assert.equal(echo.payload[7 * MiB - 1], index + 1);
    client.destroy();
  }

  const next = await open();
  await next.write(half(4));
  await next.write(end(4));
  assert.equal((await next.readFrame(20000)).payload.length, 7 * MiB);
  next.destroy();
  assert.equal(host.stats().module!.traps, 0);
});
