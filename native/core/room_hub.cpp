#include "room_hub.h"

#include <cstring>
#include <exception>

#include "connection.h"
#include "backplanes.h"

namespace cs {

class Room {
 public:
  Room(std::string room_key, std::string endpoint) : key(std::move(room_key)), endpoint_path(std::move(endpoint)) {}

  struct Member {
    std::shared_ptr<Connection> connection;
    std::string presence;
    SharedBytes eviction;
    uint32_t deflate_window_bits = 0;
  };

  const std::string key;
  const std::string endpoint_path;
  std::string channel;             // set at creation: "" for a room of this server only
  Backplane* backplane = nullptr;  // and what shares it
  std::mutex mutex;
  bool closed = false;   // out of the hub's map: whoever finds it must look again
  uint32_t version = 0;  // bumped by every join and departure
  RoomSettings settings;
  std::vector<Member> members;
  std::deque<RoomFrame> history;
  size_t history_bytes = 0;
  std::string lost;  // records of members gone without an announcement, for take_losses

  Member* find(uint32_t id) {
    for (auto& member : members) {
      if (member.connection->id() == id) return &member;
    }
    return nullptr;
  }

  // Takes the member out; order among the others does not matter.
  Member take(uint32_t id) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (members[i].connection->id() != id) continue;
      Member member = std::move(members[i]);
      members[i] = std::move(members.back());
      members.pop_back();
      ++version;
      return member;
    }
    return {};
  }

  void keep(const RoomFrame& frame) {
    if (settings.history_count == 0 || frame.size() > settings.history_bytes) return;
    history.push_back(frame);
    history_bytes += frame.size();
    while (history.size() > settings.history_count || history_bytes > settings.history_bytes) {
      history_bytes -= history.front().size();
      history.pop_front();
    }
  }
};

namespace {

void add_record(std::string& records, const std::string& presence) {
  uint32_t length = static_cast<uint32_t>(presence.size());
  char prefix[4];
  std::memcpy(prefix, &length, 4);  // little-endian, as Wasm's memory
  records.append(prefix, 4);
  records += presence;
}

}  // namespace

std::shared_ptr<Room> RoomHub::find(const std::string& key, bool create, const std::string& endpoint_path,
                                    uint32_t max_rooms, const std::string& channel, Backplane* backplane) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = rooms_.find(key);
  if (it != rooms_.end()) return it->second;
  if (!create) return nullptr;
  uint32_t& count = rooms_per_endpoint_[endpoint_path];
  if (max_rooms > 0 && count >= max_rooms) return nullptr;
  auto room = std::make_shared<Room>(key, endpoint_path);
  rooms_.emplace(key, room);
  ++count;
  if (backplane && !channel.empty()) {
    room->channel = channel;
    room->backplane = backplane;
    rooms_by_channel_[channel] = room;
  }
  return room;
}

Backplane* RoomHub::shared_through(const Room& room) const { return backplanes_ ? room.backplane : nullptr; }

std::shared_ptr<Room> RoomHub::find_channel(const Backplane& from, const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = rooms_by_channel_.find(channel);
  std::shared_ptr<Room> room = it == rooms_by_channel_.end() ? nullptr : it->second.lock();
  return room && room->backplane == &from ? room : nullptr;
}

void RoomHub::share_departure(const Room& room, uint32_t member, const SharedBytes& announce) {
  if (Backplane* backplane = shared_through(room)) backplane->left(room.channel, member, RoomFrame{announce});
}

void RoomHub::forget_if_empty(const std::shared_ptr<Room>& room) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::lock_guard<std::mutex> room_lock(room->mutex);
  if (!room->members.empty() || room->closed) return;
  room->closed = true;
  auto it = rooms_.find(room->key);
  if (it != rooms_.end() && it->second == room) {
    rooms_.erase(it);
    auto count = rooms_per_endpoint_.find(room->endpoint_path);
    if (count != rooms_per_endpoint_.end() && --count->second == 0) rooms_per_endpoint_.erase(count);
    auto shared = rooms_by_channel_.find(room->channel);
    if (!room->channel.empty() && shared != rooms_by_channel_.end() && shared->second.lock() == room) {
      rooms_by_channel_.erase(shared);
    }
  }
}

