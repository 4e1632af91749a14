#pragma once
// The CHttpModule IIS creates for each request mapped to the module: it answers the WebSocket handshake
// (decided in Wasm) and hands an accepted connection to a DuplexPipe.
#include <memory>

#include "duplex_pipe.h"
#include "iis_api.h"
#include "module_globals.h"

namespace cs {

class WebSocketRequest final : public CHttpModule {
 public:
  explicit WebSocketRequest(ModuleGlobals& globals) : globals_(globals) {}

  REQUEST_NOTIFICATION_STATUS OnExecuteRequestHandler(IHttpContext* context, IHttpEventProvider* provider) override;
  REQUEST_NOTIFICATION_STATUS OnSendResponse(IHttpContext* context, ISendResponseProvider* provider) override;
  REQUEST_NOTIFICATION_STATUS OnAsyncCompletion(IHttpContext* context, DWORD notification, BOOL post_notification,
                                                IHttpEventProvider* provider, IHttpCompletionInfo* completion) override;
  // The object lives in request memory from IModuleAllocator: destroy, do not free.
  VOID Dispose() override { this->~WebSocketRequest(); }

 private:
  REQUEST_NOTIFICATION_STATUS handle(IHttpContext* context);
  REQUEST_NOTIFICATION_STATUS upgrade(IHttpContext* context, const OpenResult& accepted);

  ModuleGlobals& globals_;
  bool upgrading_ = false;
  std::shared_ptr<DuplexPipe> pipe_;
};

}  // namespace cs
