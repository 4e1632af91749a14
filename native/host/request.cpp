#include "request.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "connection.h"
#include "host_core.h"
#include "log.h"
#include "module_calls.h"

namespace cs::host {
namespace {

const HRESULT kEofResult = HRESULT_FROM_WIN32(ERROR_HANDLE_EOF);
const HRESULT kBadCallResult = HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
const HRESULT kAbortedResult = HRESULT_FROM_WIN32(ERROR_CONNECTION_ABORTED);
const HRESULT kCancelledResult = HRESULT_FROM_WIN32(ERROR_OPERATION_ABORTED);

// An async write after the head with at most this many chunks goes out from the module's memory directly.
constexpr DWORD kMaxDirectChunks = 64;

// The chunks' bytes after the first `skip`, as one string.
std::string unsent_part(const HTTP_DATA_CHUNK* chunks, DWORD count, size_t skip) {
  std::string rest;
  for (DWORD i = 0; i < count; ++i) {
    const char* bytes = static_cast<const char*>(chunks[i].FromMemory.pBuffer);
    size_t size = chunks[i].FromMemory.BufferLength;
    size_t from = std::min(skip, size);
    rest.append(bytes + from, size - from);
    skip -= from;
  }
  return rest;
}

DWORD completed_operation(OpType type) {
  switch (type) {
    case OpType::kRead: return kCompletedRead;
    case OpType::kWrite: return kCompletedWrite;
    case OpType::kFlush: return kCompletedFlush;
    case OpType::kPost: return kCompletedPost;
  }
  return kCompletedPost;
}

const char* status_name(REQUEST_NOTIFICATION_STATUS s) {
  switch (s) {
    case RQ_NOTIFICATION_CONTINUE: return "CONTINUE";
    case RQ_NOTIFICATION_PENDING: return "PENDING";
    case RQ_NOTIFICATION_FINISH_REQUEST: return "FINISH_REQUEST";
  }
  return "an invalid status";
}

}  // namespace

Request::Request(HostCore& core, std::shared_ptr<Connection> connection, RequestHead head, const SitePath& path)
    : context(*this),
      http_request(*this),
      http_response(*this),
      connection_face(*this),
      event_provider(*this),
      send_provider(*this),
      allocator(*this),
      core_(core),
      conn_(std::move(connection)),
      head_(std::move(head)),
      url_(core.urls.get(path)) {
  core_.stats.active_requests.fetch_add(1);
}

const SocketAddress& Request::remote_address() const { return conn_->remote(); }
const SocketAddress& Request::local_address() const { return conn_->local(); }

Request::~Request() {
  for (void* p : allocations_) std::free(p);
}

Stats& Request::stats() const { return core_.stats; }

bool Request::subscribed(DWORD notification) const {
  return module_ != nullptr && (core_.module.request_notifications() & notification) != 0;
}

uint64_t Request::body_remaining() const { return conn_->body_remaining; }

bool Request::enter_call(const char* method) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!finished_) return true;
  if (!retired_ && notification_thread_ == std::this_thread::get_id()) return true;
  core_.stats.violation(std::string(method) + " called on a finished request (" + std::string(head_.method()) + " " +
                        std::string(head_.target()) + "); IIS would have freed this context");
  return false;
}

void Request::not_implemented(const char* method) const {
  if (enter_call(method)) core_.stats.not_implemented(method);
}

// ---------------------------------------------------------------- lifecycle

void Request::execute_module() {
  IHttpModuleFactory* factory = core_.module.factory();
  CHttpModule* module = nullptr;
  HRESULT hr = factory ? call_module(core_.stats, "GetHttpModule", E_FAIL,
                                     [&] { return factory->GetHttpModule(&module, &allocator); })
                       : E_UNEXPECTED;
  if (FAILED(hr) || !module) {
    log(LogLevel::kError, "GetHttpModule failed (HRESULT 0x%s); answering 500", hex32(hr).c_str());
    respond_without_handler(error_response(500));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    module_ = module;
    active_entries_ = 1;
  }
  if (!(core_.module.request_notifications() & RQ_EXECUTE_REQUEST_HANDLER)) {
    log(LogLevel::kError, "the mapped module did not subscribe to RQ_EXECUTE_REQUEST_HANDLER; answering 500");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      response.status = 500;
      response.reason = reason_phrase(500);
    }
    leave_entry(RQ_NOTIFICATION_FINISH_REQUEST);
    return;
  }
  leave_entry(call_module(core_.stats, "OnExecuteRequestHandler", RQ_NOTIFICATION_FINISH_REQUEST,
                          [&] { return module->OnExecuteRequestHandler(&context, &event_provider); }));
}

