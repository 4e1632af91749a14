#include "instance_pool.h"

#include <algorithm>

#include "log.h"

namespace cs {

namespace {
constexpr uint16_t CLOSE_INTERNAL_ERROR = 1011;

void set_refusal(OpenResult& result, uint32_t status, const char* body) {
  result.status = status;
  result.headers.clear();
  result.body = body;
  result.connection.reset();
}
}  // namespace

// ---------------------------------------------------------------- InstanceSlot

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

bool InstanceSlot::ensure_instance_locked(bool* rate_limited) {
  if (rate_limited) *rate_limited = false;
  if (instance_) return true;
  auto now = std::chrono::steady_clock::now();
  while (!recent_rebuilds_.empty() && now - recent_rebuilds_.front() > std::chrono::minutes(1)) {
    recent_rebuilds_.pop_front();
  }
  if (recent_rebuilds_.size() >= pool_.options_.max_rebuilds_per_minute) {
    if (rate_limited) *rate_limited = true;
    return false;
  }
  recent_rebuilds_.push_back(now);
  std::string error;
  instance_ = WasmInstance::create(*this, pool_.options_.init_flags, error);
  if (!instance_) {
    log(LogLevel::error, "instance %u: %s", index_, error.c_str());
    return false;
  }
  ++generation_;
  pool_.instances_alive_++;
  return true;
}

Connection* InstanceSlot::find_locked(uint32_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void InstanceSlot::deliver_wakes(std::vector<std::shared_ptr<Connection>>& wakes) {
  for (auto& connection : wakes) connection->wake();
  wakes.clear();
}

// The instance is lost: every connection it held hears 1011 (encoded by a fresh instance, so the frame
// still comes from the Wasm protocol core) and is ended. Called with mutex_ held.
void InstanceSlot::after_trap_locked(const char* where) {
  pool_.traps_++;
  log(LogLevel::error, "instance %u trapped in %s (%s); closing its %zu connection(s) with 1011", index_, where,
      instance_ ? instance_->last_trap() : "?", connections_.size());
  instance_.reset();
  pool_.instances_alive_--;
  std::vector<uint8_t> close_frame;
  if (ensure_instance_locked()) {
    pool_.rebuilds_++;
    if (!instance_->encode_close(CLOSE_INTERNAL_ERROR, close_frame)) close_frame.clear();
  }
  for (auto& entry : connections_) {
    Connection& connection = *entry.second;
    if (!close_frame.empty()) connection.queue().push(close_frame.data(), close_frame.size());
    connection.request_end(close_frame.empty());
    wakes_.push_back(entry.second);
  }
  pool_.connections_ -= connections_.size();
  connections_.clear();
}

OpenResult InstanceSlot::open(const std::string& head, const std::string& endpoint) {
  OpenResult result;
  std::vector<std::shared_ptr<Connection>> wakes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bool rate_limited = false;
    if (!ensure_instance_locked(&rate_limited)) {
      if (rate_limited) {
        set_refusal(result, 503, "The WebSocket handler is restarting too often; try again later.\n");
      } else {
        set_refusal(result, 500, "The WebSocket handler could not start; the server log says why.\n");
      }
      return result;
    }
    uint32_t id = pool_.next_id();
    auto connection = std::make_shared<Connection>(id, *this, generation_, pool_.options_.write_limits);
    connections_.emplace(id, connection);
    opening_ = &result;
    opening_id_ = id;
    uint32_t status = 500;
    bool ok = instance_->open(id, head, endpoint, status);
    opening_ = nullptr;
    opening_id_ = 0;
    if (!ok) {
      connections_.erase(id);
      after_trap_locked("cs_open");
      set_refusal(result, 500, "The WebSocket handler failed.\n");
    } else if (status != 101) {
      connections_.erase(id);
      result.status = status;
    } else {
      result.status = 101;
      result.connection = connection;
      pool_.connections_++;
    }
    wakes.swap(wakes_);
  }
  deliver_wakes(wakes);
  return result;
}

void InstanceSlot::dispatch(Connection& connection, Event event, const uint8_t* bytes, size_t size,
                            uint32_t reason) {
  std::vector<std::shared_ptr<Connection>> wakes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A connection of an instance that trapped was already ended; its events go nowhere.
    if (!instance_ || connection.generation() != generation_ || !find_locked(connection.id())) return;
    bool ok = true;
    const char* where = "";
    switch (event) {
      case Event::data:
        ok = instance_->data(connection.id(), bytes, size);
        where = "cs_data";
        break;
      case Event::writable:
        ok = instance_->writable(connection.id());
        where = "cs_writable";
        break;
      case Event::timer:
        ok = instance_->timer(connection.id());
        where = "cs_timer";
        break;
      case Event::closed:
        ok = instance_->closed(connection.id(), reason);
        where = "cs_closed";
        if (ok) {
          connections_.erase(connection.id());
          pool_.connections_--;
        }
        break;
    }
    if (!ok) after_trap_locked(where);
    wakes.swap(wakes_);
  }
  deliver_wakes(wakes);
}

