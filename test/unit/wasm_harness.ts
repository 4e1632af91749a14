// Loads build/chatsocket.wasm with recording imports, the way the native side would (docs/ABI.md), and
// drives it through its exports only.
import { readFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

import { ClosedReason, Counter, Deflate, Event, InitFlag, Limit, PublishFlag, RequestSource, Status } from "../support/abi_constants";

export const WASM_PATH = path.resolve(__dirname, "../../../chatsocket.wasm");
export const SEND_OK = Status.OK;
export const SEND_BACKPRESSURE = Status.BACKPRESSURE;
export const SEND_DROPPED = Status.DROPPED;
export const CLOSED_BY_MODULE = ClosedReason.BY_MODULE;
export const CLOSED_BY_PEER = ClosedReason.BY_PEER;
export const INIT_TEST_HOOKS = InitFlag.TEST_HOOKS;

export const ECHO_ENDPOINT = "kind = echo\n";

/** The instance called env.abort (the native side turns this into a trap). */
export class WasmTrap extends Error {}

export interface OpenResult {
  status: number;
  /** Response headers, names lowercased. */
  headers: Map<string, string>;
  body: string;
}

interface Exports {
  memory: WebAssembly.Memory;
  cs_abi_version(): number;
  cs_init(flags: number): number;
  cs_buffer(size: number): number;
  cs_endpoint_create(endpoint: number, text: number, textLen: number): number;
  cs_endpoint_create_in_site(endpoint: number, defaults: number, defaultsLen: number, text: number, textLen: number): number;
  cs_endpoint_done(endpoint: number): number;
  cs_open(id: number, endpoint: number, head: number, headLen: number): number;
  cs_event(id: number, event: number, a: number, b: number): number;
  cs_encode_close(code: number, out: number): number;
  cs_counters(): number;
}

let compiled: WebAssembly.Module | undefined;
export function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_PATH));
  return compiled;
}

/** The answer the native side gives for an endpoint version that failed to parse (see docs/ABI.md). */
export function endpointErrorBody(line: number, text: string): string {
  return line > 0 ? `Endpoint file, line ${line}: ${text}` : `Endpoint file: ${text}`;
}

/** Ids the harness hands out for endpoint versions, far from the tests' connection ids. */
const FIRST_ENDPOINT_ID = 1000000;

export class Harness {
  readonly exports: Exports;
  /** Bytes queued with host_send, per id, not yet taken. */
  readonly sent = new Map<number, Buffer[]>();
  /** host_end calls per id, in order (0 graceful, 1 abort). */
  readonly ends = new Map<number, number[]>();
  /** The last host_pause value per id. */
  readonly paused = new Map<number, boolean>();
  /** The last value of each connection's close timer (slot 0), per id (0 = cancelled). */
  readonly timers = new Map<number, number>();
  /** The last value of every timer, keyed `${id}/${slot}`. */
  readonly timerSlots = new Map<string, number>();
  /** Connections host_admit gave a seat (max_connections). */
  readonly admitted = new Set<number>();
  readonly logs: { level: number; text: string }[] = [];
  /** host_closing reports: the closes the module started. */
  readonly closings: { id: number; code: number; reason: string; flags: number }[] = [];
  /** host_endpoint_error reports: endpoint id, line, text. */
  readonly endpointErrors: { endpoint: number; line: number; text: string }[] = [];
  /** Server variables host_request_value answers with. */
  readonly variables = new Map<string, string>([
    ["REMOTE_ADDR", "127.0.0.1"],
    ["REMOTE_PORT", "50000"],
    ["SERVER_NAME", "localhost"],
    ["SERVER_PORT", "80"],
    ["HTTPS", "off"],
  ]);
  /** What host_send answers; tests set it to simulate backpressure. */
  sendStatus: number = SEND_OK;
  /** host_process_start calls: the id and the description's NUL-separated fields. */
  readonly processStarts: { id: number; fields: string[] }[] = [];
  /** What host_process_start answers (FORBIDDEN, LIMIT_REACHED ... to simulate a refusal). */
  processStartStatus: number = Status.OK;
  /** Bytes written to each connection's program's stdin. */
  readonly processInput = new Map<number, Buffer[]>();
  /** What host_process_write answers. */
  processWriteStatus: number = Status.OK;
  /** host_process_pause_output and host_process_stop calls, in order, per id. */
  readonly processCalls = new Map<number, string[]>();
  /** Chat rooms, as the native hub keeps them: by name, one instance's members only. */
  readonly rooms = new Map<string, { version: number; members: Map<number, string>; history: Buffer[]; keep: number }>();
  /** What host_now answers. */
  clock = 1_700_000_000_000;
  private headers = new Map<string, string>();
  private body = "";
  /** The request being opened: its head's headers (lowercased names), for host_request_value. */
  private opening: { id: number; headers: Map<string, string> } | null = null;
  private endpointIds = new Map<string, number>();
  private nextEndpointId = FIRST_ENDPOINT_ID;
  /** host_inflate, message at a time: the compressed bytes of the message so far, then what is left to hand out. */
  private inflating = new Map<number, { input: Buffer[]; output: Buffer | null }>();
  /** host_deflate calls: (id, params). */
  readonly deflateCalls: { id: number; params: number }[] = [];

