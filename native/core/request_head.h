#pragma once
// The request head handed to the Wasm handshake check (docs/ABI.md, cs_open): a plain HTTP/1.1 head
// rebuilt from what the server exposes. Servers give headers by name, so the module asks for the ones the
// handshake reads.
#include <string>

namespace cs {

extern const char* const HANDSHAKE_HEADERS[];
extern const size_t HANDSHAKE_HEADER_COUNT;

class RequestHead {
 public:
  RequestHead(const char* method, const std::string& url, unsigned major, unsigned minor);
  void add_header(const char* name, const char* value, size_t value_length);
  // Ends the head with the blank line and returns it.
  const std::string& finish();

 private:
  std::string text_;
};

}  // namespace cs
