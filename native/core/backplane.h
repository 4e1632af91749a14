#pragma once
// What the rooms need of a backplane that joins the servers of a web farm (CHATSOCKET_REDIS): their members'
// messages and presence sent to the other servers, and theirs received here. The one implementation is Redis's
// (redis_backplane.h); a build without hiredis has none and says so.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "room_hub.h"

namespace cs {

class Backplane;

// What comes from the other servers, for the rooms of this one.
class BackplaneListener {
 public:
  // Each comes from `from`, and is for the rooms shared through it.
  virtual void remote_frame(Backplane& from, const std::string& channel, const RoomFrame& frame,
                            bool keep) noexcept = 0;
  // Members of another server that are gone without a word (their server died, or Redis lost them): their
  // presence records (each a u32 length, then the bytes), for a member of the room here to announce.
  virtual void remote_members_lost(Backplane& from, const std::string& channel,
                                   const std::string& records) noexcept = 0;
  // The history the farm kept for `channel` (oldest first), asked for by opened().
  virtual void remote_history(Backplane& from, const std::string& channel,
                              const std::vector<RoomFrame>& frames) noexcept = 0;

 protected:
  ~BackplaneListener() = default;
};

struct BackplaneStats {
  bool connected = false;
  uint64_t published = 0;  // messages sent to the other servers
  uint64_t received = 0;   // messages from other servers handed to the rooms
  uint64_t lost = 0;       // messages that never left (the backplane down, slow, or a failed send)
};

class Backplane {
 public:
  virtual ~Backplane() = default;
  // Each returns at once (the work is queued). `member` is unique on this server; `channel` names a room
  // across the farm.
  // `history_count`: the frame joins the farm's history of the room, which keeps that many (0: not kept).
  virtual void publish(const std::string& channel, const RoomFrame& frame, uint32_t history_count) = 0;
  // This server has a room of `channel` from now on: load the farm's history of it (remote_history) when the
  // room keeps one.
  virtual void opened(const std::string& channel, uint32_t history_count) = 0;
  virtual void joined(const std::string& channel, uint32_t member, const std::string& presence,
                      const RoomFrame& announce) = 0;
  virtual void left(const std::string& channel, uint32_t member, const RoomFrame& announce) = 0;
  // The members other servers have in `channel`: their presence records appended to `records` (each a u32
  // length, then the bytes), and their count.
  virtual uint32_t remote_members(const std::string& channel, std::string* records) const = 0;
  virtual BackplaneStats stats() const = 0;
};

// The backplane `url` names (redis://[:password@]host[:port][/db]), keys under `prefix`; null and `error`
// when the URL is not one, or this build has no Redis client.
std::unique_ptr<Backplane> open_backplane(const std::string& url, const std::string& prefix,
                                          BackplaneListener& listener, std::string& error);

}  // namespace cs
