#pragma once
// An extra export of the module for our own host (IIS never calls it): the core's counters, so tests can
// see inside the module — connections still known to Wasm, traps, rebuilds, instances, Wasm memory.
#include <stdint.h>

#define CHATSOCKET_STATS_EXPORT "ChatSocketGetStats"

enum ChatSocketStat {
  CHATSOCKET_STAT_CONNECTIONS = 0,
  CHATSOCKET_STAT_TRAPS = 1,
  CHATSOCKET_STAT_REBUILDS = 2,
  CHATSOCKET_STAT_INSTANCES = 3,
  CHATSOCKET_STAT_WASM_MEMORY_BYTES = 4,
  CHATSOCKET_STAT_COUNT = 5
};

// Fills values[0 .. count-1] (count up to CHATSOCKET_STAT_COUNT); returns how many it filled, 0 when the
// module is not registered.
typedef uint32_t (*ChatSocketGetStatsFn)(uint64_t* values, uint32_t count);
