// kind = chat: everyone connected to the same endpoint file (and, with `rooms = query`, the same ?room=) is in
// one room, whichever Wasm instance their connection lives in. The room itself is native (the hub): this
// handler encodes each frame once and hands it over; the hub queues the same bytes for every member.
//
// What a client sees (format = json; chat_settings.ts has the keys):
//   on joining   {"type":"welcome","id":7,"name":"Ada","room":"","members":[{"id":3,"name":"Bo"},...],"count":2}
//                then the room's history (the last `history` messages), then everything that follows
//   a message    {"type":"message","id":3,"name":"Bo","text":"hi","ts":1764540000000}  (ts: the server's clock)
//   presence     {"type":"join","id":9,"name":"Cy","count":3} and {"type":"leave","id":9,"name":"Cy","count":2}
// A client sends plain text; a binary message closes with 1003. With format = raw, messages pass through as
// they are and there is no presence.
//
// Joining is composed against a snapshot of the room and retried if the room changed meanwhile, so the
// welcome's member list and the count in every join and leave are exact.

import { CloseCode, JoinFlag, PublishFlag, Status } from "../../abi_constants";
import { Connection } from "../../connection";
import { Opcode, encodeFrame, encodeTextFrame, writeCloseFrame, MAX_CLOSE_REASON } from "../../protocol/frame_encoder";
import { Request } from "../../request";
import { jsonString } from "../../text/json";
import { queryParameter } from "../../text/query";
import { joinRoom, leaveRoom, now, publishToRoom, roomSnapshot } from "../../host";
import { encodeDeflatedFrame } from "../../protocol/message_deflate";
import { memberId } from "./member_id";
import { Handler, Refusal } from "../handler";
import { ChatSettings } from "./chat_settings";

const MAX_NAME = 64;
const MAX_ROOM_NAME = 64;
const JOIN_ATTEMPTS = 16;
/** A full room, or too many rooms: clients try again after this many seconds (Retry-After). */
const RETRY_AFTER_SECONDS: u32 = 5;

/**
 * A display name from ?name=: control characters out, trimmed, at most MAX_NAME UTF-16 units, cut between
 * characters (half a surrogate pair would make every frame carrying the name invalid UTF-8).
 */
function displayName(raw: string | null, id: u32): string {
  let name = "";
  if (raw != null) {
    const text = <string>raw;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c == 0x7f) continue;
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
      if (name.length + (pair ? 2 : 1) > MAX_NAME) break;
      if (pair) {
        name += text.substring(i, i + 2);
        i++;
      } else {
        name += String.fromCharCode(c);
      }
    }
    name = name.trim();
  }
  return name.length > 0 ? name : "guest-" + id.toString();
}

/** 1 to 64 characters: letters, digits, `.`, `_`, `-`. */
function isRoomName(name: string): bool {
  if (name.length == 0 || name.length > MAX_ROOM_NAME) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d;
    if (!ok) return false;
  }
  return true;
}

/** host_room_join's request (docs/ABI.md): eight u32, then six length-prefixed fields. */
class JoinRequestWriter {
  private parts: ArrayBuffer[] = [];
  private numbers: u32[] = [];

  number(value: u32): JoinRequestWriter {
    this.numbers.push(value);
    return this;
  }

  field(bytes: ArrayBuffer | null): JoinRequestWriter {
    this.parts.push(bytes == null ? new ArrayBuffer(0) : <ArrayBuffer>bytes);
    return this;
  }

  finish(): ArrayBuffer {
    let size = this.numbers.length * 4;
    for (let i = 0; i < this.parts.length; i++) size += 4 + this.parts[i].byteLength;
    const out = new ArrayBuffer(size);
    let at = changetype<usize>(out);
    for (let i = 0; i < this.numbers.length; i++, at += 4) store<u32>(at, this.numbers[i]);
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i];
      store<u32>(at, part.byteLength);
      memory.copy(at + 4, changetype<usize>(part), part.byteLength);
      at += 4 + part.byteLength;
    }
    return out;
  }
}

export class ChatHandler extends Handler {
  private name: string = "";
  private room: string = "";
  private presence: string = "";
  private joined: bool = false;

  constructor(
    conn: Connection,
    private settings: ChatSettings,
  ) {
    super(conn);
  }

