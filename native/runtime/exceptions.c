/* Wasm exception handling as wasm2c 1.0.32 emits it (--enable-exceptions): tags, the active
 * exception and the unwind target of the innermost Wasm try block, all per thread. Separate from
 * the trap target on purpose: a trap must never land in a Wasm catch. */
#include <wasm-rt.h>

#include "rt_platform.h"

#define CS_MAX_EXCEPTION_BYTES 256

static volatile int64_t g_last_tag;

static CS_THREAD_LOCAL WASM_RT_UNWIND_TARGET* t_unwind_target;
static CS_THREAD_LOCAL uint32_t t_tag;
static CS_THREAD_LOCAL uint32_t t_size;
static CS_THREAD_LOCAL union {
  uint64_t align_u64;
  double align_f64;
  void* align_ptr;
  unsigned char bytes[CS_MAX_EXCEPTION_BYTES];
} t_payload;

/* Tags are process-wide and never reused; 0 is never a tag. */
uint32_t wasm_rt_register_tag(uint32_t size) {
  if (size > CS_MAX_EXCEPTION_BYTES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  return (uint32_t)cs_rt_atomic_add(&g_last_tag, 1);
}

void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) {
  if (size > CS_MAX_EXCEPTION_BYTES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  t_tag = tag;
  t_size = size;
  if (size) memcpy(t_payload.bytes, values, size);
}

void wasm_rt_throw(void) {
  WASM_RT_UNWIND_TARGET* target = t_unwind_target;
  if (!target) wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  longjmp(*target, 1);
}

WASM_RT_UNWIND_TARGET* wasm_rt_get_unwind_target(void) { return t_unwind_target; }

void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET* target) { t_unwind_target = target; }

uint32_t wasm_rt_exception_tag(void) { return t_tag; }

uint32_t wasm_rt_exception_size(void) { return t_size; }

void* wasm_rt_exception(void) { return t_payload.bytes; }
