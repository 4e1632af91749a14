#pragma once
// One instantiation of build/chatsocket.wasm (through wasm2c), with the imports of docs/ABI.md routed to an
// ImportHandler. Not thread-safe: the owner serializes calls (InstanceSlot holds a lock around each).
// Every call returns false when the instance trapped; after that the instance must be discarded.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cs {

enum : uint32_t { SEND_OK = 0, SEND_BACKPRESSURE = 1, SEND_DROPPED = 2 };
enum : uint32_t { CLOSED_BY_MODULE = 0, CLOSED_BY_PEER = 1, CLOSED_BY_ERROR = 2 };
enum : uint32_t { INIT_TEST_HOOKS = 1 };
constexpr uint32_t ABI_VERSION = 1;

class ImportHandler {
 public:
  virtual void response_header(uint32_t id, std::string_view name, std::string_view value) = 0;
  virtual void response_body(uint32_t id, std::string_view body) = 0;
  virtual uint32_t send(uint32_t id, const uint8_t* data, size_t size) = 0;
  virtual void end(uint32_t id, bool abort) = 0;
  virtual void pause(uint32_t id, bool paused) = 0;
  virtual void timer(uint32_t id, uint32_t milliseconds) = 0;

 protected:
  ~ImportHandler() = default;
};

class WasmInstance {
 public:
  // Builds and initializes an instance; on failure returns null and says why in `error`.
  static std::unique_ptr<WasmInstance> create(ImportHandler& handler, uint32_t init_flags, std::string& error);
  ~WasmInstance();
  WasmInstance(const WasmInstance&) = delete;
  WasmInstance& operator=(const WasmInstance&) = delete;

  bool open(uint32_t id, const std::string& head, const std::string& endpoint, uint32_t& status);
  bool data(uint32_t id, const uint8_t* bytes, size_t size);
  bool writable(uint32_t id);
  bool timer(uint32_t id);
  bool closed(uint32_t id, uint32_t reason);
  bool encode_close(uint16_t code, std::vector<uint8_t>& frame);

  // The trap that made the last call fail, as text.
  const char* last_trap() const { return last_trap_; }
  size_t memory_bytes() const;

  struct State;

 private:
  explicit WasmInstance(std::unique_ptr<State> state);
  bool protected_call(void (*body)(void*), void* args);
  // Copies `size` bytes (two parts) into the instance's input region; returns its address, or -1 on trap.
  int64_t stage(const void* a, size_t a_size, const void* b = nullptr, size_t b_size = 0);

  std::unique_ptr<State> state_;
  const char* last_trap_ = "";
};

}  // namespace cs
