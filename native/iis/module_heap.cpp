// The module's operator new and delete, counting what they hold. They replace the C++ runtime's only inside
// this DLL/.so: the C++ runtime is linked in statically (so its own allocations, a std::string's buffer
// included, come here too), and the symbols stay inside (chatsocket.map on Linux; a DLL exports only what
// chatsocket.def names). Every block is counted at its usable size, taken and given back the same way, so
// the count is exact whatever size a delete is told. Without CS_COUNTED_HEAP (the sanitizer builds, see
// CMakeLists.txt) the runtime's own operators stay and the count is 0.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "module_heap.h"

#include <malloc.h>  // malloc_usable_size; on Windows _msize

#if CS_COUNTED_HEAP

namespace {

std::atomic<int64_t> g_bytes{0};

size_t usable(void* block) {
#ifdef _WIN32
  return _msize(block);
#else
  return malloc_usable_size(block);
#endif
}

void* take(size_t size) noexcept {
  void* block = std::malloc(size ? size : 1);
  if (block) g_bytes.fetch_add(static_cast<int64_t>(usable(block)), std::memory_order_relaxed);
  return block;
}

void give(void* block) noexcept {
  if (!block) return;
  g_bytes.fetch_sub(static_cast<int64_t>(usable(block)), std::memory_order_relaxed);
  std::free(block);
}

// Over-aligned blocks: a plain block with room to align within, its own address kept just before the aligned
// one (one way on every C library: the Windows ones have no usable size for _aligned_malloc's blocks).
void* take_aligned(size_t size, size_t alignment) noexcept {
  void* raw = take(size + alignment + sizeof(void*));
  if (!raw) return nullptr;
  uintptr_t at = (reinterpret_cast<uintptr_t>(raw) + sizeof(void*) + alignment - 1) & ~(uintptr_t{alignment} - 1);
  reinterpret_cast<void**>(at)[-1] = raw;
  return reinterpret_cast<void*>(at);
}

void give_aligned(void* block) noexcept {
  if (block) give(static_cast<void**>(block)[-1]);
}

void* take_or_throw(size_t size) {
  void* block = take(size);
  if (!block) throw std::bad_alloc();
  return block;
}

void* take_aligned_or_throw(size_t size, std::align_val_t alignment) {
  void* block = take_aligned(size, static_cast<size_t>(alignment));
  if (!block) throw std::bad_alloc();
  return block;
}

}  // namespace

void* operator new(size_t size) { return take_or_throw(size); }
void* operator new[](size_t size) { return take_or_throw(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return take(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return take(size); }
void* operator new(size_t size, std::align_val_t alignment) { return take_aligned_or_throw(size, alignment); }
void* operator new[](size_t size, std::align_val_t alignment) { return take_aligned_or_throw(size, alignment); }
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return take_aligned(size, static_cast<size_t>(alignment));
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return take_aligned(size, static_cast<size_t>(alignment));
}

void operator delete(void* block) noexcept { give(block); }
void operator delete[](void* block) noexcept { give(block); }
void operator delete(void* block, size_t) noexcept { give(block); }
void operator delete[](void* block, size_t) noexcept { give(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { give(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { give(block); }
void operator delete(void* block, std::align_val_t) noexcept { give_aligned(block); }
void operator delete[](void* block, std::align_val_t) noexcept { give_aligned(block); }
void operator delete(void* block, size_t, std::align_val_t) noexcept { give_aligned(block); }
void operator delete[](void* block, size_t, std::align_val_t) noexcept { give_aligned(block); }
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept { give_aligned(block); }
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept { give_aligned(block); }

namespace cs {

uint64_t module_heap_bytes() {
  int64_t bytes = g_bytes.load(std::memory_order_relaxed);
  return bytes > 0 ? static_cast<uint64_t>(bytes) : 0;
}

}  // namespace cs

#else

namespace cs {

uint64_t module_heap_bytes() { return 0; }

}  // namespace cs

#endif
