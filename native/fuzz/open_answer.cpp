#include "open_answer.h"

#include <algorithm>
#include <cctype>

#include "accept_key.h"
#include "fuzz_failure.h"
#include "utf8_check.h"

namespace cs::fuzz {
namespace {

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("!#$%&'*+-.^_`|~").find(c) == text.npos) {
      return false;
    }
  }
  return true;
}

bool is_base64_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// Every run of exactly 24 base64 characters in the head: the module's key, however the head is laid out,
// is one of them (a valid key is 24 such characters, with anything else around it).
std::vector<std::string_view> key_candidates(std::string_view head) {
  std::vector<std::string_view> keys;
  for (size_t at = 0; at < head.size();) {
    if (!is_base64_character(head[at])) {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < head.size() && is_base64_character(head[end])) ++end;
    if (end - at == 24) keys.push_back(head.substr(at, 24));
    at = end;
  }
  return keys;
}

const std::string* header(const RecordingHost& host, std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [header_name, value] : host.answer_headers) {
    if (header_name != name) continue;
    if (found) fail("the answer has " + std::string(name) + " twice");
    found = &value;
  }
  return found;
}

void expect_header(const RecordingHost& host, std::string_view name, std::string_view value) {
  const std::string* found = header(host, name);
  if (!found || *found != value) fail("the answer lacks " + std::string(name) + ": " + std::string(value));
}

void check_accepted(std::string_view head, const RecordingHost& host, const std::vector<std::string>& protocols) {
  expect_header(host, "Upgrade", "websocket");
  expect_header(host, "Connection", "Upgrade");
  check(host.answer_body.empty(), "a 101 with a body");
  const std::string* accept = header(host, "Sec-WebSocket-Accept");
  check(accept != nullptr, "a 101 without Sec-WebSocket-Accept");
  std::vector<std::string_view> keys = key_candidates(head);
  check(std::any_of(keys.begin(), keys.end(), [&](std::string_view key) { return accept_key_for(key) == *accept; }),
        "Sec-WebSocket-Accept is not the accept value of any key in the request");
  if (const std::string* protocol = header(host, "Sec-WebSocket-Protocol")) {
    check(std::find(protocols.begin(), protocols.end(), *protocol) != protocols.end(),
          "a subprotocol the endpoint does not list");
    check(head.find(*protocol) != head.npos, "a subprotocol the client did not offer");
  }
}

void check_refused(uint32_t status, const RecordingHost& host) {
  if (status < 400 || status > 599) fail("cs_open answered status " + std::to_string(status));
  check(!host.answer_body.empty(), "a refusal without a body saying why");
  check(is_utf8(reinterpret_cast<const uint8_t*>(host.answer_body.data()), host.answer_body.size()),
        "a refusal whose body is not UTF-8");
  if (status == 405) expect_header(host, "Allow", "GET");
  if (status == 426) expect_header(host, "Sec-WebSocket-Version", "13");
}

}  // namespace

void check_open_answer(std::string_view head, uint32_t status, const RecordingHost& host,
                       const std::vector<std::string>& protocols) {
  for (const auto& [name, value] : host.answer_headers) {
    check(is_token(name), "a response header whose name is not a token");
    check(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
          "a response header value with CR, LF or NUL");
  }
  if (status == 101) {
    check_accepted(head, host, protocols);
  } else {
    check_refused(status, host);
  }
}

}  // namespace cs::fuzz
