#include "frames_driver.h"

#include <algorithm>

#include "fuzz_failure.h"
#include "session.h"

namespace cs::fuzz {

const char kValidHead[] =
    "GET /echo.chatsocket HTTP/1.1\r\nHost: fuzz.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";  // taken where the endpoint compresses

namespace {

constexpr uint32_t kEndpoint = 1;
constexpr uint32_t kConnection = 7;

// xorshift32: cheap, and the same sizes for the same input on every machine.
uint32_t next_random(uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

}  // namespace

void drive_frames(const uint8_t* data, size_t size, const FramesVariant& variant, RecordingHost& host) {
  if (size < 2) return;
  const uint8_t setup = data[0], split = data[1];
  const FramesEndpoint& endpoint = variant.endpoints[setup & 3];
  host.backpressure_every = (setup >> 2) & 7;
  const uint8_t* client = data + 2;
  const size_t client_size = size - 2;

  Session session(host, variant.init_flags);
  check(session.create_endpoint(kEndpoint, endpoint.text) == abi::Status::kOk, "a harness endpoint did not parse");
  check(session.open(kConnection, kEndpoint, kValidHead, endpoint.max_message_size) == 101,
        "the valid handshake was refused");

  uint32_t state = static_cast<uint32_t>(client_size) * 2654435761u | 1;
  ConnectionRecord& record = host.connection();
  for (size_t at = 0; at < client_size && !record.ended;) {
    if (record.writable_due) {  // the queue drained while the client was sending
      record.writable_due = false;
      session.event(abi::Event::kWritable);
    }
    if (record.paused) break;  // a host reads nothing more; the client gives up
    size_t piece = split == 0 ? client_size - at : 1 + next_random(state) % split;
    piece = std::min(piece, client_size - at);
    session.bytes_event(abi::Event::kData, client + at, piece);
    at += piece;
  }
  session.finish_connection();
  session.endpoint_done(kEndpoint);
}

}  // namespace cs::fuzz
