#pragma once
#include "iis_api.h"
#include "module_globals.h"

namespace cs {

// ChatSocketGetStats (module_main.cpp) reads the pool until Terminate frees it.
void forget_pool_for_stats();

// IIS asks it for one CHttpModule per request. It owns the module-wide state and frees it in Terminate.
class RequestFactory final : public IHttpModuleFactory {
 public:
  explicit RequestFactory(std::unique_ptr<ModuleGlobals> globals) : globals_(std::move(globals)) {}

  HRESULT GetHttpModule(CHttpModule** module, IModuleAllocator* allocator) override;
  VOID Terminate() override;

  InstancePool* pool() const { return globals_->pool.get(); }

 private:
  std::unique_ptr<ModuleGlobals> globals_;
};

}  // namespace cs