  constructor(flags = 0) {
    const env = {
      host_response_header: (id: number, n: number, nl: number, v: number, vl: number) => {
        if (this.opening?.id !== id) return Status.WRONG_STATE;
        this.headers.set(this.text(n, nl).toLowerCase(), this.text(v, vl));
        return Status.OK;
      },
      host_response_body: (id: number, p: number, l: number) => {
        if (this.opening?.id !== id) return Status.WRONG_STATE;
        this.body = this.text(p, l);
        return Status.OK;
      },
      host_request_value: (id: number, source: number, n: number, nl: number, out: number, cap: number, outLen: number) => {
        if (this.opening?.id !== id) return Status.WRONG_STATE;
        const name = this.text(n, nl);
        const value =
          source === RequestSource.HEADER ? this.opening.headers.get(name.toLowerCase()) : this.variables.get(name);
        if (value === undefined) return Status.NOT_FOUND;
        const bytes = Buffer.from(value, "utf8");
        new DataView(this.exports.memory.buffer).setUint32(outLen, bytes.length, true);
        if (bytes.length > cap) return Status.BUFFER_TOO_SMALL;
        new Uint8Array(this.exports.memory.buffer, out, bytes.length).set(bytes);
        return Status.OK;
      },
      host_send: (id: number, p: number, l: number) => {
        if (this.sendStatus === SEND_DROPPED) return SEND_DROPPED;
        const list = this.sent.get(id) ?? [];
        list.push(Buffer.from(this.bytes(p, l)));
        this.sent.set(id, list);
        return this.sendStatus;
      },
      host_end: (id: number, abort: number) => {
        this.ends.set(id, [...(this.ends.get(id) ?? []), abort]);
        return Status.OK;
      },
      host_pause: (id: number, paused: number) => {
        this.paused.set(id, paused !== 0);
        return Status.OK;
      },
      host_timer: (id: number, slot: number, ms: number) => {
        if (slot >= Limit.TIMER_SLOTS) return Status.BAD_ARGUMENT;
        if (slot === 0) this.timers.set(id, ms);
        this.timerSlots.set(`${id}/${slot}`, ms);
        return Status.OK;
      },
      // zlib as the core uses it, but a whole message at a time (no context takeover, no streaming).
      host_deflate: (id: number, params: number, p: number, l: number, out: number, cap: number, outLen: number) => {
        this.deflateCalls.push({ id, params });
        const compressed = zlib.deflateRawSync(Buffer.from(this.bytes(p, l)), {
          windowBits: params & Deflate.WINDOW_BITS_MASK,
          level: (params >> Deflate.LEVEL_SHIFT) & 15,
          memLevel: (params >> Deflate.MEM_LEVEL_SHIFT) & 15,
          finishFlush: zlib.constants.Z_SYNC_FLUSH,
        });
        const body = compressed.subarray(0, compressed.length - 4); // without the 00 00 FF FF tail
        if (body.length > cap) return Status.BUFFER_TOO_SMALL;
        new Uint8Array(this.exports.memory.buffer, out, body.length).set(body);
        new DataView(this.exports.memory.buffer).setUint32(outLen, body.length, true);
        return Status.OK;
      },
      host_inflate: (id: number, params: number, p: number, l: number, out: number, cap: number, result: number) => {
        const state = this.inflating.get(id) ?? { input: [], output: null };
        this.inflating.set(id, state);
        state.input.push(Buffer.from(this.bytes(p, l)));
        if (params & Deflate.END && state.output === null) {
          try {
            state.output = zlib.inflateRawSync(Buffer.concat([...state.input, Buffer.from([0, 0, 0xff, 0xff])]), {
              finishFlush: zlib.constants.Z_SYNC_FLUSH,
            });
          } catch {
            this.inflating.delete(id);
            return Status.INVALID_DATA;
          }
        }
        const output = state.output ?? Buffer.alloc(0);
        const given = output.subarray(0, cap);
        new Uint8Array(this.exports.memory.buffer, out, given.length).set(given);
        const view = new DataView(this.exports.memory.buffer);
        view.setUint32(result, l, true);
        view.setUint32(result + 4, given.length, true);
        if (given.length === cap && cap > 0 && state.output !== null) {
          state.output = output.subarray(cap);
          if (state.output.length > 0) return Status.BUFFER_TOO_SMALL;
        }
        if (params & Deflate.END) this.inflating.delete(id);
        return Status.OK;
      },
      // One endpoint's seats, as the core keeps them per endpoint file; released when a test says so.
      host_admit: (id: number, cap: number) => {
        if (!this.admitted.has(id) && this.admitted.size >= cap) return Status.LIMIT_REACHED;
        this.admitted.add(id);
        return Status.OK;
      },
      host_process_start: (id: number, p: number, l: number) => {
        if (this.opening?.id !== id) return Status.WRONG_STATE;
        const fields = this.text(p, l).split("\0");
        fields.pop(); // every field ends with a NUL
        this.processStarts.push({ id, fields });
        return this.processStartStatus;
      },
      host_process_write: (id: number, p: number, l: number) => {
        const list = this.processInput.get(id) ?? [];
        list.push(Buffer.from(this.bytes(p, l)));
        this.processInput.set(id, list);
        return this.processWriteStatus;
      },
      host_process_pause_output: (id: number, paused: number) => this.processCall(id, paused ? "pause" : "resume"),
      host_process_stop: (id: number) => this.processCall(id, "stop"),
      host_room_snapshot: (id: number, n: number, nl: number, out: number, cap: number, outLen: number) => {
        const room = this.rooms.get(this.text(n, nl));
        const records = [...(room?.members.values() ?? [])].map((r) => Buffer.from(r));
        const bytes = Buffer.alloc(8 + records.reduce((sum, r) => sum + 4 + r.length, 0));
        bytes.writeUInt32LE(room?.version ?? 0, 0);
        bytes.writeUInt32LE(records.length, 4);
        let at = 8;
        for (const r of records) {
          bytes.writeUInt32LE(r.length, at);
          r.copy(bytes, at + 4);
          at += 4 + r.length;
        }
        new DataView(this.exports.memory.buffer).setUint32(outLen, bytes.length, true);
        if (bytes.length > cap) return Status.BUFFER_TOO_SMALL;
        new Uint8Array(this.exports.memory.buffer, out, bytes.length).set(bytes);
        return Status.OK;
      },
      host_room_join: (id: number, p: number, l: number) => {
        const r = Buffer.from(this.bytes(p, l));
        const [version, maxMembers, keep] = [r.readUInt32LE(0), r.readUInt32LE(4), r.readUInt32LE(16)];
        let at = 32;
        const field = () => {
          const n = r.readUInt32LE(at);
          const value = r.subarray(at + 4, at + 4 + n);
          at += 4 + n;
          return value;
        };
        const [name, presence, welcome, announce] = [field().toString(), field().toString(), field(), field()];
        field(); // the eviction frame: this model never cuts anyone off
        const room = this.rooms.get(name) ?? { version: 0, members: new Map(), history: [], keep };
        if (version !== room.version) return Status.RETRY;
        if (room.members.size >= maxMembers) return Status.LIMIT_REACHED;
        room.members.set(id, presence);
        room.version++;
        this.rooms.set(name, room);
        this.queue(id, welcome, ...room.history);
        for (const member of room.members.keys()) if (member !== id) this.queue(member, announce);
        return Status.OK;
      },
      host_room_publish: (id: number, p: number, l: number, dp: number, dl: number, windowBits: number, flags: number) => {
        const room = [...this.rooms.values()].find((candidate) => candidate.members.has(id));
        if (!room) return Status.NOT_FOUND;
        const frame = Buffer.from(this.bytes(p, l));
        if (flags & PublishFlag.KEEP) room.history = [...room.history, frame].slice(-room.keep);
        for (const member of room.members.keys()) {
          if (member !== id || flags & PublishFlag.INCLUDE_SELF) this.queue(member, frame);
        }
        return Status.OK;
      },
      host_room_leave: (id: number, p: number, l: number, version: number) => {
        const room = [...this.rooms.values()].find((candidate) => candidate.members.has(id));
        if (!room) return Status.NOT_FOUND;
        if (version !== room.version) return Status.RETRY;
        room.members.delete(id);
        room.version++;
        for (const member of room.members.keys()) this.queue(member, Buffer.from(this.bytes(p, l)));
        return Status.OK;
      },
      host_now: (out: number) => {
        new DataView(this.exports.memory.buffer).setBigUint64(out, BigInt(this.clock), true);
        return Status.OK;
      },
      host_endpoint_error: (endpoint: number, line: number, p: number, l: number) => {
        this.endpointErrors.push({ endpoint, line, text: this.text(p, l) });
        return Status.OK;
      },
      host_closing: (id: number, code: number, p: number, l: number, flags: number) => {
        this.closings.push({ id, code, reason: this.text(p, l), flags });
        return Status.OK;
      },
      host_log: (level: number, p: number, l: number) => {
        this.logs.push({ level, text: this.text(p, l) });
        return Status.OK;
      },
      abort: (msg: number) => {
        throw new WasmTrap(this.asString(msg));
      },
    };
    const instance = new WebAssembly.Instance(wasmModule(), { env });
    this.exports = instance.exports as unknown as Exports;
    this.exports.cs_init(flags);
  }