void Request::respond_without_handler(SimpleResponse r) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    response.status = static_cast<USHORT>(r.status);
    response.reason = reason_phrase(r.status);
    response.headers = std::move(r.headers);
    response.body = std::move(r.body);
    response.omit_body = r.omit_body;
  }
  // IIS calls RQ_SEND_RESPONSE subscribers for every request, whichever handler served it.
  if ((core_.module.request_notifications() & RQ_SEND_RESPONSE) && core_.module.factory()) {
    CHttpModule* module = nullptr;
    HRESULT hr = call_module(core_.stats, "GetHttpModule", E_FAIL,
                             [&] { return core_.module.factory()->GetHttpModule(&module, &allocator); });
    if (SUCCEEDED(hr) && module) {
      std::lock_guard<std::mutex> lock(mutex_);
      module_ = module;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    retiring_ = true;
  }
  retire();
}

void Request::leave_entry(REQUEST_NOTIFICATION_STATUS status) {
  bool retire_now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --active_entries_;
    if (status != RQ_NOTIFICATION_PENDING) {
      if (status != RQ_NOTIFICATION_CONTINUE && status != RQ_NOTIFICATION_FINISH_REQUEST)
        core_.stats.violation("module returned " + std::to_string(static_cast<int>(status)) +
                              ", not a REQUEST_NOTIFICATION_STATUS");
      if (!finished_) log(LogLevel::kDebug, "module returned %s: finishing", status_name(status));
      finished_ = true;
      stop_socket_read_locked();
    }
    if (finished_ && active_entries_ == 0 && !retiring_) {
      retiring_ = true;
      retire_now = true;
    }
  }
  if (retire_now) retire();
}

void Request::indicate_completion(REQUEST_NOTIFICATION_STATUS status) {
  if (!enter_call("IHttpContext::IndicateCompletion")) return;
  if (status == RQ_NOTIFICATION_PENDING) return;
  bool retire_now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    stop_socket_read_locked();
    if (active_entries_ == 0 && !retiring_) {
      retiring_ = true;
      retire_now = true;
    }
  }
  if (retire_now) retire();  // on the calling thread, as IIS resumes the pipeline there
}

void Request::retire() {
  std::vector<std::shared_ptr<AsyncOp>> orphans;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (read_op_) orphans.push_back(read_op_);
    if (write_op_) orphans.push_back(write_op_);
    orphans.insert(orphans.end(), post_ops_.begin(), post_ops_.end());
  }
  for (const auto& op : orphans)
    core_.stats.violation(std::string("request finished while a ") + op_name(op->type) +
                          " was outstanding; IIS would deliver its completion into freed module memory "
                          "(this host drops it)");

  bool notify = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notify = !response.head_sent && !send_notified_ && subscribed(RQ_SEND_RESPONSE);
    if (notify) notification_thread_ = std::this_thread::get_id();
  }
  if (notify) send_response_notification();

  std::string final_bytes;
  bool keep_alive = false;
  CHttpModule* module = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notification_thread_ = std::thread::id();
    if (!response.head_sent) {
      final_bytes = take_head_locked(true);
      keep_alive = head_.keep_alive && !response.need_disconnect && !upgraded_ && !upgrade_refused_;
    } else {
      keep_alive = head_.keep_alive && !upgraded_ && !upgrade_refused_ && !close_after_ && !response.need_disconnect &&
                   !(response.send_flags & HTTP_SEND_RESPONSE_FLAG_DISCONNECT);
    }
    if (!orphans.empty()) keep_alive = false;
    retired_ = true;
    module = module_;
  }
  if (module) call_module(core_.stats, "Dispose", 0, [&] { return module->Dispose(), 0; });
  core_.stats.active_requests.fetch_sub(1);
  conn_->request_finished(std::move(final_bytes), keep_alive);
  core_.graveyard.add(shared_from_this());
}

// ---------------------------------------------------------------- the response head

