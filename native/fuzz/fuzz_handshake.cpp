// libFuzzer target: the input is a request head given to cs_open, under an echo endpoint with subprotocols,
// a chat endpoint with rooms by query (the target's query string reaches the room and name rules) and a
// process endpoint (every header reaches the program's CGI environment). Each answer must be sane
// (open_answer.h); an accepted connection is then closed as a peer would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_failure.h"
#include "open_answer.h"
#include "session.h"

namespace {

struct HandshakeEndpoint {
  const char* text;
  std::vector<std::string> protocols;
};

const HandshakeEndpoint kEndpoints[] = {
    {"kind = echo\nprotocols = chat, superchat, v2.chat\n", {"chat", "superchat", "v2.chat"}},
    {"kind = chat\nrooms = query\nhistory = 2\n", {}},
    {"kind = process\ncommand = [\"fuzz-program\", \"--flag\"]\nenvironment = {\"A\": \"b\"}\n", {}},
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cs::fuzz::capture_log();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view head(reinterpret_cast<const char*>(data), size);
  cs::fuzz::RecordingHost host;
  cs::fuzz::Session session(host, 0);
  uint32_t endpoint = 0;
  for (const HandshakeEndpoint& each : kEndpoints) {
    ++endpoint;
    cs::fuzz::check(session.create_endpoint(endpoint, each.text) == cs::abi::Status::kOk,
                    "a harness endpoint did not parse");
    uint32_t status = session.open(100 + endpoint, endpoint, head);
    cs::fuzz::check_open_answer(head, status, host, each.protocols);
    if (status == 101) session.finish_connection();
    session.endpoint_done(endpoint);
  }
  return 0;
}