  /** The instance's counters (Counter), read from its memory as the native side reads them. */
  counters(): bigint[] {
    const view = new DataView(this.exports.memory.buffer, this.exports.cs_counters(), 8 * Counter.COUNT);
    return Array.from({ length: Counter.COUNT }, (_, i) => view.getBigUint64(8 * i, true));
  }

  private queue(id: number, ...frames: Buffer[]): void {
    const list = this.sent.get(id) ?? [];
    for (const frame of frames) if (frame.length > 0) list.push(Buffer.from(frame));
    this.sent.set(id, list);
  }

  private processCall(id: number, call: string): number {
    this.processCalls.set(id, [...(this.processCalls.get(id) ?? []), call]);
    return Status.OK;
  }

  /** Delivers program output (stdout, or stderr when `stderr`) to connection `id`. */
  processOutput(id: number, bytes: Uint8Array | string, stderr = false): number {
    const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
    const [p] = this.stage(data);
    return this.exports.cs_event(id, stderr ? Event.PROCESS_STDERR : Event.PROCESS_STDOUT, p, data.length);
  }

  processExited(id: number, code: number, signal = 0): number {
    return this.exports.cs_event(id, Event.PROCESS_EXITED, code, signal);
  }

  processStdinWritable(id: number): number {
    return this.exports.cs_event(id, Event.PROCESS_STDIN_WRITABLE, 0, 0);
  }

