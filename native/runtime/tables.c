/* funcref and externref tables on the C heap. Element storage is never empty (at least one slot)
 * so the generated memmove/table code never sees a NULL pointer. */
#include <wasm-rt.h>

#include "rt_internal.h"

/* Far above what a module needs; keeps the byte arithmetic inside 32 bits of elements. */
#define MAX_TABLE_ELEMENTS 10000000u

static void* allocate_elements(uint32_t elements, uint32_t max_elements, size_t element_bytes) {
  if (elements > max_elements || elements > MAX_TABLE_ELEMENTS) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint64_t bytes = (uint64_t)elements * element_bytes;
  if (!cs_rt_reserve_bytes(bytes)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  /* calloc: all-zero bytes are the null funcref {0, NULL, NULL} and the null externref. */
  void* data = cs_rt_calloc(elements ? (size_t)bytes : element_bytes);
  if (!data) {
    cs_rt_release_bytes(bytes);
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  }
  return data;
}

/* Returns the grown storage, or NULL with *data untouched when the table may not or cannot grow. */
static void* grow_elements(void* data, uint32_t size, uint32_t max_size, uint32_t delta, size_t element_bytes) {
  uint64_t new_size = (uint64_t)size + delta;
  if (new_size > max_size || new_size > MAX_TABLE_ELEMENTS) return NULL;
  uint64_t added = (uint64_t)delta * element_bytes;
  if (!cs_rt_reserve_bytes(added)) return NULL;
  void* grown = cs_rt_realloc(data, (size_t)(new_size * element_bytes));
  if (!grown) cs_rt_release_bytes(added);
  return grown;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements, uint32_t max_elements) {
  table->data = NULL;
  table->size = 0;
  table->max_size = max_elements;
  table->data = allocate_elements(elements, max_elements, sizeof(wasm_rt_funcref_t));
  table->size = elements;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table, uint32_t elements, uint32_t max_elements) {
  table->data = NULL;
  table->size = 0;
  table->max_size = max_elements;
  table->data = allocate_elements(elements, max_elements, sizeof(wasm_rt_externref_t));
  table->size = elements;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta, wasm_rt_funcref_t init) {
  uint32_t old_size = table->size;
  if (delta == 0) return old_size;
  wasm_rt_funcref_t* data = grow_elements(table->data, old_size, table->max_size, delta, sizeof *data);
  if (!data) return UINT32_MAX;
  for (uint32_t i = old_size; i < old_size + delta; i++) data[i] = init;
  table->data = data;
  table->size = old_size + delta;
  return old_size;
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table, uint32_t delta, wasm_rt_externref_t init) {
  uint32_t old_size = table->size;
  if (delta == 0) return old_size;
  wasm_rt_externref_t* data = grow_elements(table->data, old_size, table->max_size, delta, sizeof *data);
  if (!data) return UINT32_MAX;
  for (uint32_t i = old_size; i < old_size + delta; i++) data[i] = init;
  table->data = data;
  table->size = old_size + delta;
  return old_size;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) {
  if (table->data) {
    cs_rt_free(table->data);
    cs_rt_release_bytes((uint64_t)table->size * sizeof *table->data);
  }
  table->data = NULL;
  table->size = 0;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) {
  if (table->data) {
    cs_rt_free(table->data);
    cs_rt_release_bytes((uint64_t)table->size * sizeof *table->data);
  }
  table->data = NULL;
  table->size = 0;
}
