#include "instance_slot.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "fault_injection.h"
#include "instance_pool.h"
#include "log.h"

namespace cs {

InstanceSlot::InstanceSlot(InstancePool& pool, unsigned index) : pool_(pool), index_(index) {
  std::lock_guard<std::mutex> lock(mutex_);
  ensure_instance_locked();
}

InstanceSlot::~InstanceSlot() {
  if (instance_) pool_.instances_alive_--;
}

size_t InstanceSlot::connection_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return connections_.size();
}

size_t InstanceSlot::memory_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return instance_ ? instance_->memory_bytes() : 0;
}

size_t InstanceSlot::resident_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return instance_ ? instance_->resident_bytes() : 0;
}

void InstanceSlot::add_message_counts(uint64_t& in, uint64_t& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto counters = lost_counters_;
  if (instance_) {
    auto live = instance_->counters();
    for (size_t i = 0; i < counters.size(); ++i) counters[i] += live[i];
  }
  in += counters[abi::Counter::kMessagesIn];
  out += counters[abi::Counter::kMessagesOut];
}

bool InstanceSlot::encode_close_frame(uint32_t code, std::vector<uint8_t>& frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!instance_ || instance_->encode_close(code, frame)) return instance_ != nullptr;
  after_trap_locked("cs_encode_close");
  return false;
}

bool InstanceSlot::ensure_instance_locked(bool* rate_limited) {
  if (rate_limited) *rate_limited = false;
  if (instance_) return true;
  const bool rebuild = built_before_;
  if (rebuild) {
    auto now = pool_.now();
    while (!recent_rebuilds_.empty() && now - recent_rebuilds_.front() >= std::chrono::minutes(1)) {
      recent_rebuilds_.pop_front();
    }
    if (recent_rebuilds_.size() >= pool_.options_.max_rebuilds_per_minute) {
      if (rate_limited) *rate_limited = true;
      return false;
    }
    recent_rebuilds_.push_back(now);
  }
  built_before_ = true;
  std::string error;
  instance_ = WasmInstance::create(*this, pool_.options_.init_flags, error, pool_.options_.message_memory_mib,
                                   pool_.server_tag());
  if (!instance_) {
    log(LogLevel::kError, "instance %u: %s", index_, error.c_str());
    return false;
  }
  ++generation_;
  pool_.instances_alive_++;
  if (rebuild) pool_.rebuilds_++;
  return true;
}

uint32_t InstanceSlot::seconds_until_rebuild_locked() const {
  if (recent_rebuilds_.empty()) return 1;
  auto left = recent_rebuilds_.front() + std::chrono::minutes(1) - pool_.now();
  auto seconds = std::chrono::ceil<std::chrono::seconds>(left).count();
  return static_cast<uint32_t>(std::max<int64_t>(seconds, 1));
}

bool InstanceSlot::ensure_endpoint_locked(EndpointVersion& endpoint, bool& trapped) {
  trapped = false;
  if (endpoints_.count(endpoint.id())) return true;
  endpoint_error_line_ = 0;
  endpoint_error_text_.clear();
  abi::Status status = abi::Status::kOk;
  if (!instance_->endpoint_create(endpoint.id(), endpoint.site().text, endpoint.text(), status)) {
    trapped = true;
    return false;
  }
  if (status != abi::Status::kOk) {
    if (endpoint_error_text_.empty())
      endpoint_error_text_ = "the handler refused it (status " + std::to_string(static_cast<uint32_t>(status)) + ").";
    endpoint.mark_failed(endpoint_error_line_, endpoint_error_text_);
    return false;
  }
  endpoints_.insert(endpoint.id());
  return true;
}

