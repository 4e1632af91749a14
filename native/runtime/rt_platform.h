/* Internal: the few platform primitives the runtime needs (thread-local storage, one lock kind,
 * 64-bit atomics, reserved address space), so the other files stay free of #ifdefs. */
#ifndef CS_RT_PLATFORM_H
#define CS_RT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_MSC_VER)
#define CS_THREAD_LOCAL __declspec(thread)
#else
#define CS_THREAD_LOCAL _Thread_local
#endif

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef SRWLOCK cs_rt_lock_t;
#define CS_RT_LOCK_INIT SRWLOCK_INIT
static inline void cs_rt_lock(cs_rt_lock_t* l) { AcquireSRWLockExclusive(l); }
static inline void cs_rt_unlock(cs_rt_lock_t* l) { ReleaseSRWLockExclusive(l); }
#else
#include <pthread.h>
typedef pthread_mutex_t cs_rt_lock_t;
#define CS_RT_LOCK_INIT PTHREAD_MUTEX_INITIALIZER
static inline void cs_rt_lock(cs_rt_lock_t* l) { pthread_mutex_lock(l); }
static inline void cs_rt_unlock(cs_rt_lock_t* l) { pthread_mutex_unlock(l); }
#endif

/* Address space reserved without memory behind it; committed pages read as zero and take RAM only once
 * written. cs_rt_space_resident: of `bytes` committed at `base`, those in RAM (where the system does not
 * tell, as on Windows here: all of them). */
#if defined(_WIN32)
static inline void* cs_rt_space_reserve(size_t bytes) { return VirtualAlloc(NULL, bytes, MEM_RESERVE, PAGE_NOACCESS); }
static inline int cs_rt_space_commit(void* at, size_t bytes) {
  return VirtualAlloc(at, bytes, MEM_COMMIT, PAGE_READWRITE) != NULL;
}
static inline void cs_rt_space_release(void* base, size_t bytes) {
  (void)bytes;
  VirtualFree(base, 0, MEM_RELEASE);
}
#else
#include <sys/mman.h>
static inline void* cs_rt_space_reserve(size_t bytes) {
  void* p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}
static inline int cs_rt_space_commit(void* at, size_t bytes) {
  return mprotect(at, bytes, PROT_READ | PROT_WRITE) == 0;
}
static inline void cs_rt_space_release(void* base, size_t bytes) { munmap(base, bytes); }
#endif

#if defined(__linux__)
#include <unistd.h>
static inline uint64_t cs_rt_space_resident(void* base, size_t bytes) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char resident[4096];
  uint64_t pages = 0;
  for (size_t at = 0; at < bytes;) {
    size_t span = bytes - at < sizeof resident * page ? bytes - at : sizeof resident * page;
    if (mincore((uint8_t*)base + at, span, resident) != 0) return bytes;
    for (size_t i = 0; i < (span + page - 1) / page; i++) pages += resident[i] & 1;
    at += span;
  }
  return pages * page;
}
#else
static inline uint64_t cs_rt_space_resident(void* base, size_t bytes) {
  (void)base;
  return bytes;
}
#endif

#if defined(_MSC_VER)
#include <intrin.h>
static inline int64_t cs_rt_atomic_add(volatile int64_t* p, int64_t d) { return _InterlockedExchangeAdd64(p, d) + d; }
static inline int cs_rt_atomic_cas(volatile int64_t* p, int64_t expected, int64_t desired) {
  return _InterlockedCompareExchange64(p, desired, expected) == expected;
}
static inline int64_t cs_rt_atomic_load(volatile int64_t* p) { return _InterlockedCompareExchange64(p, 0, 0); }
#else
static inline int64_t cs_rt_atomic_add(volatile int64_t* p, int64_t d) {
  return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST);
}
static inline int cs_rt_atomic_cas(volatile int64_t* p, int64_t expected, int64_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline int64_t cs_rt_atomic_load(volatile int64_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
#endif

#endif
