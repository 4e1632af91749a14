#pragma once
// Exports of the module that only our own host calls (IIS never does): the core's counters, so tests can
// see inside the module, and the test-only fault injection. The module and the host both include this.
#include <cstdint>

namespace cs {

constexpr const char* kStatsExport = "ChatSocketGetStats";
constexpr const char* kArmFaultExport = "ChatSocketArmFault";

// Positions in ChatSocketGetStats' array; the names are the ones the host binding reports.
enum class ModuleStat : uint32_t {
  kConnections = 0,
  kTraps = 1,
  kRebuilds = 2,
  kInstances = 3,
  kWasmMemoryBytes = 4,
  kEndpointVersions = 5,
  kNativeFailures = 6,
  kProcesses = 7,
  kRooms = 8,
  kRoomMembers = 9,
  kRoomDelivered = 10,
  kRoomDropped = 11,
  kRoomEvicted = 12,
  kFrameBytes = 13,
  kZlibBytes = 14,
  kBackplaneConnected = 15,
  kBackplanePublished = 16,
  kBackplaneReceived = 17,
  kBackplaneLost = 18,
  kConnectionsOpened = 19,
  kMessagesIn = 20,
  kMessagesOut = 21,
  kModuleHeapBytes = 22,    // the module's own C++ heap (operator new), its native objects and buffers
  kWasmResidentBytes = 23,  // of kWasmMemoryBytes, the pages written so far (Windows: all of them)
  kClosed1000 = 24,         // then one per code of CloseCounts::kCodes, in its order, and the other codes last
};
constexpr uint32_t kModuleStatCount = 34;
constexpr const char* kModuleStatNames[kModuleStatCount] = {"connections",
                                                            "traps",
                                                            "rebuilds",
                                                            "instances",
                                                            "wasmMemoryBytes",
                                                            "endpointVersions",
                                                            "nativeFailures",
                                                            "processes",
                                                            "rooms",
                                                            "roomMembers",
                                                            "roomDelivered",
                                                            "roomDropped",
                                                            "roomEvicted",
                                                            "frameBytes",
                                                            "zlibBytes",
                                                            "backplaneConnected",
                                                            "backplanePublished",
                                                            "backplaneReceived",
                                                            "backplaneLost",
                                                            "connectionsOpened",
                                                            "messagesIn",
                                                            "messagesOut",
                                                            "moduleHeapBytes",
                                                            "wasmResidentBytes",
                                                            "closed1000",
                                                            "closed1001",
                                                            "closed1002",
                                                            "closed1003",
                                                            "closed1007",
                                                            "closed1008",
                                                            "closed1009",
                                                            "closed1011",
                                                            "closed1013",
                                                            "closedOther"};

// Fills values[0 .. count-1] (count up to kModuleStatCount); returns how many it filled, 0 when the module
// is not registered.
using GetStatsFn = uint32_t (*)(uint64_t* values, uint32_t count);

// Only with CHATSOCKET_TEST_HOOKS=1: the (skip + 1)-th time the boundary `point` (FaultPoint in
// native/core/fault_injection.h: 0 import, 1 completion, 2 timer, 3 notification) is reached, it fails as
// if out of memory. Returns 1 when armed, 0 when test hooks are off or the point is unknown.
using ArmFaultFn = uint32_t (*)(uint32_t point, uint32_t skip);

}  // namespace cs
