#include "recording_host.h"

#include <cctype>
#include <cstring>

#include "fuzz_failure.h"

namespace cs::fuzz {
namespace {

using abi::Status;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The header lines of a head: everything after the request line, up to the empty line.
std::string_view header_block(std::string_view head) {
  size_t start = head.find('\n');
  if (start == std::string_view::npos) return {};
  head.remove_prefix(start + 1);
  size_t end = head.find("\r\n\r\n");
  return end == std::string_view::npos ? head : head.substr(0, end + 2);
}

// A header of the head by name, repeated ones joined with ", " as IIS does.
bool find_header(std::string_view head, std::string_view name, std::string& out) {
  bool found = false;
  std::string_view rest = header_block(head);
  while (!rest.empty()) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !same_name(trim(line.substr(0, colon)), name)) continue;
    if (found) out += ", ";
    out += trim(line.substr(colon + 1));
    found = true;
  }
  return found;
}

bool find_variable(std::string_view head, std::string_view name, std::string& out) {
  static const std::pair<const char*, const char*> kFixed[] = {
      {"REMOTE_ADDR", "192.0.2.7"}, {"REMOTE_PORT", "50123"},        {"SERVER_NAME", "fuzz.example"},
      {"SERVER_PORT", "8080"},      {"SERVER_PROTOCOL", "HTTP/1.1"}, {"HTTPS", "off"}};
  for (const auto& [fixed_name, value] : kFixed) {
    if (name == fixed_name) {
      out = value;
      return true;
    }
  }
  if (name == "ALL_RAW") {
    out = header_block(head);
    return true;
  }
  return false;
}

// A NUL-terminated field of a program description, or false when none is left.
bool next_field(std::string_view& rest, std::string_view& field) {
  size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return false;
  field = rest.substr(0, nul);
  rest.remove_prefix(nul + 1);
  return true;
}

bool decimal(std::string_view text, uint32_t& value) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  value = static_cast<uint32_t>(n);
  return n <= UINT32_MAX;
}

// host_process_start's description (docs/ABI.md): flags, cap, program, folder, arguments, environment.
void check_description(std::string_view description) {
  std::string_view rest = description, field;
  uint32_t flags = 0, cap = 0, count = 0;
  check(next_field(rest, field) && decimal(field, flags) && flags <= 1, "a program description's flags");
  check(next_field(rest, field) && decimal(field, cap), "a program description's cap");
  check(next_field(rest, field) && next_field(rest, field), "a program description's program and folder");
  check(next_field(rest, field) && decimal(field, count), "a program description's argument count");
  for (uint32_t i = 0; i < count; ++i) check(next_field(rest, field), "a program description's arguments");
  check(next_field(rest, field) && decimal(field, count), "a program description's environment count");
  for (uint32_t i = 0; i < count; ++i) {
    check(next_field(rest, field), "a program description's environment");
    size_t equals = field.find('=');
    check(equals != std::string_view::npos && equals > 0, "an environment entry that is not NAME=value");
  }
  check(rest.empty(), "bytes after a program description's last field");
}

// Exactly one whole server frame (or nothing, when `may_be_empty`), as a room queues it for members.
void check_whole_frame(const uint8_t* bytes, size_t size, bool may_be_empty, const char* what,
                       bool compressed = false) {
  if (size == 0 && may_be_empty) return;
  ServerFrames frames;
  if (compressed) frames.allow_compressed();
  frames.feed(bytes, size);
  if (frames.frames() != 1 || !frames.at_frame_boundary()) fail(std::string(what) + " is not one whole frame");
}

uint32_t le32(const uint8_t* at) {
  uint32_t value;
  std::memcpy(&value, at, 4);
  return value;
}

