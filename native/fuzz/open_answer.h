#pragma once
// Whether cs_open's answer to a request head is sane, whatever the head: a 101 carries the upgrade headers
// and the accept value of a key in the head (computed here, not by the module) and offers only a subprotocol
// the endpoint lists and the client named; a refusal is a 4xx or 5xx with a UTF-8 body saying why (and Allow
// for 405, Sec-WebSocket-Version for 426). No header can smuggle a line break into the response.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "recording_host.h"

namespace cs::fuzz {

void check_open_answer(std::string_view head, uint32_t status, const RecordingHost& host,
                       const std::vector<std::string>& protocols);

}  // namespace cs::fuzz
