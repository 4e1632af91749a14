#include "static_files.h"

#include <fstream>
#include <iterator>

#include "http_head.h"

namespace cs::host {
namespace {

const std::pair<const char*, const char*> kMimeTypes[] = {
    {".html", "text/html"},
    {".htm", "text/html"},
    {".css", "text/css"},
    {".js", "application/javascript"},
    {".mjs", "application/javascript"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".txt", "text/plain"},
    {".xml", "text/xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".wasm", "application/wasm"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".pdf", "application/pdf"},
    {".md", "text/markdown"},
};

constexpr std::uintmax_t kMaxStaticFileBytes = 64u << 20;

SimpleResponse file_response(const std::string& method, const std::filesystem::path& file) {
  const char* mime = mime_type_for(file.filename().string());
  if (!mime) return error_response(404);
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return error_response(404);
  if (size > kMaxStaticFileBytes) return error_response(500);
  std::ifstream in(file, std::ios::binary);
  if (!in) return error_response(403);
  SimpleResponse r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.headers.add("Content-Type", mime);
  r.omit_body = method == "HEAD";
  return r;
}

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

const char* mime_type_for(const std::string& file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == std::string::npos) return nullptr;
  std::string ext = file_name.substr(dot);
  for (const auto& m : kMimeTypes)
    if (iequals(ext, m.first)) return m.second;
  return nullptr;
}

SimpleResponse error_response(int status) {
  SimpleResponse r;
  r.status = status;
  r.headers.add("Content-Type", "text/plain; charset=utf-8");
  r.body = std::to_string(status) + " " + reason_phrase(status) + "\n";
  return r;
}

SimpleResponse config_error_response(const std::string& problem) {
  SimpleResponse r = error_response(500);
  r.body =
      "HTTP Error 500.19 - Internal Server Error\nThe requested page cannot be accessed because the related "
      "configuration data for the page is invalid.\n" +
      problem + "\n";
  return r;
}

SimpleResponse serve_static(const std::string& method, const SitePath& path, const std::string& query,
                            const SiteConfig& site) {
  if (method != "GET" && method != "HEAD") {
    SimpleResponse r = error_response(405);
    r.headers.add("Allow", "GET, HEAD");
    return r;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path.physical, ec)) {
    if (path.url_path.back() != '/') {
      SimpleResponse r = error_response(301);
      r.headers.add("Location", path.url_path + "/" + (query.empty() ? "" : "?" + query));
      return r;
    }
    for (const auto& doc : site.default_documents) {
      auto candidate = path.physical / doc;
      if (std::filesystem::is_regular_file(candidate, ec)) return file_response(method, candidate);
    }
    return error_response(403);
  }
  if (std::filesystem::is_regular_file(path.physical, ec)) return file_response(method, path.physical);
  return error_response(404);
}

}  // namespace cs::host
