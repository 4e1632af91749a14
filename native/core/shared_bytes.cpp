#include "shared_bytes.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace cs {

namespace {
std::atomic<uint64_t> g_live_bytes{0};
}  // namespace

uint64_t SharedBytes::live_bytes() noexcept { return g_live_bytes.load(std::memory_order_relaxed); }

SharedBytes SharedBytes::copy(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size) {
  SharedBytes bytes;
  size_t size = a_size + b_size;
  void* memory = std::malloc(offsetof(Block, data) + (size > 0 ? size : 1));
  if (!memory) throw std::bad_alloc();
  bytes.block_ = new (memory) Block;
  bytes.block_->references.store(1, std::memory_order_relaxed);
  bytes.block_->size = size;
  if (a_size) std::memcpy(bytes.block_->data, a, a_size);
  if (b_size) std::memcpy(bytes.block_->data + a_size, b, b_size);
  g_live_bytes.fetch_add(size, std::memory_order_relaxed);
  return bytes;
}

void SharedBytes::release() noexcept {
  if (block_ && block_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    g_live_bytes.fetch_sub(block_->size, std::memory_order_relaxed);
    block_->~Block();
    std::free(block_);
  }
  block_ = nullptr;
}

}  // namespace cs