void Request::send_response_notification() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (send_notified_ || !subscribed(RQ_SEND_RESPONSE)) return;
    send_notified_ = true;
  }
  // Called on the thread that sends, inside its Flush/WriteEntityChunks if there is one.
  REQUEST_NOTIFICATION_STATUS s = call_module(core_.stats, "OnSendResponse", RQ_NOTIFICATION_CONTINUE,
                                              [&] { return module_->OnSendResponse(&context, &send_provider); });
  if (s == RQ_NOTIFICATION_PENDING)
    core_.stats.violation("OnSendResponse returned PENDING; send notifications cannot pend");
}

// Builds the head (plus the buffered body for a final response). Decides the upgrade of a 101.
std::string Request::take_head_locked(bool final_response) {
  Response& r = response;
  bool drop_known_connection = r.status == 101 && core_.options.drops_known_connection_on_101;
  if (raw_) {
    raw_->read_back(r.status, r.reason, r.headers, drop_known_connection);
    raw_.reset();
  } else if (drop_known_connection) {
    r.headers.remove("Connection");
  }
  HeaderList headers = r.headers;
  bool is_101 = r.status == 101;
  if (is_101) {
    if (core_.site.websocket_enabled || (r.send_flags & HTTP_SEND_RESPONSE_FLAG_OPAQUE)) {
      upgraded_ = true;
      conn_->mark_upgraded();
    } else {
      upgrade_refused_ = true;
      log(LogLevel::kInfo,
          "101 sent as an ordinary response: <webSocket enabled=\"false\"/> and no "
          "HTTP_SEND_RESPONSE_FLAG_OPAQUE set in OnSendResponse");
    }
  } else if (final_response) {
    if (!headers.find("Content-Length")) headers.add("Content-Length", std::to_string(r.body.size()));
  } else if (!headers.find("Content-Length")) {
    headers.add("Connection", "close");  // the body's end is the connection's end
    close_after_ = true;
  }
  std::string reason = r.reason.empty() ? reason_phrase(r.status) : r.reason;
  std::string out = format_head(r.status, reason, headers);
  // A HEAD answer keeps its Content-Length but never carries the body: http.sys drops it, whatever the module wrote.
  if (!r.omit_body && !is_101 && !drops_entity()) out += r.body;
  r.body.clear();
  r.head_sent = true;
  r.headers.shrink_to_fit();  // read-only from now on, and a WebSocket keeps them as long as it is open
  return out;
}

// ---------------------------------------------------------------- async operations

std::shared_ptr<AsyncOp> Request::new_op(OpType type, PFN_ASYNC_COMPLETION callback, void* context_ptr) {
  auto op = std::make_shared<AsyncOp>(*this, type);
  op->callback = callback;
  op->callback_context = context_ptr;
  return op;
}

void Request::mark_returned(const std::shared_ptr<AsyncOp>& op) {
  op->issuer_returned = true;
  cv_.notify_all();
}

// The result is known now; the policy said before-return or after-return: a pool thread delivers it, or an
// after-return one issued on an I/O thread, that thread once the issuing call is over.
HRESULT Request::complete_immediately(std::unique_lock<std::mutex>& lock, std::shared_ptr<AsyncOp> op,
                                      CompletionKind kind, BOOL* pending) {
  op->hold_until_returned = kind == CompletionKind::kAfterReturn;
  if (pending) *pending = TRUE;
  auto self = shared_from_this();
  // No thread hop: like the thread that dequeues from IIS's completion port, an I/O thread delivers it once its
  // current handler, and with it the issuing call, is done.
  if (kind == CompletionKind::kAfterReturn && core_.policy.after_return_on_issuer() &&
      core_.io_threads.run_after_handler([self, op] { self->deliver(op); })) {
    mark_returned(op);
    return S_OK;
  }
  core_.dispatch.submit([self, op] { self->deliver(op); });
  if (kind == CompletionKind::kBeforeReturn) {
    if (!cv_.wait_for(lock, kHandoffWait, [&] { return op->entered; }))
      log(LogLevel::kDebug, "no pool thread took a before-return completion in time; it arrives after return");
  }
  mark_returned(op);
  return S_OK;
}

