// kind = chat in Wasm alone, with the harness standing in for the native room hub (one instance's members):
// the envelopes, names and rooms from the query, history, presence, the rate limit and raw format.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { BINARY, clientFrame, parseServerFrames, TEXT } from "./frames";
import { handshakeHead, Harness } from "./wasm_harness";

const ROOM = "kind = chat\n";

function join(h: Harness, id: number, query: string, endpoint = ROOM) {
  const r = h.open(id, handshakeHead({}, `GET /lobby.chatsocket${query} HTTP/1.1`), endpoint);
  assert.equal(r.status, 101, r.body);
}

function received(h: Harness, id: number): any[] {
  return parseServerFrames(h.takeSent(id)).map((f) => (f.opcode === 1 ? JSON.parse(f.payload.toString()) : f));
}

describe("kind = chat", () => {
  it("welcomes a member with the member list, tells the others, and sends messages in an envelope", () => {
    const h = new Harness();
    join(h, 1, "?name=Ada");
    assert.deepEqual(received(h, 1), [
      { type: "welcome", id: 1, name: "Ada", room: "", members: [{ id: 1, name: "Ada" }], count: 1 },
    ]);
    join(h, 2, "?name=Bo%20B");
    assert.deepEqual(received(h, 1), [{ type: "join", id: 2, name: "Bo B", count: 2 }]);
    assert.deepEqual(received(h, 2)[0].members, [
      { id: 1, name: "Ada" },
      { id: 2, name: "Bo B" },
    ]);
    h.clock = 1234;
    h.data(2, clientFrame(TEXT, 'hi "all"'));
    const message = { type: "message", id: 2, name: "Bo B", text: 'hi "all"', ts: 1234 };
    assert.deepEqual(received(h, 1), [message]);
    assert.deepEqual(received(h, 2), [message], "echo_self is on by default");
  });

  it("names a member without ?name= after its id, and keeps names short and printable", () => {
    const h = new Harness();
    join(h, 5, "");
    assert.equal(received(h, 5)[0].name, "guest-5");
    join(h, 6, `?name=${encodeURIComponent("a\u0007b" + "x".repeat(100))}`);
    const name = received(h, 6)[0].name;
    assert.equal(name, "ab" + "x".repeat(62));
  });

  it("cuts a long name between characters, never inside a surrogate pair (found by fuzz_handshake)", () => {
    const h = new Harness();
    join(h, 7, `?name=${encodeURIComponent("x".repeat(63) + "\u{1F600}")}`);
    const [welcome] = parseServerFrames(h.takeSent(7));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(welcome.payload);
    assert.equal(JSON.parse(text).name, "x".repeat(63));
  });

  it("with rooms = query, ?room= picks a room, and a bad room name is refused with 400", () => {
    const h = new Harness();
    join(h, 1, "?room=blue", `${ROOM}rooms = query\n`);
    join(h, 2, "?room=green", `${ROOM}rooms = query\n`);
    assert.deepEqual(received(h, 1)[0].room, "blue");
    h.data(2, clientFrame(TEXT, "only green"));
    assert.deepEqual(received(h, 1), [], "another room hears nothing");
    const r = new Harness().open(3, handshakeHead({}, "GET /lobby.chatsocket?room=a%2Fb HTTP/1.1"), `${ROOM}rooms = query\n`);
    assert.equal(r.status, 400);
    assert.match(r.body, /room name/);
  });

  it("replays the history to a newcomer after its welcome", () => {
    const h = new Harness();
    join(h, 1, "?name=A", `${ROOM}history = 2\n`);
    for (const text of ["one", "two", "three"]) h.data(1, clientFrame(TEXT, text));
    join(h, 2, "?name=B", `${ROOM}history = 2\n`);
    const got = received(h, 2);
    assert.equal(got[0].type, "welcome");
    assert.deepEqual(got.slice(1).map((m) => m.text), ["two", "three"], "the last `history` messages, in order");
  });

  it("announces its own leave before its close frame, with the count after it", () => {
    const h = new Harness();
    join(h, 1, "?name=A");
    join(h, 2, "?name=B");
    received(h, 1);
    h.data(2, clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    assert.deepEqual(received(h, 1), [{ type: "leave", id: 2, name: "B", count: 1 }]);
  });

  it("announces members lost without a word (ROOM_MEMBERS_LOST), with the count as it is now", () => {
    const h = new Harness();
    join(h, 1, "?name=A");
    received(h, 1);
    const record = Buffer.from('{"id":9,"name":"Gone"}');
    const records = Buffer.concat([Buffer.alloc(4), record]);
    records.writeUInt32LE(record.length, 0);
    const [p] = (h as any).stage(records);
    h.exports.cs_event(1, 9, p, records.length);
    assert.deepEqual(received(h, 1), [{ type: "leave", id: 9, name: "Gone", count: 1 }]);
  });

  it("closes a member that sends binary to a json room with 1003", () => {
    const h = new Harness();
    join(h, 1, "");
    received(h, 1);
    h.data(1, clientFrame(BINARY, Buffer.from([1])));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.equal(frame.payload.readUInt16BE(0), 1003);
  });

  it("format = raw passes text and binary through untouched, with no presence, and echo_self = false", () => {
    const h = new Harness();
    const raw = `${ROOM}format = raw\necho_self = false\n`;
    join(h, 1, "", raw);
    join(h, 2, "", raw);
    assert.equal(h.takeSent(1).length, 0, "no welcome, no join");
    h.data(2, clientFrame(BINARY, Buffer.from([7, 8])));
    h.data(2, clientFrame(TEXT, "plain"));
    const frames = parseServerFrames(h.takeSent(1));
    assert.deepEqual(frames.map((f) => [f.opcode, f.payload.toString("hex")]), [
      [2, "0708"],
      [1, Buffer.from("plain").toString("hex")],
    ]);
    assert.equal(h.takeSent(2).length, 0, "the sender does not get its own");
  });

  it("closes a member over max_rate with 1008; the rate refills with time", () => {
    const h = new Harness();
    join(h, 1, "", `${ROOM}max_rate = 2\necho_self = false\n`);
    received(h, 1);
    h.data(1, clientFrame(TEXT, "a"));
    h.data(1, clientFrame(TEXT, "b"));
    assert.equal(h.takeSent(1).length, 0);
    h.clock += 500; // one more token
    h.data(1, clientFrame(TEXT, "c"));
    assert.equal(h.takeSent(1).length, 0);
    h.data(1, clientFrame(TEXT, "d"));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.equal(frame.payload.readUInt16BE(0), 1008);
  });

  it("answers 503 with Retry-After when the room is full", () => {
    const h = new Harness();
    join(h, 1, "", `${ROOM}max_members = 1\n`);
    const r = h.open(2, handshakeHead(), `${ROOM}max_members = 1\n`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "5");
  });

  it("refuses bad keys with the line", () => {
    for (const line of ["rooms = many", "format = xml", "on_backlog = wait", "max_backlog = 10", "echo_self = maybe"]) {
      const r = new Harness().open(1, handshakeHead(), `${ROOM}${line}\n`);
      assert.equal(r.status, 500, line);
      assert.match(r.body, /line 2/, line);
    }
  });
});
