#pragma once
// Chat rooms across the whole process: the members of one room may live in different Wasm instances. The
// hub knows bytes only (what they mean is Wasm's): a frame a member publishes is encoded once by its
// instance and queued, one reference each, for every member; presence records and history are opaque.
//
// Order: everything a room sends goes into members' queues under the room's lock, so all members see one
// order. Nothing here calls into Wasm or wakes a transport: what must happen after the locks are released
// (waking members, having a member announce others who left without a word) is returned as Effects.
//
// Lock order: an instance's lock, then a room's, then a write queue's (or the backplane's queue). The hub's own
// map lock is taken alone.
//
// With a backplane (native/core/redis_backplane.h), a room with a channel is one room across the servers of a
// farm: what its members publish, and who joins and leaves, goes to the other servers too, and what theirs
// publish is delivered here as if published here; snapshots count the other servers' members.
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "abi_constants.h"
#include "shared_bytes.h"

namespace cs {

class Backplane;
class Backplanes;
class Connection;
class Room;

struct RoomSettings {
  uint32_t max_members = 0;         // 0: no cap
  uint32_t max_backlog = 1u << 20;  // bytes queued for one member before on_backlog applies
  bool drop_on_backlog = false;     // false: the member is evicted (its eviction frame, then the end)
  uint32_t history_count = 0;       // frames kept for newcomers
  uint32_t history_bytes = 0;
  uint32_t max_rooms = 0;  // rooms of one endpoint file at once; 0: no cap
};

// One message as a room sends it: `plain` for every member, and, when not empty, `deflated` (the same
// message compressed without context, RFC 7692) for members that negotiated a window of `window_bits` or more.
struct RoomFrame {
  SharedBytes plain;
  SharedBytes deflated = {};  // empty: every member gets `plain`
  uint32_t window_bits = 0;

  const SharedBytes& for_member(uint32_t member_window_bits) const {
    return !deflated.empty() && member_window_bits >= window_bits ? deflated : plain;
  }
  size_t size() const { return plain.size() + deflated.size(); }
};

struct JoinRequest {
  uint32_t version = 0;  // the room's version the welcome and the announcement were composed against
  RoomSettings settings;
  uint32_t deflate_window_bits = 0;  // permessage-deflate's window this member negotiated (0: none)
  std::string room;                  // the name within the endpoint ("" for the endpoint's one room)
  std::string presence;              // this member's record, handed to newcomers
  SharedBytes welcome;               // for the joiner, before the history
  SharedBytes announce;              // for the others (empty: nothing)
  SharedBytes eviction;              // queued for this member if the room cuts it off (a close frame)
  std::string channel;               // the room's name across the servers of a farm ("": this server only)
  Backplane* backplane = nullptr;    // what shares it with them (null: this server only)
};

struct RoomEffects {
  std::vector<std::shared_ptr<Connection>> wakes;
  // Rooms that lost members without an announcement: a member of each should tell the others.
  std::vector<std::shared_ptr<Room>> losses;
  // Members cut off with their eviction frame: one that does not read that either is dropped after a while.
  std::vector<std::shared_ptr<Connection>> evicted;
};

struct HubStats {
  uint64_t rooms = 0;
  uint64_t members = 0;
  uint64_t delivered = 0;  // frames queued for members
  uint64_t dropped = 0;    // frames a member did not get (on_backlog = drop)
  uint64_t evicted = 0;    // members cut off by their backlog
};

class RoomHub {
 public:
  // Joins `connection` to `endpoint_path`'s room `request.room`. kOk; kRetry when the room changed since
  // `request.version` (compose again); kLimitReached when full; kBadArgument when already a member.
  abi::Status join(Connection& connection, const std::string& endpoint_path, JoinRequest& request,
                   RoomEffects& effects);
  // Queues `frame` for the connection's room (and the connection too if `include_self`), and keeps it for
  // newcomers if `keep`. kNotFound when the connection is in no room.
  abi::Status publish(Connection& connection, const RoomFrame& frame, bool include_self, bool keep,
                      RoomEffects& effects);
  // Leaves the room, queuing `announce` for the others. kRetry when the room changed since `version`.
  abi::Status leave(Connection& connection, const SharedBytes& announce, uint32_t version, RoomEffects& effects);
  // Takes the connection out of its room without a word of its own (it is gone, failed or trapped); the
  // room is then listed in effects.losses.
  void remove(Connection& connection, RoomEffects& effects) noexcept;

  // The room as a newcomer would find it: its version, member count, and the members' presence records
  // (each a u32 little-endian length, then the bytes).
  // With a backplane, the members other servers have in `channel` are counted and listed too.
  void snapshot(const std::string& endpoint_path, const std::string& room, const std::string& channel,
                uint32_t& version, uint32_t& count, std::string* records);
  // For a room listed in effects.losses: the records of members lost without an announcement (taken: they
  // are handed out once), and a member to announce them. False when there is nothing to do.
  bool take_losses(Room& room, std::string& records, std::shared_ptr<Connection>& announcer);

  HubStats stats() const;

  // The backplanes rooms may share through (set before any join; null once they are gone, when the pool
  // goes): snapshots ask them for the other servers' members.
  void use_backplanes(Backplanes* backplanes) { backplanes_ = backplanes; }
  // From the backplane: a frame another server's member published, for this server's members of `channel`.
  // (Each of these is for the room of `channel` only when it is shared through `from`.)
  void deliver_remote(Backplane& from, const std::string& channel, const RoomFrame& frame, bool keep,
                      RoomEffects& effects);
  // From the backplane: members of another server gone without a word, for a member here to announce.
  void remote_members_lost(Backplane& from, const std::string& channel, const std::string& records,
                           RoomEffects& effects);
  // From the backplane: the farm's history of a room this server just opened (oldest first). It goes before
  // what the room kept since, and to the members already there, who joined before it came.
  void remote_history(Backplane& from, const std::string& channel, const std::vector<RoomFrame>& frames,
                      RoomEffects& effects);

 private:
  // The room of `key`; with `create`, a new one if there is none and the endpoint's cap allows (else null).
  std::shared_ptr<Room> find(const std::string& key, bool create, const std::string& endpoint_path = "",
                             uint32_t max_rooms = 0, const std::string& channel = "", Backplane* backplane = nullptr);
  std::shared_ptr<Room> find_channel(const Backplane& from, const std::string& channel);
  // What `room` is shared through, while the backplanes are there.
  Backplane* shared_through(const Room& room) const;
  // Tells the other servers that a member left (with `announce` for their members, or nothing).
  void share_departure(const Room& room, uint32_t member, const SharedBytes& announce);
  void deliver_locked(Room& room, const std::shared_ptr<Room>& self, const RoomFrame& frame, uint32_t except,
                      RoomEffects& effects);
  void forget_if_empty(const std::shared_ptr<Room>& room);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms_;
  std::unordered_map<std::string, uint32_t> rooms_per_endpoint_;
  std::unordered_map<std::string, std::weak_ptr<Room>> rooms_by_channel_;
  Backplanes* backplanes_ = nullptr;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> members_{0};
};

}  // namespace cs
