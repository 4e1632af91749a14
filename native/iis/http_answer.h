#pragma once
// Plain HTTP answers the module gives itself: refusals of a handshake, a missing endpoint, a failure.
#include <string>
#include <utility>
#include <vector>

#include "iis_api.h"

namespace cs {

const char* reason_phrase(unsigned status);

// Sets status, headers and a text body on the response; the caller returns RQ_NOTIFICATION_FINISH_REQUEST.
void answer(IHttpResponse* response, unsigned status, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace cs
