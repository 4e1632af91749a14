// Trapping and recovering allocates nothing that outlives the instance.
#include <doctest/doctest.h>

#include <cstdlib>  // defines __GLIBC__ where it applies
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "test_support.h"

namespace {

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#define CS_HAVE_HEAP_IN_USE 1
long long heap_in_use() { return static_cast<long long>(mallinfo2().uordblks); }
#endif

// One instance's life: instantiate, trap four different ways (one of them in a nested call), free.
int one_cycle(int i) {
  int wrong = 0;
  TrapsInstance outer;
  TrapsInstance inner;
  if (outer.instantiate() != WASM_RT_TRAP_NONE || inner.instantiate() != WASM_RT_TRAP_NONE) return 1;
  outer.env.reenter_target = &inner.inst;
  u32 r = 0;
  if (protect([&] { Z_trapsZ_grow_then_trap(&outer.inst, 1 + i % 2); }) != WASM_RT_TRAP_UNREACHABLE) wrong++;
  if (protect([&] { r = Z_trapsZ_load(&outer.inst, 0x7FFFFFF0u); }) != WASM_RT_TRAP_OOB) wrong++;
  if (protect([&] { Z_trapsZ_call_void(&outer.inst, 9); }) != WASM_RT_TRAP_CALL_INDIRECT) wrong++;
  if (protect([&] {
        r = Z_trapsZ_reenter(&outer.inst, 70000);
        Z_trapsZ_trap_via_host(&outer.inst, WASM_RT_TRAP_INT_OVERFLOW);
      }) != WASM_RT_TRAP_INT_OVERFLOW)
    wrong++;
  if (r != 100 + WASM_RT_TRAP_OOB) wrong++;
  return wrong;
}

}  // namespace

TEST_SUITE("leaks") {
  TEST_CASE("10,000 trap/recover cycles leave the runtime's and the heap's counts unchanged") {
    one_cycle(0);  // let the C library settle its own one-time allocations first
    const cs_wasm_stats_t before = cs_wasm_stats();
#ifdef CS_HAVE_HEAP_IN_USE
    const long long heap_before = heap_in_use();
#endif
    int wrong = 0;
    for (int i = 0; i < 10000; i++) wrong += one_cycle(i);
#ifdef CS_HAVE_HEAP_IN_USE
    const long long heap_after = heap_in_use();
#endif
    const cs_wasm_stats_t after = cs_wasm_stats();

    CHECK(wrong == 0);
    CHECK(after.live_blocks == before.live_blocks);
    CHECK(after.live_bytes == before.live_bytes);
#ifdef CS_HAVE_HEAP_IN_USE
    // A leak of one 16-byte block per cycle would be 160 KB here.
    CHECK(heap_after - heap_before < 16 * 1024);
#endif
  }
}
