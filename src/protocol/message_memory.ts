// One budget for the message buffers of every connection of this instance. Without it, many connections
// each assembling a message near max_message_size could exhaust the instance's linear memory: a failed
// memory.grow traps, and a trap ends every connection of the instance. With it, the connection whose
// message would pass the budget is closed with 1013 (try again later) and the others carry on.

/** Bytes of message buffers allowed at once in this instance (CHATSOCKET_MESSAGE_MEMORY on the native side). */
export const DEFAULT_MESSAGE_MEMORY: u64 = 1024 * 1024 * 1024;

let budget: u64 = DEFAULT_MESSAGE_MEMORY;
let used: u64 = 0;

/** cs_init: the budget in MiB; 0 keeps the default. */
export function setMessageMemoryBudget(mebibytes: u32): void {
  budget = mebibytes == 0 ? DEFAULT_MESSAGE_MEMORY : <u64>mebibytes * 1024 * 1024;
}

/** Takes `bytes` more from the budget; false (nothing taken) when they do not fit. */
export function claimMessageMemory(bytes: u64): bool {
  if (used + bytes > budget) return false;
  used += bytes;
  return true;
}

export function releaseMessageMemory(bytes: u64): void {
  used = bytes > used ? 0 : used - bytes;
}
