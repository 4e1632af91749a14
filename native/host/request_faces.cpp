// The module-facing methods of a request's objects: argument handling, then the Request backend.
#include <cstring>

#include "request.h"

namespace cs::host {
namespace {

const char* const kKnownHeaderNames[] = {"Cache-Control",
                                         "Connection",
                                         "Date",
                                         "Keep-Alive",
                                         "Pragma",
                                         "Trailer",
                                         "Transfer-Encoding",
                                         "Upgrade",
                                         "Via",
                                         "Warning",
                                         "Allow",
                                         "Content-Length",
                                         "Content-Type",
                                         "Content-Encoding",
                                         "Content-Language",
                                         "Content-Location",
                                         "Content-MD5",
                                         "Content-Range",
                                         "Expires",
                                         "Last-Modified",
                                         "Accept",
                                         "Accept-Charset",
                                         "Accept-Encoding",
                                         "Accept-Language",
                                         "Authorization",
                                         "Cookie",
                                         "Expect",
                                         "From",
                                         "Host",
                                         "If-Match",
                                         "If-Modified-Since",
                                         "If-None-Match",
                                         "If-Range",
                                         "If-Unmodified-Since",
                                         "Max-Forwards",
                                         "Proxy-Authorization",
                                         "Referer",
                                         "Range",
                                         "TE",
                                         "Translate",
                                         "User-Agent"};
const char* const kResponseHeaderNames[] = {"Accept-Ranges", "Age",    "ETag",       "Location", "Proxy-Authenticate",
                                            "Retry-After",   "Server", "Set-Cookie", "Vary",     "WWW-Authenticate"};

const char* request_header_name(HTTP_HEADER_ID id) {
  int i = static_cast<int>(id);
  return i >= 0 && i < HttpHeaderRequestMaximum ? kKnownHeaderNames[i] : nullptr;
}

}  // namespace

const char* response_header_name(HTTP_HEADER_ID id) {
  int i = static_cast<int>(id);
  if (i >= 0 && i < HttpHeaderAcceptRanges) return kKnownHeaderNames[i];
  if (i >= HttpHeaderAcceptRanges && i < HttpHeaderResponseMaximum) return kResponseHeaderNames[i - 20];
  return nullptr;
}

namespace {

HRESULT set_response_header(Request& r, const char* name, PCSTR value, USHORT length, BOOL replace) {
  if (!name || !*name || !value) return E_INVALIDARG;
  // cchHeaderValue is the value's length; 0 is taken as "NUL-terminated".
  std::string v(value, length ? length : std::strlen(value));
  std::lock_guard<std::mutex> lock(r.mutex());
  if (r.response.head_sent) return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
  r.fold_raw_response_locked();
  return r.response.headers.set(name, v, replace) ? S_OK : HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
}

HRESULT delete_response_header(Request& r, const char* name) {
  if (!name) return E_INVALIDARG;
  std::lock_guard<std::mutex> lock(r.mutex());
  r.fold_raw_response_locked();
  r.response.headers.remove(name);
  return S_OK;
}

PCSTR get_response_header(Request& r, const char* name, USHORT* length) {
  if (length) *length = 0;
  if (!name) return nullptr;
  std::lock_guard<std::mutex> lock(r.mutex());
  r.fold_raw_response_locked();
  std::optional<std::string_view> v = r.response.headers.find(name);
  if (!v) return nullptr;
  if (length) *length = static_cast<USHORT>(v->size());
  return v->data();  // NUL-terminated in the list's block
}

}  // namespace

void report_not_implemented(const Request& r, const char* method) { r.not_implemented(method); }

// ---------------------------------------------------------------- IHttpContext3

IHttpConnection* HostContext::GetConnection() {
  return r_.enter_call("IHttpContext::GetConnection") ? &r_.connection_face : nullptr;
}
IMetadataInfo* HostContext::GetMetadata() {
  return r_.enter_call("IHttpContext::GetMetadata") ? r_.metadata() : nullptr;
}
IHttpRequest* HostContext::GetRequest() {
  return r_.enter_call("IHttpContext::GetRequest") ? &r_.http_request : nullptr;
}
IHttpResponse* HostContext::GetResponse() {
  return r_.enter_call("IHttpContext::GetResponse") ? &r_.http_response : nullptr;
}
BOOL HostContext::GetResponseHeadersSent() const {
  if (!r_.enter_call("IHttpContext::GetResponseHeadersSent")) return FALSE;
  std::lock_guard<std::mutex> lock(r_.mutex());
  return r_.response.head_sent ? TRUE : FALSE;
}
VOID HostContext::IndicateCompletion(REQUEST_NOTIFICATION_STATUS status) { r_.indicate_completion(status); }
HRESULT HostContext::PostCompletion(DWORD bytes) { return r_.post_completion(bytes); }
HRESULT HostContext::GetServerVariable(PCSTR name, PCSTR* value, DWORD* length) {
  return r_.server_variable(name, value, length);
}
HRESULT HostContext::GetServerVariable(PCSTR name, PCWSTR* value, DWORD* length) {
  return r_.server_variable_wide(name, value, length);
}
PCWSTR HostContext::GetPhysicalPath(DWORD* length) { return r_.physical_path(length); }
PCWSTR HostContext::GetScriptTranslated(DWORD* length) { return r_.physical_path(length); }
VOID HostContext::SetRequestHandled() { r_.enter_call("IHttpContext::SetRequestHandled"); }
HRESULT HostContext::CancelIo() {
  if (!r_.enter_call("IHttpContext::CancelIo")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  return r_.cancel_io();
}
VOID HostContext::EnableFullDuplex() {
  if (r_.enter_call("IHttpContext3::EnableFullDuplex")) r_.enable_full_duplex();
}
VOID* HostContext::AllocateRequestMemory(DWORD bytes) {
  return r_.enter_call("IHttpContext::AllocateRequestMemory") ? r_.allocate(bytes) : nullptr;
}

// ---------------------------------------------------------------- IHttpRequest3

HTTP_REQUEST* HostHttpRequest::GetRawHttpRequest() {
  not_implemented("IHttpRequest::GetRawHttpRequest");
  return nullptr;
}
const HTTP_REQUEST* HostHttpRequest::GetRawHttpRequest() const {
  not_implemented("IHttpRequest::GetRawHttpRequest const");
  return nullptr;
}
PCSTR HostHttpRequest::GetHeader(HTTP_HEADER_ID id, USHORT* length) const {
  const char* name = request_header_name(id);
  if (!name) {
    if (length) *length = 0;
    return nullptr;
  }
  return GetHeader(name, length);
}
PCSTR HostHttpRequest::GetHeader(PCSTR name, USHORT* length) const {
  if (length) *length = 0;
  if (!r_.enter_call("IHttpRequest::GetHeader") || !name) return nullptr;
  std::optional<std::string_view> v = r_.head().header(name);
  if (!v) return nullptr;
  if (length) *length = static_cast<USHORT>(std::min<size_t>(v->size(), 0xFFFF));
  return v->data();  // NUL-terminated in the head's block
}
PCSTR HostHttpRequest::GetHttpMethod() const {
  return r_.enter_call("IHttpRequest::GetHttpMethod") ? r_.head().method().data() : nullptr;
}
PSOCKADDR HostHttpRequest::GetLocalAddress() const {
  return r_.enter_call("IHttpRequest::GetLocalAddress") ? const_cast<sockaddr*>(&r_.local_address().any) : nullptr;
}
PSOCKADDR HostHttpRequest::GetRemoteAddress() const {
  return r_.enter_call("IHttpRequest::GetRemoteAddress") ? const_cast<sockaddr*>(&r_.remote_address().any) : nullptr;
}
HRESULT HostHttpRequest::ReadEntityBody(VOID* buffer, DWORD size, BOOL async, DWORD* received, BOOL* pending) {
  return r_.read_entity(buffer, size, async, nullptr, nullptr, received, pending);
}
HRESULT HostHttpRequest::ReadEntityBody(VOID* buffer, DWORD size, BOOL async, PFN_ASYNC_COMPLETION callback,
                                        VOID* context, DWORD* received, BOOL* pending) {
  return r_.read_entity(buffer, size, async, callback, context, received, pending);
}
DWORD HostHttpRequest::GetRemainingEntityBytes() {
  if (!r_.enter_call("IHttpRequest::GetRemainingEntityBytes")) return 0;
  std::lock_guard<std::mutex> lock(r_.mutex());
  return static_cast<DWORD>(std::min<uint64_t>(r_.body_remaining(), 0xFFFFFFFFu));
}
VOID HostHttpRequest::GetHttpVersion(USHORT* major, USHORT* minor) const {
  if (!r_.enter_call("IHttpRequest::GetHttpVersion")) return;
  if (major) *major = static_cast<USHORT>(r_.head().version_major);
  if (minor) *minor = static_cast<USHORT>(r_.head().version_minor);
}

// ---------------------------------------------------------------- IHttpResponse2

HTTP_RESPONSE* HostHttpResponse::GetRawHttpResponse() {
  return r_.enter_call("IHttpResponse::GetRawHttpResponse") ? r_.raw_response() : nullptr;
}
const HTTP_RESPONSE* HostHttpResponse::GetRawHttpResponse() const {
  return r_.enter_call("IHttpResponse::GetRawHttpResponse const") ? r_.raw_response() : nullptr;
}
HRESULT HostHttpResponse::SetStatus(USHORT status, PCSTR reason, USHORT substatus, HRESULT error,
                                    IAppHostConfigException*, BOOL) {
  if (!r_.enter_call("IHttpResponse::SetStatus")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  if (status < 100 || status > 999) return E_INVALIDARG;
  std::lock_guard<std::mutex> lock(r_.mutex());
  if (r_.response.head_sent) return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
  r_.fold_raw_response_locked();
  r_.response.status = status;
  r_.response.substatus = substatus;
  r_.response.reason = reason ? reason : "";
  r_.response.error_status = error;
  return S_OK;
}
HRESULT HostHttpResponse::SetHeader(HTTP_HEADER_ID id, PCSTR value, USHORT length, BOOL replace) {
  if (!r_.enter_call("IHttpResponse::SetHeader")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  const char* name = response_header_name(id);
  return name ? set_response_header(r_, name, value, length, replace) : E_INVALIDARG;
}
HRESULT HostHttpResponse::SetHeader(PCSTR name, PCSTR value, USHORT length, BOOL replace) {
  if (!r_.enter_call("IHttpResponse::SetHeader")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  return set_response_header(r_, name, value, length, replace);
}
HRESULT HostHttpResponse::DeleteHeader(HTTP_HEADER_ID id) {
  if (!r_.enter_call("IHttpResponse::DeleteHeader")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  const char* name = response_header_name(id);
  return name ? delete_response_header(r_, name) : E_INVALIDARG;
}
HRESULT HostHttpResponse::DeleteHeader(PCSTR name) {
  if (!r_.enter_call("IHttpResponse::DeleteHeader")) return HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER);
  return delete_response_header(r_, name);
}
PCSTR HostHttpResponse::GetHeader(HTTP_HEADER_ID id, USHORT* length) const {
  if (!r_.enter_call("IHttpResponse::GetHeader")) return nullptr;
  return get_response_header(r_, response_header_name(id), length);
}
PCSTR HostHttpResponse::GetHeader(PCSTR name, USHORT* length) const {
  if (!r_.enter_call("IHttpResponse::GetHeader")) return nullptr;
  return get_response_header(r_, name, length);
}
VOID HostHttpResponse::Clear() {
  if (!r_.enter_call("IHttpResponse::Clear")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  if (r_.response.head_sent) return;  // "may appear to have no effect" once flushed
  r_.fold_raw_response_locked();
  r_.response.status = 200;
  r_.response.substatus = 0;
  r_.response.reason = "OK";
  r_.response.headers.clear();
  r_.response.body.clear();
}
VOID HostHttpResponse::ClearHeaders() {
  if (!r_.enter_call("IHttpResponse::ClearHeaders")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.fold_raw_response_locked();
  if (!r_.response.head_sent) r_.response.headers.clear();
}
VOID HostHttpResponse::SetNeedDisconnect() {
  if (!r_.enter_call("IHttpResponse::SetNeedDisconnect")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.response.need_disconnect = true;
}
VOID HostHttpResponse::ResetConnection() {
  if (r_.enter_call("IHttpResponse::ResetConnection")) r_.reset_connection();
}
VOID HostHttpResponse::DisableKernelCache(ULONG) { r_.enter_call("IHttpResponse::DisableKernelCache"); }
BOOL HostHttpResponse::GetKernelCacheEnabled() const {
  r_.enter_call("IHttpResponse::GetKernelCacheEnabled");
  return FALSE;
}
HRESULT HostHttpResponse::Flush(BOOL async, BOOL more_data, DWORD* sent, BOOL* expected) {
  return r_.write_entity(OpType::kFlush, nullptr, 0, async, more_data, nullptr, nullptr, sent, expected);
}
HRESULT HostHttpResponse::Flush(BOOL async, BOOL more_data, PFN_ASYNC_COMPLETION callback, VOID* context, DWORD* sent,
                                BOOL* expected) {
  return r_.write_entity(OpType::kFlush, nullptr, 0, async, more_data, callback, context, sent, expected);
}
HRESULT HostHttpResponse::WriteEntityChunks(HTTP_DATA_CHUNK* chunks, DWORD count, BOOL async, BOOL more_data,
                                            DWORD* sent, BOOL* expected) {
  return r_.write_entity(OpType::kWrite, chunks, count, async, more_data, nullptr, nullptr, sent, expected);
}
HRESULT HostHttpResponse::WriteEntityChunks(HTTP_DATA_CHUNK* chunks, DWORD count, BOOL async, BOOL more_data,
                                            PFN_ASYNC_COMPLETION callback, VOID* context, DWORD* sent, BOOL* expected) {
  return r_.write_entity(OpType::kWrite, chunks, count, async, more_data, callback, context, sent, expected);
}
VOID HostHttpResponse::DisableBuffering() {
  if (!r_.enter_call("IHttpResponse::DisableBuffering")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.response.buffering = false;
}
VOID HostHttpResponse::GetStatus(USHORT* status, USHORT* substatus, PCSTR* reason, USHORT* reason_length,
                                 HRESULT* error, PCWSTR* module, DWORD* notification,
                                 IAppHostConfigException** exception, BOOL* skip_custom_errors) {
  if (!r_.enter_call("IHttpResponse::GetStatus")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.fold_raw_response_locked();
  if (status) *status = r_.response.status;
  if (substatus) *substatus = r_.response.substatus;
  if (reason) *reason = r_.response.reason.c_str();
  if (reason_length) *reason_length = static_cast<USHORT>(r_.response.reason.size());
  if (error) *error = r_.response.error_status;
  if (module) *module = nullptr;
  if (notification) *notification = RQ_EXECUTE_REQUEST_HANDLER;
  if (exception) *exception = nullptr;
  if (skip_custom_errors) *skip_custom_errors = FALSE;
}
VOID HostHttpResponse::CloseConnection() {
  // Ends the connection now: an outstanding read completes with EOF, a write with an error.
  if (r_.enter_call("IHttpResponse::CloseConnection")) r_.close_connection_now();
}

// ---------------------------------------------------------------- small ones

BOOL HostConnection::IsConnected() const {
  if (!r_.enter_call("IHttpConnection::IsConnected")) return FALSE;
  return r_.peer_connected() ? TRUE : FALSE;
}
VOID* HostConnection::AllocateMemory(DWORD bytes) {
  return r_.enter_call("IHttpConnection::AllocateMemory") ? r_.allocate(bytes) : nullptr;
}
VOID HostEventProvider::SetErrorStatus(HRESULT error) {
  if (!r_.enter_call("IHttpEventProvider::SetErrorStatus")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.response.error_status = error;
}
VOID HostSendResponseProvider::SetErrorStatus(HRESULT error) {
  if (!r_.enter_call("ISendResponseProvider::SetErrorStatus")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.response.error_status = error;
}
DWORD HostSendResponseProvider::GetFlags() const {
  if (!r_.enter_call("ISendResponseProvider::GetFlags")) return 0;
  std::lock_guard<std::mutex> lock(r_.mutex());
  return r_.response.send_flags;
}
VOID HostSendResponseProvider::SetFlags(DWORD flags) {
  if (!r_.enter_call("ISendResponseProvider::SetFlags")) return;
  std::lock_guard<std::mutex> lock(r_.mutex());
  r_.response.send_flags = flags;
}
VOID* HostAllocator::AllocateMemory(DWORD bytes) {
  // Memory for the request's lifetime (modules placement-new their CHttpModule here).
  return r_.allocate(bytes);
}

// ---------------------------------------------------------------- extended interfaces

template <class T>
bool is_iid(const GUID& g) {
  return g == cs_iid<T>();
}

HRESULT query_request_interface(const GUID& from, void* input, const GUID& to, void** output) {
  if (!input) return E_INVALIDARG;
  if (is_iid<IHttpContext>(from) || is_iid<IHttpContext2>(from) || is_iid<IHttpContext3>(from)) {
    auto* ctx = static_cast<HostContext*>(static_cast<IHttpContext*>(input));
    if (!ctx->request().enter_call("IHttpServer2::GetExtendedInterface(IHttpContext)")) return E_INVALIDARG;
    if (is_iid<IHttpContext>(to) || is_iid<IHttpContext2>(to) || is_iid<IHttpContext3>(to)) {
      *output = static_cast<IHttpContext3*>(ctx);
      return S_OK;
    }
  } else if (is_iid<IHttpRequest>(from) || is_iid<IHttpRequest2>(from) || is_iid<IHttpRequest3>(from)) {
    auto* req = static_cast<HostHttpRequest*>(static_cast<IHttpRequest*>(input));
    if (!req->request().enter_call("IHttpServer2::GetExtendedInterface(IHttpRequest)")) return E_INVALIDARG;
    if (is_iid<IHttpRequest>(to) || is_iid<IHttpRequest2>(to) || is_iid<IHttpRequest3>(to)) {
      *output = static_cast<IHttpRequest3*>(req);
      return S_OK;
    }
  } else if (is_iid<IHttpResponse>(from) || is_iid<IHttpResponse2>(from)) {
    auto* resp = static_cast<HostHttpResponse*>(static_cast<IHttpResponse*>(input));
    if (!resp->request().enter_call("IHttpServer2::GetExtendedInterface(IHttpResponse)")) return E_INVALIDARG;
    if (is_iid<IHttpResponse>(to) || is_iid<IHttpResponse2>(to)) {
      *output = static_cast<IHttpResponse2*>(resp);
      return S_OK;
    }
  } else if (is_iid<IHttpCompletionInfo>(from) || is_iid<IHttpCompletionInfo2>(from)) {
    if (is_iid<IHttpCompletionInfo>(to) || is_iid<IHttpCompletionInfo2>(to)) {
      *output = static_cast<IHttpCompletionInfo2*>(
          static_cast<HostCompletionInfo*>(static_cast<IHttpCompletionInfo*>(input)));
      return S_OK;
    }
  }
  return E_NOINTERFACE;
}

}  // namespace cs::host
