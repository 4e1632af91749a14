#include "response_head.h"

#include <ctime>

#include "http_head.h"

namespace cs::host {

std::string http_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

const std::string* find_header(const HeaderList& headers, const std::string& name) {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

std::string format_head(int status, const std::string& reason, const HeaderList& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (const auto& h : headers) out += h.first + ": " + h.second + "\r\n";
  if (!find_header(headers, "Server")) out += "Server: chatsocket-host\r\n";
  if (!find_header(headers, "Date")) out += "Date: " + http_date_now() + "\r\n";
  out += "\r\n";
  return out;
}

}  // namespace cs::host
