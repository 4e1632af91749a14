/* Traps and the protected call: the only place that uses setjmp/longjmp for traps. All state is
 * per thread, so instances on different threads never see each other's traps. */
#include "wasm_call.h"

#include <stdio.h>

#include "rt_platform.h"

static CS_THREAD_LOCAL jmp_buf* t_trap_target;
static CS_THREAD_LOCAL cs_wasm_trap_t t_last_trap;
static CS_THREAD_LOCAL uint32_t t_nesting;
CS_WASM_DEPTH_TLS uint32_t cs_wasm_call_depth CS_WASM_DEPTH_MODEL;

void wasm_rt_trap(wasm_rt_trap_t code) {
  /* longjmp(…, 1) carries no code, and NONE would read as success: keep the caller failing. */
  if (code == WASM_RT_TRAP_NONE) code = WASM_RT_TRAP_UNREACHABLE;
  t_last_trap = code;
  jmp_buf* target = t_trap_target;
  if (!target) {
    fprintf(stderr, "chatsocket wasm runtime: trap (%s) outside cs_wasm_call; aborting\n", wasm_rt_strerror(code));
    fflush(stderr);
    abort();
  }
  longjmp(*target, 1);
}

cs_wasm_trap_t cs_wasm_call(cs_wasm_fn_t fn, void* arg) {
  /* These are never modified after setjmp, so they keep their values after a longjmp. */
  jmp_buf* const outer_target = t_trap_target;
  WASM_RT_UNWIND_TARGET* const outer_unwind = wasm_rt_get_unwind_target();
  const uint32_t outer_depth = cs_wasm_call_depth;
  jmp_buf here;

  /* No enclosing Wasm try block is reachable from this call: an exception that escapes it is an
   * uncaught exception (a trap), never a jump into the frames of an outer call. */
  wasm_rt_set_unwind_target(NULL);
  t_nesting++;
  if (setjmp(here) == 0) {
    t_trap_target = &here;
    fn(arg);
    t_trap_target = outer_target;
    wasm_rt_set_unwind_target(outer_unwind);
    /* Normally already equal; but wasm2c 1.0.32 does not restore the counter when a Wasm catch
     * lands after frames were skipped, so never let such drift outlive the call. */
    cs_wasm_call_depth = outer_depth;
    t_nesting--;
    return WASM_RT_TRAP_NONE;
  }
  /* A trap skipped the generated epilogues: put back what they would have restored. */
  t_trap_target = outer_target;
  wasm_rt_set_unwind_target(outer_unwind);
  cs_wasm_call_depth = outer_depth;
  t_nesting--;
  return t_last_trap;
}

uint32_t* cs_wasm_call_depth_address(void) { return &cs_wasm_call_depth; }

cs_wasm_trap_t cs_wasm_last_trap(void) { return t_last_trap; }

void cs_wasm_clear_last_trap(void) { t_last_trap = WASM_RT_TRAP_NONE; }

uint32_t cs_wasm_call_nesting(void) { return t_nesting; }

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out-of-bounds access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid call_indirect";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "resources exhausted (call stack, memory or table)";
#endif
  }
  return "unknown trap";
}
