#include "instance_pool.h"

#include <exception>
#include <random>
#include <string>

#include "log.h"

namespace cs {
namespace {
constexpr unsigned kFullServerRetrySeconds = 5;
}  // namespace

InstancePool::InstancePool(PoolOptions options)
    : options_(options),
      endpoints_([this](EndpointVersion& version) { forget_endpoint(version); }),
      processes_(options_.processes) {
  if (options_.instances == 0) options_.instances = 1;
  server_tag_ = 1 + std::random_device()() % ((1u << 21) - 1);
  BackplaneListener& listener = *this;  // a private base: only the pool may hand itself out as one
  backplanes_ = std::make_unique<Backplanes>(options_.redis_url, options_.redis_prefix, listener);
  rooms_.use_backplanes(backplanes_.get());
  for (unsigned i = 0; i < options_.instances; ++i) slots_.push_back(std::make_unique<InstanceSlot>(*this, i));
  if (!slots_.front()->encode_close_frame(abi::CloseCode::kInternalError, internal_error_frame_)) {
    log(LogLevel::kError, "the 1011 close frame could not be encoded; failed connections will be dropped instead");
  }
}

InstancePool::~InstancePool() {
  log_summary();
  rooms_.use_backplanes(nullptr);  // members the slots still close leave their rooms without a backplane
  backplanes_.reset();
}

// What an operator wants to know when the module goes (on IIS an Event Log entry, on the host a line on stderr).
void InstancePool::log_summary() noexcept {
  try {
    PoolStats s = stats();
    log(LogLevel::kInfo,
        "chatsocket unloading: %llu connection(s) served, %llu message(s) in, %llu out, %llu room deliveries "
        "(%llu dropped); closes the server started: %s; %llu trap(s), %llu rebuild(s), %llu native failure(s)",
        static_cast<unsigned long long>(s.connections_opened), static_cast<unsigned long long>(s.messages_in),
        static_cast<unsigned long long>(s.messages_out), static_cast<unsigned long long>(s.rooms.delivered),
        static_cast<unsigned long long>(s.rooms.dropped), CloseCounts::describe(s.closes).c_str(),
        static_cast<unsigned long long>(s.traps), static_cast<unsigned long long>(s.rebuilds),
        static_cast<unsigned long long>(s.native_failures));
  } catch (const std::exception&) {
    // out of memory while unloading: no summary
  }
}

template <class Work>
void InstancePool::from_backplane(const char* failure, Work&& work) noexcept {
  try {
    RoomEffects effects;
    work(effects);
    settle(effects.wakes, effects.losses, effects.evicted);
  } catch (const std::exception& error) {
    log(LogLevel::kWarning, "%s (%s)", failure, error.what());
  }
}

void InstancePool::remote_frame(Backplane& from, const std::string& channel, const RoomFrame& frame,
                                bool keep) noexcept {
  from_backplane("a message from another server could not be delivered",
                 [&](RoomEffects& effects) { rooms_.deliver_remote(from, channel, frame, keep, effects); });
}

void InstancePool::remote_history(Backplane& from, const std::string& channel,
                                  const std::vector<RoomFrame>& frames) noexcept {
  from_backplane("a room's history from other servers could not be delivered",
                 [&](RoomEffects& effects) { rooms_.remote_history(from, channel, frames, effects); });
}

void InstancePool::remote_members_lost(Backplane& from, const std::string& channel,
                                       const std::string& records) noexcept {
  from_backplane("members lost on another server could not be announced",
                 [&](RoomEffects& effects) { rooms_.remote_members_lost(from, channel, records, effects); });
}

uint32_t InstancePool::next_id() {
  uint32_t id;
  do {
    id = ++next_id_;
  } while (id == 0);
  return id;
}

OpenResult InstancePool::open(EndpointVersion& endpoint, std::string_view head, RequestValues& request) noexcept {
  if (endpoint.failed()) {
    OpenResult refused;
    try {
      refused.refuse(500, endpoint.refusal_body());
    } catch (const std::exception&) {
      refused.status = 500;
    }
    return refused;
  }
  if (!enter_handshake()) {
    OpenResult refused;
    try {
      refused.refuse(503, "This server has reached its limit of " + std::to_string(options_.max_connections) +
                              " WebSocket connections (CHATSOCKET_MAX_CONNECTIONS); try again later.\n");
      refused.headers.emplace_back("Retry-After", std::to_string(kFullServerRetrySeconds));
    } catch (const std::exception&) {
      refused.status = 503;
    }
    return refused;
  }
  // The least busy instance takes the connection.
  InstanceSlot* best = slots_.front().get();
  size_t best_count = best->connection_count();
  for (size_t i = 1; i < slots_.size(); ++i) {
    size_t count = slots_[i]->connection_count();
    if (count < best_count) {
      best = slots_[i].get();
      best_count = count;
    }
  }
  OpenResult result = best->open(endpoint, head, request);
  handshakes_--;
  return result;
}

bool InstancePool::enter_handshake() noexcept {
  uint64_t under_way = ++handshakes_;
  if (options_.max_connections == 0 || connections_.load() + under_way <= options_.max_connections) return true;
  handshakes_--;
  return false;
}

void InstancePool::go_away() noexcept {
  if (going_away_.exchange(true)) return;
  // Set before any slot is looked at: a handshake a slot accepts after its turn here sees the flag under the
  // slot's lock and is refused, so no connection is left out.
  size_t told = 0;
  for (auto& slot : slots_) told += slot->tell_going_away();
  log(LogLevel::kInfo, "the server is going away: %zu connection(s) closing with 1001", told);
}

void InstancePool::forget_endpoint(EndpointVersion& endpoint) noexcept {
  for (auto& slot : slots_) slot->forget_endpoint(endpoint);
}

namespace {
// A member a room cut off gets its close frame after what it had not read yet; if it reads none of it for
// this long, it is dropped.
constexpr uint32_t kEvictedGraceMilliseconds = 5000;
}  // namespace

void InstancePool::settle(std::vector<std::shared_ptr<Connection>>& wakes, std::vector<std::shared_ptr<Room>>& losses,
                          std::vector<std::shared_ptr<Connection>>& evicted) noexcept {
  for (auto& connection : wakes) connection->wake();
  wakes.clear();
  for (auto& connection : evicted) {
    try {
      timers_.schedule(kEvictedGraceMilliseconds, connection, Connection::timer_tag(Connection::TimerKind::kEvicted));
    } catch (const std::exception&) {
      connection->request_end(true);  // no timer to be had: drop it now
      connection->wake();
    }
  }
  evicted.clear();
  for (auto& room : losses) {
    try {
      std::string records;
      std::shared_ptr<Connection> announcer;
      // The announcer runs in its own instance, with no lock of ours held.
      while (rooms_.take_losses(*room, records, announcer)) {
        announcer->deliver_event(abi::Event::kRoomMembersLost, reinterpret_cast<const uint8_t*>(records.data()),
                                 records.size());
        records.clear();
      }
    } catch (const std::exception& error) {
      log(LogLevel::kWarning, "a room could not announce who left (%s)", error.what());
    }
  }
  losses.clear();
}

PoolStats InstancePool::stats() const {
  PoolStats stats;
  stats.connections = connections_.load();
  stats.traps = traps_.load();
  stats.rebuilds = rebuilds_.load();
  stats.instances_alive = instances_alive_.load();
  stats.endpoint_versions = endpoints_.size();
  stats.native_failures = native_failures_.load();
  stats.processes = processes_.running();
  stats.connections_opened = connections_opened_.load();
  stats.closes = closes_.snapshot();
  stats.rooms = rooms_.stats();
  // A room cuts a member off with the 1008 frame its handler made at the join.
  stats.closes[CloseCounts::slot_of(abi::CloseCode::kPolicyViolation)] += stats.rooms.evicted;
  stats.backplane = backplanes_->stats();
  for (const auto& slot : slots_) {
    stats.wasm_memory_bytes += slot->memory_bytes();
    stats.wasm_resident_bytes += slot->resident_bytes();
    slot->add_message_counts(stats.messages_in, stats.messages_out);
  }
  return stats;
}

}  // namespace cs