void Request::deliver(const std::shared_ptr<AsyncOp>& op) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (op->hold_until_returned) cv_.wait_for(lock, kHandoffWait, [&] { return op->issuer_returned; });
  op->entered = true;
  cv_.notify_all();
  core_.stats.count_completion(op->type,
                               op->issuer_returned ? CompletionKind::kAfterReturn : CompletionKind::kBeforeReturn);
  if (finished_) {  // the op stays recorded: retire() counts it as the violation it is, whichever comes first
    core_.stats.dropped_completions.fetch_add(1);
    log(LogLevel::kWarning, "dropped a %s completion of a finished request", op_name(op->type));
    return;
  }
  if (read_op_ == op) read_op_.reset();
  if (write_op_ == op) write_op_.reset();
  for (auto it = post_ops_.begin(); it != post_ops_.end(); ++it) {
    if (*it == op) {
      post_ops_.erase(it);
      break;
    }
  }
  ++active_entries_;
  CHttpModule* module = module_;
  lock.unlock();

  REQUEST_NOTIFICATION_STATUS status = call_module(
      core_.stats, op->callback ? "completion callback" : "OnAsyncCompletion", RQ_NOTIFICATION_FINISH_REQUEST, [&] {
        if (op->callback) return op->callback(&context, &op->info, op->callback_context);
        return module->OnAsyncCompletion(&context, RQ_EXECUTE_REQUEST_HANDLER, FALSE, &event_provider, &op->info);
      });
  leave_entry(status);
}

HRESULT Request::read_entity(void* buffer, DWORD size, BOOL async, PFN_ASYNC_COMPLETION callback, void* context_ptr,
                             DWORD* received, BOOL* pending) {
  if (!enter_call("IHttpRequest::ReadEntityBody")) return kBadCallResult;
  if (!buffer || size == 0 || (!async && !received)) return E_INVALIDARG;
  std::unique_lock<std::mutex> lock(mutex_);
  if (read_op_) {
    core_.stats.violation("ReadEntityBody while another read is outstanding");
    return kBadCallResult;
  }
  if (write_op_ && !full_duplex_) {
    core_.stats.violation("ReadEntityBody while a write is outstanding, without EnableFullDuplex()");
    return kBadCallResult;
  }
  if (received) *received = 0;
  if (pending) *pending = FALSE;

  bool from_body = !upgraded_;
  size_t max = size;
  if (from_body) max = upgrade_refused_ ? 0 : static_cast<size_t>(std::min<uint64_t>(size, conn_->body_remaining));
  long n = 0;
  bool eof = max == 0;
  if (!eof) {
    n = static_cast<long>(conn_->take_buffered(buffer, max));
    // Tried here even when asio's first try (receive_on_socket) would find the same bytes: skipping it in
    // after-return mode saved a receive and cost the 1-connection p50 1.6x (bench/README, "one receive less").
    if (n == 0) n = conn_->try_receive(buffer, max);
    if (n < 0) eof = true;
  }
  if (n < 0) n = 0;
  if (from_body) conn_->body_remaining -= static_cast<uint64_t>(n);

  if (!async) {
    if (n == 0 && !eof) {
      lock.unlock();  // blocking the caller's thread, as a synchronous read does
      n = conn_->receive_blocking(buffer, max);
      lock.lock();
      if (n <= 0) {
        n = 0;
        eof = true;
      } else if (from_body) {
        conn_->body_remaining -= static_cast<uint64_t>(n);
      }
    }
    *received = static_cast<DWORD>(n);
    return eof && n == 0 ? kEofResult : S_OK;
  }

  auto op = new_op(OpType::kRead, callback, context_ptr);
  if (n > 0 || eof) {
    HRESULT result = n > 0 ? S_OK : kEofResult;
    CompletionKind kind = core_.policy.for_immediate_result();
    if (kind == CompletionKind::kSync) {
      core_.stats.count_completion(OpType::kRead, CompletionKind::kSync);
      if (received) *received = static_cast<DWORD>(n);
      return result;
    }
    op->info.set(static_cast<DWORD>(n), result, kCompletedRead);
    read_op_ = op;
    return complete_immediately(lock, op, kind, pending);
  }

  op->module_buffer = buffer;
  op->receive_max = max;
  op->from_body = from_body;
  op->on_socket = true;
  read_op_ = op;
  if (pending) *pending = TRUE;
  receive_on_socket(op);
  mark_returned(op);
  return S_OK;
}

