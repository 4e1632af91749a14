#pragma once
// Reading a .chatsocket endpoint file from disk. Its meaning is decided in Wasm (src/endpoint); here only
// bytes, the file's version stamp and UTF-16 paths.
#include <cstdint>
#include <string>

namespace cs {

constexpr size_t kMaxEndpointFileBytes = 64 * 1024;

enum class EndpointRead { kOk, kMissing, kTooLarge, kUnreadable };

// What identifies one version of a file: its last-write time (nanoseconds on POSIX, 100 ns on Windows) and
// size. An edit that keeps both is not seen; every editor and copy changes the write time.
struct FileStamp {
  int64_t last_write = 0;
  uint64_t size = 0;
  bool operator==(const FileStamp& other) const { return last_write == other.last_write && size == other.size; }
  bool operator!=(const FileStamp& other) const { return !(*this == other); }
};

// `utf16_path` is the physical path as the server gives it (UTF-16, NUL-terminated).
EndpointRead stat_endpoint_file(const char16_t* utf16_path, FileStamp& stamp);
EndpointRead read_endpoint_file(const char16_t* utf16_path, std::string& contents);

// UTF-16 (possibly with surrogate pairs) to UTF-8; unpaired surrogates become U+FFFD.
std::string utf16_to_utf8(const char16_t* text);

}  // namespace cs