// Queues `frame` (in the form each member takes) for every member but `except` (0: none), as the room's
// settings say for a member whose queue is full. Called with the room's lock held.
void RoomHub::deliver_locked(Room& room, const std::shared_ptr<Room>& self, const RoomFrame& room_frame,
                             uint32_t except, RoomEffects& effects) {
  std::vector<uint32_t> cut_off;
  for (auto& member : room.members) {
    Connection& connection = *member.connection;
    if (connection.id() == except || connection.end_requested()) continue;
    const SharedBytes& frame = room_frame.for_member(member.deflate_window_bits);
    size_t queued = connection.queue().size();
    // A member always gets a frame when its queue is empty, however large the frame.
    if (queued > 0 && queued + frame.size() > room.settings.max_backlog) {
      if (room.settings.drop_on_backlog) {
        dropped_++;
      } else {
        cut_off.push_back(connection.id());
      }
      continue;
    }
    try {
      connection.queue().push(frame);
      delivered_++;
      effects.wakes.push_back(member.connection);
    } catch (const std::exception&) {
      dropped_++;  // out of memory for this one member: it misses this frame, the room goes on
    }
  }
  for (uint32_t id : cut_off) {
    Room::Member member = room.take(id);
    if (!member.connection) continue;
    evicted_++;
    members_--;
    member.connection->set_room(nullptr);
    add_record(room.lost, member.presence);
    share_departure(room, id, SharedBytes());
    try {
      if (!member.eviction.empty()) member.connection->queue().push(member.eviction);
      member.connection->request_end(member.eviction.empty());
    } catch (const std::exception&) {
      member.connection->request_end(true);
    }
    effects.wakes.push_back(member.connection);
    effects.evicted.push_back(member.connection);
    effects.losses.push_back(self);
  }
}

abi::Status RoomHub::join(Connection& connection, const std::string& endpoint_path, JoinRequest& request,
                          RoomEffects& effects) {
  if (connection.room()) return abi::Status::kBadArgument;
  const std::string key = endpoint_path + '\n' + request.room;
  for (;;) {
    std::shared_ptr<Room> room =
        find(key, true, endpoint_path, request.settings.max_rooms, request.channel, request.backplane);
    if (!room) return abi::Status::kLimitReached;  // a new room, past the endpoint's cap
    std::unique_lock<std::mutex> lock(room->mutex);
    if (room->closed) continue;  // emptied and forgotten meanwhile: a new one takes its place
    if (request.version != room->version) return abi::Status::kRetry;
    if (request.settings.max_members > 0 && room->members.size() >= request.settings.max_members) {
      bool empty = room->members.empty();
      lock.unlock();
      if (empty) forget_if_empty(room);
      return abi::Status::kLimitReached;
    }
    room->settings = request.settings;
    auto self = connection.shared_from_this();
    if (Backplane* backplane = shared_through(*room)) {
      if (room->members.empty() && room->version == 0) backplane->opened(room->channel, request.settings.history_count);
      backplane->joined(room->channel, connection.id(), request.presence, RoomFrame{request.announce});
    }
    room->members.push_back(
        {self, std::move(request.presence), std::move(request.eviction), request.deflate_window_bits});
    ++room->version;
    members_++;
    connection.set_room(room);
    // The newcomer's view: the welcome, what the room kept, then whatever comes next.
    if (!request.welcome.empty()) connection.queue().push(request.welcome);
    for (const auto& frame : room->history) connection.queue().push(frame.for_member(request.deflate_window_bits));
    effects.wakes.push_back(self);
    if (!request.announce.empty()) {
      deliver_locked(*room, room, RoomFrame{request.announce}, connection.id(), effects);
    }
    return abi::Status::kOk;
  }
}

abi::Status RoomHub::publish(Connection& connection, const RoomFrame& frame, bool include_self, bool keep,
                             RoomEffects& effects) {
  std::shared_ptr<Room> room = connection.room();
  if (!room) return abi::Status::kNotFound;
  std::lock_guard<std::mutex> lock(room->mutex);
  if (!room->find(connection.id())) return abi::Status::kNotFound;
  if (keep) room->keep(frame);
  deliver_locked(*room, room, frame, include_self ? 0 : connection.id(), effects);
  if (Backplane* backplane = shared_through(*room)) {
    backplane->publish(room->channel, frame, keep ? room->settings.history_count : 0);
  }
  return abi::Status::kOk;
}

void RoomHub::deliver_remote(Backplane& from, const std::string& channel, const RoomFrame& frame, bool keep,
                             RoomEffects& effects) {
  std::shared_ptr<Room> room = find_channel(from, channel);
  if (!room) return;  // no member here
  std::lock_guard<std::mutex> lock(room->mutex);
  if (room->closed) return;
  if (keep) room->keep(frame);
  deliver_locked(*room, room, frame, 0, effects);
}

