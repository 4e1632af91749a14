#pragma once
// What lives for as long as IIS keeps the module loaded: the server pointer (for extended interfaces)
// and the Wasm instance pool.
#include <memory>

#include "iis_api.h"
#include "instance_pool.h"

namespace cs {

struct ModuleGlobals {
  IHttpServer* server = nullptr;
  HTTP_MODULE_ID module_id = nullptr;
  std::unique_ptr<InstancePool> pool;
};

}  // namespace cs
