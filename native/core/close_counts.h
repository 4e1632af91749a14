#pragma once
// Closes the server started, counted by the code of its close frame: for the stats and the summary the
// module logs when it unloads. Codes other than the ones the module sends itself share one count.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace cs {

class CloseCounts {
 public:
  static constexpr std::array<uint32_t, 9> kCodes = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1013};
  static constexpr size_t kSlots = kCodes.size() + 1;  // the last: any other code (a handler's own, 4000-4999)
  using Snapshot = std::array<uint64_t, kSlots>;

  // Where `code` is counted in a Snapshot.
  static size_t slot_of(uint32_t code) noexcept;
  void add(uint32_t code) noexcept;
  Snapshot snapshot() const noexcept;
  // "1000: 3, 1008: 1" for the codes counted at least once; "none" when nothing was.
  static std::string describe(const Snapshot& counts);

 private:
  std::array<std::atomic<uint64_t>, kSlots> counts_{};
};

}  // namespace cs
