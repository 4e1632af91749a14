#include "handshake_head.h"

namespace cs {

const char* const kHandshakeHeaders[] = {
    "Host",
    "Upgrade",
    "Connection",
    "Origin",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
};
const size_t kHandshakeHeaderCount = sizeof kHandshakeHeaders / sizeof kHandshakeHeaders[0];

namespace {
// A value is copied as text; a CR or LF inside it would forge another header line, so it becomes a space.
void append_sanitized(std::string& out, const char* text, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    char c = text[i];
    out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  }
}
}  // namespace

HandshakeHead::HandshakeHead(const char* method, const std::string& url, unsigned major, unsigned minor) {
  text_.reserve(512);
  append_sanitized(text_, method, std::char_traits<char>::length(method));
  text_ += ' ';
  append_sanitized(text_, url.data(), url.size());
  text_ += " HTTP/" + std::to_string(major) + "." + std::to_string(minor) + "\r\n";
}

void HandshakeHead::add_header(const char* name, const char* value, size_t value_length) {
  text_ += name;
  text_ += ": ";
  append_sanitized(text_, value, value_length);
  text_ += "\r\n";
}

const std::string& HandshakeHead::finish() {
  text_ += "\r\n";
  return text_;
}

}  // namespace cs
