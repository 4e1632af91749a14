/* Linear memories for wasm2c's explicit bounds checks (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0), in reserved
 * address space: pages are committed as memory.grow asks and cost RAM only once written, so a memory that
 * doubled to make room holds only what the module has touched. In a 64-bit process the reservation covers
 * the module's maximum and growth never moves the memory; in a 32-bit one, whose address space is short,
 * it is the next power of two of the pages in use, and growth past it moves the memory to a bigger one. */
#include <string.h>
#include <wasm-rt.h>

#include "rt_internal.h"
#include "rt_platform.h"
#include "wasm_resources.h"

#define PAGE_BYTES 65536u
/* wasm_rt_memory_t.size is a uint32_t, so 65536 pages (4 GiB) cannot be represented. */
#define MAX_PAGES 65535u
/* 32-bit processes: the smallest reservation, in pages (1 MiB). */
#define MIN_RESERVED_PAGES 16u

/* The pages reserved for a memory of `pages` pages: a function of its size, so that freeing it knows. */
static uint32_t reserved_pages(const wasm_rt_memory_t* mem, uint32_t pages) {
  uint32_t most = mem->max_pages < MAX_PAGES ? mem->max_pages : MAX_PAGES;
  if (sizeof(void*) >= 8 || most == 0) return most;
  uint32_t reserved = MIN_RESERVED_PAGES;
  while (reserved < pages) reserved <<= 1;
  return reserved < most ? reserved : most;
}

static size_t page_bytes(uint32_t pages) { return (size_t)pages * PAGE_BYTES; }

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
  mem->data = NULL;
  mem->pages = 0;
  mem->size = 0;
  mem->max_pages = max_pages;
  /* The generated code has no way to report failure here: trap (inside cs_wasm_call). */
  if (initial_pages > max_pages || initial_pages > MAX_PAGES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint32_t bytes = initial_pages * PAGE_BYTES;
  if (!cs_rt_reserve_bytes(bytes)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint32_t reserved = reserved_pages(mem, initial_pages);
  uint8_t* data = NULL;
  if (reserved > 0) {
    data = cs_rt_reserve_space(page_bytes(reserved));
    if (!data || (bytes > 0 && !cs_rt_space_commit(data, bytes))) {
      cs_rt_release_space(data, page_bytes(reserved));
      cs_rt_release_bytes(bytes);
      wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    }
  }
  mem->data = data;
  mem->pages = initial_pages;
  mem->size = bytes;
}

/* Committed pages read as zero, so growth needs no zero-filling; only a move copies. */
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  uint32_t old_pages = mem->pages;
  uint64_t new_pages = (uint64_t)old_pages + delta;
  if (new_pages > mem->max_pages || new_pages > MAX_PAGES) return UINT32_MAX;
  if (delta == 0) return old_pages;
  uint32_t added = delta * PAGE_BYTES;
  if (!cs_rt_reserve_bytes(added)) return UINT32_MAX;
  uint32_t new_size = (uint32_t)new_pages * PAGE_BYTES;
  uint32_t old_reserved = reserved_pages(mem, old_pages);
  uint32_t new_reserved = reserved_pages(mem, (uint32_t)new_pages);
  uint8_t* data = mem->data;
  if (new_reserved != old_reserved || !data) {
    data = cs_rt_reserve_space(page_bytes(new_reserved));
    if (!data || !cs_rt_space_commit(data, new_size)) {
      cs_rt_release_space(data, page_bytes(new_reserved));
      cs_rt_release_bytes(added);
      return UINT32_MAX;
    }
    if (mem->size > 0) memcpy(data, mem->data, mem->size);
    cs_rt_release_space(mem->data, page_bytes(old_reserved));
  } else if (!cs_rt_space_commit(data + mem->size, added)) {
    cs_rt_release_bytes(added);
    return UINT32_MAX;
  }
  mem->data = data;
  mem->pages = (uint32_t)new_pages;
  mem->size = new_size;
  return old_pages;
}

uint64_t cs_wasm_resident_bytes(const wasm_rt_memory_t* mem) {
  return mem->data ? cs_rt_space_resident(mem->data, mem->size) : 0;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (mem->data) {
    cs_rt_release_space(mem->data, page_bytes(reserved_pages(mem, mem->pages)));
    cs_rt_release_bytes(mem->size);
  }
  mem->data = NULL;
  mem->pages = 0;
  mem->size = 0;
}
