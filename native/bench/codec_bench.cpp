// npm run bench:codec — how fast the protocol core is on its own: masked text frames from 5 B to 1 MiB go
// into an echo connection of one instance (cs_event DATA, 64 KiB at a time, as the module's reads deliver
// them) and come out as frames (host_send, counted here and dropped), against reference_loop.c doing the
// unmasking and UTF-8 check any server must do; beside them a minimal C echo codec (reference_loop.h), whose own
// ratio to the loop shows what reading and writing frame headers costs in native code. Payload MB/s and ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "reference_loop.h"
#include "wasm_instance.h"

namespace {

using cs::abi::Status;

// The native side reduced to what an echo needs: sends are counted, not queued.
class CountingHost final : public cs::ImportHandler {
 public:
  size_t bytes_sent = 0;

  Status response_header(uint32_t, std::string_view, std::string_view) override { return Status::kOk; }
  Status response_body(uint32_t, std::string_view) override { return Status::kOk; }
  Status request_value(uint32_t, cs::abi::RequestSource, std::string_view, std::string&) override {
    return Status::kNotFound;
  }
  Status send(uint32_t, const uint8_t*, size_t size) override {
    bytes_sent += size;
    return Status::kOk;
  }
  Status end(uint32_t, bool) override { return Status::kOk; }
  Status pause(uint32_t, bool) override { return Status::kOk; }
  Status timer(uint32_t, uint32_t, uint32_t) override { return Status::kOk; }
  Status deflate(uint32_t, uint32_t, const uint8_t*, size_t, uint8_t*, size_t, size_t&) override {
    return Status::kBadArgument;
  }
  Status inflate(uint32_t, uint32_t, const uint8_t*, size_t, uint8_t*, size_t, size_t&, size_t&) override {
    return Status::kBadArgument;
  }
  Status admit(uint32_t, uint32_t) override { return Status::kOk; }
  Status endpoint_error(uint32_t, uint32_t line, std::string_view text) override {
    std::fprintf(stderr, "endpoint error, line %u: %.*s\n", line, static_cast<int>(text.size()), text.data());
    return Status::kOk;
  }
  Status process_start(uint32_t, std::string_view) override { return Status::kForbidden; }
  Status process_write(uint32_t, const uint8_t*, size_t) override { return Status::kNotFound; }
  Status process_pause_output(uint32_t, bool) override { return Status::kNotFound; }
  Status process_stop(uint32_t) override { return Status::kNotFound; }
  Status room_snapshot(uint32_t, std::string_view, std::string&) override { return Status::kNotFound; }
  Status room_join(uint32_t, std::string_view) override { return Status::kNotFound; }
  Status room_publish(uint32_t, const uint8_t*, size_t, const uint8_t*, size_t, uint32_t, uint32_t) override {
    return Status::kNotFound;
  }
  Status room_leave(uint32_t, const uint8_t*, size_t, uint32_t) override { return Status::kNotFound; }
  Status closing(uint32_t, uint32_t code, std::string_view, uint32_t) override {
    std::fprintf(stderr, "the connection was closed with %u: the bench's frames are wrong\n", code);
    std::exit(1);
  }
  void import_failed(uint32_t, const char* import, const char* what) noexcept override {
    std::fprintf(stderr, "%s failed: %s\n", import, what);
    std::exit(1);
  }
};

// The C codec's send, out of line as the module's is.
void count_sent(void* context, const uint8_t*, size_t size) { *static_cast<size_t*>(context) += size; }

constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};
constexpr size_t kReadSize = 64 * 1024;
constexpr double kSecondsPerRun = 1.0;

// Chat-like text: mostly ASCII, some two- and three-byte characters, whole characters only.
std::vector<uint8_t> text_of(size_t size) {
  const std::string pattern = "Hello, wörld — a message from the lobby. ";
  std::string text;
  while (text.size() < size) text += pattern;
  text.resize(size);
  // Cut back to a character boundary, then pad with ASCII.
  size_t end = size;
  while (end > 0 && (static_cast<uint8_t>(text[end - 1]) & 0xC0) == 0x80) --end;
  if (end > 0 && static_cast<uint8_t>(text[end - 1]) >= 0xC0) --end;
  for (size_t i = end; i < size; ++i) text[i] = '.';
  return std::vector<uint8_t>(text.begin(), text.end());
}