Connection* InstanceSlot::find_locked(uint32_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void InstanceSlot::take_room_effects_locked(RoomEffects& effects) {
  wakes_.insert(wakes_.end(), effects.wakes.begin(), effects.wakes.end());
  losses_.insert(losses_.end(), effects.losses.begin(), effects.losses.end());
  evicted_.insert(evicted_.end(), effects.evicted.begin(), effects.evicted.end());
}

void InstanceSlot::leave_room_quietly(Connection& connection) noexcept {
  if (!connection.room()) return;
  RoomEffects effects;
  pool_.rooms().remove(connection, effects);
  pool_.settle(effects.wakes, effects.losses, effects.evicted);
}

// The instance is lost: every connection it held hears 1011 and is ended. The frame was encoded when the
// pool started, so it reaches every victim even when no instance can be rebuilt. Called with mutex_ held.
void InstanceSlot::after_trap_locked(const char* where) noexcept {
  pool_.traps_++;
  log(LogLevel::kError, "instance %u trapped in %s (%s); closing its %zu connection(s) with 1011", index_, where,
      instance_ ? instance_->last_trap() : "?", connections_.size());
  if (instance_) {
    // A trap leaves memory as it was; the counters are plain numbers in it, worth keeping.
    auto counters = instance_->counters();
    for (size_t i = 0; i < counters.size(); ++i) lost_counters_[i] += counters[i];
  }
  instance_.reset();
  pool_.instances_alive_--;
  endpoints_.clear();
  RoomEffects effects;
  for (auto& entry : connections_) {
    // Out of its room first: nothing the room sends may follow the 1011.
    pool_.rooms().remove(*entry.second, effects);
    fail_locked(*entry.second, true);
    entry.second->release_seat();
    try {
      wakes_.push_back(entry.second);
    } catch (const std::bad_alloc&) {
      entry.second->wake();  // no room to defer it: wake now (the transport does not call back into this slot)
    }
  }
  pool_.connections_ -= connections_.size();
  connections_.clear();
  try {
    take_room_effects_locked(effects);
    ensure_instance_locked();
  } catch (const std::exception& error) {
    log(LogLevel::kError, "instance %u could not be rebuilt: %s", index_, error.what());
  }
}

// Queues the 1011 frame and asks for a graceful end; if even that cannot be queued, aborts. Nothing after
// the frame is sent: send() drops whatever the module writes once the end is requested.
void InstanceSlot::fail_locked(Connection& connection, bool stream_intact) noexcept {
  if (connection.end_requested()) return;  // already ending, after its own close frame
  pool_.closes_.add(abi::CloseCode::kInternalError);
  const std::vector<uint8_t>& frame = pool_.internal_error_frame();
  bool queued = false;
  if (stream_intact && !frame.empty()) {
    try {
      connection.queue().push(frame.data(), frame.size());
      queued = true;
    } catch (const std::exception&) {
      queued = false;
    }
  }
  connection.request_end(!queued);
}

void InstanceSlot::fail_connection(Connection& connection, const char* where, const char* what,
                                   bool stream_intact) noexcept {
  pool_.native_failures_++;
  log(LogLevel::kError, "connection %u: %s failed (%s); closing it with 1011", connection.id(), where, what);
  leave_room_quietly(connection);  // nothing the room sends may follow the 1011
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (connection.mark_failed()) fail_locked(connection, stream_intact);
  }
  connection.wake();
}

void InstanceSlot::open_locked(EndpointVersion& endpoint, std::string_view head, RequestValues& request,
                               OpenResult& result) {
  if (pool_.going_away()) {
    // A client that retries reaches the process IIS started in this one's place (or, on a stop, nobody).
    result.refuse(503, "The server is going away; try again in a moment.\n");
    result.headers.emplace_back("Retry-After", "1");
    return;
  }
  bool rate_limited = false;
  if (!ensure_instance_locked(&rate_limited)) {
    if (rate_limited) {
      result.refuse(503, "The WebSocket handler is restarting too often; try again later.\n");
      result.headers.emplace_back("Retry-After", std::to_string(seconds_until_rebuild_locked()));
    } else {
      result.refuse(500, "The WebSocket handler could not start; the server log says why.\n");
    }
    return;
  }
  bool trapped = false;
  if (!ensure_endpoint_locked(endpoint, trapped)) {
    if (trapped) {
      after_trap_locked("cs_endpoint_create");
      result.refuse(500, "The WebSocket handler failed.\n");
    } else {
      result.refuse(500, endpoint.refusal_body());
    }
    return;
  }
  uint32_t id = pool_.next_id();
  // Not make_shared: a pending timer holds a weak_ptr, and with make_shared that keeps the whole Connection's
  // memory until the timer is due (a keepalive: 30 s after the client left); apart, only the control block.
  std::shared_ptr<Connection> connection(new Connection(id, *this, generation_, pool_.options_.write_limits));
  connection->set_endpoint_path(endpoint.shared_path());
  std::string url;
  if (request.variable("URL", url)) connection->set_url_path(std::move(url));
  connections_.emplace(id, connection);
  opening_ = {id, &result, &request, &endpoint};
  uint32_t status = 500;
  bool ok = instance_->open(id, endpoint.id(), head, status);
  opening_ = {0, nullptr, nullptr, nullptr};
  if (!ok) {
    if (connection->process()) connection->process()->stop();
    connections_.erase(id);
    after_trap_locked("cs_open");
    result.refuse(500, "The WebSocket handler failed.\n");
  } else if (status != 101) {
    if (connection->process()) connection->process()->stop();  // started by the handler, then refused
    connections_.erase(id);
    result.status = status;
  } else if (connection->failed()) {
    // An import failed while the answer was being built: the module accepted, but the answer is not whole.
    bool closed = instance_->event(id, abi::Event::kClosed, static_cast<uint32_t>(abi::ClosedReason::kByError));
    if (connection->process()) connection->process()->stop();
    connections_.erase(id);
    if (!closed) after_trap_locked("cs_event");
    result.refuse(500, "The WebSocket module failed on this request.\n");
  } else {
    result.status = 101;
    result.connection = connection;
    pool_.connections_++;
    pool_.connections_opened_++;
  }
  // The module forgets a retired endpoint only when told; tell it again if it learnt this one meanwhile.
  if (endpoint.retired() && instance_ && endpoints_.erase(endpoint.id()) && !instance_->endpoint_done(endpoint.id())) {
    after_trap_locked("cs_endpoint_done");
  }
}

