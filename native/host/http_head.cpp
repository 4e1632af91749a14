#include "http_head.h"

#include <algorithm>
#include <cctype>

namespace cs::host {
namespace {

bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_version(std::string_view v, unsigned& major, unsigned& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !std::isdigit((unsigned char)v[5]) || v[6] != '.' ||
      !std::isdigit((unsigned char)v[7]))
    return false;
  major = v[5] - '0';
  minor = v[7] - '0';
  return true;
}

bool parse_length(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower((unsigned char)a[i]) != std::tolower((unsigned char)b[i])) return false;
  return true;
}

bool list_has_token(std::string_view value, std::string_view token) {
  std::string_view rest(value);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string_view> RequestHead::header(std::string_view name) const {
  for (const Field& f : repeated_)
    if (iequals(view(f.name), name)) return view(f.value);
  for (const Field& f : headers_)
    if (iequals(view(f.name), name)) return view(f.value);
  return std::nullopt;
}

bool RequestHead::first_of_its_name(size_t i) const {
  for (size_t k = 0; k < i; ++k)
    if (iequals(header_name(k), header_name(i))) return false;
  return true;
}

RequestHead::Span RequestHead::add(std::string_view part) {
  Span span{static_cast<uint16_t>(text_.size()), static_cast<uint16_t>(part.size())};
  text_.append(part).push_back('\0');
  return span;
}

HeadStatus find_head_end(std::string_view data, size_t& head_length) {
  std::string_view window = data.substr(0, kMaxHeadBytes);
  size_t pos = window.find("\r\n\r\n");
  if (pos != std::string_view::npos) {
    head_length = pos + 4;
    return HeadStatus::kComplete;
  }
  if (data.size() >= kMaxHeadBytes) return HeadStatus::kTooLarge;
  for (unsigned char c : data) {
    if (c == ' ') break;  // the method is complete; the rest is checked when the head is
    if (!is_tchar(c)) return HeadStatus::kNotHttp;
  }
  return HeadStatus::kIncomplete;
}

size_t leading_empty_lines(std::string_view data) {
  size_t n = 0;
  while (data.substr(n, 2) == "\r\n") n += 2;
  return n;
}

int parse_request_head(std::string_view head, RequestHead& out) {
  if (head.size() > kMaxHeadBytes) return 400;  // what find_head_end lets through; the block's offsets are 16-bit
  size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return 400;
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return 400;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return 400;
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method) || target.empty() || target[0] != '/') return 400;
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7f) return 400;
  if (!parse_version(line.substr(sp2 + 1), out.version_major, out.version_minor)) return 400;
  if (out.version_major != 1) return 505;

  // The block holds at most the head's bytes (each CRLF or ": " gives room for a NUL) and the joined values.
  out.text_.clear();
  out.text_.reserve(head.size());
  out.headers_.clear();
  out.repeated_.clear();
  out.method_ = out.add(method);
  out.target_ = out.add(target);
  size_t q = target.find('?');
  out.path_ = {out.target_.at, static_cast<uint16_t>(std::min(q, target.size()))};
  if (q != std::string_view::npos)
    out.query_ = {static_cast<uint16_t>(out.target_.at + q + 1), static_cast<uint16_t>(target.size() - q - 1)};

  std::string_view rest = head.substr(line_end + 2);
  while (true) {
    size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) return 400;
    std::string_view h = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (h.empty()) break;
    if (h[0] == ' ' || h[0] == '\t') return 400;  // obsolete line folding
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || !is_token(h.substr(0, colon))) return 400;
    std::string_view value = trim(h.substr(colon + 1));
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7f) return 400;
    RequestHead::Span name_span = out.add(h.substr(0, colon));
    out.headers_.push_back({name_span, out.add(value)});
  }
  out.headers_.shrink_to_fit();

  for (size_t i = 0; i < out.headers_.size(); ++i) {
    if (!out.first_of_its_name(i)) continue;
    std::string joined(out.header_value(i));
    for (size_t k = i + 1; k < out.headers_.size(); ++k)
      if (iequals(out.header_name(k), out.header_name(i))) joined.append(", ").append(out.header_value(k));
    if (joined.size() != out.headers_[i].value.size) out.repeated_.push_back({out.headers_[i].name, out.add(joined)});
  }
  out.repeated_.shrink_to_fit();
  out.text_.shrink_to_fit();

  if (out.version_minor >= 1 && !out.header("Host")) return 400;
  if (out.header("Transfer-Encoding")) return 501;  // request bodies: Content-Length only
  bool has_length = false;
  for (size_t i = 0; i < out.header_count(); ++i) {
    if (!iequals(out.header_name(i), "Content-Length")) continue;
    uint64_t v = 0;
    if (!parse_length(out.header_value(i), v) || (has_length && v != out.content_length)) return 400;
    out.content_length = v;
    has_length = true;
  }
  std::optional<std::string_view> connection = out.header("Connection");
  if (out.version_minor >= 1)
    out.keep_alive = !(connection && list_has_token(*connection, "close"));
  else
    out.keep_alive = connection && list_has_token(*connection, "keep-alive");
  return 0;
}

}  // namespace cs::host
