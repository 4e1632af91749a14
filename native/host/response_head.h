#pragma once
// Serialising a response head: status line, headers, Server and Date.
#include <string>
#include <utility>
#include <vector>

namespace cs::host {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

std::string http_date_now();  // RFC 7231 IMF-fixdate
const std::string* find_header(const HeaderList& headers, const std::string& name);
// "HTTP/1.1 <status> <reason>" CRLF, then the headers, Server and Date unless present, then CRLF.
std::string format_head(int status, const std::string& reason, const HeaderList& headers);

}  // namespace cs::host
