#pragma once
// IIS's StaticFile handler: GET/HEAD of files, default documents, 301 to add a folder's slash,
// 403 for a folder without a default document (no listing), 404 for missing files and unknown MIME types.
#include <string>

#include "response_head.h"
#include "site_config.h"
#include "site_path.h"

namespace cs::host {

struct SimpleResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  bool omit_body = false;  // HEAD: Content-Length of the body, no body
};

const char* reason_phrase(int status);
const char* mime_type_for(const std::string& file_name);  // nullptr: no MIME map (IIS: 404.3)
SimpleResponse error_response(int status);
// IIS's 500.19: the configuration under the request's URL is invalid (the body names the file and the problem).
SimpleResponse config_error_response(const std::string& problem);
SimpleResponse serve_static(const std::string& method, const SitePath& path, const std::string& query,
                            const SiteConfig& site);

}  // namespace cs::host
