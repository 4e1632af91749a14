#pragma once
// Chat rooms across a web farm: every server's rooms of one channel (an endpoint's URL path and room name)
// share their messages and their members through a Redis server (CHATSOCKET_REDIS), with Redis's pub/sub.
//
// Two threads per server, each with its own connection, so no completion or Wasm thread ever waits on Redis:
// - the publisher sends what the rooms queued (bounded: past kMaxQueued the rest is counted as lost), keeps
//   this server's members in a hash per channel and its heartbeat key alive, and rebuilds the directory of
//   the other servers' members after every (re)connection;
// - the subscriber listens on one pattern for every channel and hands what other servers sent to the hub
//   (its own messages, already delivered locally, are skipped: nothing arrives twice).
// Both reconnect with backoff (100 ms doubling to 5 s) when Redis is down, restarts or fails; rooms keep
// working locally meanwhile. Delivery across servers is at most once, in each server's order.
//
// Redis keys, under the prefix (CHATSOCKET_REDIS_PREFIX, default "chatsocket"):
//   <prefix>:room:<channel>     the pub/sub channel of a room (<prefix>:<db>:room:<channel> for a database other
//                               than 0: pub/sub ignores databases)
//   <prefix>:members:<channel>  hash: "<server>/<member>" -> presence record
//   <prefix>:server:<server>    this server is alive (expires 15 s after its last refresh)
//   <prefix>:history:<channel>  list: the room's last `history` messages, for a server that opens the room
//                               (expires a day after the last one)
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "backplane.h"

namespace cs {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int database = 0;

  // redis://[:password@]host[:port][/db]; false (and `error`) when it is not one.
  static bool parse(const std::string& url, RedisAddress& out, std::string& error);
};

class RedisBackplane final : public Backplane {
 public:
  RedisBackplane(RedisAddress address, std::string prefix, BackplaneListener& listener);
  ~RedisBackplane() override;  // stops both threads
  RedisBackplane(const RedisBackplane&) = delete;
  RedisBackplane& operator=(const RedisBackplane&) = delete;

  void publish(const std::string& channel, const RoomFrame& frame, uint32_t history_count) override;
  void opened(const std::string& channel, uint32_t history_count) override;
  void joined(const std::string& channel, uint32_t member, const std::string& presence,
              const RoomFrame& announce) override;
  void left(const std::string& channel, uint32_t member, const RoomFrame& announce) override;
  uint32_t remote_members(const std::string& channel, std::string* records) const override;
  BackplaneStats stats() const override;

 private:
  struct Outgoing;
  class Connection;

  void publisher_loop();
  void serve(Connection& redis);
  bool send(Connection& redis, std::deque<Outgoing>& batch);
  bool load_history(Connection& redis, const Outgoing& request);
  bool register_members(Connection& redis);
  bool heartbeat(Connection& redis);
  bool forget_server(Connection& redis, const std::string& server);
  std::vector<std::pair<std::string, std::string>> drop_server(const std::string& server);
  bool reload_directory(Connection& redis);
  void mark_directory_stale();
  void subscriber_loop();
  void received(const std::string& channel, std::string_view payload);
  void queue(Outgoing outgoing);
  // Backoff before the next connection attempt; false when stopping.
  bool wait_to_retry(std::chrono::milliseconds& backoff);
  bool stopped() const { return stop_.load(); }

  const RedisAddress address_;
  const std::string prefix_;
  const std::string server_id_;
  const std::string room_channels_;  // the prefix of the rooms' pub/sub channels
  BackplaneListener& listener_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::deque<Outgoing> queue_;
  size_t queued_bytes_ = 0;
  std::chrono::steady_clock::time_point last_loss_report_{};
  // This server's members, to register again after Redis lost them (a restart): channel -> member -> presence.
  std::map<std::string, std::map<uint32_t, std::string>> local_members_;
  bool directory_stale_ = true;        // reload the directory at the publisher's next chance (under mutex_)
  std::map<std::string, int> misses_;  // servers whose key the heartbeat found missing, how many times in a row

  mutable std::mutex directory_mutex_;
  // The other servers' members: channel -> "<server>/<member>" -> presence.
  std::map<std::string, std::map<std::string, std::string>> directory_;

  std::mutex subscriber_mutex_;
  int subscriber_fd_ = -1;  // to unblock the subscriber's read at shutdown

  std::atomic<bool> connected_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> lost_{0};

  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace cs
