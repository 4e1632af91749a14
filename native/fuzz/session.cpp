#include "session.h"

#include "fuzz_failure.h"

namespace cs::fuzz {

Session::Session(RecordingHost& host, uint32_t init_flags) : host_(host) {
  clear_captured_log();
  std::string error;
  instance_ = WasmInstance::create(host, init_flags, error);
  if (!instance_) fail("the module did not start: " + error);
}

void Session::survived(bool ok, const char* call) {
  if (!ok) fail(std::string(call) + " trapped: " + instance_->last_trap());
}

abi::Status Session::create_endpoint(uint32_t endpoint, std::string_view text) {
  abi::Status status = abi::Status::kOk;
  survived(instance_->endpoint_create(endpoint, text, status), "cs_endpoint_create");
  return status;
}

void Session::endpoint_done(uint32_t endpoint) { survived(instance_->endpoint_done(endpoint), "cs_endpoint_done"); }

uint32_t Session::open(uint32_t id, uint32_t endpoint, std::string_view head, uint64_t max_data_payload) {
  host_.begin_open(id, std::string(head), max_data_payload);
  uint32_t status = 0;
  survived(instance_->open(id, endpoint, head, status), "cs_open");
  host_.end_open(status == 101);
  if (status == 101) host_.check_settled();
  return status;
}

void Session::bytes_event(abi::Event event, const uint8_t* bytes, size_t size) {
  survived(instance_->bytes_event(host_.connection_id(), event, bytes, size), "cs_event (bytes)");
  host_.check_settled();
}

void Session::event(abi::Event event, uint32_t a, uint32_t b) {
  survived(instance_->event(host_.connection_id(), event, a, b), "cs_event");
  host_.check_settled();
}

void Session::finish_connection() {
  ConnectionRecord& record = host_.connection();
  if (record.writable_due && !record.aborted) {
    record.writable_due = false;
    event(abi::Event::kWritable);
  }
  for (uint32_t slot = 1; slot <= abi::Limit::kTimerSlots; ++slot) {
    uint32_t fired = slot % abi::Limit::kTimerSlots;  // slot 0, the close timer, last
    if (record.timers[fired] == 0 || record.aborted) continue;
    record.timers[fired] = 0;
    bool closing = record.frames.close_sent();
    event(abi::Event::kTimer, fired);
    if (fired == 0 && closing) check(record.aborted, "the close timer fired but the connection was not aborted");
  }
  auto reason = record.ended ? abi::ClosedReason::kByModule : abi::ClosedReason::kByPeer;
  event(abi::Event::kClosed, static_cast<uint32_t>(reason));
  host_.forget_connection();
}

}  // namespace cs::fuzz
