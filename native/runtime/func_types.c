/* The process-wide function-type registry: equal signatures get equal indices, on any thread.
 * Indices start at 1 and are never reused, not even after the registry is cleared, so a stale
 * index held by a module can only fail a call_indirect check, never pass one for another type. */
#include <stdarg.h>
#include <wasm-rt.h>

#include "rt_internal.h"
#include "rt_platform.h"

typedef struct {
  uint32_t params;
  uint32_t results;
  wasm_rt_type_t* types; /* params then results */
  uint32_t index;
} func_type_t;

static cs_rt_lock_t g_lock = CS_RT_LOCK_INIT;
static func_type_t* g_types;
static uint32_t g_count;
static uint32_t g_capacity;
static uint32_t g_last_index;

static int same_signature(const func_type_t* t, uint32_t params, uint32_t results, const wasm_rt_type_t* types) {
  return t->params == params && t->results == results &&
         (params + results == 0 || memcmp(t->types, types, (params + results) * sizeof *types) == 0);
}

/* Under the lock. Returns 0 when out of memory. *kept tells whether the registry took `types`. */
static uint32_t find_or_add(uint32_t params, uint32_t results, wasm_rt_type_t* types, int* kept) {
  *kept = 0;
  for (uint32_t i = 0; i < g_count; i++)
    if (same_signature(&g_types[i], params, results, types)) return g_types[i].index;
  if (g_count == g_capacity) {
    uint32_t capacity = g_capacity ? g_capacity * 2 : 16;
    func_type_t* grown =
        g_types ? cs_rt_realloc(g_types, capacity * sizeof *grown) : cs_rt_malloc(capacity * sizeof *grown);
    if (!grown) return 0;
    g_types = grown;
    g_capacity = capacity;
  }
  func_type_t* t = &g_types[g_count++];
  t->params = params;
  t->results = results;
  t->types = types;
  t->index = ++g_last_index;
  *kept = 1;
  return t->index;
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint64_t n = (uint64_t)params + results;
  if (n > 100000) /* far beyond any valid module; keeps the size arithmetic safe */
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  wasm_rt_type_t* types = cs_rt_malloc((size_t)n * sizeof *types);
  if (!types) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  va_list ap;
  va_start(ap, results);
  for (uint64_t i = 0; i < n; i++)
    types[i] = (wasm_rt_type_t)va_arg(ap, int); /* enums are promoted to int through `...` */
  va_end(ap);

  cs_rt_lock(&g_lock);
  int kept;
  uint32_t index = find_or_add(params, results, types, &kept);
  cs_rt_unlock(&g_lock);
  if (!kept) cs_rt_free(types);
  if (index == 0) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  return index;
}

void cs_rt_func_types_clear(void) {
  cs_rt_lock(&g_lock);
  for (uint32_t i = 0; i < g_count; i++) cs_rt_free(g_types[i].types);
  cs_rt_free(g_types);
  g_types = NULL;
  g_count = g_capacity = 0;
  cs_rt_unlock(&g_lock);
}
