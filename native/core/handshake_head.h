#pragma once
// The request head handed to the Wasm handshake check (docs/ABI.md, cs_open): a plain HTTP/1.1 head
// rebuilt from what the server exposes. Servers give headers by name, so the module asks for the ones
// RFC 6455 §4.2.1 reads; a handler that wants others asks for them itself (host_request_value).
#include <string>

namespace cs {

extern const char* const kHandshakeHeaders[];
extern const size_t kHandshakeHeaderCount;

class HandshakeHead {
 public:
  HandshakeHead(const char* method, const std::string& url, unsigned major, unsigned minor);
  void add_header(const char* name, const char* value, size_t value_length);
  // Ends the head with the blank line and returns it.
  const std::string& finish();

 private:
  std::string text_;
};

}  // namespace cs
