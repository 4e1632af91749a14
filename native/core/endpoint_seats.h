#pragma once
// Connections open per endpoint file, held against each file's max_connections (host_admit). Counted by
// path, not by version: an edited file keeps counting the connections its older versions opened.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cs {

class EndpointSeats {
 public:
  // One connection's place; gives it back when destroyed (the counts outlive the pool if need be).
  class Seat {
   public:
    ~Seat();
    Seat(const Seat&) = delete;
    Seat& operator=(const Seat&) = delete;

   private:
    friend class EndpointSeats;
    struct Counts;
    Seat(std::shared_ptr<Counts> counts, std::string path);
    std::shared_ptr<Counts> counts_;
    std::string path_;
  };

  EndpointSeats();
  // A place for one more connection of `path` while fewer than `cap` hold one; null when all are taken.
  std::unique_ptr<Seat> take(const std::string& path, uint32_t cap);
  uint32_t held(const std::string& path) const;

 private:
  std::shared_ptr<Seat::Counts> counts_;
};

}  // namespace cs
