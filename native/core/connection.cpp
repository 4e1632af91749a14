#include "connection.h"

#include "instance_slot.h"

namespace cs {

Connection::Connection(uint32_t id, InstanceSlot& slot, uint64_t generation, WriteLimits limits)
    : id_(id), slot_(slot), generation_(generation), queue_(limits) {}

const std::string& Connection::endpoint_path() const {
  static const std::string none;
  return endpoint_path_ ? *endpoint_path_ : none;
}

void Connection::attach(std::weak_ptr<Transport> transport) noexcept {
  {
    std::lock_guard<std::mutex> lock(links_mutex_);
    transport_ = std::move(transport);
  }
  // Anything queued during the handshake (a greeting) is waiting for this.
  wake();
}

void Connection::detach() noexcept {
  std::lock_guard<std::mutex> lock(links_mutex_);
  transport_.reset();
}

void Connection::wake() noexcept {
  std::shared_ptr<Transport> transport;
  {
    std::lock_guard<std::mutex> lock(links_mutex_);
    transport = transport_.lock();
  }
  if (transport) transport->wake();
}

// An abort leaves the queue alone: a write in flight still points into it. The transport stops writing.
void Connection::request_end(bool abort) {
  if (abort) abort_.store(true);
  end_.store(true);
}

void Connection::on_timer(uint64_t tag) noexcept {
  switch (static_cast<TimerKind>(tag >> 56)) {
    case TimerKind::kSlot:
      slot_.slot_timer_fired(*this, static_cast<uint32_t>(tag >> 48 & 0xFF), static_cast<uint32_t>(tag));
      break;
    case TimerKind::kEvicted:  // its room cut it off and it has not read its close frame since: drop it
      if (closed_.load()) return;
      request_end(true);
      wake();
      break;
    case TimerKind::kProbe: slot_.probe_fired(*this); break;
  }
}

void Connection::received(const uint8_t* bytes, size_t size) noexcept {
  if (closed_.load() || end_.load()) return;
  slot_.dispatch(*this, abi::Event::kData, bytes, size);
}

void Connection::wrote(size_t bytes) noexcept {
  if (queue_.consume(bytes) && !closed_.load()) slot_.dispatch(*this, abi::Event::kWritable);
}

void Connection::closed(abi::ClosedReason reason) noexcept {
  if (closed_.exchange(true)) return;
  for (auto& sequence : timer_sequences_) ++sequence;  // a pending timer no longer applies
  if (process_) process_->stop();                      // the client is gone: so is its program, tree and all
  slot_.dispatch(*this, abi::Event::kClosed, nullptr, 0, static_cast<uint32_t>(reason));
}

void Connection::deliver_event(abi::Event event, const uint8_t* bytes, size_t size, uint32_t a, uint32_t b) noexcept {
  if (closed_.load()) return;
  slot_.dispatch(*this, event, bytes, size, a, b);
}

void Connection::fail(const char* where, const char* what, bool stream_intact) noexcept {
  slot_.fail_connection(*this, where, what, stream_intact);
}

}  // namespace cs
