#pragma once
// What every part of a running host shares.
#include <asio.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "completion_policy.h"
#include "connection_timeouts.h"
#include "dispatch_pool.h"
#include "graveyard.h"
#include "io_threads.h"
#include "memory_return.h"
#include "url_cache.h"
#include "host.h"
#include "module_host.h"
#include "site_config.h"
#include "stats.h"

namespace cs::host {

class Connection;

struct HostCore {
  explicit HostCore(const HostOptions& o)
      : options(o),
        policy(o.completion_mode, o.seed),
        module(stats),
        dispatch(stats, kMaxDispatchThreads),
        accept_strand(asio::make_strand(io)),
        acceptor(accept_strand) {}
  static constexpr unsigned kMaxDispatchThreads = 64;

  HostOptions options;
  SiteConfig site;
  std::filesystem::path site_root;
  Stats stats;
  UrlCache urls{stats};
  CompletionPolicy policy;
  ModuleHost module;
  Graveyard graveyard;
  DispatchPool dispatch;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // The acceptor's operations run on one strand: the accept handler issues the next accept on an I/O thread
  // while stop() closes the acceptor from another, and an acceptor is not safe for concurrent calls.
  asio::strand<asio::io_context::executor_type> accept_strand;
  asio::ip::tcp::acceptor acceptor;
  IoThreads io_threads{io, stats};
  std::atomic<bool> stopping{false};

  MemoryReturn memory_return{io, graveyard, io_threads, stats.open_connections};

  std::mutex connections_mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  ConnectionTimeouts timeouts{*this};
};

// Bounded waits: a pool thread never blocks for longer on another one.
constexpr auto kHandoffWait = std::chrono::seconds(2);

}  // namespace cs::host
