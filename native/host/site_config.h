#pragma once
// A site's web.config, the parts the host honours: <handlers>, <webSocket enabled>, <defaultDocument>, and
// <chatsocket> checked against its schema (config_schema.h).
#include <string>
#include <string_view>
#include <vector>

#include "config_schema.h"

namespace cs::host {

constexpr const char* kChatsocketSection = "system.webServer/chatsocket";

enum class ResourceType { kFile, kDirectory, kEither, kUnspecified };

struct HandlerMapping {
  std::string name;
  std::string path;     // "*", "*.chatsocket", "name.ext" (file name) or a pattern with '/' (whole URL path)
  std::string verb;     // "*" or "GET,HEAD"
  std::string modules;  // e.g. "ChatSocketModule" or "StaticFileModule,DefaultDocumentModule"
  ResourceType resource_type = ResourceType::kUnspecified;
};

struct SiteConfig {
  std::vector<HandlerMapping> handlers;        // in evaluation order
  std::vector<std::string> default_documents;  // in evaluation order
  bool websocket_enabled = true;               // <webSocket enabled>, default true as in IIS
  // <system.webServer><chatsocket>: every attribute its schema has, with web.config's value or the default.
  // Only with a schema (as on IIS once install.ps1 put chatsocket_schema.xml in place).
  bool has_chatsocket_schema = false;
  SectionSchema chatsocket_schema;
  SectionValues chatsocket;
  // Why IIS would answer every request under this web.config with 500.19 (a section that breaks its schema,
  // or one with no schema); empty when the configuration is valid.
  std::string config_error;
};

// Reads <site>/web.config (absent: IIS defaults). Child entries come before inherited ones
// (IIS merges these collections with mergeAppend="false"); <clear/> and <remove> apply to the inherited ones.
// `chatsocket_schema`: the schema file of <chatsocket> (empty: none installed). False only for what stops
// IIS itself (unreadable XML, a broken schema file).
bool load_site_config(const std::string& site_dir, const std::string& chatsocket_schema, SiteConfig& out,
                      std::string& error);

// <chatsocket> for a URL under the site: the site root's, with the section of each sub-folder's web.config
// on the way to the URL's folder applied over it, as IIS merges a section down the configuration paths.
// False with the message of IIS's 500.19 for a sub-folder's web.config that breaks the schema.
bool chatsocket_for_url(const std::string& site_dir, const SiteConfig& site, std::string_view url_path,
                        SectionValues& out, std::string& error);

// IIS's handler wildcard match, case-insensitive ('*' matches any run of characters).
bool wildcard_match(std::string_view pattern, std::string_view text);
bool verb_matches(const std::string& verb_list, std::string_view method);
bool path_matches(const HandlerMapping& h, std::string_view url_path);  // url_path: decoded, starts with '/'

}  // namespace cs::host
