#include "site_config.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "http_head.h"

namespace cs::host {
namespace {

ResourceType parse_resource_type(std::string_view s) {
  if (iequals(s, "File")) return ResourceType::kFile;
  if (iequals(s, "Directory")) return ResourceType::kDirectory;
  if (iequals(s, "Either")) return ResourceType::kEither;
  return ResourceType::kUnspecified;
}

std::vector<HandlerMapping> inherited_handlers() {
  return {
      {"StaticFile", "*", "*", "StaticFileModule,DefaultDocumentModule,DirectoryListingModule", ResourceType::kEither}};
}

std::vector<std::string> inherited_default_documents() {
  return {"Default.htm", "Default.asp", "index.htm", "index.html", "iisstart.htm", "default.aspx"};
}

// Applies <clear/>, <remove key>, <add key> children of `node` to an inherited list.
template <class T, class KeyOf, class Make>
std::vector<T> merge_collection(pugi::xml_node node, std::vector<T> inherited, const char* key_attr, KeyOf key_of,
                                Make make) {
  std::vector<T> added;
  for (pugi::xml_node child : node.children()) {
    std::string tag = child.name();
    if (tag == "clear") {
      inherited.clear();
      added.clear();
    } else if (tag == "remove") {
      std::string key = child.attribute(key_attr).as_string();
      auto gone = [&](const T& item) { return iequals(key_of(item), key); };
      inherited.erase(std::remove_if(inherited.begin(), inherited.end(), gone), inherited.end());
      added.erase(std::remove_if(added.begin(), added.end(), gone), added.end());
    } else if (tag == "add") {
      added.push_back(make(child));
    }
  }
  added.insert(added.end(), inherited.begin(), inherited.end());
  return added;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && std::tolower((unsigned char)pattern[p]) == std::tolower((unsigned char)text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool verb_matches(const std::string& verb_list, std::string_view method) {
  std::string_view rest(verb_list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*" || item == method) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

bool path_matches(const HandlerMapping& h, std::string_view url_path) {
  if (h.path.find('/') != std::string::npos) return wildcard_match(h.path, url_path);
  size_t slash = url_path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? url_path : url_path.substr(slash + 1);
  return wildcard_match(h.path, file);
}

bool load_site_config(const std::string& site_dir, const std::string& chatsocket_schema, SiteConfig& out,
                      std::string& error) {
  out = SiteConfig{};
  out.handlers = inherited_handlers();
  out.default_documents = inherited_default_documents();
  if (!chatsocket_schema.empty()) {
    if (!load_section_schema(chatsocket_schema, kChatsocketSection, out.chatsocket_schema, error)) return false;
    out.has_chatsocket_schema = true;
    out.chatsocket = schema_defaults(out.chatsocket_schema);
  }
  std::filesystem::path file = std::filesystem::path(site_dir) / "web.config";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return true;

  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_file(file.c_str());
  if (!parsed) {
    error = file.string() + ": " + parsed.description() + " at offset " + std::to_string(parsed.offset);
    return false;
  }
  pugi::xml_node ws = doc.child("configuration").child("system.webServer");
  if (!ws) return true;

  if (pugi::xml_node handlers = ws.child("handlers")) {
    out.handlers = merge_collection<HandlerMapping>(
        handlers, out.handlers, "name", [](const HandlerMapping& h) { return h.name; },
        [](pugi::xml_node n) {
          HandlerMapping h;
          h.name = n.attribute("name").as_string();
          h.path = n.attribute("path").as_string();
          h.verb = n.attribute("verb").as_string("*");
          h.modules = n.attribute("modules").as_string();
          h.resource_type = parse_resource_type(n.attribute("resourceType").as_string("Unspecified"));
          return h;
        });
  }
  if (pugi::xml_node files = ws.child("defaultDocument").child("files")) {
    out.default_documents = merge_collection<std::string>(
        files, out.default_documents, "value", [](const std::string& s) { return s; },
        [](pugi::xml_node n) { return std::string(n.attribute("value").as_string()); });
  }
  if (!ws.child("defaultDocument").attribute("enabled").as_bool(true)) out.default_documents.clear();
  if (pugi::xml_node socket = ws.child("webSocket")) out.websocket_enabled = socket.attribute("enabled").as_bool(true);
  if (pugi::xml_node section = ws.child("chatsocket")) {
    std::string problem;
    if (!out.has_chatsocket_schema) {
      problem = "The configuration section 'chatsocket' cannot be read because it is missing a section declaration.";
    } else {
      apply_section(out.chatsocket_schema, section, out.chatsocket, problem);
    }
    if (!problem.empty()) out.config_error = file.string() + ": " + problem;
  }
  return true;
}

bool chatsocket_for_url(const std::string& site_dir, const SiteConfig& site, std::string_view url_path,
                        SectionValues& out, std::string& error) {
  out = site.chatsocket;
  std::filesystem::path folder(site_dir);
  size_t start = 1;  // past the leading '/'
  for (size_t slash; (slash = url_path.find('/', start)) != std::string_view::npos; start = slash + 1) {
    folder /= std::string(url_path.substr(start, slash - start));
    std::filesystem::path file = folder / "web.config";
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_file(file.c_str());
    if (!parsed) {
      error = file.string() + ": " + parsed.description() + " at offset " + std::to_string(parsed.offset);
      return false;
    }
    pugi::xml_node section = doc.child("configuration").child("system.webServer").child("chatsocket");
    if (!section) continue;
    std::string problem;
    if (!site.has_chatsocket_schema) {
      problem = "The configuration section 'chatsocket' cannot be read because it is missing a section declaration.";
    } else {
      apply_section(site.chatsocket_schema, section, out, problem);
    }
    if (!problem.empty()) {
      error = file.string() + ": " + problem;
      return false;
    }
  }
  return true;
}

}  // namespace cs::host
