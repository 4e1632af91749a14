#include "connection.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "connection_timeouts.h"
#include "host_core.h"
#include "log.h"
#include "request.h"
#include "response_head.h"
#include "site_path.h"
#include "static_files.h"

namespace cs::host {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

bool resource_exists(ResourceType type, const std::filesystem::path& p) {
  std::error_code ec;
  switch (type) {
    case ResourceType::kFile: return std::filesystem::is_regular_file(p, ec);
    case ResourceType::kDirectory: return std::filesystem::is_directory(p, ec);
    case ResourceType::kEither: return std::filesystem::exists(p, ec);
    case ResourceType::kUnspecified: return true;
  }
  return true;
}

}  // namespace

Connection::Connection(HostCore& core, Socket socket)
    : body_remaining(0), core_(core), socket_(std::move(socket)), fd_(socket_.native_handle()) {
  socklen_t len = sizeof remote_;
  getpeername(fd_, reinterpret_cast<sockaddr*>(&remote_), &len);
  len = sizeof local_;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&local_), &len);
  std::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  core_.memory_return.opened(core_.stats.open_connections.fetch_add(1) + 1);
}

Connection::~Connection() { close(); }

void Connection::start() {
  {
    std::lock_guard<std::mutex> lock(core_.connections_mutex);
    core_.connections[this] = shared_from_this();
  }
  if (core_.stopping.load()) {  // accepted as the host stopped listening: it would wait for nothing
    close();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    wait_for_locked(Wait::kIdle);
  }
  read_more();
}

bool Connection::closed() const {
  std::lock_guard<std::mutex> lock(io_mutex_);
  return closed_;
}

bool Connection::head_overdue(int64_t now_ms) const {
  int64_t deadline = head_deadline_ms_.load();
  return deadline != 0 && deadline <= now_ms;
}

void Connection::close_if_head_overdue(int64_t now_ms) {
  Wait was;
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_ || in_request_ || upgraded_ || !head_overdue(now_ms)) return;
    was = wait_;
    close_locked();
  }
  forget();
  log(LogLevel::kDebug, "closed a connection: %s",
      was == Wait::kHead ? "no whole request head within header_wait_ms"
                         : "no request within idle_connection_timeout_ms");
}

// The deadline is set when the wait changes, not on every chunk: a head's time runs from its first byte.
void Connection::wait_for_locked(Wait wait) {
  if (wait == wait_) return;
  wait_ = wait;
  unsigned ms = wait == Wait::kIdle   ? core_.options.idle_connection_timeout_ms
                : wait == Wait::kHead ? core_.options.header_wait_ms
                                      : 0;
  head_deadline_ms_.store(ms == 0 ? 0 : steady_now_ms() + ms);
}

void Connection::close() {
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_) return;
    close_locked();
  }
  forget();
}

bool Connection::close_if_idle() {
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_ || in_request_) return false;
    close_locked();
  }
  forget();
  return true;
}

void Connection::close_locked() {
  closed_ = true;
  std::error_code ec;
  socket_.shutdown(Socket::shutdown_both, ec);
  socket_.close(ec);
  core_.stats.open_connections.fetch_sub(1);
  if (upgraded_) core_.stats.upgraded_connections.fetch_sub(1);
}

void Connection::forget() {
  std::lock_guard<std::mutex> lock(core_.connections_mutex);
  core_.connections.erase(this);
}

void Connection::cancel_io() {
  std::lock_guard<std::mutex> lock(io_mutex_);
  std::error_code ec;
  if (!closed_) socket_.cancel(ec);
}

void Connection::mark_upgraded() {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (upgraded_ || closed_) return;
  upgraded_ = true;
  core_.stats.upgraded_connections.fetch_add(1);
  core_.stats.upgrades_total.fetch_add(1);
  release_buffer_if_consumed_locked();
}

// An upgraded connection reads no more requests: once the module has taken what came after the head, the
// buffer that held the head goes (a few hundred bytes per idle WebSocket otherwise).
void Connection::release_buffer_if_consumed_locked() {
  if (upgraded_ && buffer_start_ == buffer_.size()) {
    std::string().swap(buffer_);
    buffer_start_ = 0;
  }
}

// ---------------------------------------------------------------- socket primitives for the request

