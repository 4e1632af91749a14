#pragma once
// The native side of one instance as the harnesses play it: no I/O, no threads. It answers each import as
// the core would (docs/ABI.md), records what the module asked for, and checks the rules that hold whatever
// the input: bytes sent to the client (ServerFrames), a graceful or abortive end only after our close frame,
// well-formed program descriptions, room requests and room frames. One connection at a time.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi_constants.h"
#include "deflate_streams.h"
#include "server_frames.h"
#include "wasm_instance.h"

namespace cs::fuzz {

// What the module did to the connection that is open (or being opened).
struct ConnectionRecord {
  explicit ConnectionRecord(uint64_t max_data_payload) : frames(max_data_payload) {}

  ServerFrames frames;
  size_t sends = 0;
  bool ended = false;    // host_end(id, 0 or 1)
  bool aborted = false;  // host_end(id, 1)
  bool paused = false;
  bool writable_due = false;  // a send answered BACKPRESSURE: WRITABLE is owed once the queue drains
  bool process_started = false;
  bool in_room = false;
  bool closing_reported = false;  // host_closing: we close first
  uint32_t timers[abi::Limit::kTimerSlots] = {};
  DeflateContexts deflate;  // host_deflate and host_inflate, with the core's own zlib streams
};

class RecordingHost : public ImportHandler {
 public:
  // Every `backpressure_every`-th host_send answers BACKPRESSURE (0: never).
  uint32_t backpressure_every = 0;

  // A handshake for `id` is about to be made with this request head; its request values come from it.
  void begin_open(uint32_t id, std::string head, uint64_t max_data_payload = UINT64_MAX);
  // cs_open returned: keeps the connection's record when it was accepted.
  void end_open(bool accepted);
  // The CLOSED event was delivered: the connection is gone.
  void forget_connection() { connection_.reset(); }

  ConnectionRecord& connection();
  bool has_connection() const { return connection_ != nullptr; }
  uint32_t connection_id() const { return id_; }

  // Rules that hold between any two events: once our close frame is out the guard timer is armed and reading
  // is not paused (else the peer's close frame could never arrive), unless the connection was aborted.
  void check_settled();

  // The answer to the handshake being made.
  std::vector<std::pair<std::string, std::string>> answer_headers;
  std::string answer_body;
  // host_endpoint_error calls: (line, text).
  std::vector<std::pair<uint32_t, std::string>> endpoint_errors;

  abi::Status response_header(uint32_t id, std::string_view name, std::string_view value) override;
  abi::Status response_body(uint32_t id, std::string_view body) override;
  abi::Status request_value(uint32_t id, abi::RequestSource source, std::string_view name, std::string& out) override;
  abi::Status send(uint32_t id, const uint8_t* data, size_t size) override;
  abi::Status end(uint32_t id, bool abort) override;
  abi::Status pause(uint32_t id, bool paused) override;
  abi::Status timer(uint32_t id, uint32_t slot, uint32_t milliseconds) override;
  abi::Status deflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                      size_t out_capacity, size_t& written) override;
  abi::Status inflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                      size_t out_capacity, size_t& consumed, size_t& produced) override;
  abi::Status admit(uint32_t id, uint32_t cap) override;
  abi::Status endpoint_error(uint32_t endpoint, uint32_t line, std::string_view text) override;
  abi::Status process_start(uint32_t id, std::string_view description) override;
  abi::Status process_write(uint32_t id, const uint8_t* data, size_t size) override;
  abi::Status process_pause_output(uint32_t id, bool paused) override;
  abi::Status process_stop(uint32_t id) override;
  abi::Status room_snapshot(uint32_t id, std::string_view room, std::string& out) override;
  abi::Status room_join(uint32_t id, std::string_view request) override;
  abi::Status room_publish(uint32_t id, const uint8_t* frame, size_t size, const uint8_t* deflated,
                           size_t deflated_size, uint32_t window_bits, uint32_t flags) override;
  abi::Status room_leave(uint32_t id, const uint8_t* announce, size_t size, uint32_t version) override;
  abi::Status closing(uint32_t id, uint32_t code, std::string_view reason, uint32_t flags) override;
  void import_failed(uint32_t id, const char* import, const char* what) noexcept override;

 protected:
  // The record of `id`, which must be the connection open or being opened.
  ConnectionRecord& record_of(uint32_t id, const char* import);

 private:
  bool opening() const { return opening_; }

  uint32_t id_ = 0;
  bool opening_ = false;
  std::string head_;
  std::unique_ptr<ConnectionRecord> connection_;
};

}  // namespace cs::fuzz