void InstanceSlot::response_header(uint32_t id, std::string_view name, std::string_view value) {
  if (opening_ && id == opening_id_) opening_->headers.emplace_back(std::string(name), std::string(value));
}

void InstanceSlot::response_body(uint32_t id, std::string_view body) {
  if (opening_ && id == opening_id_) opening_->body.assign(body.data(), body.size());
}

uint32_t InstanceSlot::send(uint32_t id, const uint8_t* data, size_t size) {
  Connection* connection = find_locked(id);
  if (!connection || connection->end_requested()) return SEND_DROPPED;
  auto pushed = connection->queue().push(data, size);
  wakes_.push_back(connection->shared_from_this());
  return pushed == WriteQueue::PushResult::backpressure ? SEND_BACKPRESSURE : SEND_OK;
}

void InstanceSlot::end(uint32_t id, bool abort) {
  Connection* connection = find_locked(id);
  if (!connection) return;
  connection->request_end(abort);
  wakes_.push_back(connection->shared_from_this());
}

void InstanceSlot::pause(uint32_t id, bool paused) {
  Connection* connection = find_locked(id);
  if (!connection || connection->paused() == paused) return;
  connection->set_paused(paused);
  wakes_.push_back(connection->shared_from_this());
}

void InstanceSlot::timer(uint32_t id, uint32_t milliseconds) {
  Connection* connection = find_locked(id);
  if (!connection) return;
  uint64_t sequence = connection->next_timer_sequence();
  if (milliseconds == 0) return;
  std::weak_ptr<Connection> weak = connection->shared_from_this();
  pool_.timers_.schedule(milliseconds, [this, weak, sequence] {
    auto alive = weak.lock();
    if (alive && alive->timer_current(sequence) && !alive->is_closed()) dispatch(*alive, Event::timer);
  });
}

// ---------------------------------------------------------------- InstancePool

InstancePool::InstancePool(PoolOptions options) : options_(options) {
  if (options_.instances == 0) options_.instances = 1;
  for (unsigned i = 0; i < options_.instances; ++i) slots_.push_back(std::make_unique<InstanceSlot>(*this, i));
}

InstancePool::~InstancePool() = default;

uint32_t InstancePool::next_id() {
  uint32_t id;
  do {
    id = ++next_id_;
  } while (id == 0);
  return id;
}

OpenResult InstancePool::open(const std::string& head, const std::string& endpoint) {
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
  return best->open(head, endpoint);
}

PoolStats InstancePool::stats() const {
  PoolStats stats{connections_.load(), traps_.load(), rebuilds_.load(), instances_alive_.load(), 0};
  for (const auto& slot : slots_) stats.wasm_memory_bytes += slot->memory_bytes();
  return stats;
}

}  // namespace cs