  /** Everything written to `id`'s program's stdin so far, as one buffer. */
  takeProcessInput(id: number): Buffer {
    const all = Buffer.concat(this.processInput.get(id) ?? []);
    this.processInput.delete(id);
    return all;
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }

  private text(ptr: number, len: number): string {
    return Buffer.from(this.bytes(ptr, len)).toString("utf8");
  }

  /** An AssemblyScript string (UTF-16, byte length stored 4 bytes before it). */
  private asString(ptr: number): string {
    if (ptr === 0) return "";
    const len = new Uint32Array(this.exports.memory.buffer, ptr - 4, 1)[0];
    return Buffer.from(this.exports.memory.buffer, ptr, len).toString("utf16le");
  }

  /** Copies `parts` one after another into the input region; returns their addresses. */
  private stage(...parts: Uint8Array[]): number[] {
    const total = parts.reduce((n, p) => n + p.length, 0);
    let at = this.exports.cs_buffer(total);
    const memory = new Uint8Array(this.exports.memory.buffer); // after cs_buffer: memory may have grown
    return parts.map((p) => {
      memory.set(p, at);
      at += p.length;
      return at - p.length;
    });
  }

  /**
   * Creates an endpoint from file text, as the native side does for a new file version. Returns its id,
   * or the refusal the native side would answer its handshakes with.
   */
  endpoint(text: string | Buffer): { id: number } | { refusal: OpenResult } {
    const key = typeof text === "string" ? text : `bytes:${text.toString("hex")}`;
    const known = this.endpointIds.get(key);
    if (known !== undefined) return { id: known };
    const id = this.nextEndpointId++;
    const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    const [p] = this.stage(bytes);
    const errors = this.endpointErrors.length;
    const status = this.exports.cs_endpoint_create(id, p, bytes.length);
    if (status !== Status.OK) {
      const error = this.endpointErrors[errors];
      if (!error) throw new Error(`cs_endpoint_create answered ${status} without host_endpoint_error`);
      return { refusal: { status: 500, headers: new Map(), body: endpointErrorBody(error.line, error.text) } };
    }
    this.endpointIds.set(key, id);
    return { id };
  }

