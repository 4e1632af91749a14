// Linear memories and tables: limits from the module, the process cap, zero-filled growth that costs
// memory only once written.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "test_support.h"

namespace {
// Restores the default process cap when a test that lowers it ends.
struct CapGuard {
  ~CapGuard() { cs_wasm_set_memory_cap(0); }
};
}  // namespace

TEST_SUITE("memory") {
  TEST_CASE("data segments are in place after instantiation") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    CHECK(std::memcmp(t.inst.w2c_M0.data + 16, "chatsocket", 10) == 0);
    CHECK(t.inst.w2c_M0.pages == 1);
    CHECK(t.inst.w2c_M0.max_pages == 3);
  }

  TEST_CASE("memory.grow returns the old size, zero-fills and returns -1 past the maximum") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    u32 old = 0, size = 0, value = 1;
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 1); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 1);
    CHECK(protect([&] { value = Z_trapsZ_load(&t.inst, 2 * 65536 - 4); }) == WASM_RT_TRAP_NONE);
    CHECK(value == 0);
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 2); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 0xFFFFFFFFu);
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 0xFFFFFFFFu); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 0xFFFFFFFFu);
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 1); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 2);
    CHECK(protect([&] { size = Z_trapsZ_size(&t.inst); }) == WASM_RT_TRAP_NONE);
    CHECK(size == 3);
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 0); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 3);
    CHECK(protect([&] { value = Z_trapsZ_load(&t.inst, 3 * 65536 - 4); }) == WASM_RT_TRAP_NONE);
    CHECK(protect([&] { value = Z_trapsZ_load(&t.inst, 3 * 65536 - 3); }) == WASM_RT_TRAP_OOB);
  }

  TEST_CASE("memory.grow past the process cap returns -1 and the memory stays usable") {
    CapGuard restore;
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    cs_wasm_set_memory_cap(static_cast<uint64_t>(cs_wasm_stats().live_bytes) + 65536);
    u32 old = 0, value = 0;
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 2); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 0xFFFFFFFFu);
    CHECK(t.inst.w2c_M0.pages == 1);
    CHECK(protect([&] { old = Z_trapsZ_grow(&t.inst, 1); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 1);
    CHECK(protect([&] { value = Z_trapsZ_load8(&t.inst, 16); }) == WASM_RT_TRAP_NONE);
    CHECK(value == 'c');
  }

  TEST_CASE("instantiating past the process cap traps with EXHAUSTION and frees what it took") {
    CapGuard restore;
    const cs_wasm_stats_t before = cs_wasm_stats();
    cs_wasm_set_memory_cap(static_cast<uint64_t>(before.live_bytes) + 1000);
    {
      TrapsInstance t;
      CHECK(t.instantiate() == WASM_RT_TRAP_EXHAUSTION);
    }
    CHECK(cs_wasm_stats().live_bytes == before.live_bytes);
    CHECK(cs_wasm_stats().live_blocks == before.live_blocks);
  }

  TEST_CASE("table.grow fills with the given value and returns -1 past the table maximum") {
    TrapsInstance t;
    REQUIRE(t.instantiate() == WASM_RT_TRAP_NONE);
    u32 old = 0;
    CHECK(protect([&] { old = Z_trapsZ_table_grow(&t.inst, 2); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 3);
    CHECK(t.inst.w2c_T0.size == 5);
    CHECK((t.inst.w2c_T0.data[4].func == nullptr));
    CHECK(protect([&] { old = Z_trapsZ_table_grow(&t.inst, 1); }) == WASM_RT_TRAP_NONE);
    CHECK(old == 0xFFFFFFFFu);
    CHECK(protect([&] { Z_trapsZ_call_void(&t.inst, 4); }) == WASM_RT_TRAP_CALL_INDIRECT);
  }

  TEST_CASE("a memory without maximum grows, and freeing gives every byte back") {
    const cs_wasm_stats_t before = cs_wasm_stats();
    wasm_rt_memory_t mem;
    std::memset(&mem, 0, sizeof mem);
    CHECK(protect([&] { wasm_rt_allocate_memory(&mem, 0, 0xFFFFFFFFu); }) == WASM_RT_TRAP_NONE);
    CHECK(mem.size == 0);
    CHECK(mem.data != nullptr);
    CHECK(wasm_rt_grow_memory(&mem, 2) == 0);
    CHECK(mem.size == 2 * 65536);
    CHECK(mem.data[2 * 65536 - 1] == 0);
    CHECK(cs_wasm_stats().live_bytes == before.live_bytes + 2 * 65536);
    CHECK(wasm_rt_grow_memory(&mem, 65534) == 0xFFFFFFFFu);  // 4 GiB does not fit in `size`
    wasm_rt_free_memory(&mem);
    wasm_rt_free_memory(&mem);  // freeing twice is harmless
    CHECK(cs_wasm_stats().live_bytes == before.live_bytes);
    CHECK(cs_wasm_stats().live_blocks == before.live_blocks);
  }

  TEST_CASE(
      "grown pages take no memory until written (cs_wasm_resident_bytes), and a 64-bit process never moves the "
      "memory") {
    wasm_rt_memory_t mem;
    std::memset(&mem, 0, sizeof mem);
    CHECK(protect([&] { wasm_rt_allocate_memory(&mem, 1, 64); }) == WASM_RT_TRAP_NONE);
    uint8_t* first = mem.data;
    mem.data[0] = 1;
    CHECK(wasm_rt_grow_memory(&mem, 32) == 1);
    if (sizeof(void*) >= 8) CHECK(mem.data == first);
    CHECK(mem.data[0] == 1);
    CHECK(mem.data[33 * 65536 - 1] == 0);
#if defined(__linux__)
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> resident(32 * 65536 / page);
    REQUIRE(mincore(mem.data + 65536, 32 * 65536, resident.data()) == 0);
    size_t in_ram = 0;
    for (unsigned char r : resident) in_ram += r & 1;
    CHECK(in_ram <= 1);  // at most the page the check above read
    const uint64_t before = cs_wasm_resident_bytes(&mem);
    CHECK(before <= 2 * page);  // the page written, the page read
    std::memset(mem.data + 65536, 1, 4 * 65536);
    CHECK(cs_wasm_resident_bytes(&mem) >= before + 4 * 65536);
#else
    CHECK(cs_wasm_resident_bytes(&mem) == mem.size);
#endif
    wasm_rt_free_memory(&mem);
  }

  TEST_CASE("externref tables grow with the init value up to their maximum") {
    const cs_wasm_stats_t before = cs_wasm_stats();
    wasm_rt_externref_table_t table;
    int marker = 0;
    CHECK(protect([&] { wasm_rt_allocate_externref_table(&table, 1, 4); }) == WASM_RT_TRAP_NONE);
    CHECK(table.data[0] == nullptr);
    CHECK(wasm_rt_grow_externref_table(&table, 3, &marker) == 1);
    CHECK(table.data[3] == &marker);
    CHECK(wasm_rt_grow_externref_table(&table, 1, nullptr) == 0xFFFFFFFFu);
    CHECK(table.size == 4);
    wasm_rt_free_externref_table(&table);
    CHECK(cs_wasm_stats().live_bytes == before.live_bytes);
    CHECK(cs_wasm_stats().live_blocks == before.live_blocks);
  }

  TEST_CASE("a funcref table larger than its maximum is refused at allocation") {
    wasm_rt_funcref_table_t table;
    CHECK(protect([&] { wasm_rt_allocate_funcref_table(&table, 5, 4); }) == WASM_RT_TRAP_EXHAUSTION);
    CHECK(table.data == nullptr);
    wasm_rt_free_funcref_table(&table);
  }
}