size_t Connection::take_buffered(void* dst, size_t max) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  size_t n = std::min(max, buffer_.size() - buffer_start_);
  std::memcpy(dst, buffer_.data() + buffer_start_, n);
  buffer_start_ += n;
  release_buffer_if_consumed_locked();
  return n;
}

long Connection::try_receive(void* dst, size_t max) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return -1;
  ssize_t n = ::recv(fd_, dst, max, MSG_DONTWAIT);
  if (n > 0) {
    core_.stats.bytes_in.fetch_add(static_cast<uint64_t>(n));
    return n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
  return -1;
}

long Connection::receive_blocking(void* dst, size_t max) {
  while (true) {
    long n = try_receive(dst, max);
    if (n != 0) return n;
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, 200);  // re-checks closed_ so that stop() ends the wait
  }
}

void Connection::count_received(size_t bytes) {
  if (bytes > 0) core_.stats.bytes_in.fetch_add(static_cast<uint64_t>(bytes));
}

long Connection::try_send(const char* data, size_t len) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return -1;
  ssize_t n = ::send(fd_, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) {
    core_.stats.bytes_out.fetch_add(static_cast<uint64_t>(n));
    return n;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  return -1;
}

long Connection::try_send_pieces(const iovec* pieces, int count) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return -1;
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(pieces);
  message.msg_iovlen = static_cast<size_t>(count);
  ssize_t n = ::sendmsg(fd_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) {
    core_.stats.bytes_out.fetch_add(static_cast<uint64_t>(n));
    return n;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  return -1;
}

bool Connection::send_blocking(const char* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    long n = try_send(data + done, len - done);
    if (n < 0) return false;
    done += static_cast<size_t>(n);
    if (done < len) {
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 200);
    }
  }
  return true;
}

void Connection::async_send(std::shared_ptr<std::string> data, size_t offset,
                            std::function<void(const std::error_code&)> done) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) {
    asio::post(core_.io, [done] { done(asio::error::broken_pipe); });
    return;
  }
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(data->data() + offset, data->size() - offset),
                    [self, data, done](const std::error_code& ec, size_t n) {
                      self->core_.stats.bytes_out.fetch_add(n);
                      done(ec);
                    });
}

// As http.sys tells it: a client that closed or reset the connection is gone even while bytes it sent wait
// unread (a module that stopped reading still learns of it).
bool Connection::peer_connected() {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return false;
  pollfd state{fd_, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&state, 1, 0) > 0 && (state.revents & (POLLRDHUP | POLLHUP | POLLERR))) return false;
  char probe;
  ssize_t n = ::recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;
  return n > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// ---------------------------------------------------------------- request heads

void Connection::compact() {
  if (buffer_start_ > 0) {
    buffer_.erase(0, buffer_start_);
    buffer_start_ = 0;
  }
}

void Connection::read_more() {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return;
  auto self = shared_from_this();
  auto chunk = std::make_shared<std::array<char, kReadChunk>>();
  socket_.async_read_some(asio::buffer(*chunk), [self, chunk](const std::error_code& ec, size_t n) {
    if (ec || n == 0) {
      self->close();
      return;
    }
    self->core_.stats.bytes_in.fetch_add(n);
    {
      std::lock_guard<std::mutex> guard(self->io_mutex_);
      self->buffer_.append(chunk->data(), n);
    }
    self->process_buffer();
  });
}

void Connection::process_buffer() {
  std::string_view view;
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_) return;
    // What the last request left unread of its body is discarded first.
    size_t drop = static_cast<size_t>(std::min<uint64_t>(body_remaining, buffer_.size() - buffer_start_));
    buffer_start_ += drop;
    body_remaining -= drop;
    if (body_remaining == 0) buffer_start_ += leading_empty_lines(std::string_view(buffer_).substr(buffer_start_));
    compact();
    view = buffer_;
    wait_for_locked(buffer_.empty() && body_remaining == 0 ? Wait::kIdle : Wait::kHead);
  }
  // A lone CR may be the start of another empty line.
  if (body_remaining > 0 || view == "\r") {
    read_more();
    return;
  }
  size_t head_length = 0;
  HeadStatus status = find_head_end(view, head_length);
  if (status == HeadStatus::kTooLarge || status == HeadStatus::kNotHttp) {
    fail_and_close(status == HeadStatus::kTooLarge ? 431 : 400);
    return;
  }
  if (status == HeadStatus::kIncomplete) {
    read_more();
    return;
  }
  RequestHead head;
  int error = parse_request_head(view.substr(0, head_length), head);
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    buffer_start_ = head_length;
  }
  if (error) {
    fail_and_close(error);
    return;
  }
  body_remaining = head.content_length;
  dispatch(std::move(head));
}