  /**
   * cs_endpoint_create_in_site: the file over the site's defaults, staged in one region as the native side
   * does. The status, the new id, and what host_endpoint_error reported (if it did).
   */
  endpointInSite(defaults: string, text: string): { status: number; id: number; error?: { line: number; text: string } } {
    const id = this.nextEndpointId++;
    const both = Buffer.from(defaults + text, "utf8");
    const defaultsLength = Buffer.byteLength(defaults, "utf8");
    const [p] = this.stage(both);
    const errors = this.endpointErrors.length;
    const status = this.exports.cs_endpoint_create_in_site(id, p, defaultsLength, p + defaultsLength, both.length - defaultsLength);
    return { status, id, error: this.endpointErrors[errors] };
  }

  /** Forgets an endpoint version (cs_endpoint_done), as the native side does when its file changes. */
  endpointDone(text: string): number {
    const id = this.endpointIds.get(text);
    if (id === undefined) throw new Error("no such endpoint");
    this.endpointIds.delete(text);
    return this.exports.cs_endpoint_done(id);
  }

  open(id: number, head: string | Buffer, endpoint: string | Buffer): OpenResult {
    const created = this.endpoint(endpoint);
    if ("refusal" in created) return created.refusal;
    return this.openOn(id, created.id, head);
  }

  /** cs_open on an endpoint id the test chose (a known one, or not). */
  openOn(id: number, endpointId: number, head: string | Buffer): OpenResult {
    this.headers = new Map();
    this.body = "";
    this.opening = { id, headers: headersOf(typeof head === "string" ? head : head.toString("latin1")) };
    try {
      const h = typeof head === "string" ? Buffer.from(head, "utf8") : head;
      const [hp] = this.stage(h);
      const status = this.exports.cs_open(id, endpointId, hp, h.length);
      return { status, headers: this.headers, body: this.body };
    } finally {
      this.opening = null;
    }
  }

  data(id: number, bytes: Uint8Array): void {
    const [p] = this.stage(bytes);
    this.exports.cs_event(id, Event.DATA, p, bytes.length);
  }

  /** Feeds `bytes` cut at the given lengths (the rest goes in one last piece). */
  dataInPieces(id: number, bytes: Uint8Array, pieces: number[]): void {
    let at = 0;
    for (const n of pieces) {
      this.data(id, bytes.subarray(at, at + n));
      at += n;
    }
    if (at < bytes.length) this.data(id, bytes.subarray(at));
  }

  writable(id: number): number {
    return this.exports.cs_event(id, Event.WRITABLE, 0, 0);
  }

  /** Fires timer `slot` (0: the close timer). */
  timer(id: number, slot = 0): number {
    return this.exports.cs_event(id, Event.TIMER, slot, 0);
  }

  closed(id: number, reason: number = CLOSED_BY_MODULE): number {
    return this.exports.cs_event(id, Event.CLOSED, reason, 0);
  }

  /** Everything sent to `id` since the last call, as one buffer. */
  takeSent(id: number): Buffer {
    const all = Buffer.concat(this.sent.get(id) ?? []);
    this.sent.delete(id);
    return all;
  }

  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

/** The headers of an HTTP head, names lowercased, repeated ones joined with ", " as IIS does. */
function headersOf(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return headers;
}

/** A valid handshake head; `extra` adds or replaces headers (a null value removes one). */
export function handshakeHead(
  extra: Record<string, string | null> = {},
  requestLine = "GET /lobby.chatsocket HTTP/1.1",
): string {
  const headers: Record<string, string | null> = {
    Host: "localhost",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  let head = requestLine + "\r\n";
  for (const [name, value] of Object.entries(headers)) if (value !== null) head += `${name}: ${value}\r\n`;
  return head + "\r\n";
}

/** Opens connection `id` on an echo endpoint (or `endpoint`), failing the test if it is refused. */
export function connect(h: Harness, id: number, endpoint = ECHO_ENDPOINT): void {
  const r = h.open(id, handshakeHead(), endpoint);
  if (r.status !== 101) throw new Error(`handshake refused with ${r.status}: ${r.body}`);
}