OpenResult InstanceSlot::open(EndpointVersion& endpoint, std::string_view head, RequestValues& request) noexcept {
  OpenResult result;
  std::vector<std::shared_ptr<Connection>> wakes;
  std::vector<std::shared_ptr<Room>> losses;
  std::vector<std::shared_ptr<Connection>> evicted;
  try {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        open_locked(endpoint, head, request, result);
      } catch (...) {
        opening_ = {0, nullptr, nullptr, nullptr};
        throw;
      }
      wakes.swap(wakes_);
      losses.swap(losses_);
      evicted.swap(evicted_);
    }
    pool_.settle(wakes, losses, evicted);
  } catch (const std::exception& error) {
    pool_.native_failures_++;
    log(LogLevel::kError, "a handshake failed natively (%s)", error.what());
    if (result.connection) result.connection->fail("the handshake", error.what(), true);
    result.refuse(500, "The WebSocket module failed on this request.\n");
  }
  return result;
}

namespace {
bool carries_bytes(abi::Event event) {
  return event == abi::Event::kData || event == abi::Event::kProcessStdout || event == abi::Event::kProcessStderr ||
         event == abi::Event::kRoomMembersLost;
}
}  // namespace

void InstanceSlot::dispatch(Connection& connection, abi::Event event, const uint8_t* bytes, size_t size, uint32_t a,
                            uint32_t b) noexcept {
  std::vector<std::shared_ptr<Connection>> wakes;
  std::vector<std::shared_ptr<Room>> losses;
  std::vector<std::shared_ptr<Connection>> evicted;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    // A connection of an instance that trapped was already ended; its events go nowhere.
    if (!instance_ || connection.generation() != generation_ || !find_locked(connection.id())) return;
    bool ok = carries_bytes(event) ? instance_->bytes_event(connection.id(), event, bytes, size)
                                   : instance_->event(connection.id(), event, a, b);
    if (!ok) {
      after_trap_locked(event == abi::Event::kData ? "the DATA event" : "an event");
    } else if (event == abi::Event::kClosed) {
      connection.release_seat();  // now, not when the last reference goes: the next client may take it
      connections_.erase(connection.id());
      pool_.connections_--;
    }
    wakes.swap(wakes_);
    losses.swap(losses_);
    evicted.swap(evicted_);
  } catch (const std::exception& error) {
    if (event == abi::Event::kClosed) return;  // nothing left to close
    fail_connection(connection, "an event", error.what(), event != abi::Event::kWritable);
  }
  pool_.settle(wakes, losses, evicted);
}

size_t InstanceSlot::tell_going_away() noexcept {
  std::vector<std::shared_ptr<Connection>> open;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    open.reserve(connections_.size());
    for (auto& entry : connections_) open.push_back(entry.second);
  } catch (const std::exception& error) {
    log(LogLevel::kError, "instance %u could not tell its connections the server is going away (%s)", index_,
        error.what());
    return 0;
  }
  for (auto& connection : open) connection->deliver_event(abi::Event::kGoingAway);
  return open.size();
}

