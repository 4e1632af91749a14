// The per-thread call-depth counter (generated code built with WASM_RT_USE_STACK_DEPTH_COUNT=1 and
// wasm_rt_call_stack_depth mapped to cs_wasm_call_stack_depth(); see recursion_counted.c).
#include <doctest/doctest.h>

#include <thread>

#include "test_support.h"

namespace {
struct OtherThreadResult {
  uint32_t depth_at_start = 1;
  cs_wasm_trap_t trap = WASM_RT_TRAP_OOB;
};

// Its own frame (with the std::thread) has ended before the caller's protected code traps.
void recurse_450_on_another_thread(OtherThreadResult& result) {
  std::thread other([&] {
    result.depth_at_start = *cs_wasm_call_stack_depth();
    RecursionInstance mine;
    if (mine.instantiate() == WASM_RT_TRAP_NONE) result.trap = protect([&] { Z_recursionZ_down(&mine.inst, 450); });
  });
  other.join();
}
}  // namespace

TEST_SUITE("call depth") {
  TEST_CASE("recursion deeper than WASM_RT_MAX_CALL_STACK_DEPTH traps with EXHAUSTION") {
    RecursionInstance r;
    REQUIRE(r.instantiate() == WASM_RT_TRAP_NONE);
    u32 depth = 0;
    CHECK(protect([&] { depth = Z_recursionZ_down(&r.inst, 400); }) == WASM_RT_TRAP_NONE);
    CHECK(depth == 400);
    CHECK(protect([&] { depth = Z_recursionZ_down(&r.inst, 100000); }) == WASM_RT_TRAP_EXHAUSTION);
  }

  TEST_CASE("after an exhaustion trap the thread's counter is back to where the call began") {
    RecursionInstance r;
    REQUIRE(r.instantiate() == WASM_RT_TRAP_NONE);
    u32 depth = 0;
    for (int i = 0; i < 10; i++)
      CHECK(protect([&] { depth = Z_recursionZ_down(&r.inst, 1000); }) == WASM_RT_TRAP_EXHAUSTION);
    CHECK(*cs_wasm_call_stack_depth() == 0);
    CHECK(protect([&] { depth = Z_recursionZ_down(&r.inst, 450); }) == WASM_RT_TRAP_NONE);
    CHECK(depth == 450);
  }

  TEST_CASE("each thread has its own counter") {
    RecursionInstance r;
    REQUIRE(r.instantiate() == WASM_RT_TRAP_NONE);
    u32 depth = 0;
    OtherThreadResult other;
    // While this thread is 300 calls deep, another thread can still go 450 deep; this one cannot.
    CHECK(protect([&] {
            *cs_wasm_call_stack_depth() += 300;
            recurse_450_on_another_thread(other);
            depth = Z_recursionZ_down(&r.inst, 450);
          }) == WASM_RT_TRAP_EXHAUSTION);
    CHECK(other.depth_at_start == 0);
    CHECK(other.trap == WASM_RT_TRAP_NONE);
    CHECK(*cs_wasm_call_stack_depth() == 0);
  }
}
