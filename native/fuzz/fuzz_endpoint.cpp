// libFuzzer target: the input is an endpoint file's text given to cs_endpoint_create. A file is either
// accepted, with no error reported, or refused with exactly one error on a line the file has. An accepted
// file then serves one connection: a valid handshake (its answer checked as in fuzz_handshake), a text and a
// binary message and a ping from the client, output and an exit from a program (kind = process), its timers,
// and the end; everything sent to the client is checked as in fuzz_frames.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_failure.h"
#include "open_answer.h"
#include "session.h"
#include "utf8_check.h"

namespace {

using cs::abi::Event;
using cs::fuzz::check;

constexpr uint32_t kEndpoint = 1;
constexpr uint32_t kConnection = 9;

const char kHead[] =
    "GET /fuzz.chatsocket?room=lobby&name=ada HTTP/1.1\r\nHost: fuzz.example\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\nOrigin: https://fuzz.example\r\n\r\n";

// Client frames, masked with the key 01 02 03 04: text "hi\n", binary 00 ff, ping "p".
const uint8_t kClientBytes[] = {0x81,     0x83, 1,    2, 3, 4, 'h' ^ 1, 'i' ^ 2,
                                '\n' ^ 3, 0x82, 0x82, 1, 2, 3, 4,       0x00 ^ 1,
                                0xff ^ 2, 0x89, 0x81, 1, 2, 3, 4,       'p' ^ 1};
const char kStdout[] = "out line\npartial";
const char kStderr[] = "err \xff line\n";

void check_report(std::string_view text, cs::abi::Status status, const cs::fuzz::RecordingHost& host) {
  if (status == cs::abi::Status::kOk) {
    check(host.endpoint_errors.empty(), "an accepted endpoint file reported an error");
    return;
  }
  check(status == cs::abi::Status::kBadArgument, "cs_endpoint_create answered neither OK nor BAD_ARGUMENT");
  check(host.endpoint_errors.size() == 1, "a refused endpoint file reported other than one error");
  const auto& [line, message] = host.endpoint_errors.front();
  check(!message.empty(), "an endpoint file error without a message");
  if (!cs::fuzz::is_utf8(reinterpret_cast<const uint8_t*>(message.data()), message.size())) {
    cs::fuzz::fail("an endpoint file error that is not UTF-8, on line " + std::to_string(line));
  }
  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (line > lines) {
    cs::fuzz::fail("an endpoint file error on line " + std::to_string(line) + " of a file of " + std::to_string(lines) +
                   ": " + message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cs::fuzz::capture_log();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  cs::fuzz::RecordingHost host;
  cs::fuzz::Session session(host, 0);
  cs::abi::Status status = session.create_endpoint(kEndpoint, text);
  check_report(text, status, host);
  if (status != cs::abi::Status::kOk) return 0;

  uint32_t answer = session.open(kConnection, kEndpoint, kHead);
  cs::fuzz::check_open_answer(kHead, answer, host, {"chat", "superchat"});
  if (answer == 101) {
    cs::fuzz::ConnectionRecord& record = host.connection();
    session.bytes_event(Event::kData, kClientBytes, sizeof kClientBytes);
    if (record.process_started && !record.ended) {
      session.bytes_event(Event::kProcessStdout, reinterpret_cast<const uint8_t*>(kStdout), sizeof kStdout - 1);
      session.bytes_event(Event::kProcessStderr, reinterpret_cast<const uint8_t*>(kStderr), sizeof kStderr - 1);
      session.event(Event::kProcessExited, 3, 0);
    }
    session.finish_connection();
  }
  session.endpoint_done(kEndpoint);
  return 0;
}
