// Runs the runtime tests once the runtime and the test modules are initialized, as an embedder
// does at load time.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "test_support.h"

extern "C" void Z_envZ_host_trap(Z_env_instance_t*, u32 code) { wasm_rt_trap(static_cast<wasm_rt_trap_t>(code)); }

// Calls back into another instance from inside an import; returns that inner call's trap code.
extern "C" u32 Z_envZ_host_reenter(Z_env_instance_t* env, u32 addr) {
  struct Args {
    Z_traps_instance_t* inst;
    u32 addr;
  } args = {env->reenter_target, addr};
  return static_cast<u32>(cs_wasm_call(
      [](void* p) {
        Args* a = static_cast<Args*>(p);
        Z_trapsZ_load(a->inst, a->addr);
      },
      &args));
}

int main(int argc, char** argv) {
  wasm_rt_init();
  cs_wasm_trap_t trap = cs_wasm_call(
      [](void*) {
        Z_traps_init_module();
        Z_exceptions_init_module();
        Z_recursion_init_module();
      },
      nullptr);
  if (trap != WASM_RT_TRAP_NONE) {
    std::fprintf(stderr, "initializing the test modules trapped: %s\n", wasm_rt_strerror(trap));
    return 1;
  }
  doctest::Context context(argc, argv);
  int result = context.run();
  wasm_rt_free();
  return result;
}
