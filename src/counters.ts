// The instance's counters (Counter in docs/ABI.md): plain u64s at a fixed address, which the native side reads
// between calls (cs_counters) and adds up over every instance, so counting costs a Wasm store, not a call.

import { Counter } from "./abi_constants";

export const COUNTERS: usize = memory.data(8 * <i32>Counter.COUNT, 8);

export function count(counter: Counter): void {
  const at = COUNTERS + ((<usize>counter) << 3);
  store<u64>(at, load<u64>(at) + 1);
}
