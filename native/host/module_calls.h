#pragma once
// Every call the host makes into the module goes through call_module. IIS has no answer to a C++
// exception thrown out of a module: it takes the worker process down with every site of the pool. The
// host counts one as a violation, so a test sees it, and carries on as if the call had returned `fallback`.
#include <exception>
#include <string>

#include "stats.h"

namespace cs::host {

template <class Result, class Call>
Result call_module(Stats& stats, const char* entry, Result fallback, Call&& call) {
  try {
    return call();
  } catch (const std::exception& error) {
    stats.violation(std::string("a C++ exception escaped the module's ") + entry + " (" + error.what() +
                    "); IIS would have crashed");
  } catch (...) {
    stats.violation(std::string("a C++ exception escaped the module's ") + entry + "; IIS would have crashed");
  }
  return fallback;
}

}  // namespace cs::host
