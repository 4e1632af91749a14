#pragma once
// Test-only allocation failures at the module's boundaries, so tests can show that no failure escapes one.
// Disarmed (the default, and always without test hooks) a fault point costs one relaxed atomic load.
#include <cstdint>

namespace cs {

// The kinds of boundary where the native side catches failures. Values are the ones tests arm by number
// (ChatSocketArmFault in stats_export.h).
enum class FaultPoint : uint32_t {
  kImport = 0,        // a Wasm import, before it does its work
  kCompletion = 1,    // an IIS completion callback, before the received bytes reach the core
  kTimer = 2,         // a timer callback, before it reaches the instance
  kNotification = 3,  // an IIS request notification, before the handshake is answered
  kCount = 4,
};

// Arms `point`: the (skip + 1)-th time it is reached from now on, it throws std::bad_alloc, once.
void arm_fault(FaultPoint point, uint32_t skip);
void disarm_faults();
// Throws std::bad_alloc when `point` is armed and its turn has come.
void fault_point(FaultPoint point);

}  // namespace cs
