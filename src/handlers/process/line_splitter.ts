// A program's output cut into lines: `\n` ends a line and a `\r` before it is dropped, so `\n` and `\r\n`
// programs look the same. A line longer than the limit comes out in pieces of at most that many bytes, cut
// between characters, so memory stays bounded whatever the program writes.
//
// Feed bytes, then take lines until there are none: each is at linePtr/lineLength until the next call, with
// lineHeadroom bytes before it that may be overwritten (a reply framed in place). Lines are cut from the
// fed bytes where they lie; only a line still waiting for its end is copied, into the splitter's own buffer,
// and the lines it ends are cut from there.

import { FRAME_HEADROOM } from "../../protocol/limits";
import { utf8Boundary } from "../../text/utf8_repair";

const NEWLINES: u64 = 0x0a0a0a0a0a0a0a0a;
const LOW_BITS: u64 = 0x0101010101010101;
const HIGH_BITS: u64 = 0x8080808080808080;

/** The offset of the first `\n` in [from + at, from + end), or -1; eight bytes at a time. */
function findNewline(from: usize, at: usize, end: usize): isize {
  let i = at;
  for (; i + 8 <= end; i += 8) {
    const v = load<u64>(from + i) ^ NEWLINES; // a zero byte where a newline was
    // The lowest byte whose high bit this sets is the first zero byte (higher ones may be false alarms).
    const zero = (v - LOW_BITS) & ~v & HIGH_BITS;
    if (zero != 0) return <isize>(i + <usize>(ctz(zero) >> 3));
  }
  for (; i < end; i++) if (load<u8>(from + i) == 0x0a) return <isize>i;
  return -1;
}

export class LineSplitter {
  linePtr: usize = 0;
  lineLength: usize = 0;
  lineHeadroom: usize = 0;
  private buffer: usize = 0; // FRAME_HEADROOM bytes, then `capacity` for a line waiting for its end
  private capacity: usize = 0;
  private bytes: usize = 0; // where the bytes being cut are: the fed chunk itself, or the buffer's
  private headroom: usize = 0; // writable bytes before `bytes`
  private inChunk: bool = false; // `bytes` is the caller's chunk: what is left must be kept before it goes
  private start: usize = 0; // the first byte not yet given out
  private end: usize = 0; // one past the last byte fed
  private scanned: usize = 0; // bytes from start already known to hold no newline

  constructor(readonly maxLine: usize) {}

  /** `len` bytes at `ptr`, `headroom` bytes before them free to overwrite; valid until nextLine is false. */
  feed(ptr: usize, len: usize, headroom: usize = 0): void {
    if (this.start == this.end) {
      this.bytes = ptr;
      this.headroom = headroom;
      this.inChunk = true;
      this.start = this.scanned = 0;
      this.end = len;
      return;
    }
    if (this.inChunk || this.end + len > this.capacity) this.makeRoom(len);
    memory.copy(this.bytes + this.end, ptr, len);
    this.end += len;
  }

  /** Moves what waits (from `bytes`) to the start of the buffer, with room for `len` more bytes. */
  private makeRoom(len: usize): void {
    const pending = this.end - this.start;
    const needed = pending + len;
    if (needed <= this.capacity) {
      memory.copy(this.buffer + FRAME_HEADROOM, this.bytes + this.start, pending);
    } else {
      const capacity = max<usize>(needed, max<usize>(this.capacity * 2, 256));
      const fresh = heap.alloc(FRAME_HEADROOM + capacity);
      if (pending > 0) memory.copy(fresh + FRAME_HEADROOM, this.bytes + this.start, pending);
      if (this.buffer != 0) heap.free(this.buffer);
      this.buffer = fresh;
      this.capacity = capacity;
    }
    this.bytes = this.buffer + FRAME_HEADROOM;
    this.headroom = FRAME_HEADROOM;
    this.inChunk = false;
    this.end = pending;
    this.start = 0;
  }

  /** The next whole line (or piece of an overlong one); false when what is left waits for more bytes. */
  nextLine(): bool {
    const from = this.bytes + this.start;
    const pending = this.end - this.start;
    const newline = findNewline(from, this.scanned, pending);
    if (newline >= 0) {
      const i = <usize>newline;
      const length = i > 0 && load<u8>(from + i - 1) == 0x0d ? i - 1 : i;
      if (length <= this.maxLine) {
        this.give(from, length, i + 1);
        return true;
      }
    } else {
      this.scanned = pending;
      // Without a newline, wait while the line could still end within the limit (a "\r\n" may follow).
      if (pending <= this.maxLine + 1) {
        this.keepWhatWaits();
        return false;
      }
    }
    let cut = utf8Boundary(from, this.maxLine);
    if (cut == 0) cut = this.maxLine;
    this.give(from, cut, cut);
    return true;
  }

  /** The fed chunk goes when nextLine says false: a line it has begun moves into the buffer. */
  private keepWhatWaits(): void {
    if (this.inChunk && this.start != this.end) this.makeRoom(0);
  }

  private give(ptr: usize, length: usize, consumed: usize): void {
    this.linePtr = ptr;
    this.lineLength = length;
    this.lineHeadroom = ptr - this.bytes + this.headroom;
    this.start += consumed;
    this.scanned = 0;
  }

  /** At the end of the output: what is left, as a last line without its newline; false if nothing is. */
  lastLine(): bool {
    if (this.nextLine()) return true;
    if (this.end == this.start) return false;
    this.give(this.bytes + this.start, this.end - this.start, this.end - this.start);
    return true;
  }

  free(): void {
    if (this.buffer != 0) heap.free(this.buffer);
    this.buffer = this.capacity = this.bytes = this.start = this.end = this.scanned = 0;
    this.inChunk = false;
  }
}
