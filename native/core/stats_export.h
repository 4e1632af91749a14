#pragma once
// Extra exports of the module for our own host (IIS never calls them): the core's counters, so tests can
// see inside the module, and the test-only fault injection.
#include <stdint.h>

#define CHATSOCKET_STATS_EXPORT "ChatSocketGetStats"
#define CHATSOCKET_ARM_FAULT_EXPORT "ChatSocketArmFault"

enum ChatSocketStat {
  CHATSOCKET_STAT_CONNECTIONS = 0,
  CHATSOCKET_STAT_TRAPS = 1,
  CHATSOCKET_STAT_REBUILDS = 2,
  CHATSOCKET_STAT_INSTANCES = 3,
  CHATSOCKET_STAT_WASM_MEMORY_BYTES = 4,
  CHATSOCKET_STAT_ENDPOINT_VERSIONS = 5,
  CHATSOCKET_STAT_NATIVE_FAILURES = 6,
  CHATSOCKET_STAT_COUNT = 7
};

// Fills values[0 .. count-1] (count up to CHATSOCKET_STAT_COUNT); returns how many it filled, 0 when the
// module is not registered.
typedef uint32_t (*ChatSocketGetStatsFn)(uint64_t* values, uint32_t count);

// Only with CHATSOCKET_TEST_HOOKS=1: the (skip + 1)-th time the boundary `point` (cs::FaultPoint:
// 0 import, 1 completion, 2 timer, 3 notification) is reached, it fails as if out of memory. Returns 1 when
// armed, 0 when test hooks are off or the point is unknown.
typedef uint32_t (*ChatSocketArmFaultFn)(uint32_t point, uint32_t skip);
