/* wasm_rt_init / wasm_rt_free, counted: several users in one process (the module, tests, a second
 * module) may each init and free; the shared state goes when the last one frees. */
#include <wasm-rt.h>

#include "rt_internal.h"
#include "rt_platform.h"

static cs_rt_lock_t g_lock = CS_RT_LOCK_INIT;
static volatile int64_t g_users;

void wasm_rt_init(void) {
  cs_rt_lock(&g_lock);
  cs_rt_atomic_add(&g_users, 1);
  cs_rt_unlock(&g_lock);
}

bool wasm_rt_is_initialized(void) { return cs_rt_atomic_load(&g_users) > 0; }

void wasm_rt_free(void) {
  cs_rt_lock(&g_lock);
  if (cs_rt_atomic_load(&g_users) > 0 && cs_rt_atomic_add(&g_users, -1) == 0) cs_rt_func_types_clear();
  cs_rt_unlock(&g_lock);
}
