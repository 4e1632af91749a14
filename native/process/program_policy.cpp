#include "program_policy.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace cs {
namespace {

#ifdef _WIN32
constexpr char kListSeparator = ';';

std::wstring wide(const std::string& text) {
  if (text.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n);
  return out;
}

std::string narrow(const std::wstring& text) {
  if (text.empty()) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n, nullptr, nullptr);
  return out;
}

bool is_absolute(const std::string& path) {
  return (path.size() >= 3 && path[1] == ':' && (path[2] == '\\' || path[2] == '/')) ||
         (path.size() >= 2 && (path[0] == '\\' || path[0] == '/') && (path[1] == '\\' || path[1] == '/'));
}

bool has_folder_part(const std::string& path) { return path.find_first_of("\\/:") != std::string::npos; }

std::string join(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  char last = folder.back();
  return last == '\\' || last == '/' ? folder + name : folder + "\\" + name;
}

// The final path of an existing file or folder (links resolved), without the \\?\ prefix.
bool canonical(const std::string& path, bool want_folder, std::string& out) {
  DWORD attributes = GetFileAttributesW(wide(path).c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) return false;
  if (((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) != want_folder) return false;
  HANDLE handle = CreateFileW(wide(path).c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                              OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  std::wstring final_path;
  if (handle != INVALID_HANDLE_VALUE) {
    wchar_t buffer[MAX_PATH * 2];
    DWORD n = GetFinalPathNameByHandleW(handle, buffer, MAX_PATH * 2, FILE_NAME_NORMALIZED);
    CloseHandle(handle);
    if (n > 0 && n < MAX_PATH * 2) final_path.assign(buffer, n);
  }
  if (final_path.empty()) {  // GetFinalPathNameByHandle can fail on some file systems: a full path will do
    wchar_t buffer[MAX_PATH * 2];
    DWORD n = GetFullPathNameW(wide(path).c_str(), MAX_PATH * 2, buffer, nullptr);
    if (n == 0 || n >= MAX_PATH * 2) return false;
    final_path.assign(buffer, n);
  }
  if (final_path.rfind(L"\\\\?\\UNC\\", 0) == 0) {
    final_path = L"\\\\" + final_path.substr(8);
  } else if (final_path.rfind(L"\\\\?\\", 0) == 0) {
    final_path = final_path.substr(4);
  }
  out = narrow(final_path);
  return true;
}

bool same_path(const std::string& a, const std::string& b) {
  return CompareStringOrdinal(wide(a).c_str(), -1, wide(b).c_str(), -1, TRUE) == CSTR_EQUAL;
}

// A bare name may leave out its extension: try it as it is, then with each of PATHEXT's.
bool find_file(const std::string& candidate, std::string& resolved) {
  if (canonical(candidate, false, resolved)) return true;
  char extensions[512];
  DWORD n = GetEnvironmentVariableA("PATHEXT", extensions, sizeof extensions);
  std::string list = n > 0 && n < sizeof extensions ? std::string(extensions, n) : ".COM;.EXE;.BAT;.CMD";
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(';', start);
    if (end == std::string::npos) end = list.size();
    if (end > start && canonical(candidate + list.substr(start, end - start), false, resolved)) return true;
    start = end + 1;
  }
  return false;
}
#else
constexpr char kListSeparator = ':';

bool is_absolute(const std::string& path) { return !path.empty() && path[0] == '/'; }
bool has_folder_part(const std::string& path) { return path.find('/') != std::string::npos; }

std::string join(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  return folder.back() == '/' ? folder + name : folder + "/" + name;
}

bool canonical(const std::string& path, bool want_folder, std::string& out) {
  char buffer[PATH_MAX];
  if (!realpath(path.c_str(), buffer)) return false;
  struct stat info;
  if (stat(buffer, &info) != 0 || S_ISDIR(info.st_mode) != want_folder) return false;
  out = buffer;
  return true;
}

bool same_path(const std::string& a, const std::string& b) { return a == b; }

bool find_file(const std::string& candidate, std::string& resolved) {
  return canonical(candidate, false, resolved) && access(resolved.c_str(), X_OK) == 0;
}
#endif

std::vector<std::string> split(const std::string& list, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(separator, start);
    if (end == std::string::npos) end = list.size();
    std::string part = list.substr(start, end - start);
    size_t first = part.find_first_not_of(" \t");
    size_t last = part.find_last_not_of(" \t");
    if (first != std::string::npos) parts.push_back(part.substr(first, last - first + 1));
    start = end + 1;
  }
  return parts;
}

}  // namespace

