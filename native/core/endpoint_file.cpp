#include "endpoint_file.h"

#include <cerrno>
#include <cstdio>

#ifdef _WIN32
#include <windows.h>
#endif

namespace cs {

std::string utf16_to_utf8(const char16_t* text) {
  std::string out;
  for (size_t i = 0; text[i]; ++i) {
    uint32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

namespace {
FILE* open_for_reading(const char16_t* utf16_path) {
#ifdef _WIN32
  return _wfopen(reinterpret_cast<const wchar_t*>(utf16_path), L"rb");
#else
  return std::fopen(utf16_to_utf8(utf16_path).c_str(), "rb");
#endif
}
}  // namespace

EndpointRead read_endpoint_file(const char16_t* utf16_path, std::string& contents) {
  FILE* file = open_for_reading(utf16_path);
  if (!file) return errno == ENOENT || errno == ENOTDIR ? EndpointRead::missing : EndpointRead::unreadable;
  contents.clear();
  char chunk[4096];
  size_t got;
  EndpointRead result = EndpointRead::ok;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
    if (contents.size() + got > MAX_ENDPOINT_FILE_BYTES) {
      result = EndpointRead::too_large;
      break;
    }
    contents.append(chunk, got);
  }
  if (result == EndpointRead::ok && std::ferror(file)) result = EndpointRead::unreadable;
  std::fclose(file);
  return result;
}

}  // namespace cs