void Connection::fail_and_close(int status) {
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    wait_for_locked(Wait::kNone);  // close_gracefully bounds what is left
  }
  // Answered before any IIS request exists (http.sys does this itself): no module sees it.
  SimpleResponse r = error_response(status);
  r.headers.add("Content-Length", std::to_string(r.body.size()));
  r.headers.add("Connection", "close");
  auto bytes = std::make_shared<std::string>(format_head(status, reason_phrase(status), r.headers) + r.body);
  auto self = shared_from_this();
  async_send(bytes, 0, [self](const std::error_code& error) {
    if (error) {
      self->close();
    } else {
      self->close_gracefully();
    }
  });
}

void Connection::close_gracefully() {
  auto deadline = std::make_shared<asio::steady_timer>(core_.io, std::chrono::seconds(2));
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_) return;
    std::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
  }
  auto self = shared_from_this();
  deadline->async_wait([self](const std::error_code&) { self->close(); });
  drain(deadline);
}

void Connection::drain(std::shared_ptr<asio::steady_timer> deadline) {
  std::lock_guard<std::mutex> lock(io_mutex_);
  if (closed_) return;
  auto self = shared_from_this();
  auto sink = std::make_shared<std::array<char, 4096>>();
  socket_.async_read_some(asio::buffer(*sink), [self, sink, deadline](const std::error_code& error, size_t) {
    if (error) {
      deadline->cancel();  // the client closed (or the socket did): done
      return;
    }
    self->drain(deadline);
  });
}

void Connection::dispatch(RequestHead head) {
  {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_) return;  // closed while idle, as the host stopped listening
    in_request_ = true;
    wait_for_locked(Wait::kNone);
  }
  core_.stats.requests_total.fetch_add(1);
  SitePath path;
  int status = resolve_site_path(std::string(head.path()), core_.site_root, path);
  std::string method(head.method()), query(head.query());
  auto request = std::make_shared<Request>(core_, shared_from_this(), std::move(head), path);
  current_ = request;
  if (status) {
    request->respond_without_handler(error_response(status));
    return;
  }
  if (!core_.site.config_error.empty()) {
    request->respond_without_handler(config_error_response(core_.site.config_error));
    return;
  }
  SectionValues folder_section;
  std::string folder_error;
  if (!chatsocket_for_url(core_.site_root.string(), core_.site, path.url_path, folder_section, folder_error)) {
    request->respond_without_handler(config_error_response(folder_error));  // a sub-folder's web.config
    return;
  }
  const HandlerMapping* handler = nullptr;
  bool path_matched = false;
  for (const auto& h : core_.site.handlers) {
    if (!path_matches(h, path.url_path)) continue;
    path_matched = true;
    if (verb_matches(h.verb, method)) {
      handler = &h;
      break;
    }
  }
  if (!handler) {
    request->respond_without_handler(error_response(path_matched ? 405 : 404));
    return;
  }
  if (!resource_exists(handler->resource_type, path.physical)) {
    request->respond_without_handler(error_response(404));
    return;
  }
  if (list_has_token(handler->modules, core_.options.module_name)) {
    log(LogLevel::kDebug, "%s %s -> %s", method.c_str(), path.url_path.c_str(), core_.options.module_name.c_str());
    request->execute_module();
    return;
  }
  request->respond_without_handler(serve_static(method, path, query, core_.site));
}

void Connection::request_finished(std::string final_bytes, bool keep_alive) {
  auto self = shared_from_this();
  current_.reset();
  auto next = [self, keep_alive] {
    {
      std::lock_guard<std::mutex> lock(self->io_mutex_);
      self->in_request_ = false;
    }
    if (keep_alive && !self->core_.stopping.load())
      self->process_buffer();
    else
      self->close();
  };
  if (final_bytes.empty()) {
    asio::post(core_.io, next);
    return;
  }
  auto bytes = std::make_shared<std::string>(std::move(final_bytes));
  async_send(bytes, 0, [self, next, keep_alive](const std::error_code& ec) {
    if (ec) {
      self->close();
      return;
    }
    next();
  });
}

}  // namespace cs::host
