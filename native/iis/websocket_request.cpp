#include "websocket_request.h"

#include <atomic>
#include <exception>
#include <string>

#include "connection_header.h"
#include "fault_injection.h"
#include "handshake_head.h"
#include "http_answer.h"
#include "iis_request_values.h"
#include "log.h"
#include "site_defaults.h"

namespace cs {

namespace {

std::string handshake_head(IHttpContext* context) {
  IHttpRequest* request = context->GetRequest();
  USHORT major = 0, minor = 0;
  request->GetHttpVersion(&major, &minor);
  std::string url = server_variable(context, "URL");
  std::string query = server_variable(context, "QUERY_STRING");
  if (!query.empty()) url += "?" + query;
  HandshakeHead head(request->GetHttpMethod(), url, major, minor);
  for (size_t i = 0; i < kHandshakeHeaderCount; ++i) {
    USHORT length = 0;
    PCSTR value = request->GetHeader(kHandshakeHeaders[i], &length);
    if (value) head.add_header(kHandshakeHeaders[i], value, length);
  }
  return head.finish();
}

std::string physical_path_utf8(PCWSTR path) { return utf16_to_utf8(reinterpret_cast<const char16_t*>(path)); }

}  // namespace

// No exception may reach IIS: each notification catches, logs and answers what it still can.
REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnExecuteRequestHandler(IHttpContext* context, IHttpEventProvider*) {
  try {
    return handle(context);
  } catch (const std::exception& error) {
    log(LogLevel::kError, "request failed: %s", error.what());
  } catch (...) {
    log(LogLevel::kError, "request failed with an unknown exception");
  }
  if (upgrading_) return RQ_NOTIFICATION_PENDING;  // the pipe owns the request's end now
  try {
    answer(context->GetResponse(), 500, "The WebSocket module failed on this request.\n");
  } catch (...) {
    context->GetResponse()->SetStatus(500, "Internal Server Error", 0, S_OK, nullptr, TRUE);
  }
  return RQ_NOTIFICATION_FINISH_REQUEST;
}

REQUEST_NOTIFICATION_STATUS WebSocketRequest::handle(IHttpContext* context) {
  fault_point(FaultPoint::kNotification);
  DWORD path_length = 0;
  PCWSTR path = context->GetScriptTranslated(&path_length);
  std::shared_ptr<EndpointVersion> endpoint;
  EndpointRead found = EndpointRead::kMissing;
  if (path) {
    SiteDefaults site = read_site_defaults(globals_.server, context);
    found = globals_.pool->endpoints().find(reinterpret_cast<const char16_t*>(path), site, endpoint);
  }
  switch (found) {
    case EndpointRead::kOk: break;
    case EndpointRead::kMissing:
      answer(context->GetResponse(), 404, "No such WebSocket endpoint.\n");
      return RQ_NOTIFICATION_FINISH_REQUEST;
    case EndpointRead::kTooLarge:  // a failed version, reported by the cache
    case EndpointRead::kUnreadable:
      log(LogLevel::kError, "endpoint file %s cannot be read", physical_path_utf8(path).c_str());
      answer(context->GetResponse(), 500, "The endpoint file cannot be read.\n");
      return RQ_NOTIFICATION_FINISH_REQUEST;
  }

  IisRequestValues request(context);
  OpenResult result = globals_.pool->open(*endpoint, handshake_head(context), request);
  if (result.status != 101) {
    answer(context->GetResponse(), result.status, result.body, result.headers);
    return RQ_NOTIFICATION_FINISH_REQUEST;
  }
  return upgrade(context, result);
}

REQUEST_NOTIFICATION_STATUS WebSocketRequest::upgrade(IHttpContext* context, const OpenResult& accepted) {
  IHttpContext3* context3 = nullptr;
  IHttpRequest3* request3 = nullptr;
  IHttpResponse2* response2 = nullptr;
  if (FAILED(cs_get_extended_interface(globals_.server, context, &context3)) ||
      FAILED(cs_get_extended_interface(globals_.server, context->GetRequest(), &request3)) ||
      FAILED(cs_get_extended_interface(globals_.server, context->GetResponse(), &response2))) {
    log(LogLevel::kError, "IIS does not offer IHttpContext3/IHttpRequest3/IHttpResponse2 (IIS 8 or later is needed)");
    accepted.connection->closed(abi::ClosedReason::kByError);
    answer(context->GetResponse(), 501, "WebSockets need IIS 8 or later.\n");
    return RQ_NOTIFICATION_FINISH_REQUEST;
  }

  std::shared_ptr<DuplexPipe> pipe;
  try {
    pipe = std::make_shared<DuplexPipe>(context3, request3, response2, accepted.connection, globals_.pool->timers());
  } catch (const std::exception&) {
    accepted.connection->closed(abi::ClosedReason::kByError);
    throw;
  }
  IHttpResponse* response = context->GetResponse();
  response->Clear();
  response->SetStatus(101, reason_phrase(101), 0, S_OK, nullptr, TRUE);
  for (const auto& header : accepted.headers) {
    response->SetHeader(header.first.c_str(), header.second.c_str(), static_cast<USHORT>(header.second.size()), TRUE);
  }
  response->DisableKernelCache(9);
  // Before the 101 is flushed: one read and one write may then be in flight at once, and nothing of ours
  // waits in IIS's buffers.
  context3->EnableFullDuplex();
  response->DisableBuffering();

  upgrading_ = true;
  pipe_ = pipe;
  pipe->start();  // may finish the request before it returns: `pipe` keeps the object alive meanwhile
  return RQ_NOTIFICATION_PENDING;
}

// With IIS's WebSocket module off (<webSocket enabled="false"/> or not installed) nobody else marks the
// upgraded connection opaque, so the module does. The last moment to arrange the 101's headers, too.
REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnSendResponse(IHttpContext* context, ISendResponseProvider* provider) {
  if (!upgrading_) return RQ_NOTIFICATION_CONTINUE;
  provider->SetFlags(provider->GetFlags() | HTTP_SEND_RESPONSE_FLAG_OPAQUE);
  if (!send_connection_header_verbatim(context)) {
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
      log(LogLevel::kWarning,
          "the 101's Connection header could not be moved where http.sys sends it as it is "
          "(no raw response or no memory); some clients may see no Connection: Upgrade");
  }
  return RQ_NOTIFICATION_CONTINUE;
}

REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnAsyncCompletion(IHttpContext*, DWORD, BOOL, IHttpEventProvider*,
                                                                IHttpCompletionInfo*) {
  // Only our own PostCompletion arrives here (every I/O of ours completes through a callback), after the pipe
  // has finished.
  try {
    if (pipe_ && pipe_->finished()) return RQ_NOTIFICATION_FINISH_REQUEST;
  } catch (const std::exception& error) {
    log(LogLevel::kError, "finishing a request failed: %s", error.what());
    return RQ_NOTIFICATION_FINISH_REQUEST;
  }
  return RQ_NOTIFICATION_PENDING;
}

}  // namespace cs
