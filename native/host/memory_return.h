#pragma once
// Gives the memory of closed connections back to the system. glibc keeps what a burst of connections freed in
// its heaps, so a w3wp-like process that once held 10 000 connections would stay that large; IIS's Windows heap
// decommits by itself. Every 2 s the host frees the finished requests whose retention is over (the graveyard)
// and, once many requests have been freed (or the last of them), asks glibc to release its free pages
// (malloc_trim). When a burst has ended (open connections at half their peak or less) it first renews the I/O
// threads, whose per-thread caches would pin pages, and trims at the next check, once they have handed over.
#include <atomic>
#include <cstdint>

#include <asio.hpp>

#include "graveyard.h"
#include "io_threads.h"

namespace cs::host {

class MemoryReturn {
 public:
  MemoryReturn(asio::io_context& io, Graveyard& graveyard, IoThreads& io_threads,
               const std::atomic<uint64_t>& open_connections)
      : timer_(io), graveyard_(graveyard), io_threads_(io_threads), open_connections_(open_connections) {}

  // Starts the checks; each arms the next until stop().
  void start();
  void stop();
  // A connection opened; `open_now` counts it.
  void opened(uint64_t open_now);

 private:
  static constexpr uint64_t kSmallestBurst = 64;  // connections or requests; fewer hold too little to trim for
  void arm();
  void check();

  asio::steady_timer timer_;
  Graveyard& graveyard_;
  IoThreads& io_threads_;
  const std::atomic<uint64_t>& open_connections_;
  std::atomic<uint64_t> peak_{0};
  std::atomic<bool> stopped_{false};
  // On the timer's thread only:
  bool renewed_ = false;
  size_t freed_since_trim_ = 0;
};

}  // namespace cs::host