void InstanceSlot::forget_endpoint(const EndpointVersion& endpoint) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (instance_ && endpoints_.erase(endpoint.id()) && !instance_->endpoint_done(endpoint.id())) {
    after_trap_locked("cs_endpoint_done");
  }
}

abi::Status InstanceSlot::response_header(uint32_t id, std::string_view name, std::string_view value) {
  if (id != opening_.id || !opening_.result) return abi::Status::kWrongState;
  opening_.result->headers.emplace_back(std::string(name), std::string(value));
  return abi::Status::kOk;
}

abi::Status InstanceSlot::response_body(uint32_t id, std::string_view body) {
  if (id != opening_.id || !opening_.result) return abi::Status::kWrongState;
  opening_.result->body.assign(body.data(), body.size());
  return abi::Status::kOk;
}

abi::Status InstanceSlot::request_value(uint32_t id, abi::RequestSource source, std::string_view name,
                                        std::string& out) {
  if (id != opening_.id || !opening_.request) return abi::Status::kWrongState;
  bool found = source == abi::RequestSource::kHeader ? opening_.request->header(name, out)
                                                     : opening_.request->variable(name, out);
  return found ? abi::Status::kOk : abi::Status::kNotFound;
}

abi::Status InstanceSlot::send(uint32_t id, const uint8_t* data, size_t size) {
  Connection* connection = find_locked(id);
  if (!connection || connection->end_requested()) return abi::Status::kDropped;
  auto pushed = connection->queue().push(data, size);
  wakes_.push_back(connection->shared_from_this());
  return pushed == WriteQueue::PushResult::kBackpressure ? abi::Status::kBackpressure : abi::Status::kOk;
}

abi::Status InstanceSlot::end(uint32_t id, bool abort) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  connection->request_end(abort);
  wakes_.push_back(connection->shared_from_this());
  return abi::Status::kOk;
}

abi::Status InstanceSlot::pause(uint32_t id, bool paused) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  if (connection->paused() == paused) return abi::Status::kOk;
  connection->set_paused(paused);
  wakes_.push_back(connection->shared_from_this());
  if (paused && connection->start_probing()) probe_while_paused(connection->shared_from_this());
  return abi::Status::kOk;
}

namespace {
// How often a connection whose reading is paused asks the server whether its client is still there.
constexpr uint32_t kPausedProbeMilliseconds = 1000;
}  // namespace

// A paused transport reads nothing, so it cannot see its client leave; every probe wakes it to ask (the IIS
// pipe asks IHttpConnection::IsConnected). Stops once reading resumes or the connection is gone.
void InstanceSlot::probe_while_paused(const std::shared_ptr<Connection>& connection) {
  pool_.timers_.schedule(kPausedProbeMilliseconds, connection, Connection::timer_tag(Connection::TimerKind::kProbe));
}

void InstanceSlot::probe_fired(Connection& connection) noexcept {
  if (!connection.paused() || connection.is_closed()) {
    connection.stop_probing();
    return;
  }
  connection.wake();
  try {
    probe_while_paused(connection.shared_from_this());
  } catch (const std::exception& error) {
    log(LogLevel::kError, "connection %u: the next probe while paused could not be set (%s)", connection.id(),
        error.what());
    connection.stop_probing();
  }
}

abi::Status InstanceSlot::timer(uint32_t id, uint32_t slot, uint32_t milliseconds) {
  if (slot >= abi::Limit::kTimerSlots) return abi::Status::kBadArgument;
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  arm_timer(*connection, slot, milliseconds);
  return abi::Status::kOk;
}

abi::Status InstanceSlot::admit(uint32_t id, uint32_t cap) {
  Connection* connection = find_locked(id);
  if (!connection || opening_.id != id) return abi::Status::kNotFound;  // only while its handshake is answered
  if (connection->has_seat()) return abi::Status::kOk;
  auto seat = pool_.seats_.take(connection->endpoint_path(), cap);
  if (!seat) return abi::Status::kLimitReached;
  connection->hold_seat(std::move(seat));
  return abi::Status::kOk;
}

