#include "going_away_module.h"

#include <exception>

#include "log.h"

namespace cs {

// GL_STOP_LISTENING, not GL_APPLICATION_STOP. IIS sends GL_STOP_LISTENING once per worker process when it stops
// taking requests for good: an app pool recycle (with overlapped recycling, the default, a new process already
// takes the new requests), the pool stopping, IIS shutting down. It then waits for the requests in flight, up
// to the pool's shutdown time limit, which is what the closing handshakes need. GL_APPLICATION_STOP is per
// application, and an application can stop while the process keeps serving the others; the connections here
// are the process's, whatever application they came from, so closing them all there would drop clients that
// had no reason to go.
void subscribe_going_away(IHttpModuleRegistrationInfo* info, const std::shared_ptr<ModuleGlobals>& globals) noexcept {
  try {
    auto module = std::make_unique<GoingAwayModule>(globals);
    HRESULT hr = info->SetGlobalNotifications(module.get(), GL_STOP_LISTENING);
    if (FAILED(hr)) {
      log(LogLevel::kWarning, "SetGlobalNotifications failed (0x%08x); clients will not hear 1001 at shutdown",
          static_cast<unsigned>(hr));
      return;
    }
    module.release();  // IIS owns it now, until Terminate
  } catch (const std::exception& error) {
    log(LogLevel::kWarning, "the shutdown notice could not be set up (%s); clients will not hear 1001 at shutdown",
        error.what());
  }
}

// Must not hold IIS up: it queues a close frame per connection and returns. IIS then drains the requests; each
// ends when its client answers, or when its close_timeout drops it.
GLOBAL_NOTIFICATION_STATUS GoingAwayModule::OnGlobalStopListening(IGlobalStopListeningProvider* provider) {
  try {
    // FALSE when IIS will end pending requests itself (IIS restarting): 1001 is still worth sending.
    bool graceful = provider && provider->DrainRequestsGracefully();
    log(LogLevel::kInfo, "GL_STOP_LISTENING (%s): closing every WebSocket with 1001",
        graceful ? "requests may drain" : "IIS will end pending requests");
    globals_->pool->go_away();
  } catch (const std::exception& error) {
    log(LogLevel::kError, "the shutdown notice failed: %s", error.what());
  } catch (...) {
    log(LogLevel::kError, "the shutdown notice failed with an unknown exception");
  }
  return GL_NOTIFICATION_CONTINUE;
}

VOID GoingAwayModule::Terminate() { delete this; }

}  // namespace cs
