#pragma once
// The module's CGlobalModule: IIS calls it when the worker process stops listening, and the module then
// closes every open WebSocket with 1001 instead of leaving clients to find a dead socket (1006).
#include <memory>

#include "iis_api.h"
#include "module_globals.h"

namespace cs {

class GoingAwayModule final : public CGlobalModule {
 public:
  explicit GoingAwayModule(std::shared_ptr<ModuleGlobals> globals) : globals_(std::move(globals)) {}

  GLOBAL_NOTIFICATION_STATUS OnGlobalStopListening(IGlobalStopListeningProvider* provider) override;
  VOID Terminate() override;

 private:
  std::shared_ptr<ModuleGlobals> globals_;
};

// Subscribes a GoingAwayModule to GL_STOP_LISTENING. A refusal is logged and the module serves on without it:
// clients then see the connection drop at shutdown, as before.
void subscribe_going_away(IHttpModuleRegistrationInfo* info, const std::shared_ptr<ModuleGlobals>& globals) noexcept;

}  // namespace cs
