/* Counting of the runtime's heap blocks and of instance bytes against the process cap. */
#include <stdlib.h>

#include "rt_internal.h"
#include "rt_platform.h"
#include "wasm_resources.h"

static volatile int64_t g_live_bytes;
static volatile int64_t g_live_blocks;
static volatile int64_t g_cap = (int64_t)CS_WASM_DEFAULT_MEMORY_CAP;

void cs_wasm_set_memory_cap(uint64_t bytes) {
  int64_t cap =
      bytes == 0 ? (int64_t)CS_WASM_DEFAULT_MEMORY_CAP : (bytes > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bytes);
  for (;;) {
    int64_t old = cs_rt_atomic_load(&g_cap);
    if (cs_rt_atomic_cas(&g_cap, old, cap)) return;
  }
}

uint64_t cs_wasm_memory_cap(void) { return (uint64_t)cs_rt_atomic_load(&g_cap); }

cs_wasm_stats_t cs_wasm_stats(void) {
  cs_wasm_stats_t s;
  s.live_bytes = cs_rt_atomic_load(&g_live_bytes);
  s.live_blocks = cs_rt_atomic_load(&g_live_blocks);
  return s;
}

int cs_rt_reserve_bytes(uint64_t n) {
  for (;;) {
    int64_t used = cs_rt_atomic_load(&g_live_bytes);
    int64_t cap = cs_rt_atomic_load(&g_cap);
    if (n > (uint64_t)cap || used > cap - (int64_t)n) return 0;
    if (cs_rt_atomic_cas(&g_live_bytes, used, used + (int64_t)n)) return 1;
  }
}

void cs_rt_release_bytes(uint64_t n) { cs_rt_atomic_add(&g_live_bytes, -(int64_t)n); }

void* cs_rt_malloc(size_t n) {
  void* p = malloc(n ? n : 1);
  if (p) cs_rt_atomic_add(&g_live_blocks, 1);
  return p;
}

void* cs_rt_calloc(size_t n) {
  void* p = calloc(n ? n : 1, 1);
  if (p) cs_rt_atomic_add(&g_live_blocks, 1);
  return p;
}

void* cs_rt_realloc(void* p, size_t n) {
  if (!p) return cs_rt_malloc(n);
  return realloc(p, n ? n : 1);
}

void cs_rt_free(void* p) {
  if (!p) return;
  free(p);
  cs_rt_atomic_add(&g_live_blocks, -1);
}

void* cs_rt_reserve_space(size_t bytes) {
  void* p = cs_rt_space_reserve(bytes);
  if (p) cs_rt_atomic_add(&g_live_blocks, 1);
  return p;
}

void cs_rt_release_space(void* base, size_t bytes) {
  if (!base) return;
  cs_rt_space_release(base, bytes);
  cs_rt_atomic_add(&g_live_blocks, -1);
}
