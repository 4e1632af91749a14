#include "close_counts.h"

namespace cs {

size_t CloseCounts::slot_of(uint32_t code) noexcept {
  size_t slot = 0;
  while (slot < kCodes.size() && kCodes[slot] != code) ++slot;
  return slot;
}

void CloseCounts::add(uint32_t code) noexcept { counts_[slot_of(code)].fetch_add(1, std::memory_order_relaxed); }

CloseCounts::Snapshot CloseCounts::snapshot() const noexcept {
  Snapshot counts{};
  for (size_t i = 0; i < kSlots; ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  return counts;
}

std::string CloseCounts::describe(const Snapshot& counts) {
  std::string text;
  for (size_t i = 0; i < kSlots; ++i) {
    if (counts[i] == 0) continue;
    if (!text.empty()) text += ", ";
    text += i < kCodes.size() ? std::to_string(kCodes[i]) : std::string("other");
    text += ": " + std::to_string(counts[i]);
  }
  return text.empty() ? "none" : text;
}

}  // namespace cs
