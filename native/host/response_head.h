#pragma once
// A response's headers, and serialising a response head: status line, headers, Server and Date.
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cs::host {

// The headers in the order they were set, in one block: for each, its name's and value's lengths (16 bits,
// as IIS counts them), the name, a NUL, the value, a NUL. A WebSocket keeps its 101's headers for as long as
// it is open, so they are one allocation rather than two strings and a slot each.
class HeaderList {
 public:
  static constexpr size_t kMaxLength = 0xFFFF;
  struct Header {
    std::string_view name;
    std::string_view value;  // NUL-terminated in the block
  };
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Header;
    using difference_type = std::ptrdiff_t;
    using pointer = const Header*;
    using reference = Header;
    explicit Iterator(const char* at) : at_(at) {}
    Header operator*() const;
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return at_ == other.at_; }
    bool operator!=(const Iterator& other) const { return at_ != other.at_; }
    size_t offset_in(const std::string& block) const { return static_cast<size_t>(at_ - block.data()); }

   private:
    const char* at_;
  };

  HeaderList() = default;
  HeaderList(std::initializer_list<std::pair<std::string_view, std::string_view>> headers);

  Iterator begin() const { return Iterator(block_.data()); }
  Iterator end() const { return Iterator(block_.data() + block_.size()); }
  bool empty() const { return block_.empty(); }
  bool operator==(const HeaderList& other) const { return block_ == other.block_; }

  // Both lengths at most kMaxLength; longer ones are cut there.
  void add(std::string_view name, std::string_view value);
  // The first header of that name (ASCII case-insensitive).
  std::optional<std::string_view> find(std::string_view name) const;
  // The first header of that name gets `value` (replace) or ", value" appended; one is added if none has the
  // name. False, and nothing changed, when the value would be longer than kMaxLength.
  bool set(std::string_view name, std::string_view value, bool replace);
  void remove(std::string_view name);  // every header of that name
  void clear() { block_.clear(); }
  void shrink_to_fit() { block_.shrink_to_fit(); }

 private:
  std::string block_;
};

std::string http_date_now();  // RFC 7231 IMF-fixdate
// "HTTP/1.1 <status> <reason>" CRLF, then the headers, Server and Date unless present, then CRLF.
std::string format_head(int status, const std::string& reason, const HeaderList& headers);

}  // namespace cs::host
