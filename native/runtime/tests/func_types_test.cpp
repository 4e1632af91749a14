// The function-type registry and the counted init/free.
#include <doctest/doctest.h>

#include "test_support.h"

TEST_SUITE("function types") {
  TEST_CASE("equal signatures get equal indices and different ones different indices") {
    uint32_t a = 0, b = 0, c = 0, d = 0, e = 0;
    REQUIRE(protect([&] {
              a = wasm_rt_register_func_type(2, 1, WASM_RT_I32, WASM_RT_F32, WASM_RT_I64);
              b = wasm_rt_register_func_type(2, 1, WASM_RT_I32, WASM_RT_F32, WASM_RT_I64);
              c = wasm_rt_register_func_type(1, 2, WASM_RT_I32, WASM_RT_F32, WASM_RT_I64);
              d = wasm_rt_register_func_type(0, 0);
              e = wasm_rt_register_func_type(0, 0);
            }) == WASM_RT_TRAP_NONE);
    CHECK(a != 0);
    CHECK(a == b);
    CHECK(c != a);
    CHECK(d == e);
    CHECK(d != a);
    CHECK(d != c);
  }

  TEST_CASE("the runtime stays initialized until every wasm_rt_init has its wasm_rt_free") {
    CHECK(wasm_rt_is_initialized());
    wasm_rt_init();
    wasm_rt_free();
    CHECK(wasm_rt_is_initialized());
  }
}
