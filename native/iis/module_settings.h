#pragma once
// The module's settings, read once at RegisterModule from the worker process's environment (on IIS, the
// application pool's environment variables, which a site's files cannot set). README "Settings of the
// module" lists them. A value that does not make sense is logged and its default used.
#include "instance_pool.h"
#include "log.h"

namespace cs {

struct ModuleSettings {
  PoolOptions pool;
  bool test_hooks = false;
  LogLevel log_level = LogLevel::kInfo;
};

ModuleSettings read_module_settings();

}  // namespace cs
