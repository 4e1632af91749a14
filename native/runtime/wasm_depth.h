/* This thread's Wasm call-depth counter, read inline by every generated function.
 *
 * With CHATSOCKET_WASM_STACK_DEPTH the generated code's wasm_rt_call_stack_depth is mapped to
 * (*cs_wasm_call_stack_depth()), which each Wasm function increments on entry and decrements on exit.
 * An out-of-line accessor made that two calls per Wasm call; this inline one is a thread-pointer access.
 * wasm-rt.h (re)declares the accessor as an extern function, so this definition must come first:
 * CMake forces this header into every file built against cs_runtime, and a later extern declaration
 * keeps the internal linkage of this one (C11 6.2.2p4; C++ [dcl.stc]).
 *
 * initial-exec: the module is a dlopen'ed .so, whose other TLS models go through __tls_get_addr; four
 * bytes of glibc's static TLS reserve are enough. */
#ifndef CS_WASM_DEPTH_H
#define CS_WASM_DEPTH_H

#include <stdint.h>

#if defined(_MSC_VER)
#define CS_WASM_DEPTH_TLS __declspec(thread)
#define CS_WASM_DEPTH_MODEL
#elif defined(__ELF__)
#define CS_WASM_DEPTH_TLS __thread
#define CS_WASM_DEPTH_MODEL __attribute__((tls_model("initial-exec"), visibility("hidden")))
#else
#define CS_WASM_DEPTH_TLS __thread
#define CS_WASM_DEPTH_MODEL
#endif

#ifdef __cplusplus
extern "C" {
#endif

extern CS_WASM_DEPTH_TLS uint32_t cs_wasm_call_depth CS_WASM_DEPTH_MODEL;

/* cs_wasm_call puts the counter back to its entry value when it returns: a trap skips the generated
 * epilogues, and so does a Wasm exception caught in Wasm after crossing frames (wasm2c 1.0.32 does not
 * restore the counter there, so such a call may drift upwards until it returns). */
#if defined(CS_WASM_DEPTH_OUT_OF_LINE)
/* scripts/sanitize.sh's UBSan tree: GCC 12 miscompiles UBSan's null check of a thread-local's address
 * there (a branch on flags that nothing set), so that tree reads the counter through a call. */
uint32_t* cs_wasm_call_depth_address(void);
static inline uint32_t* cs_wasm_call_stack_depth(void) { return cs_wasm_call_depth_address(); }
#else
static inline uint32_t* cs_wasm_call_stack_depth(void) { return &cs_wasm_call_depth; }
#endif

#ifdef __cplusplus
}
#endif

#endif
