// Entry point of build/test/protocol.wasm: the protocol primitives exported alone, so unit tests can check
// them against Node's crypto and TextDecoder on random inputs. Never part of build/chatsocket.wasm.

import { base64Decode, base64Encode } from "../protocol/base64";
import { sha1 } from "../protocol/sha1";
import { unmaskCopy } from "../protocol/unmask";
import { utf8Validate } from "../protocol/utf8";
import { repairUtf8, utf8Boundary, utf8Pending } from "../text/utf8_repair";

export function test_alloc(size: u32): usize {
  return heap.alloc(size);
}

export function test_free(ptr: usize): void {
  heap.free(ptr);
}

export function test_sha1(src: usize, len: u32, out: usize): void {
  sha1(src, len, out);
}

export function test_base64_encode(src: usize, len: u32, out: usize): u32 {
  return <u32>base64Encode(src, len, out);
}

export function test_base64_decode(src: usize, len: u32, out: usize): i32 {
  return base64Decode(src, len, out);
}

export function test_utf8_validate(state: u32, ptr: usize, len: u32): u32 {
  return utf8Validate(state, ptr, len);
}

export function test_unmask_copy(dst: usize, src: usize, len: u32, key: u32, offset: u32): void {
  unmaskCopy(dst, src, len, key, offset);
}

export function test_utf8_repair(src: usize, len: u32, dst: usize, final: bool): u32 {
  return <u32>repairUtf8(src, len, dst, final);
}

export function test_utf8_pending(): u32 {
  return <u32>utf8Pending;
}

export function test_utf8_boundary(ptr: usize, len: u32): u32 {
  return <u32>utf8Boundary(ptr, len);
}