ProgramPolicy::ProgramPolicy(const std::string& allowed) {
  for (std::string entry : split(allowed, kListSeparator)) {
#ifdef _WIN32
    // %ProgramFiles% and the like, expanded by each worker process for its own bitness.
    wchar_t expanded[MAX_PATH * 2];
    DWORD n = ExpandEnvironmentStringsW(wide(entry).c_str(), expanded, MAX_PATH * 2);
    if (n > 0 && n <= MAX_PATH * 2) entry = narrow(std::wstring(expanded, n - 1));
#endif
    bool folder =
        entry.size() >= 2 && entry.back() == '*' && (entry[entry.size() - 2] == '/' || entry[entry.size() - 2] == '\\');
    std::string path = folder ? entry.substr(0, entry.size() - 2) : entry;
    std::string resolved;
    // An entry that does not exist (yet) is kept as written: it can still match once it does.
    if (!canonical(path, folder, resolved)) resolved = path;
    (folder ? folders_ : programs_).push_back(resolved);
  }
}

bool ProgramPolicy::resolve(const std::string& program, const std::string& base_directory,
                            const std::string& path_variable, std::string& resolved) {
  if (program.empty()) return false;
  if (is_absolute(program)) return find_file(program, resolved);
  if (has_folder_part(program)) return find_file(join(base_directory, program), resolved);
  if (find_file(join(base_directory, program), resolved)) return true;
  std::string own = module_folder();
  if (!own.empty() && find_file(join(own, program), resolved)) return true;
  for (const std::string& folder : split(path_variable, kListSeparator)) {
    if (is_absolute(folder) && find_file(join(folder, program), resolved)) return true;
  }
  return false;
}

bool ProgramPolicy::resolve_directory(const std::string& directory, const std::string& base_directory,
                                      std::string& resolved) {
  if (directory.empty()) return canonical(base_directory, true, resolved);
  return canonical(is_absolute(directory) ? directory : join(base_directory, directory), true, resolved);
}

std::string ProgramPolicy::module_folder() {
  std::string path;
#ifdef _WIN32
  HMODULE module = nullptr;
  if (GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                         reinterpret_cast<LPCWSTR>(&ProgramPolicy::module_folder), &module)) {
    wchar_t buffer[MAX_PATH * 2];
    DWORD n = GetModuleFileNameW(module, buffer, MAX_PATH * 2);
    if (n > 0 && n < MAX_PATH * 2) path = narrow(std::wstring(buffer, n));
  }
  size_t cut = path.find_last_of("\\/");
#else
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&ProgramPolicy::module_folder), &info) && info.dli_fname) {
    char buffer[PATH_MAX];
    if (realpath(info.dli_fname, buffer)) path = buffer;
  }
  size_t cut = path.find_last_of('/');
#endif
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::string ProgramPolicy::shell() {
#ifdef _WIN32
  char buffer[MAX_PATH];
  DWORD n = GetEnvironmentVariableA("ComSpec", buffer, sizeof buffer);
  return n > 0 && n < sizeof buffer ? std::string(buffer, n) : "C:\\Windows\\System32\\cmd.exe";
#else
  return "/bin/sh";
#endif
}

std::vector<std::string> ProgramPolicy::shell_arguments(const std::string& command_line) {
#ifdef _WIN32
  return {"/d", "/s", "/c", "\"" + command_line + "\""};
#else
  return {"-c", command_line};
#endif
}

bool ProgramPolicy::allows(const std::string& resolved_program) const {
  for (const std::string& program : programs_) {
    if (same_path(program, resolved_program)) return true;
  }
  for (const std::string& folder : folders_) {
    size_t cut = resolved_program.find_last_of(
#ifdef _WIN32
        "\\/"
#else
        "/"
#endif
    );
    if (cut != std::string::npos && same_path(folder, resolved_program.substr(0, cut))) return true;
  }
  return false;
}

std::string ProgramPolicy::describe() const {
  std::string text;
  for (const std::string& program : programs_) text += (text.empty() ? "" : std::string(1, kListSeparator)) + program;
  for (const std::string& folder : folders_) {
    text += (text.empty() ? "" : std::string(1, kListSeparator)) + folder +
#ifdef _WIN32
            "\\*";
#else
            "/*";
#endif
  }
  return text.empty() ? "(nothing)" : text;
}

}  // namespace cs
