/* Process-wide accounting of what the runtime allocates for instances (linear memories and
 * tables), and the cap on it. Growth past the cap makes memory.grow / table.grow return -1;
 * instantiation past it traps with WASM_RT_TRAP_EXHAUSTION. */
#ifndef CS_WASM_RESOURCES_H
#define CS_WASM_RESOURCES_H

#include <stdint.h>
#include <wasm-rt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_WASM_DEFAULT_MEMORY_CAP ((uint64_t)1 << 30) /* 1 GiB for all instances together */

/* Sets the cap in bytes (0 restores the default). Lowering it below what is in use frees nothing;
 * it only refuses further growth. */
void cs_wasm_set_memory_cap(uint64_t bytes);
uint64_t cs_wasm_memory_cap(void);

typedef struct {
  int64_t live_bytes;  /* bytes of linear memories and tables currently allocated */
  int64_t live_blocks; /* heap blocks currently owned by the runtime (all kinds) */
} cs_wasm_stats_t;

cs_wasm_stats_t cs_wasm_stats(void);

/* The bytes of a linear memory that take RAM: its pages ever written (committed pages cost memory only once
 * touched). Where the system cannot tell (Windows here), its size. */
uint64_t cs_wasm_resident_bytes(const wasm_rt_memory_t* mem);

#ifdef __cplusplus
}
#endif

#endif
