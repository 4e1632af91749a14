#include "response_head.h"

#include <ctime>

#include "http_head.h"

namespace cs::host {

namespace {

constexpr size_t kLengths = 4;  // two 16-bit lengths before each header

size_t read_length(const char* at) {
  return static_cast<size_t>(static_cast<uint8_t>(at[0])) | static_cast<size_t>(static_cast<uint8_t>(at[1])) << 8;
}

void append_length(std::string& block, size_t length) {
  block.push_back(static_cast<char>(length & 0xFF));
  block.push_back(static_cast<char>(length >> 8));
}

size_t entry_size(std::string_view name, std::string_view value) { return kLengths + name.size() + value.size() + 2; }

// Both at most HeaderList::kMaxLength long.
void append_entry(std::string& block, std::string_view name, std::string_view value) {
  append_length(block, name.size());
  append_length(block, value.size());
  block.append(name).push_back('\0');
  block.append(value).push_back('\0');
}

}  // namespace

HeaderList::Header HeaderList::Iterator::operator*() const {
  size_t name_length = read_length(at_), value_length = read_length(at_ + 2);
  const char* name = at_ + kLengths;
  return {{name, name_length}, {name + name_length + 1, value_length}};
}

HeaderList::Iterator& HeaderList::Iterator::operator++() {
  Header h = **this;
  at_ += entry_size(h.name, h.value);
  return *this;
}

HeaderList::HeaderList(std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  for (const auto& [name, value] : headers) add(name, value);
}

void HeaderList::add(std::string_view name, std::string_view value) {
  name = name.substr(0, kMaxLength);
  value = value.substr(0, kMaxLength);
  append_entry(block_, name, value);
}

std::optional<std::string_view> HeaderList::find(std::string_view name) const {
  for (Header h : *this)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

bool HeaderList::set(std::string_view name, std::string_view value, bool replace) {
  for (auto it = begin(); it != end(); ++it) {
    Header h = *it;
    if (!iequals(h.name, name)) continue;
    std::string joined = replace ? std::string(value) : std::string(h.value) + ", " + std::string(value);
    if (joined.size() > kMaxLength) return false;
    std::string entry;
    append_entry(entry, h.name, joined);
    block_.replace(it.offset_in(block_), entry_size(h.name, h.value), entry);
    return true;
  }
  if (value.size() > kMaxLength) return false;
  add(name, value);
  return true;
}

void HeaderList::remove(std::string_view name) {
  std::string kept;
  for (Header h : *this)
    if (!iequals(h.name, name)) append_entry(kept, h.name, h.value);
  block_ = std::move(kept);
}

std::string http_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string format_head(int status, const std::string& reason, const HeaderList& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (HeaderList::Header h : headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
  if (!headers.find("Server")) out += "Server: chatsocket-host\r\n";
  if (!headers.find("Date")) out += "Date: " + http_date_now() + "\r\n";
  out += "\r\n";
  return out;
}

}  // namespace cs::host