// A pending read goes to the socket with the module's buffer, as http.sys fills IIS's caller's: no buffer of
// the host's per waiting read (an idle WebSocket always has one). A request that finishes with the read still
// out (a violation) cancels it as the finish is seen (stop_socket_read_locked): from then on the buffer is not
// written to. A module that freed it inside the entry returning FINISH_REQUEST is not covered during that
// return, as IIS would not cover it.
void Request::receive_on_socket(const std::shared_ptr<AsyncOp>& op) {
  auto self = shared_from_this();
  conn_->async_receive(op->module_buffer, op->receive_max, [self, op](const std::error_code& ec, size_t got) {
    {
      std::lock_guard<std::mutex> guard(self->mutex_);
      op->on_socket = false;
      if (self->reset_) {
        op->info.set(0, kAbortedResult, kCompletedRead);
      } else if (ec == asio::error::operation_aborted && self->cancel_requested_) {
        op->info.set(0, kCancelledResult, kCompletedRead);
      } else if (ec || got == 0) {
        op->info.set(0, kEofResult, kCompletedRead);
      } else {
        if (op->from_body) self->conn_->body_remaining -= static_cast<uint64_t>(got);
        op->info.set(static_cast<DWORD>(got), S_OK, kCompletedRead);
      }
    }
    self->deliver(op);
  });
}

void Request::stop_socket_read_locked() {
  if (read_op_ && read_op_->on_socket) conn_->cancel_io();
}

HRESULT Request::write_entity(OpType type, HTTP_DATA_CHUNK* chunks, DWORD count, BOOL async, BOOL more_data,
                              PFN_ASYNC_COMPLETION callback, void* context_ptr, DWORD* sent, BOOL* expected) {
  const char* method = type == OpType::kFlush ? "IHttpResponse::Flush" : "IHttpResponse::WriteEntityChunks";
  if (!enter_call(method)) return kBadCallResult;
  if (count && !chunks) return E_INVALIDARG;
  size_t entity_size = 0;
  for (DWORD i = 0; i < count; ++i) {
    if (chunks[i].DataChunkType != HttpDataChunkFromMemory) {
      core_.stats.not_implemented(std::string(method) + " with a chunk type other than FromMemory");
      return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
    }
    entity_size += chunks[i].FromMemory.BufferLength;
  }
  (void)more_data;  // a response is finished by the request's end, not by this flag
  const DWORD entity_bytes = static_cast<DWORD>(entity_size);
  if (sent) *sent = 0;
  if (expected) *expected = FALSE;

  std::unique_lock<std::mutex> lock(mutex_);
  fold_raw_response_locked();
  if (write_op_) {
    core_.stats.violation(std::string(method) + " while another write is outstanding");
    return kBadCallResult;
  }
  if (read_op_ && !full_duplex_) {
    core_.stats.violation(std::string(method) + " while a read is outstanding, without EnableFullDuplex()");
    return kBadCallResult;
  }

  // After the head, an async write goes out from the module's own chunks, which IIS has it keep until the
  // completion: no copy, unless the socket takes only part of it now.
  long now = 0;
  std::string out;
  bool direct = response.head_sent && !drops_entity() && async && count <= kMaxDirectChunks;
  if (direct && entity_size > 0) {
    iovec pieces[kMaxDirectChunks];
    for (DWORD i = 0; i < count; ++i) pieces[i] = {chunks[i].FromMemory.pBuffer, chunks[i].FromMemory.BufferLength};
    now = conn_->try_send_pieces(pieces, static_cast<int>(count));
    if (now >= 0) {
      if (static_cast<size_t>(now) < entity_size) out = unsent_part(chunks, count, static_cast<size_t>(now));
      now = 0;  // of `out`
    }
  }
  if (!direct) {
    std::string data;
    data.reserve(entity_size);
    for (DWORD i = 0; i < count; ++i)
      data.append(static_cast<const char*>(chunks[i].FromMemory.pBuffer), chunks[i].FromMemory.BufferLength);
    if (!response.head_sent) {
      if (type == OpType::kWrite && response.buffering && response.status != 101) {
        response.body += data;  // IIS buffers the entity until a flush or the end of the request
      } else {
        if (!send_notified_ && subscribed(RQ_SEND_RESPONSE)) {
          lock.unlock();
          send_response_notification();
          lock.lock();
        }
        if (!response.head_sent) out = take_head_locked(false);
        if (!drops_entity()) out += data;
      }
    } else if (!drops_entity()) {
      out = std::move(data);
    }
  }
  if (!async) {
    bool ok = true;
    if (!out.empty()) {
      lock.unlock();
      ok = conn_->send_blocking(out.data(), out.size());
      lock.lock();
    }
    if (sent) *sent = ok ? entity_bytes : 0;
    return ok ? S_OK : kAbortedResult;
  }

  auto op = new_op(type, callback, context_ptr);
  if (!direct) now = out.empty() ? 0 : conn_->try_send(out.data(), out.size());
  if (now < 0 || static_cast<size_t>(now) == out.size()) {
    HRESULT result = now < 0 ? kAbortedResult : S_OK;
    DWORD bytes = now < 0 ? 0 : entity_bytes;
    CompletionKind kind = core_.policy.for_immediate_result();
    if (kind == CompletionKind::kSync) {
      core_.stats.count_completion(type, CompletionKind::kSync);
      if (sent) *sent = bytes;
      return result;
    }
    op->info.set(bytes, result, completed_operation(type));
    write_op_ = op;
    return complete_immediately(lock, op, kind, expected);
  }

  op->send_data = std::make_shared<std::string>(std::move(out));
  op->on_socket = true;
  write_op_ = op;
  if (expected) *expected = TRUE;
  auto self = shared_from_this();
  conn_->async_send(op->send_data, static_cast<size_t>(now), [self, op, entity_bytes, type](const std::error_code& ec) {
    {
      std::lock_guard<std::mutex> guard(self->mutex_);
      op->on_socket = false;
      HRESULT result = !ec ? S_OK
                       : ec == asio::error::operation_aborted && self->cancel_requested_ && !self->reset_
                           ? kCancelledResult
                           : kAbortedResult;
      op->info.set(ec ? 0 : entity_bytes, result, completed_operation(type));
    }
    self->deliver(op);
  });
  mark_returned(op);
  return S_OK;
}

