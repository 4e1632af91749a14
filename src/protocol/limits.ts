// Defaults and hard bounds for every limit. Each default can be changed per endpoint (see src/endpoint).

/** Largest assembled message, in bytes (`max_message_size`). */
export const DEFAULT_MAX_MESSAGE_SIZE: u32 = 16 * 1024 * 1024;
/** Upper bound for `max_message_size`: a message lives in 32-bit linear memory. */
export const MAX_MAX_MESSAGE_SIZE: u32 = 1024 * 1024 * 1024;

/** Most frames one message may be split into (`max_fragments`); empty fragments cost no memory, only CPU. */
export const DEFAULT_MAX_FRAGMENTS: u32 = 1024 * 1024;
export const MAX_MAX_FRAGMENTS: u32 = 0x7fffffff;

/** How long we wait for the peer after sending a close frame, in ms (`close_timeout`). */
export const DEFAULT_CLOSE_TIMEOUT: u32 = 5000;
export const MAX_CLOSE_TIMEOUT: u32 = 3600 * 1000;

/** Keepalive (`ping_interval`, `pong_timeout`) and silence (`idle_timeout`), in ms; 0 turns one off. */
export const DEFAULT_PING_INTERVAL: u32 = 30 * 1000;
export const DEFAULT_PONG_TIMEOUT: u32 = 10 * 1000;
export const DEFAULT_IDLE_TIMEOUT: u32 = 0;
export const MAX_TIMEOUT: u32 = 24 * 3600 * 1000;

/** RFC 6455 §5.5: control frame payloads are at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD: u32 = 125;

/**
 * Free bytes kept in front of the module's buffers (the input region, message buffers, scratch), so a server
 * frame header (at most 10 bytes, unmasked) can be written before a payload there and the frame sent with one
 * host_send, without copying the payload. A message reported where it lies in the input has at least its own
 * frame header's bytes before it, which is as many as the header of its echo needs.
 */
export const FRAME_HEADROOM: usize = 16;

/** A message buffer larger than this is freed once its message has been handled. */
export const KEEP_BUFFER_BYTES: u32 = 64 * 1024;
/** Smallest message buffer allocated. */
export const MIN_BUFFER_BYTES: u32 = 256;
