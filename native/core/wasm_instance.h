#pragma once
// One instantiation of build/chatsocket.wasm (through wasm2c), with the imports of docs/ABI.md routed to an
// ImportHandler. Not thread-safe: the owner serializes calls (InstanceSlot holds a lock around each).
// Every call returns false when the instance trapped; after that the instance must be discarded.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "abi_constants.h"

namespace cs {

// What the instance asks of the native side (docs/ABI.md, "Imports"). Called only during a call into the
// instance, on that call's thread. An implementation may throw: the import boundary catches, logs, calls
// import_failed and answers the module kInternalFailure.
class ImportHandler {
 public:
  virtual abi::Status response_header(uint32_t id, std::string_view name, std::string_view value) = 0;
  virtual abi::Status response_body(uint32_t id, std::string_view body) = 0;
  // Writes the value to `out`; kNotFound when there is none.
  virtual abi::Status request_value(uint32_t id, abi::RequestSource source, std::string_view name,
                                    std::string& out) = 0;
  virtual abi::Status send(uint32_t id, const uint8_t* data, size_t size) = 0;
  virtual abi::Status end(uint32_t id, bool abort) = 0;
  virtual abi::Status pause(uint32_t id, bool paused) = 0;
  virtual abi::Status timer(uint32_t id, uint32_t slot, uint32_t milliseconds) = 0;
  virtual abi::Status deflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                              size_t out_capacity, size_t& written) = 0;
  virtual abi::Status inflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                              size_t out_capacity, size_t& consumed, size_t& produced) = 0;
  virtual abi::Status admit(uint32_t id, uint32_t cap) = 0;
  virtual abi::Status endpoint_error(uint32_t endpoint, uint32_t line, std::string_view text) = 0;
  virtual abi::Status process_start(uint32_t id, std::string_view description) = 0;
  virtual abi::Status process_write(uint32_t id, const uint8_t* data, size_t size) = 0;
  virtual abi::Status process_pause_output(uint32_t id, bool paused) = 0;
  virtual abi::Status process_stop(uint32_t id) = 0;
  // Writes [u32 version][u32 count][records] to `out`; kBufferTooSmall (and `needed`) when it does not fit.
  virtual abi::Status room_snapshot(uint32_t id, std::string_view room, std::string& out) = 0;
  virtual abi::Status room_join(uint32_t id, std::string_view request) = 0;
  // `deflated` (may be empty): the same message compressed with a window of `window_bits`, for members whose
  // negotiated window is at least that.
  virtual abi::Status room_publish(uint32_t id, const uint8_t* frame, size_t size, const uint8_t* deflated,
                                   size_t deflated_size, uint32_t window_bits, uint32_t flags) = 0;
  virtual abi::Status room_leave(uint32_t id, const uint8_t* announce, size_t size, uint32_t version) = 0;
  // The module closes `id` first with `code` and `reason`; `flags` are CloseFlag bits.
  virtual abi::Status closing(uint32_t id, uint32_t code, std::string_view reason, uint32_t flags) = 0;
  // An import for `id` (0: not about a connection) failed with a C++ exception; must not throw.
  virtual void import_failed(uint32_t id, const char* import, const char* what) noexcept = 0;

 protected:
  ~ImportHandler() = default;
};

class WasmInstance {
 public:
  // Builds and initializes an instance; on failure returns null and says why in `error`.
  // `message_memory_mib`: the instance's budget for message buffers (cs_init; 0: the module's default);
  // `server_tag`: what tells this server's chat members apart from other servers' in a farm (cs_init).
  static std::unique_ptr<WasmInstance> create(ImportHandler& handler, uint32_t init_flags, std::string& error,
                                              uint32_t message_memory_mib = 0, uint32_t server_tag = 0);
  ~WasmInstance();
  WasmInstance(const WasmInstance&) = delete;
  WasmInstance& operator=(const WasmInstance&) = delete;

  // cs_endpoint_create_in_site: the file's text over the site's defaults (`key = value` lines; may be empty).
  bool endpoint_create(uint32_t endpoint, std::string_view site_defaults, std::string_view text, abi::Status& status);
  bool endpoint_create(uint32_t endpoint, std::string_view text, abi::Status& status) {
    return endpoint_create(endpoint, {}, text, status);
  }
  bool endpoint_done(uint32_t endpoint);
  bool open(uint32_t id, uint32_t endpoint, std::string_view head, uint32_t& http_status);
  // An event whose arguments are numbers (kWritable, kTimer, kClosed, kProcessExited, ...).
  bool event(uint32_t id, abi::Event event, uint32_t a = 0, uint32_t b = 0);
  // An event that carries bytes (kData, kProcessStdout, kProcessStderr): they are copied into the instance's
  // input region, and the event gets their address and length.
  bool bytes_event(uint32_t id, abi::Event event, const uint8_t* bytes, size_t size);
  bool encode_close(uint32_t code, std::vector<uint8_t>& frame);
  // The instance's counters (abi::Counter) as they stand: read from its memory, no call into it.
  std::array<uint64_t, abi::Counter::kCount> counters() const;

  // The trap that made the last call fail, as text.
  const char* last_trap() const { return last_trap_; }
  size_t memory_bytes() const;
  // Of those, the ones that take RAM (pages written so far).
  size_t resident_bytes() const;

  struct State;

 private:
  explicit WasmInstance(std::unique_ptr<State> state);
  // Copies `size` bytes into the instance's input region; returns its address, or -1 on trap.
  int64_t stage(const void* bytes, size_t size);

  std::unique_ptr<State> state_;
  uint32_t counters_at_ = 0;  // where cs_counters said the counters are
  const char* last_trap_ = "";
};

}  // namespace cs
