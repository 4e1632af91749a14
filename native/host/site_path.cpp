#include "site_path.h"

#include <vector>

#include "http_head.h"

namespace cs::host {
namespace {

// requestFiltering <hiddenSegments> defaults
const char* const kHiddenSegments[] = {
    "web.config",        "bin",      "App_code",    "App_GlobalResources", "App_LocalResources",
    "App_WebReferences", "App_Data", "App_Browsers"};

// requestFiltering <fileExtensions allowUnlisted="true"> denied defaults (the common ones)
const char* const kDeniedExtensions[] = {
    ".asax",   ".ascx",    ".master",  ".skin",    ".browser",   ".sitemap", ".config",  ".cs",    ".csproj", ".vb",
    ".vbproj", ".webinfo", ".licx",    ".resx",    ".resources", ".mdb",     ".vjsproj", ".java",  ".jsl",    ".ldb",
    ".mdf",    ".ldf",     ".exclude", ".refresh", ".compiled",  ".msgx",    ".vsdisco", ".rules", ".sdm",    ".cd"};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool filtered_segment(const std::string& segment) {
  for (const char* hidden : kHiddenSegments)
    if (iequals(segment, hidden)) return true;
  size_t dot = segment.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = segment.substr(dot);
  for (const char* denied : kDeniedExtensions)
    if (iequals(ext, denied)) return true;
  return false;
}

bool inside(const std::filesystem::path& root, const std::filesystem::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty() && std::next(r) == root.end()) break;  // trailing separator
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

}  // namespace

int resolve_site_path(const std::string& raw_path, const std::filesystem::path& site_root, SitePath& out) {
  std::string decoded;
  decoded.reserve(raw_path.size());
  for (size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '%') {
      if (i + 2 >= raw_path.size()) return 400;
      int hi = hex_value(raw_path[i + 1]);
      int lo = hex_value(raw_path[i + 2]);
      if (hi < 0 || lo < 0) return 400;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '%' || c == '+') return 404;  // double escaping (allowDoubleEscaping="false")
    } else if (c == '+') {
      return 404;
    }
    if (c == '\0' || c == '\\') return 400;
    decoded.push_back(c);
  }

  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos <= decoded.size()) {
    size_t slash = decoded.find('/', pos);
    if (slash == std::string::npos) slash = decoded.size();
    std::string seg = decoded.substr(pos, slash - pos);
    pos = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segments.empty()) return 400;
      segments.pop_back();
      continue;
    }
    if (filtered_segment(seg)) return 404;
    segments.push_back(seg);
  }

  out.url_path.clear();
  out.physical = site_root;
  for (const auto& seg : segments) {
    out.url_path += "/" + seg;
    out.physical /= seg;
  }
  bool trailing = !decoded.empty() && decoded.back() == '/';
  if (out.url_path.empty() || trailing) out.url_path += "/";

  std::error_code ec;
  if (std::filesystem::exists(out.physical, ec)) {
    auto real = std::filesystem::canonical(out.physical, ec);
    auto root = std::filesystem::canonical(site_root, ec);
    if (ec || !inside(root, real)) return 404;
  }
  return 0;
}

}  // namespace cs::host
