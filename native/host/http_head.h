#pragma once
// HTTP/1.1 request heads: find the end of a head in received bytes, then parse and validate it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs::host {

constexpr size_t kMaxHeadBytes = 8 * 1024;

struct RequestHead {
  std::string method;
  std::string target;  // as sent: path?query
  std::string path;    // raw (still %-encoded), before '?'
  std::string query;   // after '?', without it
  unsigned version_major = 1;
  unsigned version_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, values trimmed
  uint64_t content_length = 0;
  bool keep_alive = true;

  // Values of every header with this name (case-insensitive), joined with ", " as IIS does; nullptr if none.
  const std::string* header(std::string_view name) const;
  // Whether headers[i] is the first of its name (case-insensitive) in arrival order.
  bool first_of_its_name(size_t i) const;
  // Filled by parse, only for names sent more than once: the joined value (most requests have none, and a
  // WebSocket keeps its request head as long as it is open).
  std::vector<std::pair<std::string, std::string>> repeated;
};

enum class HeadStatus { kIncomplete, kComplete, kTooLarge, kNotHttp };

// Looks for the CRLF CRLF ending a head within the first kMaxHeadBytes of data.
// On complete, head_length is the length including the terminator. kNotHttp as soon as the bytes so far
// cannot begin a request line (a method is a token): a TLS ClientHello on the plain port is refused at
// once, as http.sys does, instead of waiting for a CRLF that never comes.
HeadStatus find_head_end(std::string_view data, size_t& head_length);

// The bytes of empty lines (CRLF) at the start of `data`, which a server ignores before a request line
// (RFC 9112 section 2.2: some clients send one after a request's body).
size_t leading_empty_lines(std::string_view data);

// Parses a complete head. Returns 0 on success, else the HTTP status to answer with (400, 501, 505).
int parse_request_head(std::string_view head, RequestHead& out);

bool iequals(std::string_view a, std::string_view b);
bool list_has_token(const std::string& list, std::string_view token);  // "a, b,c": case-insensitive

}  // namespace cs::host
