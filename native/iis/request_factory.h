#pragma once
#include "iis_api.h"
#include "module_globals.h"

namespace cs {

// IIS asks it for one CHttpModule per request. It owns the module-wide state and frees it in Terminate.
class RequestFactory final : public IHttpModuleFactory {
 public:
  explicit RequestFactory(std::unique_ptr<ModuleGlobals> globals) : globals_(std::move(globals)) {}

  HRESULT GetHttpModule(CHttpModule** module, IModuleAllocator* allocator) override;
  VOID Terminate() override;

 private:
  std::unique_ptr<ModuleGlobals> globals_;
};

}  // namespace cs
