#pragma once
// One HTTP request as IIS lives it: a context that exists only while the module keeps it PENDING.
//
// Lifecycle: execute_module() calls OnExecuteRequestHandler; every module entry (that call, an I/O
// completion callback, OnAsyncCompletion) returns a status. The first non-PENDING status (or
// IndicateCompletion) finishes the request: from then on every call the module makes on it is a
// violation. Once no module entry is running any more, retire() sends what is left of the response,
// calls CHttpModule::Dispose and hands the objects to the graveyard, which keeps their memory valid
// for a while so that late calls are caught by the poison check instead of touching freed memory.
//
// Async I/O: at most one read and one write (WriteEntityChunks or Flush) outstanding; both at once only
// after EnableFullDuplex. A result that is available at once completes as the policy says (inline,
// on a pool thread before the call returns, or after); otherwise when the socket completes.
// Completions of a finished request are dropped (counted): IIS would call into freed module memory.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include "http_head.h"
#include "raw_response.h"
#include "request_interfaces.h"
#include "response_head.h"
#include "site_path.h"
#include "socket_address.h"
#include "static_files.h"
#include "stats.h"
#include "url_cache.h"

namespace cs::host {

class Connection;
struct HostCore;

struct AsyncOp {
  explicit AsyncOp(Request& r, OpType t) : type(t), info(r) {}
  OpType type;
  PFN_ASYNC_COMPLETION callback = nullptr;  // null: CHttpModule::OnAsyncCompletion
  void* callback_context = nullptr;
  bool hold_until_returned = false;  // policy "after-return" for an immediate result
  bool issuer_returned = false;
  bool entered = false;
  HostCompletionInfo info;
  void* module_buffer = nullptr;  // a pending read's destination, read into once the socket is readable
  size_t receive_max = 0;
  bool from_body = false;
  bool on_socket = false;  // waiting for the socket (CancelIo can still stop it)
  std::shared_ptr<std::string> send_data;
};

class Request : public std::enable_shared_from_this<Request> {
 public:
  Request(HostCore& core, std::shared_ptr<Connection> connection, RequestHead head, const SitePath& path);
  ~Request();
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  void execute_module();                                  // the request is mapped to our module
  void respond_without_handler(SimpleResponse response);  // static file or error

  // --- backends of the faces in request_interfaces.h ---
  bool enter_call(const char* method) const;  // false, and a violation, once the request is finished
  void not_implemented(const char* method) const;
  Stats& stats() const;
  HRESULT read_entity(void* buffer, DWORD size, BOOL async, PFN_ASYNC_COMPLETION callback, void* context,
                      DWORD* received, BOOL* pending);
  HRESULT write_entity(OpType type, HTTP_DATA_CHUNK* chunks, DWORD count, BOOL async, BOOL more_data,
                       PFN_ASYNC_COMPLETION callback, void* context, DWORD* sent, BOOL* expected);
  HRESULT post_completion(DWORD bytes);
  void indicate_completion(REQUEST_NOTIFICATION_STATUS status);
  void enable_full_duplex();
  HRESULT cancel_io();  // socket operations in flight complete with ERROR_OPERATION_ABORTED
  HRESULT server_variable(PCSTR name, PCSTR* value, DWORD* length);
  HRESULT server_variable_wide(PCSTR name, PCWSTR* value, DWORD* length);
  PCWSTR physical_path(DWORD* length);
  IMetadataInfo* metadata() const { return &url_->metadata; }
  void* allocate(DWORD bytes);
  bool peer_connected() const;
  void close_connection_now();
  HTTP_RESPONSE* raw_response();  // see raw_response.h
  void reset_connection();        // as close_connection_now; what is in flight completes with ERROR_CONNECTION_ABORTED

  // Response state (guarded by mutex(); the faces lock it).
  std::mutex& mutex() const { return mutex_; }
  const RequestHead& head() const { return head_; }
  // The connection's: a request holds its connection as long as it lives.
  const SocketAddress& remote_address() const;
  const SocketAddress& local_address() const;
  struct Response {
    USHORT status = 200;
    USHORT substatus = 0;
    std::string reason = "OK";
    HeaderList headers;
    std::string body;
    bool omit_body = false;
    bool buffering = true;
    bool head_sent = false;
    bool need_disconnect = false;
    DWORD send_flags = 0;
    HRESULT error_status = S_OK;
  } response;
  uint64_t body_remaining() const;
  // Takes back what the module edited through raw_response() before the response changes or is read.
  void fold_raw_response_locked();

  HostContext context;
  HostHttpRequest http_request;
  HostHttpResponse http_response;
  HostConnection connection_face;
  HostEventProvider event_provider;
  HostSendResponseProvider send_provider;
  HostAllocator allocator;

 private:
  std::shared_ptr<AsyncOp> new_op(OpType type, PFN_ASYNC_COMPLETION callback, void* context);
  HRESULT complete_immediately(std::unique_lock<std::mutex>& lock, std::shared_ptr<AsyncOp> op, CompletionKind kind,
                               BOOL* pending);
  void deliver(const std::shared_ptr<AsyncOp>& op);
  void receive_on_socket(const std::shared_ptr<AsyncOp>& op);
  void stop_socket_read_locked();
  void mark_returned(const std::shared_ptr<AsyncOp>& op);
  void leave_entry(REQUEST_NOTIFICATION_STATUS status);
  void retire();
  void send_response_notification();
  // HEAD: the head as GET would have it, never an entity (http.sys drops what the module writes).
  bool drops_entity() const { return head_.method() == "HEAD" && !upgraded_; }
  std::string take_head_locked(bool final_response);
  bool subscribed(DWORD notification) const;

  HostCore& core_;
  std::shared_ptr<Connection> conn_;
  const RequestHead head_;
  const std::shared_ptr<UrlInfo> url_;  // shared by the requests for the same URL

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  CHttpModule* module_ = nullptr;
  int active_entries_ = 0;
  bool finished_ = false;  // the poison: set by the first non-PENDING status or IndicateCompletion
  bool retiring_ = false;
  bool retired_ = false;
  std::thread::id notification_thread_;  // inside OnSendResponse at retirement: calls still allowed
  bool send_notified_ = false;
  bool full_duplex_ = false;
  bool cancel_requested_ = false;
  bool reset_ = false;
  bool upgraded_ = false;
  bool upgrade_refused_ = false;  // a 101 went out as an ordinary response
  bool close_after_ = false;      // head went out without a length: close to end the body
  std::unique_ptr<RawResponse> raw_;
  std::shared_ptr<AsyncOp> read_op_, write_op_;
  std::vector<std::shared_ptr<AsyncOp>> post_ops_;
  // Server variables the request holds nowhere else, made when the module asks: their maps only then (an
  // echo's WebSocket asks only for ones it holds).
  struct MadeValues {
    std::map<std::string, std::string> variables;
    std::map<std::string, std::u16string> wide_variables;
  };
  MadeValues& made_locked() const;
  mutable std::unique_ptr<MadeValues> made_;
  std::vector<void*> allocations_;
};

}  // namespace cs::host
