#pragma once
// One fresh instance of the real module (build/wasm2c/chatsocket.c through the core's import boundary)
// for one fuzz input, with every call checked: any trap fails the input, since no input may trap.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "recording_host.h"
#include "wasm_instance.h"

namespace cs::fuzz {

class Session {
 public:
  Session(RecordingHost& host, uint32_t init_flags);

  abi::Status create_endpoint(uint32_t endpoint, std::string_view text);
  void endpoint_done(uint32_t endpoint);
  // cs_open through the host's begin_open/end_open; returns the HTTP status.
  uint32_t open(uint32_t id, uint32_t endpoint, std::string_view head, uint64_t max_data_payload = UINT64_MAX);
  void bytes_event(abi::Event event, const uint8_t* bytes, size_t size);
  void event(abi::Event event, uint32_t a = 0, uint32_t b = 0);

  // Delivers WRITABLE when a send answered BACKPRESSURE (the queue drained since), then fires each armed timer
  // once (the handler's slots first, the close timer last), then CLOSED: the end of every connection.
  void finish_connection();

 private:
  void survived(bool ok, const char* call);

  RecordingHost& host_;
  std::unique_ptr<WasmInstance> instance_;
};

}  // namespace cs::fuzz
