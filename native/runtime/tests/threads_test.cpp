// Trap state is per thread: instances trapping on several threads at once never see each other's
// traps. (Overlap is encouraged with a start gate; nothing here depends on timing.)
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_support.h"

namespace {

struct Expectation {
  wasm_rt_trap_t first;
  wasm_rt_trap_t second;
};

// Alternates two traps of its own with a successful call, counting every surprise.
void trap_in_a_loop(int kind, std::atomic<int>& started, std::atomic<int>& wrong) {
  TrapsInstance t;
  if (t.instantiate() != WASM_RT_TRAP_NONE) {
    wrong++;
    return;
  }
  started++;
  while (started.load() < 2) std::this_thread::yield();

  const Expectation expected = kind == 0 ? Expectation{WASM_RT_TRAP_OOB, WASM_RT_TRAP_UNREACHABLE}
                                         : Expectation{WASM_RT_TRAP_DIV_BY_ZERO, WASM_RT_TRAP_CALL_INDIRECT};
  u32 r = 0;
  for (int i = 0; i < 20000; i++) {
    cs_wasm_trap_t got = protect([&] {
      if (kind == 0)
        r = Z_trapsZ_load(&t.inst, 65534);
      else
        r = Z_trapsZ_div(&t.inst, 1, 0);
    });
    if (got != expected.first || cs_wasm_last_trap() != expected.first) wrong++;
    got = protect([&] {
      if (kind == 0)
        Z_trapsZ_unreachable(&t.inst);
      else
        Z_trapsZ_call_void(&t.inst, 2);
    });
    if (got != expected.second || cs_wasm_last_trap() != expected.second) wrong++;
    r = 0;
    if (protect([&] { r = Z_trapsZ_load8(&t.inst, 16 + kind); }) != WASM_RT_TRAP_NONE) wrong++;
    if (r != static_cast<u32>("chatsocket"[kind])) wrong++;
  }
}

}  // namespace

TEST_SUITE("threads") {
  TEST_CASE("two instances trapping on two threads at once each get their own traps") {
    std::atomic<int> started{0};
    std::atomic<int> wrong{0};
    std::thread a(trap_in_a_loop, 0, std::ref(started), std::ref(wrong));
    std::thread b(trap_in_a_loop, 1, std::ref(started), std::ref(wrong));
    a.join();
    b.join();
    CHECK(started.load() == 2);
    CHECK(wrong.load() == 0);
  }

  TEST_CASE("a trap on another thread does not change this thread's last trap") {
    cs_wasm_clear_last_trap();
    std::thread other([] {
      TrapsInstance t;
      if (t.instantiate() == WASM_RT_TRAP_NONE) protect([&] { Z_trapsZ_unreachable(&t.inst); });
    });
    other.join();
    CHECK(cs_wasm_last_trap() == WASM_RT_TRAP_NONE);
  }

  TEST_CASE("function types registered from several threads get one index per signature") {
    std::vector<uint32_t> seen(4 * 2000);
    auto work = [&](int thread) {
      for (int i = 0; i < 2000; i++) {
        uint32_t index = 0;
        protect([&] {
          // Signature i % 7 as (param i64 ×k) (result f64).
          switch (i % 7) {
            case 0: index = wasm_rt_register_func_type(0, 1, WASM_RT_F64); break;
            case 1: index = wasm_rt_register_func_type(1, 1, WASM_RT_I64, WASM_RT_F64); break;
            case 2: index = wasm_rt_register_func_type(2, 1, WASM_RT_I64, WASM_RT_I64, WASM_RT_F64); break;
            case 3: index = wasm_rt_register_func_type(3, 1, WASM_RT_I64, WASM_RT_I64, WASM_RT_I64, WASM_RT_F64); break;
            case 4: index = wasm_rt_register_func_type(1, 0, WASM_RT_EXTERNREF); break;
            case 5: index = wasm_rt_register_func_type(1, 0, WASM_RT_FUNCREF); break;
            default: index = wasm_rt_register_func_type(0, 2, WASM_RT_F32, WASM_RT_F64); break;
          }
        });
        seen[thread * 2000 + i] = index;
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) threads.emplace_back(work, t);
    for (auto& t : threads) t.join();

    for (int i = 0; i < 4 * 2000; i++) {
      REQUIRE(seen[i] != 0);
      CHECK(seen[i] == seen[(i % 2000) % 7]);
    }
    for (int a = 0; a < 7; a++)
      for (int b = a + 1; b < 7; b++) CHECK(seen[a] != seen[b]);
  }
}
