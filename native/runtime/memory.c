/* Linear memories on the C heap (calloc/realloc) for wasm2c's explicit bounds checks
 * (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0): no address-space reservation, no guard pages. */
#include <wasm-rt.h>

#include "rt_internal.h"

#define PAGE_BYTES 65536u
/* wasm_rt_memory_t.size is a uint32_t, so 65536 pages (4 GiB) cannot be represented. */
#define MAX_PAGES 65535u

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
  mem->data = NULL;
  mem->pages = 0;
  mem->size = 0;
  mem->max_pages = max_pages;
  /* The generated code has no way to report failure here: trap (inside cs_wasm_call). */
  if (initial_pages > max_pages || initial_pages > MAX_PAGES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint32_t bytes = initial_pages * PAGE_BYTES;
  if (!cs_rt_reserve_bytes(bytes)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint8_t* data = cs_rt_calloc(bytes);
  if (!data) {
    cs_rt_release_bytes(bytes);
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  }
  mem->data = data;
  mem->pages = initial_pages;
  mem->size = bytes;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  uint32_t old_pages = mem->pages;
  uint64_t new_pages = (uint64_t)old_pages + delta;
  if (new_pages > mem->max_pages || new_pages > MAX_PAGES) return UINT32_MAX;
  if (delta == 0) return old_pages;
  uint32_t added = delta * PAGE_BYTES;
  if (!cs_rt_reserve_bytes(added)) return UINT32_MAX;
  uint32_t new_size = (uint32_t)new_pages * PAGE_BYTES;
  uint8_t* data = cs_rt_realloc(mem->data, new_size);
  if (!data) {
    cs_rt_release_bytes(added);
    return UINT32_MAX;
  }
  memset(data + mem->size, 0, added);
  mem->data = data;
  mem->pages = (uint32_t)new_pages;
  mem->size = new_size;
  return old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (mem->data) {
    cs_rt_free(mem->data);
    cs_rt_release_bytes(mem->size);
  }
  mem->data = NULL;
  mem->pages = 0;
  mem->size = 0;
}
