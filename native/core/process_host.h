#pragma once
// The programs of `kind = process` endpoints, as the core sees them: it decodes what the module asks to run
// (host_process_start), finds the program, holds it against the server's policy and caps, starts it, and
// turns the child's output and exit into events of its connection.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "abi_constants.h"
#include "child_process.h"
#include "program_policy.h"

namespace cs {

class Connection;
class EndpointVersion;

// The module settings that govern programs (read at RegisterModule; see README "Settings of the module").
struct ProcessSettings {
  std::string allowed_programs;  // CHATSOCKET_ALLOWED_PROGRAMS
  // CHATSOCKET_PASS_ENVIRONMENT: the server's variables a program inherits; everything else it gets is
  // what its endpoint file and the request say.
  std::vector<std::string> pass_environment;
  unsigned max_processes = 256;  // CHATSOCKET_MAX_PROCESSES: programs running at once in this server process
  ProcessLimits limits;
};

// The variables a program inherits when CHATSOCKET_PASS_ENVIRONMENT is not set.
std::vector<std::string> default_pass_environment();

class ProcessHost {
 public:
  explicit ProcessHost(ProcessSettings settings);
  ~ProcessHost();  // kills what is still running

  // Runs the program `description` names (docs/ABI.md, host_process_start) for `connection`, whose
  // endpoint file is `endpoint`. kOk; kForbidden (not on the list: logged, naming the setting);
  // kLimitReached; kNotFound (no such program or folder: logged); kBadArgument (a malformed description).
  abi::Status start(Connection& connection, const EndpointVersion& endpoint, std::string_view description);

  size_t running() const;

 private:
  class Events;
  // Takes a place for one more program of `endpoint_path`; false when a cap is reached.
  bool reserve(const std::string& endpoint_path, unsigned endpoint_cap);
  void release(const std::string& endpoint_path);

  const ProcessSettings settings_;
  const ProgramPolicy policy_;
  std::unique_ptr<ProcessLauncher> launcher_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, unsigned> per_endpoint_;
  unsigned total_ = 0;
};

}  // namespace cs
