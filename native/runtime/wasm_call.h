/* Running code of a wasm2c instance safely, on any thread.
 *
 * Every call into generated code (Z_<mod>_instantiate, exports, and Z_<mod>_init_module if its
 * registrations may fail) goes through cs_wasm_call. A trap (out-of-bounds access, unreachable,
 * bad call_indirect, an uncaught Wasm exception, a host import calling wasm_rt_trap, resource
 * exhaustion while instantiating) longjmps back to the cs_wasm_call frame of the CURRENT thread
 * and comes back as its return value. No signal or exception handler is ever installed. A trap on
 * a thread with no cs_wasm_call active prints a line to stderr and aborts the process.
 *
 * longjmp skips every frame between the trap and cs_wasm_call without running anything in them.
 * So each frame that can be live at a trap must own nothing that needs cleanup:
 *   - `fn` must be a C function, or a C++ function whose locals are all trivially destructible
 *     (no std::string, std::vector, smart pointers, lock guards, ... — and hold no lock in it);
 *   - the same holds for host imports (Z_env...), which the generated code calls and which may
 *     themselves call wasm_rt_trap (e.g. AssemblyScript's abort);
 *   - C++ exceptions must not cross generated code: catch them in the import.
 * After a trap the instance's own state may be half-updated: discard the instance (free it).
 *
 * Calls nest: an import may call cs_wasm_call again (on the same or another instance); an inner
 * trap returns to the inner cs_wasm_call and the outer call continues. The instance itself is not
 * locked here: the caller serializes calls into one instance.
 *
 * Before Z_<mod>_instantiate, zero the instance struct; if instantiation traps, still call
 * Z_<mod>_free on it (the runtime's free functions accept zeroed and half-built state).
 */
#ifndef CS_WASM_CALL_H
#define CS_WASM_CALL_H

#include <stdint.h>

#include "wasm_depth.h" /* before wasm-rt.h: see there */
#include <wasm-rt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* WASM_RT_TRAP_NONE (0) means success; any other value is the trap that ended the call. */
typedef wasm_rt_trap_t cs_wasm_trap_t;

typedef void (*cs_wasm_fn_t)(void* arg);

/* Runs fn(arg) and returns WASM_RT_TRAP_NONE, or the trap code if generated code trapped. */
cs_wasm_trap_t cs_wasm_call(cs_wasm_fn_t fn, void* arg);

/* The code of the most recent trap on this thread (WASM_RT_TRAP_NONE if none since the start or
 * since cs_wasm_clear_last_trap). */
cs_wasm_trap_t cs_wasm_last_trap(void);
void cs_wasm_clear_last_trap(void);

/* Number of cs_wasm_call frames active on this thread (0: not inside a call). */
uint32_t cs_wasm_call_nesting(void);

#ifdef __cplusplus
}

#include <type_traits>

/* C++ convenience: runs fn() under cs_wasm_call. fn is typically a lambda capturing by reference;
 * the rules above apply to its body (only trivially destructible locals). */
template <class F>
inline cs_wasm_trap_t cs_wasm_invoke(F& fn) {
  static_assert(std::is_trivially_destructible<F>::value,
                "a trap skips destructors: the callable must be trivially destructible");
  return cs_wasm_call([](void* p) { (*static_cast<F*>(p))(); }, &fn);
}
#endif

#endif