// host_room_join's request: eight u32, then six length-prefixed fields, nothing after; the welcome and the
// announcement whole frames or nothing (format = raw has neither), the eviction frame a close frame.
void check_join_request(std::string_view request) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(request.data());
  size_t at = 8 * 4;
  check(request.size() >= at, "a room join request shorter than its fixed part");
  std::string_view fields[6];
  for (std::string_view& field : fields) {
    check(request.size() - at >= 4, "a room join request cut inside a field's length");
    uint32_t length = le32(bytes + at);
    at += 4;
    check(request.size() - at >= length, "a room join request cut inside a field");
    field = request.substr(at, length);
    at += length;
  }
  check(at == request.size(), "bytes after a room join request's last field");
  auto frame = [](std::string_view field) { return reinterpret_cast<const uint8_t*>(field.data()); };
  check_whole_frame(frame(fields[2]), fields[2].size(), true, "a room's welcome");
  check_whole_frame(frame(fields[3]), fields[3].size(), true, "a room's announcement");
  check_whole_frame(frame(fields[4]), fields[4].size(), false, "a room's eviction frame");
  check(fields[4].size() >= 2 && (static_cast<uint8_t>(fields[4][0]) & 0x0F) == 0x8,
        "a room's eviction frame that is not a close frame");
}

}  // namespace

void RecordingHost::begin_open(uint32_t id, std::string head, uint64_t max_data_payload) {
  check(!connection_, "a harness opened a second connection at once");
  id_ = id;
  opening_ = true;
  head_ = std::move(head);
  answer_headers.clear();
  answer_body.clear();
  connection_ = std::make_unique<ConnectionRecord>(max_data_payload);
}

void RecordingHost::end_open(bool accepted) {
  opening_ = false;
  for (const auto& [name, value] : answer_headers) {
    if (accepted && name == "Sec-WebSocket-Extensions") connection_->frames.allow_compressed();
  }
  if (!accepted) {
    const ConnectionRecord& refused = *connection_;
    check(refused.sends == 0 && !refused.ended, "a refused handshake sent bytes or ended a connection");
    for (uint32_t ms : refused.timers) check(ms == 0, "a refused handshake left a timer armed");
    connection_.reset();
  }
}

ConnectionRecord& RecordingHost::connection() {
  check(connection_ != nullptr, "a harness asked for a connection that is not open");
  return *connection_;
}

void RecordingHost::check_settled() {
  if (!connection_ || !connection_->frames.close_sent() || connection_->aborted) return;
  check(connection_->timers[0] != 0, "our close frame is out but the close timer (slot 0) is not armed");
  check(!connection_->paused || connection_->ended, "our close frame is out but reading stays paused");
}

ConnectionRecord& RecordingHost::record_of(uint32_t id, const char* import) {
  if (!connection_ || id != id_) fail(std::string(import) + " for connection " + std::to_string(id) + ", not open");
  return *connection_;
}

Status RecordingHost::response_header(uint32_t id, std::string_view name, std::string_view value) {
  if (!opening() || id != id_) return Status::kWrongState;
  answer_headers.emplace_back(name, value);
  return Status::kOk;
}

Status RecordingHost::response_body(uint32_t id, std::string_view body) {
  if (!opening() || id != id_) return Status::kWrongState;
  answer_body.assign(body);
  return Status::kOk;
}

Status RecordingHost::request_value(uint32_t id, abi::RequestSource source, std::string_view name, std::string& out) {
  if (!opening() || id != id_) return Status::kWrongState;
  bool found = source == abi::RequestSource::kHeader ? find_header(head_, name, out) : find_variable(head_, name, out);
  return found ? Status::kOk : Status::kNotFound;
}

Status RecordingHost::send(uint32_t id, const uint8_t* data, size_t size) {
  ConnectionRecord& record = record_of(id, "host_send");
  if (record.aborted) return Status::kDropped;
  record.frames.feed(data, size);
  ++record.sends;
  if (backpressure_every != 0 && record.sends % backpressure_every == 0) {
    record.writable_due = true;
    return Status::kBackpressure;
  }
  return Status::kOk;
}

Status RecordingHost::end(uint32_t id, bool abort) {
  ConnectionRecord& record = record_of(id, "host_end");
  check(!record.aborted, "host_end after the connection was aborted");
  check(abort || !record.ended, "host_end(graceful) twice");
  check(record.frames.close_sent(), "the connection ended before our close frame was sent (the client sees 1006)");
  check(record.frames.at_frame_boundary(), "the connection ended in the middle of a frame");
  record.ended = true;
  record.aborted = abort;
  return Status::kOk;
}