HRESULT Request::post_completion(DWORD bytes) {
  if (!enter_call("IHttpContext::PostCompletion")) return kBadCallResult;
  std::unique_lock<std::mutex> lock(mutex_);
  auto op = new_op(OpType::kPost, nullptr, nullptr);
  op->info.set(bytes, S_OK, kCompletedPost);
  post_ops_.push_back(op);
  return complete_immediately(lock, op, core_.policy.for_posted_work(), nullptr);
}

HRESULT Request::cancel_io() {
  std::lock_guard<std::mutex> lock(mutex_);
  bool reading = read_op_ && read_op_->on_socket;
  bool waiting = reading || (write_op_ && write_op_->on_socket);
  if (!waiting) return HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
  if (reading && upgraded_ && core_.options.cancel_io_misses_reads) {
    // A socket's cancel would end its write too: with the read missed, nothing is cancelled.
    log(LogLevel::kDebug, "CancelIo: a pending WebSocket read is missed (cancelIoMissesReads)");
    return S_OK;
  }
  cancel_requested_ = true;
  conn_->cancel_io();
  return S_OK;
}

void Request::enable_full_duplex() {
  std::lock_guard<std::mutex> lock(mutex_);
  full_duplex_ = true;
}

// ---------------------------------------------------------------- connection

bool Request::peer_connected() const { return conn_->peer_connected(); }

void Request::close_connection_now() { conn_->close(); }

HTTP_RESPONSE* Request::raw_response() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!raw_) raw_ = std::make_unique<RawResponse>(response.status, response.reason, response.headers);
  return raw_->get();
}

void Request::fold_raw_response_locked() {
  if (!raw_) return;
  raw_->read_back(response.status, response.reason, response.headers, false);
  raw_.reset();
}

void Request::reset_connection() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reset_ = true;
  }
  core_.stats.connection_resets.fetch_add(1);
  conn_->close();
}

void* Request::allocate(DWORD bytes) {
  void* p = std::malloc(bytes ? bytes : 1);
  if (!p) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  allocations_.push_back(p);
  return p;
}

}  // namespace cs::host
