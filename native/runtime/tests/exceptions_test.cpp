// Wasm exceptions (wasm2c --enable-exceptions) are caught in Wasm, become a trap when uncaught,
// and never catch a trap.
#include <doctest/doctest.h>

#include "test_support.h"

TEST_SUITE("exceptions") {
  TEST_CASE("an exception thrown in Wasm is caught by its Wasm handler with its payload") {
    ExceptionsInstance x;
    REQUIRE(x.instantiate() == WASM_RT_TRAP_NONE);
    u32 r = 0;
    CHECK(protect([&] { r = Z_exceptionsZ_catch_own(&x.inst, 1234); }) == WASM_RT_TRAP_NONE);
    CHECK(r == 1234);
  }

  TEST_CASE("an uncaught exception traps with WASM_RT_TRAP_UNCAUGHT_EXCEPTION") {
    ExceptionsInstance x;
    REQUIRE(x.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { Z_exceptionsZ_uncaught(&x.inst, 1); }) == WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
    CHECK(wasm_rt_get_unwind_target() == nullptr);
  }

  TEST_CASE("a trap inside a try block is not caught by catch_all") {
    ExceptionsInstance x;
    REQUIRE(x.instantiate() == WASM_RT_TRAP_NONE);
    u32 r = 0;
    CHECK(protect([&] { r = Z_exceptionsZ_trap_in_try(&x.inst); }) == WASM_RT_TRAP_OOB);
    CHECK(wasm_rt_get_unwind_target() == nullptr);
    CHECK(protect([&] { r = Z_exceptionsZ_catch_own(&x.inst, 7); }) == WASM_RT_TRAP_NONE);
    CHECK(r == 7);
  }

  TEST_CASE("an exception does not cross a nested cs_wasm_call into the outer Wasm handler") {
    ExceptionsInstance x;
    REQUIRE(x.instantiate() == WASM_RT_TRAP_NONE);
    // The host frame between the two calls is like an import: the inner uncaught exception is the
    // inner call's trap.
    cs_wasm_trap_t inner = WASM_RT_TRAP_NONE;
    CHECK(protect([&] { inner = protect([&] { Z_exceptionsZ_uncaught(&x.inst, 3); }); }) == WASM_RT_TRAP_NONE);
    CHECK(inner == WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  }
}
