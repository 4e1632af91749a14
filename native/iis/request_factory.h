#pragma once
#include "iis_api.h"
#include "module_globals.h"

namespace cs {

// ChatSocketGetStats (module_main.cpp) reads the pool until Terminate frees it.
void forget_pool_for_stats();

// IIS asks it for one CHttpModule per request. It shares the module-wide state with the GoingAwayModule and
// lets go of it in Terminate; whichever of the two IIS terminates last frees it.
class RequestFactory final : public IHttpModuleFactory {
 public:
  explicit RequestFactory(std::shared_ptr<ModuleGlobals> globals) : globals_(std::move(globals)) {}

  HRESULT GetHttpModule(CHttpModule** module, IModuleAllocator* allocator) override;
  VOID Terminate() override;

  InstancePool* pool() const { return globals_->pool.get(); }

 private:
  std::shared_ptr<ModuleGlobals> globals_;
};

}  // namespace cs
