#include "endpoint_file.h"

#include <cerrno>
#include <cstdio>

#ifdef _WIN32
#include <windows.h>
#else
#include <sys/stat.h>
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

EndpointRead stat_endpoint_file(const char16_t* utf16_path, FileStamp& stamp) {
#ifdef _WIN32
  WIN32_FILE_ATTRIBUTE_DATA data;
  if (!GetFileAttributesExW(reinterpret_cast<const wchar_t*>(utf16_path), GetFileExInfoStandard, &data)) {
    DWORD error = GetLastError();
    return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ? EndpointRead::kMissing
                                                                          : EndpointRead::kUnreadable;
  }
  if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return EndpointRead::kMissing;
  stamp.last_write = static_cast<int64_t>((static_cast<uint64_t>(data.ftLastWriteTime.dwHighDateTime) << 32) |
                                          data.ftLastWriteTime.dwLowDateTime);
  stamp.size = (static_cast<uint64_t>(data.nFileSizeHigh) << 32) | data.nFileSizeLow;
#else
  struct stat info;
  if (::stat(utf16_to_utf8(utf16_path).c_str(), &info) != 0) {
    return errno == ENOENT || errno == ENOTDIR ? EndpointRead::kMissing : EndpointRead::kUnreadable;
  }
  if (S_ISDIR(info.st_mode)) return EndpointRead::kMissing;
  stamp.last_write = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  stamp.size = static_cast<uint64_t>(info.st_size);
#endif
  return EndpointRead::kOk;
}

EndpointRead read_endpoint_file(const char16_t* utf16_path, std::string& contents) {
  FILE* file = open_for_reading(utf16_path);
  if (!file) return errno == ENOENT || errno == ENOTDIR ? EndpointRead::kMissing : EndpointRead::kUnreadable;
  contents.clear();
  char chunk[4096];
  size_t got;
  EndpointRead result = EndpointRead::kOk;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
    if (contents.size() + got > kMaxEndpointFileBytes) {
      result = EndpointRead::kTooLarge;
      break;
    }
    contents.append(chunk, got);
  }
  if (result == EndpointRead::kOk && std::ferror(file)) result = EndpointRead::kUnreadable;
  std::fclose(file);
  return result;
}

}  // namespace cs