// `count` masked text frames carrying `payload`.
std::vector<uint8_t> frames_of(const std::vector<uint8_t>& payload, size_t count) {
  std::vector<uint8_t> one = {0x81};
  size_t n = payload.size();
  if (n < 126) {
    one.push_back(static_cast<uint8_t>(0x80 | n));
  } else if (n < 65536) {
    one.insert(one.end(), {0xFE, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    one.push_back(0xFF);
    for (int shift = 56; shift >= 0; shift -= 8) one.push_back(static_cast<uint8_t>(n >> shift));
  }
  one.insert(one.end(), kMask, kMask + 4);
  for (size_t i = 0; i < n; ++i) one.push_back(payload[i] ^ kMask[i & 3]);
  std::vector<uint8_t> stream;
  stream.reserve(one.size() * count);
  for (size_t i = 0; i < count; ++i) stream.insert(stream.end(), one.begin(), one.end());
  return stream;
}

template <class Round>
double megabytes_per_second(size_t payload_per_round, Round round) {
  using Clock = std::chrono::steady_clock;
  size_t rounds = 0;
  auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < kSecondsPerRun) {
    round();
    ++rounds;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return static_cast<double>(payload_per_round) * static_cast<double>(rounds) / elapsed / 1e6;
}

}  // namespace

// With arguments, only those payload sizes (to profile one of them): cs_codec_bench 5 125
int main(int argc, char** argv) {
  std::vector<size_t> sizes = {5, 125, 1024, 16384, 65536, 1048576};
  if (argc > 1) {
    sizes.clear();
    for (int i = 1; i < argc; ++i) {
      char* end = nullptr;
      unsigned long long size = std::strtoull(argv[i], &end, 10);
      if (*end != '\0' || size == 0 || size > (2u << 20)) {
        std::fprintf(stderr, "usage: %s [payload bytes (1 B to 2 MiB)]...\n", argv[0]);
        return 2;
      }
      sizes.push_back(static_cast<size_t>(size));
    }
  }
  CountingHost host;
  std::string error;
  auto instance = cs::WasmInstance::create(host, 0, error);
  if (!instance) {
    std::fprintf(stderr, "the module did not start: %s\n", error.c_str());
    return 1;
  }
  Status status = Status::kOk;
  if (!instance->endpoint_create(1, "kind = echo\nmax_message_size = 2097152\n", status) || status != Status::kOk) {
    std::fprintf(stderr, "the echo endpoint was refused\n");
    return 1;
  }
  const std::string head =
      "GET /echo.chatsocket HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  uint32_t http_status = 0;
  if (!instance->open(1, 1, head, http_status) || http_status != 101) {
    std::fprintf(stderr, "the handshake was refused (%u)\n", http_status);
    return 1;
  }

  std::printf("the protocol core alone (wasm2c C, one echo connection) against a plain C unmask + UTF-8 loop\n");
  std::printf("%10s %8s %16s %16s %8s %16s %8s\n", "payload", "frames", "chatsocket MB/s", "C loop MB/s", "ratio",
              "C codec MB/s", "ratio");
  for (size_t size : sizes) {
    const std::vector<uint8_t> payload = text_of(size);
    const size_t count = std::max<size_t>(1, (4u << 20) / size);
    const std::vector<uint8_t> stream = frames_of(payload, count);
    const size_t payload_per_round = size * count;

    double module_rate = megabytes_per_second(payload_per_round, [&] {
      size_t sent_before = host.bytes_sent;
      for (size_t at = 0; at < stream.size(); at += kReadSize) {
        size_t n = std::min(kReadSize, stream.size() - at);
        if (!instance->bytes_event(1, cs::abi::Event::kData, stream.data() + at, n)) {
          std::fprintf(stderr, "the instance trapped: %s\n", instance->last_trap());
          std::exit(1);
        }
      }
      if (host.bytes_sent - sent_before < payload_per_round) {
        std::fprintf(stderr, "the echo lost bytes at %zu B\n", size);
        std::exit(1);
      }
    });

    // The C codec copies each read into a buffer of its own as the module's reads land in its memory, but only
    // whole frames (a frame over 64 KiB alone), so it never reassembles.
    const size_t frame_bytes = stream.size() / count;
    const size_t frames_per_read = std::max<size_t>(1, kReadSize / frame_bytes);
    std::vector<uint8_t> read_buffer(frames_per_read * frame_bytes);
    size_t codec_sent = 0;
    double codec_rate = megabytes_per_second(payload_per_round, [&] {
      for (size_t first = 0; first < count; first += frames_per_read) {
        size_t n = std::min(frames_per_read, count - first) * frame_bytes;
        std::memcpy(read_buffer.data(), stream.data() + first * frame_bytes, n);
        if (reference_echo_frames(read_buffer.data(), n, count_sent, &codec_sent) != n) {
          std::fprintf(stderr, "the C codec rejected the bench's frames\n");
          std::exit(1);
        }
      }
    });

    std::vector<uint8_t> out(size);
    size_t header = frame_bytes - size;
    double loop_rate = megabytes_per_second(payload_per_round, [&] {
      for (size_t i = 0; i < count; ++i) {
        const uint8_t* frame = stream.data() + i * (header + size);
        if (!reference_unmask_and_check(frame + header, size, frame + header - 4, out.data())) {
          std::fprintf(stderr, "the reference loop rejected its own text\n");
          std::exit(1);
        }
      }
    });
    std::printf("%10zu %8zu %16.1f %16.1f %8.2f %16.1f %8.2f\n", size, count, module_rate, loop_rate,
                module_rate / loop_rate, codec_rate, codec_rate / loop_rate);
  }
  std::printf("ratio: chatsocket / C loop (1.00: as fast as the loop that does only the unavoidable work)\n");
  std::printf(
      "C codec: a minimal echo codec in C (headers read and written, one send per frame, the loop's UTF-8\n"
      "check), and its own ratio to the loop: what framing costs in native code\n");
  return 0;
}
