#pragma once
// A 101 needs exactly one `Connection: Upgrade`. IIS files a Connection header set by name as the known
// header, which http.sys leaves out of the response on some versions and sends on others; an unknown header
// of that name it sends as it is. Moving the value from the one to the other gives one header either way
// (iisnode added the unknown one beside the known one: two, where http.sys kept both).
#include "iis_api.h"

namespace cs {

// For OnSendResponse of an upgrade. False when IIS gives no raw response or no memory.
bool send_connection_header_verbatim(IHttpContext* context);

}  // namespace cs