  admit(request: Request): Refusal | null {
    const query = request.query;
    const id = this.conn.id;
    this.name = displayName(queryParameter(query, "name"), id);
    if (this.settings.roomsByQuery) {
      const room = queryParameter(query, "room");
      if (room != null && room.length > 0) {
        if (!isRoomName(<string>room)) {
          return new Refusal(400, "A room name is 1 to 64 characters: letters, digits, '.', '_' and '-'.");
        }
        this.room = <string>room;
      }
    }
    this.presence = '{"id":' + memberId(id) + ',"name":' + jsonString(this.name) + "}";
    for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
      const snapshot = roomSnapshot(id, this.room);
      if (snapshot == null) break;
      const status = joinRoom(id, this.joinRequest(snapshot.version, snapshot.count, snapshot.records));
      if (status == Status.OK) {
        this.joined = true;
        return null;
      }
      if (status == Status.LIMIT_REACHED) {
        return new Refusal(503, "The room is full, or there are too many rooms; try again later.", RETRY_AFTER_SECONDS);
      }
      if (status != Status.RETRY) break;
    }
    return new Refusal(500, "The chat room could not be joined; the server log says why.");
  }

  private joinRequest(version: u32, count: u32, records: string[]): ArrayBuffer {
    const s = this.settings;
    let welcome: ArrayBuffer | null = null;
    let announce: ArrayBuffer | null = null;
    if (!s.raw) {
      let members = "";
      for (let i = 0; i < records.length; i++) members += records[i] + ",";
      members += this.presence;
      welcome = encodeTextFrame(
        '{"type":"welcome","id":' + memberId(this.conn.id) + ',"name":' + jsonString(this.name) + ',"room":' +
          jsonString(this.room) + ',"members":[' + members + '],"count":' + (count + 1).toString() + "}",
      );
      announce = encodeTextFrame(this.presenceEvent("join", this.presence, count + 1));
    }
    return new JoinRequestWriter()
      .number(version)
      .number(s.maxMembers)
      .number(s.maxBacklog)
      .number((s.dropOnBacklog ? JoinFlag.DROP_ON_BACKLOG : 0) | (s.backplane ? 0 : JoinFlag.LOCAL_ONLY))
      .number(s.history)
      .number(s.historyBytes)
      .number(s.maxRooms)
      .number(this.conn.deflateWindowBits)
      .field(String.UTF8.encode(this.room))
      .field(String.UTF8.encode(this.presence))
      .field(welcome)
      .field(announce)
      .field(closeFrame(CloseCode.POLICY_VIOLATION, "too slow: over max_backlog bytes waiting"))
      .field(String.UTF8.encode(s.backplaneUrl))
      .finish();
  }

  /** {"type":"join"|"leave", ...presence..., "count":N}: the record's fields with the type and count added. */
  private presenceEvent(type: string, record: string, count: u32): string {
    return '{"type":"' + type + '",' + record.substring(1, record.length - 1) + ',"count":' + count.toString() + "}";
  }

  onMessage(opcode: u32, ptr: usize, len: u32): void {
    const flags = (this.settings.echoSelf ? PublishFlag.INCLUDE_SELF : 0) | (this.settings.history > 0 ? PublishFlag.KEEP : 0);
    if (this.settings.raw) {
      this.publish(opcode, ptr, len, flags);
      return;
    }
    if (opcode != Opcode.TEXT) {
      this.conn.closeWith(CloseCode.UNSUPPORTED_DATA, "this room takes text messages");
      return;
    }
    const text = String.UTF8.decodeUnsafe(ptr, len);
    const envelope =
      '{"type":"message","id":' + memberId(this.conn.id) + ',"name":' + jsonString(this.name) + ',"text":' +
      jsonString(text) + ',"ts":' + now().toString() + "}";
    const bytes = String.UTF8.encode(envelope);
    this.publish(Opcode.TEXT, changetype<usize>(bytes), bytes.byteLength, flags);
  }

  /** One message for the whole room: framed once, and compressed once for the members that take it so. */
  private publish(opcode: u32, ptr: usize, len: usize, flags: u32): void {
    const config = this.conn.endpoint.config.deflate;
    const deflated = encodeDeflatedFrame(this.conn.id, config, opcode, ptr, len);
    publishToRoom(this.conn.id, encodeFrame(opcode, ptr, len), flags, deflated, config.serverMaxWindowBits);
  }

  /** Members who left without a word: this member tells the room, with the count as it is now. */
  onRoomMembersLost(ptr: usize, len: u32): void {
    if (this.settings.raw || !this.joined) return;
    const snapshot = roomSnapshot(this.conn.id, this.room);
    if (snapshot == null) return;
    let at: usize = 0;
    while (at + 4 <= <usize>len) {
      const size = <usize>load<u32>(ptr + at);
      if (at + 4 + size > <usize>len) break;
      const record = String.UTF8.decodeUnsafe(ptr + at + 4, size);
      publishToRoom(this.conn.id, encodeTextFrame(this.presenceEvent("leave", record, snapshot.count)), PublishFlag.INCLUDE_SELF);
      at += 4 + size;
    }
  }

  /** Out of the room before our close frame: nothing the room sends may follow it. */
  onClosing(): void {
    this.leave();
  }

  onClose(): void {
    this.leave();
  }

  private leave(): void {
    if (!this.joined) return;
    this.joined = false;
    for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
      const snapshot = roomSnapshot(this.conn.id, this.room);
      if (snapshot == null) return;
      const count = snapshot.count > 0 ? snapshot.count - 1 : 0;
      let announce: ArrayBuffer | null = null;
      if (!this.settings.raw) announce = encodeTextFrame(this.presenceEvent("leave", this.presence, count));
      const status = leaveRoom(this.conn.id, announce, snapshot.version);
      if (status != Status.RETRY) return;
    }
  }
}

/** A close frame with `code` and `reason` in a buffer of its own (the hub sends it to a member it cuts off). */
function closeFrame(code: u32, reason: string): ArrayBuffer {
  const bytes = String.UTF8.encode(reason);
  const len = min<i32>(bytes.byteLength, <i32>MAX_CLOSE_REASON);
  const frame = new ArrayBuffer(4 + len);
  writeCloseFrame(changetype<usize>(frame), code, changetype<usize>(bytes), <usize>len);
  return frame;
}
