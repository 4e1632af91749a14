/* recursion.c compiled with the per-thread call-depth counter, whatever the build's default, to
 * test CHATSOCKET_WASM_STACK_DEPTH's mechanism. */
#undef WASM_RT_USE_STACK_DEPTH_COUNT
#define WASM_RT_USE_STACK_DEPTH_COUNT 1
#undef wasm_rt_call_stack_depth
#define wasm_rt_call_stack_depth (*cs_wasm_call_stack_depth())
#include "recursion.c"
