#pragma once
// HTTP/1.1 request heads: find the end of a head in received bytes, then parse and validate it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs::host {

constexpr size_t kMaxHeadBytes = 8 * 1024;

// A parsed head keeps its strings in one block (a WebSocket keeps its request head as long as it is open:
// one allocation of about the head's size, not a string per part). Method, target and every value that
// header() returns end with a NUL in the block, as IIS hands them out as PCSTR.
class RequestHead {
 public:
  unsigned version_major = 1;
  unsigned version_minor = 1;
  uint64_t content_length = 0;
  bool keep_alive = true;

  std::string_view method() const { return view(method_); }
  std::string_view target() const { return view(target_); }  // as sent: path?query
  std::string_view path() const { return view(path_); }      // raw (still %-encoded), before '?'
  std::string_view query() const { return view(query_); }    // after '?', without it
  size_t header_count() const { return headers_.size(); }
  std::string_view header_name(size_t i) const { return view(headers_[i].name); }    // in arrival order
  std::string_view header_value(size_t i) const { return view(headers_[i].value); }  // trimmed
  // Values of every header with this name (case-insensitive), joined with ", " as IIS does; none if absent.
  std::optional<std::string_view> header(std::string_view name) const;
  // Whether header i is the first of its name (case-insensitive) in arrival order.
  bool first_of_its_name(size_t i) const;
  // How many names came more than once, each with a joined value kept beside the others.
  size_t repeated_count() const { return repeated_.size(); }

 private:
  friend int parse_request_head(std::string_view head, RequestHead& out);
  struct Span {
    uint16_t at = 0, size = 0;  // a head is at most kMaxHeadBytes, its block at most twice that
  };
  struct Field {
    Span name, value;
  };
  std::string_view view(Span s) const { return std::string_view(text_).substr(s.at, s.size); }
  Span add(std::string_view part);  // appends part and a NUL to the block

  std::string text_;
  Span method_, target_, path_, query_;
  std::vector<Field> headers_;
  std::vector<Field> repeated_;  // names sent more than once, with their joined values
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
bool list_has_token(std::string_view list, std::string_view token);  // "a, b,c": case-insensitive

}  // namespace cs::host
