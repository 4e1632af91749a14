// Server variables and the mapped file's physical path (IHttpContext::GetServerVariable and friends).
#include <cctype>
#include <type_traits>

#include "host_core.h"
#include "request.h"
#include "utf16.h"

namespace cs::host {
namespace {

// HTTP_USER_AGENT -> User-Agent style lookup: compare with '-' and '_' as equal, case-insensitive.
bool header_matches_variable(std::string_view header, const std::string& suffix) {
  if (header.size() != suffix.size()) return false;
  for (size_t i = 0; i < header.size(); ++i) {
    char h = header[i] == '-' ? '_' : static_cast<char>(std::toupper((unsigned char)header[i]));
    if (h != suffix[i]) return false;
  }
  return true;
}

}  // namespace

// Returns false when IIS would answer ERROR_INVALID_INDEX (unknown variable, absent header). The value is
// `kept` when the request already holds it, NUL-terminated, for its lifetime (the URL, the method, a header):
// then nothing is copied or stored; otherwise it is made in `value`.
static bool compute_variable(const Request& r, const HostCore& core, const std::string& name, const UrlInfo& url,
                             std::string& value, std::string_view& kept) {
  const RequestHead& h = r.head();
  const SocketAddress& remote = r.remote_address();
  const SocketAddress& local = r.local_address();
  std::string upper;
  for (char c : name) upper.push_back(static_cast<char>(std::toupper((unsigned char)c)));
  std::optional<std::string_view> host = h.header("Host");
  if (upper == "URL" || upper == "PATH_INFO" || upper == "SCRIPT_NAME")
    kept = url.url_path;
  else if (upper == "QUERY_STRING")
    kept = h.query().empty() ? std::string_view("") : h.query();  // the target's tail: its NUL is the target's
  else if (upper == "REQUEST_METHOD")
    kept = h.method();
  else if (upper == "SERVER_PROTOCOL")
    value = "HTTP/" + std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
  else if (upper == "REMOTE_ADDR" || upper == "REMOTE_HOST")
    value = address_text(remote);
  else if (upper == "REMOTE_PORT")
    value = std::to_string(port_of(remote));
  else if (upper == "LOCAL_ADDR")
    value = address_text(local);
  else if (upper == "SERVER_PORT")
    value = std::to_string(port_of(local));
  else if (upper == "SERVER_NAME") {
    value = host ? std::string(*host) : address_text(local);
    size_t colon = value.rfind(':');
    if (colon != std::string::npos && value.find(']') == std::string::npos) value.resize(colon);
  } else if (upper == "HTTPS")
    value = "off";
  else if (upper == "SERVER_SOFTWARE")
    value = "chatsocket-host";
  else if (upper == "CONTENT_LENGTH")
    value = std::to_string(h.content_length);
  else if (upper == "CONTENT_TYPE") {
    value = h.header("Content-Type").value_or("");
  } else if (upper == "APPL_PHYSICAL_PATH")
    value = core.site_root.string() + "/";
  else if (upper == "PATH_TRANSLATED" || upper == "SCRIPT_FILENAME")
    kept = url.physical;
  else if (upper == "WEBSOCKET_VERSION") {
    if (!core.site.websocket_enabled) return false;
    value = "13";
  } else if (upper == "ALL_RAW") {  // the headers as the client sent them
    value.clear();
    for (size_t i = 0; i < h.header_count(); ++i)
      value.append(h.header_name(i)).append(": ").append(h.header_value(i)).append("\r\n");
  } else if (upper == "ALL_HTTP") {  // HTTP_NAME:value lines, one per header name, in order of first arrival
    value.clear();
    for (size_t i = 0; i < h.header_count(); ++i) {
      if (!h.first_of_its_name(i)) continue;
      std::string_view header = h.header_name(i);
      std::string name = "HTTP_";
      for (char c : header) name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper((unsigned char)c)));
      value.append(name).append(":").append(*h.header(header)).append("\n");
    }
  } else if (upper.rfind("HTTP_", 0) == 0) {
    std::string suffix = upper.substr(5);
    for (size_t i = 0; i < h.header_count(); ++i) {
      if (header_matches_variable(h.header_name(i), suffix)) {
        kept = *h.header(h.header_name(i));
        return true;
      }
    }
    return false;
  } else {
    return false;
  }
  return true;
}

// Both GetServerVariable overloads: the value (valid for the request's lifetime) or ERROR_INVALID_INDEX.
template <class Text, class Convert>
static HRESULT answer_variable(const Request& r, const HostCore& core, PCSTR name, const Text** value, DWORD* length,
                               std::map<std::string, std::basic_string<Text>>& (*store)(const Request&),
                               const UrlInfo& url, Convert convert) {
  if (!name || !value) return E_INVALIDARG;
  std::string text;
  std::string_view kept;
  if (!compute_variable(r, core, name, url, text, kept)) {
    *value = nullptr;
    if (length) *length = 0;
    return HRESULT_FROM_WIN32(ERROR_INVALID_INDEX);
  }
  if constexpr (std::is_same_v<Text, char>) {
    if (kept.data()) {
      *value = kept.data();
      if (length) *length = static_cast<DWORD>(kept.size());
      return S_OK;
    }
  } else if (kept.data()) {
    text.assign(kept);
  }
  std::lock_guard<std::mutex> lock(r.mutex());
  auto& stored = store(r)[name];
  stored = convert(text);
  *value = stored.c_str();
  if (length) *length = static_cast<DWORD>(stored.size());
  return S_OK;
}

Request::MadeValues& Request::made_locked() const {
  if (!made_) made_ = std::make_unique<MadeValues>();
  return *made_;
}

HRESULT Request::server_variable(PCSTR name, PCSTR* value, DWORD* length) {
  if (!enter_call("IHttpContext::GetServerVariable")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  return answer_variable<char>(
      *this, core_, name, value, length, [](const Request& r) -> auto& { return r.made_locked().variables; }, *url_,
      [](const std::string& t) { return t; });
}

HRESULT Request::server_variable_wide(PCSTR name, PCWSTR* value, DWORD* length) {
  if (!enter_call("IHttpContext::GetServerVariable")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  return answer_variable<char16_t>(
      *this, core_, name, value, length, [](const Request& r) -> auto& { return r.made_locked().wide_variables; },
      *url_, [](const std::string& t) { return utf8_to_utf16(t); });
}

PCWSTR Request::physical_path(DWORD* length) {
  if (!enter_call("IHttpContext::GetScriptTranslated")) return nullptr;
  if (length) *length = static_cast<DWORD>(url_->physical16.size());
  return url_->physical16.c_str();
}

}  // namespace cs::host
