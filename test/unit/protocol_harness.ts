// Loads build/test/protocol.wasm: SHA-1, base64, UTF-8 and unmasking exported alone.
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProtocolExports {
  memory: WebAssembly.Memory;
  test_alloc(size: number): number;
  test_sha1(src: number, len: number, out: number): void;
  test_base64_encode(src: number, len: number, out: number): number;
  test_base64_decode(src: number, len: number, out: number): number;
  test_utf8_validate(state: number, ptr: number, len: number): number;
  test_unmask_copy(dst: number, src: number, len: number, key: number, offset: number): void;
  test_utf8_repair(src: number, len: number, dst: number, final: number): number;
  test_utf8_pending(): number;
  test_utf8_boundary(ptr: number, len: number): number;
}

export const UTF8_INVALID = 0xffffffff;

export class Protocol {
  private readonly x: ProtocolExports;
  private region = 0;
  private capacity = 0;

  constructor() {
    const bytes = readFileSync(path.resolve(__dirname, "../../../test/protocol.wasm"));
    const env = { abort: () => { throw new Error("abort"); } };
    this.x = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env }).exports as unknown as ProtocolExports;
  }

  /** A scratch region of `size` bytes (the stub runtime never frees, so it is reused). */
  private scratch(size: number): number {
    if (size > this.capacity) {
      this.capacity = Math.max(size, 65536) * 2;
      this.region = this.x.test_alloc(this.capacity);
    }
    return this.region;
  }

  private put(at: number, data: Uint8Array): void {
    new Uint8Array(this.x.memory.buffer).set(data, at);
  }

  private get(at: number, len: number): Buffer {
    return Buffer.from(new Uint8Array(this.x.memory.buffer, at, len));
  }

  sha1(data: Uint8Array): Buffer {
    const base = this.scratch(data.length + 32);
    this.put(base, data);
    this.x.test_sha1(base, data.length, base + data.length);
    return this.get(base + data.length, 20);
  }

  base64Encode(data: Uint8Array): string {
    const base = this.scratch(data.length * 3 + 16);
    this.put(base, data);
    const n = this.x.test_base64_encode(base, data.length, base + data.length);
    return this.get(base + data.length, n).toString("latin1");
  }

  /** Decoded bytes, or null when the module rejects the text. */
  base64Decode(text: string): Buffer | null {
    const src = Buffer.from(text, "latin1");
    const base = this.scratch(src.length * 2 + 16);
    this.put(base, src);
    const n = this.x.test_base64_decode(base, src.length, base + src.length);
    return n < 0 ? null : this.get(base + src.length, n);
  }

  /** Validates `pieces` in order; returns the final state (0 = complete, UTF8_INVALID = rejected). */
  utf8Validate(pieces: Uint8Array[]): number {
    let state = 0;
    for (const piece of pieces) {
      const base = this.scratch(piece.length);
      this.put(base, piece);
      state = this.x.test_utf8_validate(state, base, piece.length) >>> 0;
      if (state === UTF8_INVALID) return state;
    }
    return state;
  }

  unmaskCopy(data: Uint8Array, key: Buffer, offset: number): Buffer {
    const base = this.scratch(data.length * 2 + 16);
    this.put(base, data);
    this.x.test_unmask_copy(base + data.length, base, data.length, key.readUInt32LE(0), offset);
    return this.get(base + data.length, data.length);
  }

  /** The bytes repaired to valid UTF-8 (U+FFFD for each maximal invalid subpart); `pending`: bytes held back. */
  utf8Repair(data: Uint8Array, final = true): { text: Buffer; pending: number } {
    const base = this.scratch(data.length * 4 + 16);
    this.put(base, data);
    const n = this.x.test_utf8_repair(base, data.length, base + data.length, final ? 1 : 0);
    return { text: this.get(base + data.length, n), pending: this.x.test_utf8_pending() };
  }

  utf8Boundary(data: Uint8Array, len: number): number {
    const base = this.scratch(data.length + 16);
    this.put(base, data);
    return this.x.test_utf8_boundary(base, len);
  }
}
