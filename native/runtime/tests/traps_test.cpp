// Traps come back from cs_wasm_call as codes, on the calling thread, and leave it usable.
#include <doctest/doctest.h>

#include "test_support.h"

TEST_SUITE("traps") {
  TEST_CASE("an out-of-bounds load traps with WASM_RT_TRAP_OOB and the thread keeps working") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    u32 value = 0;
    CHECK(protect([&] { value = Z_trapsZ_load(&t.inst, 70000); }) == WASM_RT_TRAP_OOB);
    CHECK(protect([&] { value = Z_trapsZ_load(&t.inst, 65533); }) == WASM_RT_TRAP_OOB);
    CHECK(protect([&] { Z_trapsZ_store(&t.inst, 0xFFFFFFFFu, 1); }) == WASM_RT_TRAP_OOB);

    CHECK(protect([&] { value = Z_trapsZ_load8(&t.inst, 16); }) == WASM_RT_TRAP_NONE);
    CHECK(value == 'c');
    TrapsInstance fresh;
    REQUIRE(fresh.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { value = Z_trapsZ_load(&fresh.inst, 65532); }) == WASM_RT_TRAP_NONE);
  }

  TEST_CASE("unreachable traps with WASM_RT_TRAP_UNREACHABLE") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { Z_trapsZ_unreachable(&t.inst); }) == WASM_RT_TRAP_UNREACHABLE);
  }

  TEST_CASE("integer division by zero and overflow trap with their own codes") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    u32 q = 0;
    CHECK(protect([&] { q = Z_trapsZ_div(&t.inst, 7, 0); }) == WASM_RT_TRAP_DIV_BY_ZERO);
    CHECK(protect([&] { q = Z_trapsZ_div(&t.inst, 0x80000000u, 0xFFFFFFFFu); }) == WASM_RT_TRAP_INT_OVERFLOW);
    CHECK(protect([&] { q = Z_trapsZ_div(&t.inst, 7, 2); }) == WASM_RT_TRAP_NONE);
    CHECK(q == 3);
  }

  TEST_CASE("call_indirect traps on an index past the table, a null slot and a wrong type") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    u32 r = 0;
    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 3); }) == WASM_RT_TRAP_CALL_INDIRECT);
    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 0xFFFFFFFFu); }) == WASM_RT_TRAP_CALL_INDIRECT);
    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 2); }) == WASM_RT_TRAP_CALL_INDIRECT);
    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 1); }) == WASM_RT_TRAP_CALL_INDIRECT);
    CHECK(protect([&] { r = Z_trapsZ_call_add_one(&t.inst, 0, 5); }) == WASM_RT_TRAP_CALL_INDIRECT);

    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 0); }) == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { r = Z_trapsZ_call_add_one(&t.inst, 1, 41); }) == WASM_RT_TRAP_NONE);
    CHECK(r == 42);
  }

  TEST_CASE("a host import can trap the instance that called it") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { Z_trapsZ_trap_via_host(&t.inst, WASM_RT_TRAP_INVALID_CONVERSION); }) ==
          WASM_RT_TRAP_INVALID_CONVERSION);
  }

  TEST_CASE("a trap reported as WASM_RT_TRAP_NONE still fails the call") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { Z_trapsZ_trap_via_host(&t.inst, WASM_RT_TRAP_NONE); }) == WASM_RT_TRAP_UNREACHABLE);
  }

  TEST_CASE("a trap in a nested call returns to the inner call and the outer call goes on") {
    TrapsInstance outer;
    TrapsInstance inner;
    REQUIRE(outer.instantiate() == WASM_RT_TRAP_NONE);
    REQUIRE(inner.instantiate() == WASM_RT_TRAP_NONE);
    outer.env.reenter_target = &inner.inst;
    u32 r = 0;
    CHECK(protect([&] { r = Z_trapsZ_reenter(&outer.inst, 70000); }) == WASM_RT_TRAP_NONE);
    CHECK(r == 100 + WASM_RT_TRAP_OOB);
    CHECK(protect([&] { r = Z_trapsZ_reenter(&outer.inst, 16); }) == WASM_RT_TRAP_NONE);
    CHECK(r == 100);
    // A trap after the nested call still lands in the outer frame.
    CHECK(protect([&] {
            r = Z_trapsZ_reenter(&outer.inst, 70000);
            Z_trapsZ_unreachable(&outer.inst);
          }) == WASM_RT_TRAP_UNREACHABLE);
  }

  TEST_CASE("cs_wasm_last_trap tells this thread's most recent trap until cleared") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    cs_wasm_clear_last_trap();
    CHECK(cs_wasm_last_trap() == WASM_RT_TRAP_NONE);
    protect([&] { Z_trapsZ_unreachable(&t.inst); });
    CHECK(cs_wasm_last_trap() == WASM_RT_TRAP_UNREACHABLE);
    protect([&] { Z_trapsZ_call_void(&t.inst, 0); });
    CHECK(cs_wasm_last_trap() == WASM_RT_TRAP_UNREACHABLE);
    cs_wasm_clear_last_trap();
    CHECK(cs_wasm_last_trap() == WASM_RT_TRAP_NONE);
  }

  TEST_CASE("cs_wasm_call_nesting counts the active calls on this thread") {
    CHECK(cs_wasm_call_nesting() == 0);
    uint32_t inside = 0;
    uint32_t nested = 0;
    protect([&] {
      inside = cs_wasm_call_nesting();
      protect([&] { nested = cs_wasm_call_nesting(); });
    });
    CHECK(inside == 1);
    CHECK(nested == 2);
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    protect([&] { Z_trapsZ_unreachable(&t.inst); });
    CHECK(cs_wasm_call_nesting() == 0);
  }

  TEST_CASE("wasm_rt_strerror names every trap code") {
    for (int code = WASM_RT_TRAP_NONE; code <= WASM_RT_TRAP_EXHAUSTION; code++) {
      const char* text = wasm_rt_strerror(static_cast<wasm_rt_trap_t>(code));
      REQUIRE(text != nullptr);
      CHECK(std::strcmp(text, "unknown trap") != 0);
    }
  }
}