void InstanceSlot::arm_timer(Connection& connection, uint32_t slot, uint32_t milliseconds) {
  uint32_t sequence = connection.next_timer_sequence(slot);
  if (milliseconds == 0) return;
  pool_.timers_.schedule(milliseconds, connection.weak_from_this(),
                         Connection::timer_tag(Connection::TimerKind::kSlot, slot, sequence));
}

void InstanceSlot::slot_timer_fired(Connection& connection, uint32_t slot, uint32_t sequence) noexcept {
  if (!connection.timer_current(slot, sequence) || connection.is_closed()) return;
  try {
    fault_point(FaultPoint::kTimer);
  } catch (const std::exception& error) {
    connection.fail("a timer", error.what(), true);
    return;
  }
  dispatch(connection, abi::Event::kTimer, nullptr, 0, slot);
}

abi::Status InstanceSlot::endpoint_error(uint32_t, uint32_t line, std::string_view text) {
  endpoint_error_line_ = line;
  endpoint_error_text_.assign(text.data(), text.size());
  return abi::Status::kOk;
}

abi::Status InstanceSlot::process_start(uint32_t id, std::string_view description) {
  if (id != opening_.id || !opening_.endpoint) return abi::Status::kWrongState;
  Connection* connection = find_locked(id);
  if (!connection || connection->process()) return abi::Status::kWrongState;
  return pool_.processes().start(*connection, *opening_.endpoint, description);
}

abi::Status InstanceSlot::deflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                                  size_t out_capacity, size_t& written) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  return connection->deflate_contexts().deflate(params, in, in_size, out, out_capacity, written);
}

abi::Status InstanceSlot::inflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                                  size_t out_capacity, size_t& consumed, size_t& produced) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  return connection->deflate_contexts().inflate(params, in, in_size, out, out_capacity, consumed, produced);
}

abi::Status InstanceSlot::process_write(uint32_t id, const uint8_t* data, size_t size) {
  Connection* connection = find_locked(id);
  if (!connection || !connection->process()) return abi::Status::kNotFound;
  switch (connection->process()->write_stdin(data, size)) {
    case ChildProcess::WriteResult::kQueued: return abi::Status::kOk;
    case ChildProcess::WriteResult::kBackpressure: return abi::Status::kBackpressure;
    case ChildProcess::WriteResult::kClosed: return abi::Status::kDropped;
  }
  return abi::Status::kDropped;
}

abi::Status InstanceSlot::process_pause_output(uint32_t id, bool paused) {
  Connection* connection = find_locked(id);
  if (!connection || !connection->process()) return abi::Status::kNotFound;
  connection->process()->pause_output(paused);
  return abi::Status::kOk;
}

abi::Status InstanceSlot::process_stop(uint32_t id) {
  Connection* connection = find_locked(id);
  if (!connection || !connection->process()) return abi::Status::kNotFound;
  connection->process()->stop();
  return abi::Status::kOk;
}