void RoomHub::remote_history(Backplane& from, const std::string& channel, const std::vector<RoomFrame>& frames,
                             RoomEffects& effects) {
  std::shared_ptr<Room> room = find_channel(from, channel);
  if (!room) return;
  std::lock_guard<std::mutex> lock(room->mutex);
  if (room->closed) return;
  // What came live since the room opened is in Redis's list too: only the older frames are new here.
  auto is_kept = [&room](const RoomFrame& frame) {
    for (const auto& kept : room->history) {
      if (kept.plain.size() == frame.plain.size() &&
          std::memcmp(kept.plain.data(), frame.plain.data(), frame.plain.size()) == 0) {
        return true;
      }
    }
    return false;
  };
  std::deque<RoomFrame> since = std::move(room->history);
  room->history.clear();
  room->history_bytes = 0;
  for (const auto& frame : frames) {
    if (is_kept(frame)) continue;
    room->keep(frame);
    deliver_locked(*room, room, frame, 0, effects);
  }
  for (const auto& frame : since) room->keep(frame);
}

void RoomHub::remote_members_lost(Backplane& from, const std::string& channel, const std::string& records,
                                  RoomEffects& effects) {
  std::shared_ptr<Room> room = find_channel(from, channel);
  if (!room) return;
  std::lock_guard<std::mutex> lock(room->mutex);
  if (room->closed) return;
  room->lost += records;
  effects.losses.push_back(room);
}

abi::Status RoomHub::leave(Connection& connection, const SharedBytes& announce, uint32_t version,
                           RoomEffects& effects) {
  std::shared_ptr<Room> room = connection.room();
  if (!room) return abi::Status::kNotFound;
  {
    std::lock_guard<std::mutex> lock(room->mutex);
    if (version != room->version) return abi::Status::kRetry;
    Room::Member member = room->take(connection.id());
    if (!member.connection) return abi::Status::kNotFound;
    members_--;
    connection.set_room(nullptr);
    if (!announce.empty()) {
      deliver_locked(*room, room, RoomFrame{announce}, 0, effects);
    }
    share_departure(*room, connection.id(), announce);
  }
  forget_if_empty(room);
  return abi::Status::kOk;
}

void RoomHub::remove(Connection& connection, RoomEffects& effects) noexcept {
  std::shared_ptr<Room> room = connection.room();
  if (!room) return;
  try {
    {
      std::lock_guard<std::mutex> lock(room->mutex);
      Room::Member member = room->take(connection.id());
      connection.set_room(nullptr);
      if (!member.connection) return;
      members_--;
      add_record(room->lost, member.presence);
      effects.losses.push_back(room);
      share_departure(*room, connection.id(), SharedBytes());
    }
    forget_if_empty(room);
  } catch (const std::exception&) {
    // Out of memory for the record: the others are not told of this departure; the member is out all the same.
  }
}

void RoomHub::snapshot(const std::string& endpoint_path, const std::string& room_name, const std::string& channel,
                       uint32_t& version, uint32_t& count, std::string* records) {
  version = 0;
  count = 0;
  if (backplanes_ && !channel.empty()) count = backplanes_->remote_members(channel, records);
  std::shared_ptr<Room> room = find(endpoint_path + '\n' + room_name, false);
  if (!room) return;
  std::lock_guard<std::mutex> lock(room->mutex);
  if (room->closed) return;
  version = room->version;
  count += static_cast<uint32_t>(room->members.size());
  if (records) {
    for (const auto& member : room->members) add_record(*records, member.presence);
  }
}

bool RoomHub::take_losses(Room& room, std::string& records, std::shared_ptr<Connection>& announcer) {
  std::lock_guard<std::mutex> lock(room.mutex);
  if (room.lost.empty()) return false;
  if (room.members.empty()) {
    room.lost.clear();  // nobody left to tell
    return false;
  }
  records.swap(room.lost);
  room.lost.clear();
  announcer = room.members.front().connection;
  return true;
}

HubStats RoomHub::stats() const {
  HubStats stats;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats.rooms = rooms_.size();
  }
  stats.members = members_.load();
  stats.delivered = delivered_.load();
  stats.dropped = dropped_.load();
  stats.evicted = evicted_.load();
  return stats;
}

}  // namespace cs