Status RecordingHost::pause(uint32_t id, bool paused) {
  record_of(id, "host_pause").paused = paused;
  return Status::kOk;
}

Status RecordingHost::timer(uint32_t id, uint32_t slot, uint32_t milliseconds) {
  ConnectionRecord& record = record_of(id, "host_timer");
  if (slot >= abi::Limit::kTimerSlots) return Status::kBadArgument;
  record.timers[slot] = milliseconds;
  return Status::kOk;
}

// One connection at a time: its place is always free (cap is at least 1), but only asked for while opening.
Status RecordingHost::admit(uint32_t id, uint32_t) {
  record_of(id, "host_admit");
  return opening() ? Status::kOk : Status::kNotFound;
}

Status RecordingHost::endpoint_error(uint32_t, uint32_t line, std::string_view text) {
  endpoint_errors.emplace_back(line, std::string(text));
  return Status::kOk;
}

Status RecordingHost::process_start(uint32_t id, std::string_view description) {
  ConnectionRecord& record = record_of(id, "host_process_start");
  if (!opening() || record.process_started) return Status::kWrongState;
  check_description(description);
  record.process_started = true;
  return Status::kOk;
}

Status RecordingHost::process_write(uint32_t id, const uint8_t*, size_t) {
  return record_of(id, "host_process_write").process_started ? Status::kOk : Status::kNotFound;
}

Status RecordingHost::process_pause_output(uint32_t id, bool) {
  return record_of(id, "host_process_pause_output").process_started ? Status::kOk : Status::kNotFound;
}

Status RecordingHost::process_stop(uint32_t id) {
  return record_of(id, "host_process_stop").process_started ? Status::kOk : Status::kNotFound;
}

Status RecordingHost::room_snapshot(uint32_t id, std::string_view, std::string& out) {
  record_of(id, "host_room_snapshot");
  out.assign(8, '\0');  // version 0, no members
  return Status::kOk;
}

Status RecordingHost::room_join(uint32_t id, std::string_view request) {
  ConnectionRecord& record = record_of(id, "host_room_join");
  if (record.in_room) return Status::kBadArgument;
  check_join_request(request);
  record.in_room = true;
  return Status::kOk;
}

Status RecordingHost::room_publish(uint32_t id, const uint8_t* frame, size_t size, const uint8_t* deflated,
                                   size_t deflated_size, uint32_t, uint32_t) {
  ConnectionRecord& record = record_of(id, "host_room_publish");
  if (!record.in_room) return Status::kNotFound;
  check_whole_frame(frame, size, false, "a frame published to a room");
  check_whole_frame(deflated, deflated_size, true, "a compressed frame published to a room", true);
  return Status::kOk;
}

Status RecordingHost::deflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                              size_t out_capacity, size_t& written) {
  return record_of(id, "host_deflate").deflate.deflate(params, in, in_size, out, out_capacity, written);
}

Status RecordingHost::inflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                              size_t out_capacity, size_t& consumed, size_t& produced) {
  return record_of(id, "host_inflate").deflate.inflate(params, in, in_size, out, out_capacity, consumed, produced);
}

Status RecordingHost::room_leave(uint32_t id, const uint8_t* announce, size_t size, uint32_t) {
  ConnectionRecord& record = record_of(id, "host_room_leave");
  if (!record.in_room) return Status::kNotFound;
  check_whole_frame(announce, size, true, "a room's leave announcement");
  record.in_room = false;
  return Status::kOk;
}

Status RecordingHost::closing(uint32_t id, uint32_t code, std::string_view reason, uint32_t) {
  ConnectionRecord& record = record_of(id, "host_closing");
  check(!record.closing_reported, "host_closing was called twice for one connection");
  check(!record.frames.close_sent(), "host_closing came after our close frame was sent");
  check(code >= 1000 && code < 5000, "host_closing reports a code no close frame may carry");
  check(reason.size() <= 123, "host_closing reports a reason longer than a close frame holds");
  record.closing_reported = true;
  return Status::kOk;
}

void RecordingHost::import_failed(uint32_t id, const char* import, const char* what) noexcept {
  fail(std::string(import) + " failed for connection " + std::to_string(id) + ": " + what);
}

}  // namespace cs::fuzz
