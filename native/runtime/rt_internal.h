/* Internal: shared between the runtime's .c files. */
#ifndef CS_RT_INTERNAL_H
#define CS_RT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Heap blocks counted in cs_wasm_stats().live_blocks. */
void* cs_rt_malloc(size_t n);
void* cs_rt_calloc(size_t n);
void* cs_rt_realloc(void* p, size_t n); /* on failure p stays valid */
void cs_rt_free(void* p);
/* Reserved address space (rt_platform.h), also counted as blocks. */
void* cs_rt_reserve_space(size_t bytes);
void cs_rt_release_space(void* base, size_t bytes);

/* Bytes counted against the process cap: 1 if reserved, 0 if the cap would be exceeded. */
int cs_rt_reserve_bytes(uint64_t n);
void cs_rt_release_bytes(uint64_t n);

/* Called when the last wasm_rt_free balances the first wasm_rt_init. */
void cs_rt_func_types_clear(void);

#endif
