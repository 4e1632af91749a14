#pragma once
// The site's defaults for endpoint files: the <system.webServer><chatsocket> section that applies to a
// request, read through IIS's configuration API (IHttpServer::GetAdminManager) at the request's config path.
// Read at every handshake, as the endpoint file is stat'ed at every handshake: an edit of web.config applies
// to the next connection, and the endpoint cache parses a file again only when the defaults changed.
#include <string>

#include "endpoint_cache.h"
#include "iis_api.h"

namespace cs {

// Every attribute of the section as a `name = value` line (IIS gives each one a value: the one web.config or
// applicationHost.config sets, or the schema's default). A section IIS cannot give (the schema is not
// installed) is logged once and read as none: endpoint files then have only their own defaults.
SiteDefaults read_site_defaults(IHttpServer* server, IHttpContext* context);

}  // namespace cs
