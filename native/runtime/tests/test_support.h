// Shared by the runtime tests: the generated test modules, their host imports and small RAII
// holders. Lambdas given to protect() capture by reference only, so a trap skips nothing that
// needs destroying (see wasm_call.h).
#pragma once

#include <cstring>

#include "exceptions.h"
#include "recursion.h"
#include "traps.h"
#include "wasm_call.h"
#include "wasm_resources.h"

// What traps.wat's imports see: host_reenter calls load(addr) on reenter_target.
struct Z_env_instance_t {
  Z_traps_instance_t* reenter_target;
};

template <class F>
cs_wasm_trap_t protect(F&& fn) {
  return cs_wasm_invoke(fn);
}

struct TrapsInstance {
  Z_traps_instance_t inst;
  Z_env_instance_t env;

  TrapsInstance() {
    std::memset(&inst, 0, sizeof inst);
    env.reenter_target = nullptr;
  }
  ~TrapsInstance() { Z_traps_free(&inst); }
  TrapsInstance(const TrapsInstance&) = delete;
  TrapsInstance& operator=(const TrapsInstance&) = delete;

  cs_wasm_trap_t instantiate() {
    return protect([&] { Z_traps_instantiate(&inst, &env); });
  }
};

struct ExceptionsInstance {
  Z_exceptions_instance_t inst;

  ExceptionsInstance() { std::memset(&inst, 0, sizeof inst); }
  ~ExceptionsInstance() { Z_exceptions_free(&inst); }
  ExceptionsInstance(const ExceptionsInstance&) = delete;
  ExceptionsInstance& operator=(const ExceptionsInstance&) = delete;

  cs_wasm_trap_t instantiate() {
    return protect([&] { Z_exceptions_instantiate(&inst); });
  }
};

struct RecursionInstance {
  Z_recursion_instance_t inst;

  RecursionInstance() { std::memset(&inst, 0, sizeof inst); }
  ~RecursionInstance() { Z_recursion_free(&inst); }
  RecursionInstance(const RecursionInstance&) = delete;
  RecursionInstance& operator=(const RecursionInstance&) = delete;

  cs_wasm_trap_t instantiate() {
    return protect([&] { Z_recursion_instantiate(&inst); });
  }
};
