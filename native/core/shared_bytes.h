#pragma once
// Bytes in one allocation with a reference count: a frame a room publishes is encoded once and sits in every
// member's write queue at once, each holding a reference. Immutable once made; copies are cheap.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cs {

class SharedBytes {
 public:
  SharedBytes() = default;
  // Copies `a` and then `b` into a new block. Throws std::bad_alloc.
  static SharedBytes copy(const uint8_t* a, size_t a_size, const uint8_t* b = nullptr, size_t b_size = 0);

  SharedBytes(const SharedBytes& other) noexcept : block_(other.block_) { retain(); }
  SharedBytes(SharedBytes&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  SharedBytes& operator=(SharedBytes other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~SharedBytes() { release(); }

  const uint8_t* data() const { return block_ ? block_->data : nullptr; }
  size_t size() const { return block_ ? block_->size : 0; }
  bool empty() const { return size() == 0; }

  // Bytes in blocks alive right now, process-wide: the frames the module holds for its clients, queued, kept
  // as history or ready to send (a room's frame counts once however many members hold it).
  static uint64_t live_bytes() noexcept;

 private:
  struct Block {
    std::atomic<uint32_t> references;
    size_t size;
    uint8_t data[1];
  };

  void retain() noexcept {
    if (block_) block_->references.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept;

  Block* block_ = nullptr;
};

}  // namespace cs
