#pragma once
// Maps a request's URL path onto the site folder, with IIS's request filtering.
#include <filesystem>
#include <string>

namespace cs::host {

struct SitePath {
  std::string url_path;            // %-decoded, dot segments resolved, starts with '/'
  std::filesystem::path physical;  // inside the site root
};

// Returns 0, or the status IIS would answer with: 400 (bad escape, NUL, backslash, ".." above the root)
// or 404 (request filtering: hidden segments such as web.config, bin, App_Data; denied extensions;
// double escaping; a symlink leading out of the site).
int resolve_site_path(const std::string& raw_path, const std::filesystem::path& site_root, SitePath& out);

}  // namespace cs::host
