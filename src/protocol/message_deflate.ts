// permessage-deflate's sending side: a whole message compressed by zlib (host_deflate) into this instance's
// one output buffer, and framed with RSV1 (RFC 7692 §6). The receiving side is in protocol/frame_parser.ts.
//
// A message that does not shrink goes out plain, unless the connection keeps its compression context: the
// compressor has then taken the message into its window, and the client must see it to follow.

import { Deflate } from "../abi_constants";
import { deflateMessage } from "../host";
import { FRAME_HEADROOM, KEEP_BUFFER_BYTES } from "./limits";
import { claimMessageMemory, releaseMessageMemory } from "./message_memory";
import { encodeFrame } from "./frame_encoder";
import { DeflateConfig } from "./permessage_deflate";

let outBuffer: usize = 0; // FRAME_HEADROOM bytes, then outCapacity bytes
let outCapacity: usize = 0;

/** host_deflate's params for compressing under `config` with a window of `windowBits`. */
export function deflateParams(config: DeflateConfig, windowBits: u32, keepContext: bool): u32 {
  return (
    windowBits |
    (config.level << <u32>Deflate.LEVEL_SHIFT) |
    (config.memLevel << <u32>Deflate.MEM_LEVEL_SHIFT) |
    (keepContext ? <u32>Deflate.KEEP_CONTEXT : 0)
  );
}

/** The most bytes zlib makes of `len` bytes with a sync flush, whatever its parameters (deflateBound's bound). */
function deflateBound(len: usize): usize {
  return len + ((len + 7) >> 3) + ((len + 63) >> 6) + 5 + 16;
}

/**
 * Compresses the message at `ptr` for connection `id`; its compressed bytes are then at compressedPayload()
 * with FRAME_HEADROOM writable bytes before them. The compressed length, or -1: send it plain.
 */
export function compressMessage(id: u32, params: u32, ptr: usize, len: usize): i64 {
  const bound = deflateBound(len);
  if (bound > outCapacity) {
    if (!claimMessageMemory(<u64>(bound - outCapacity))) return -1;
    if (outBuffer != 0) heap.free(outBuffer);
    outBuffer = heap.alloc(FRAME_HEADROOM + bound);
    outCapacity = bound;
  }
  const n = deflateMessage(id, params, ptr, len, outBuffer + FRAME_HEADROOM, bound);
  const kept = (params & <u32>Deflate.KEEP_CONTEXT) != 0;
  if (n < 0 || (!kept && n >= <i64>len)) return -1;
  return n;
}

export function compressedPayload(): usize {
  return outBuffer + FRAME_HEADROOM;
}

/** After the compressed message is sent: a large output buffer is given back. */
export function releaseCompressed(): void {
  if (outCapacity <= <usize>KEEP_BUFFER_BYTES) return;
  heap.free(outBuffer);
  releaseMessageMemory(<u64>outCapacity);
  outBuffer = 0;
  outCapacity = 0;
}

/**
 * A room's message compressed once for all its members that negotiated permessage-deflate (no context, the
 * endpoint's window), as a whole RSV1 frame; null when it is not worth it or did not shrink.
 */
export function encodeDeflatedFrame(id: u32, config: DeflateConfig, opcode: u32, ptr: usize, len: usize): ArrayBuffer | null {
  if (!config.enabled || len < <usize>config.threshold) return null;
  const n = compressMessage(id, deflateParams(config, config.serverMaxWindowBits, false), ptr, len);
  if (n < 0) return null;
  const frame = encodeFrame(opcode, compressedPayload(), <usize>n, true);
  releaseCompressed();
  return frame;
}
