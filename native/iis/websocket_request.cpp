#include "websocket_request.h"

#include <exception>
#include <string>

#include "endpoint_file.h"
#include "http_answer.h"
#include "log.h"
#include "request_head.h"

namespace cs {

namespace {

std::string server_variable(IHttpContext* context, const char* name) {
  PCSTR value = nullptr;
  DWORD length = 0;
  if (FAILED(context->GetServerVariable(name, &value, &length)) || !value) return {};
  return std::string(value, length);
}

std::string request_head(IHttpContext* context) {
  IHttpRequest* request = context->GetRequest();
  USHORT major = 0, minor = 0;
  request->GetHttpVersion(&major, &minor);
  std::string url = server_variable(context, "URL");
  std::string query = server_variable(context, "QUERY_STRING");
  if (!query.empty()) url += "?" + query;
  RequestHead head(request->GetHttpMethod(), url, major, minor);
  for (size_t i = 0; i < HANDSHAKE_HEADER_COUNT; ++i) {
    USHORT length = 0;
    PCSTR value = request->GetHeader(HANDSHAKE_HEADERS[i], &length);
    if (value) head.add_header(HANDSHAKE_HEADERS[i], value, length);
  }
  return head.finish();
}

}  // namespace

REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnExecuteRequestHandler(IHttpContext* context, IHttpEventProvider*) {
  // No exception may reach IIS (STYLE A4).
  try {
    return handle(context);
  } catch (const std::exception& error) {
    log(LogLevel::error, "request failed: %s", error.what());
  } catch (...) {
    log(LogLevel::error, "request failed with an unknown exception");
  }
  if (upgrading_) return RQ_NOTIFICATION_PENDING;  // the pipe owns the request's end now
  answer(context->GetResponse(), 500, "The WebSocket module failed on this request.\n");
  return RQ_NOTIFICATION_FINISH_REQUEST;
}

REQUEST_NOTIFICATION_STATUS WebSocketRequest::handle(IHttpContext* context) {
  DWORD path_length = 0;
  PCWSTR path = context->GetScriptTranslated(&path_length);
  std::string endpoint;
  switch (path ? read_endpoint_file(reinterpret_cast<const char16_t*>(path), endpoint) : EndpointRead::missing) {
    case EndpointRead::ok:
      break;
    case EndpointRead::missing:
      answer(context->GetResponse(), 404, "No such WebSocket endpoint.\n");
      return RQ_NOTIFICATION_FINISH_REQUEST;
    case EndpointRead::too_large:
      log(LogLevel::error, "endpoint file %s is larger than %zu bytes", utf16_to_utf8(reinterpret_cast<const char16_t*>(path)).c_str(),
          MAX_ENDPOINT_FILE_BYTES);
      answer(context->GetResponse(), 500, "The endpoint file is too large.\n");
      return RQ_NOTIFICATION_FINISH_REQUEST;
    case EndpointRead::unreadable:
      log(LogLevel::error, "endpoint file %s cannot be read", utf16_to_utf8(reinterpret_cast<const char16_t*>(path)).c_str());
      answer(context->GetResponse(), 500, "The endpoint file cannot be read.\n");
      return RQ_NOTIFICATION_FINISH_REQUEST;
  }

  OpenResult result = globals_.pool->open(request_head(context), endpoint);
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
    log(LogLevel::error, "IIS does not offer IHttpContext3/IHttpRequest3/IHttpResponse2 (IIS 8 or later is needed)");
    accepted.connection->closed(CLOSED_BY_ERROR);
    answer(context->GetResponse(), 501, "WebSockets need IIS 8 or later.\n");
    return RQ_NOTIFICATION_FINISH_REQUEST;
  }

  IHttpResponse* response = context->GetResponse();
  response->Clear();
  response->SetStatus(101, reason_phrase(101), 0, S_OK, nullptr, TRUE);
  for (const auto& header : accepted.headers) {
    response->SetHeader(header.first.c_str(), header.second.c_str(), static_cast<USHORT>(header.second.size()), TRUE);
  }
  response->DisableKernelCache(9);
  // Before the 101 is flushed, as ANCM and iisnode do: one read and one write may then be in flight at once,
  // and nothing of ours waits in IIS's buffers.
  context3->EnableFullDuplex();
  response->DisableBuffering();

  upgrading_ = true;
  pipe_ = std::make_shared<DuplexPipe>(context3, request3, response2, accepted.connection);
  std::shared_ptr<DuplexPipe> pipe = pipe_;  // start() may finish the request before it returns
  pipe->start();
  return RQ_NOTIFICATION_PENDING;
}

// With IIS's WebSocket module off (<webSocket enabled="false"/> or not installed) nobody else marks the
// upgraded connection opaque; iisnode does the same.
REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnSendResponse(IHttpContext*, ISendResponseProvider* provider) {
  if (upgrading_) provider->SetFlags(provider->GetFlags() | HTTP_SEND_RESPONSE_FLAG_OPAQUE);
  return RQ_NOTIFICATION_CONTINUE;
}

REQUEST_NOTIFICATION_STATUS WebSocketRequest::OnAsyncCompletion(IHttpContext*, DWORD, BOOL, IHttpEventProvider*,
                                                                IHttpCompletionInfo*) {
  // Only our own PostCompletion arrives here (every I/O of ours completes through a callback).
  if (pipe_ && pipe_->finished()) return RQ_NOTIFICATION_FINISH_REQUEST;
  return RQ_NOTIFICATION_PENDING;
}

}  // namespace cs
