// Loads build/chatsocket.wasm with recording imports, the way the native side would (docs/ABI.md), and
// drives it through its exports only.
import { readFileSync } from "node:fs";
import path from "node:path";

export const WASM_PATH = path.resolve(__dirname, "../../../chatsocket.wasm");
export const SEND_OK = 0;
export const SEND_BACKPRESSURE = 1;
export const SEND_DROPPED = 2;
export const CLOSED_BY_MODULE = 0;
export const CLOSED_BY_PEER = 1;
export const INIT_TEST_HOOKS = 1;

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
  cs_init(flags: number): void;
  cs_buffer(size: number): number;
  cs_open(id: number, head: number, headLen: number, endpoint: number, endpointLen: number): number;
  cs_data(id: number, ptr: number, len: number): void;
  cs_writable(id: number): void;
  cs_timer(id: number): void;
  cs_closed(id: number, reason: number): void;
  cs_encode_close(code: number, out: number): number;
}

let compiled: WebAssembly.Module | undefined;
export function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_PATH));
  return compiled;
}

export class Harness {
  readonly exports: Exports;
  /** Bytes queued with host_send, per id, not yet taken. */
  readonly sent = new Map<number, Buffer[]>();
  /** host_end calls per id, in order (0 graceful, 1 abort). */
  readonly ends = new Map<number, number[]>();
  /** The last host_pause value per id. */
  readonly paused = new Map<number, boolean>();
  /** The last host_timer value per id (0 = cancelled). */
  readonly timers = new Map<number, number>();
  readonly logs: { level: number; text: string }[] = [];
  /** What host_send answers; tests set it to simulate backpressure. */
  sendStatus = SEND_OK;
  private headers = new Map<string, string>();
  private body = "";

  constructor(flags = 0) {
    const env = {
      host_header: (_id: number, n: number, nl: number, v: number, vl: number) => {
        this.headers.set(this.text(n, nl).toLowerCase(), this.text(v, vl));
      },
      host_body: (_id: number, p: number, l: number) => {
        this.body = this.text(p, l);
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
      },
      host_pause: (id: number, paused: number) => {
        this.paused.set(id, paused !== 0);
      },
      host_timer: (id: number, ms: number) => {
        this.timers.set(id, ms);
      },
      host_log: (level: number, p: number, l: number) => {
        this.logs.push({ level, text: this.text(p, l) });
      },
      abort: (msg: number) => {
        throw new WasmTrap(this.asString(msg));
      },
    };
    const instance = new WebAssembly.Instance(wasmModule(), { env });
    this.exports = instance.exports as unknown as Exports;
    this.exports.cs_init(flags);
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

  open(id: number, head: string, endpoint: string): OpenResult {
    this.headers = new Map();
    this.body = "";
    const h = Buffer.from(head, "utf8");
    const e = Buffer.from(endpoint, "utf8");
    const [hp, ep] = this.stage(h, e);
    const status = this.exports.cs_open(id, hp, h.length, ep, e.length);
    return { status, headers: this.headers, body: this.body };
  }

  data(id: number, bytes: Uint8Array): void {
    const [p] = this.stage(bytes);
    this.exports.cs_data(id, p, bytes.length);
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

  writable(id: number): void {
    this.exports.cs_writable(id);
  }

  timer(id: number): void {
    this.exports.cs_timer(id);
  }

  closed(id: number, reason = CLOSED_BY_MODULE): void {
    this.exports.cs_closed(id, reason);
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