namespace {

// Reads host_room_join's request (docs/ABI.md): eight u32, then six length-prefixed fields.
class RequestReader {
 public:
  explicit RequestReader(std::string_view bytes) : bytes_(bytes) {}
  bool number(uint32_t& out) {
    if (bytes_.size() - at_ < 4) return false;
    std::memcpy(&out, bytes_.data() + at_, 4);
    at_ += 4;
    return true;
  }
  bool field(std::string_view& out) {
    uint32_t length = 0;
    if (!number(length) || bytes_.size() - at_ < length) return false;
    out = bytes_.substr(at_, length);
    at_ += length;
    return true;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

// A room's name across a web farm: its endpoint's URL path, and its name within the endpoint.
std::string room_channel(const Connection& connection, std::string_view room) {
  std::string channel = connection.url_path();
  if (!room.empty()) channel.append("#").append(room.data(), room.size());
  return channel;
}

SharedBytes shared(std::string_view text) {
  return text.empty() ? SharedBytes() : SharedBytes::copy(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

abi::Status InstanceSlot::room_snapshot(uint32_t id, std::string_view room, std::string& out) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  uint32_t version = 0, count = 0;
  std::string records;
  pool_.rooms().snapshot(connection->endpoint_path(), std::string(room), room_channel(*connection, room), version,
                         count, &records);
  out.resize(8);
  std::memcpy(&out[0], &version, 4);
  std::memcpy(&out[4], &count, 4);
  out += records;
  return abi::Status::kOk;
}

abi::Status InstanceSlot::room_join(uint32_t id, std::string_view bytes) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  RequestReader reader(bytes);
  JoinRequest request;
  uint32_t flags = 0;
  std::string_view room, presence, welcome, announce, eviction, backplane;
  if (!reader.number(request.version) || !reader.number(request.settings.max_members) ||
      !reader.number(request.settings.max_backlog) || !reader.number(flags) ||
      !reader.number(request.settings.history_count) || !reader.number(request.settings.history_bytes) ||
      !reader.number(request.settings.max_rooms) || !reader.number(request.deflate_window_bits) ||
      !reader.field(room) || !reader.field(presence) || !reader.field(welcome) || !reader.field(announce) ||
      !reader.field(eviction) || !reader.field(backplane) || !reader.done()) {
    return abi::Status::kBadArgument;
  }
  request.settings.drop_on_backlog = (flags & static_cast<uint32_t>(abi::JoinFlag::kDropOnBacklog)) != 0;
  if ((flags & static_cast<uint32_t>(abi::JoinFlag::kLocalOnly)) == 0) {
    request.backplane = pool_.backplanes().get(std::string(backplane));
    if (request.backplane) request.channel = room_channel(*connection, room);
  }
  request.room.assign(room.data(), room.size());
  request.presence.assign(presence.data(), presence.size());
  request.welcome = shared(welcome);
  request.announce = shared(announce);
  request.eviction = shared(eviction);
  RoomEffects effects;
  abi::Status status = pool_.rooms().join(*connection, connection->endpoint_path(), request, effects);
  take_room_effects_locked(effects);
  return status;
}

abi::Status InstanceSlot::room_publish(uint32_t id, const uint8_t* frame, size_t size, const uint8_t* deflated,
                                       size_t deflated_size, uint32_t window_bits, uint32_t flags) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  RoomFrame published{SharedBytes::copy(frame, size),
                      deflated_size > 0 ? SharedBytes::copy(deflated, deflated_size) : SharedBytes(), window_bits};
  RoomEffects effects;
  abi::Status status = pool_.rooms().publish(*connection, published,
                                             (flags & static_cast<uint32_t>(abi::PublishFlag::kIncludeSelf)) != 0,
                                             (flags & static_cast<uint32_t>(abi::PublishFlag::kKeep)) != 0, effects);
  take_room_effects_locked(effects);
  return status;
}

abi::Status InstanceSlot::room_leave(uint32_t id, const uint8_t* announce, size_t size, uint32_t version) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  // Once the server is going away every member is being closed: telling the others who left is noise, and N
  // members leaving one after the other would queue N²/2 announcements.
  bool announced = size > 0 && !pool_.going_away();
  RoomEffects effects;
  abi::Status status =
      pool_.rooms().leave(*connection, announced ? SharedBytes::copy(announce, size) : SharedBytes(), version, effects);
  take_room_effects_locked(effects);
  return status;
}

abi::Status InstanceSlot::closing(uint32_t id, uint32_t code, std::string_view reason, uint32_t flags) {
  Connection* connection = find_locked(id);
  if (!connection) return abi::Status::kNotFound;
  pool_.closes_.add(code);
  LogLevel level = flags & static_cast<uint32_t>(abi::CloseFlag::kLog) ? LogLevel::kInfo : LogLevel::kDebug;
  log(level, "connection %u (%s): closing with %u%s%.*s", id, connection->url_path().c_str(), code,
      reason.empty() ? "" : ", ", static_cast<int>(reason.size()), reason.data());
  return abi::Status::kOk;
}

void InstanceSlot::import_failed(uint32_t id, const char* import, const char* what) noexcept {
  pool_.native_failures_++;
  Connection* connection = id ? find_locked(id) : nullptr;
  if (!connection) {
    log(LogLevel::kError, "instance %u: %s failed (%s)", index_, import, what);
    return;
  }
  log(LogLevel::kError, "connection %u: %s failed (%s); closing it with 1011", id, import, what);
  try {
    RoomEffects effects;
    pool_.rooms().remove(*connection, effects);
    take_room_effects_locked(effects);
  } catch (const std::exception&) {
    // out of memory for the effects: the room was left all the same
  }
  if (connection->mark_failed()) fail_locked(*connection, true);
  try {
    wakes_.push_back(connection->shared_from_this());
  } catch (const std::exception&) {
    // The transport finds the end request at its next completion.
  }
}

}  // namespace cs
