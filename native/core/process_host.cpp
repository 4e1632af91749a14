#include "process_host.h"

#include <cctype>
#include <cstdlib>
#include <exception>

#include "connection.h"
#include "endpoint_cache.h"
#include "log.h"

namespace cs {

namespace {

// The fields of host_process_start's description: text separated by NUL bytes (docs/ABI.md).
struct Description {
  uint32_t flags = 0;
  unsigned max_processes = 0;
  std::string program;
  std::string directory;
  std::vector<std::string> arguments;
  std::vector<std::string> environment;
};

bool parse_number(const std::string& text, unsigned& out) {
  if (text.empty() || text.size() > 9) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

bool parse_description(std::string_view bytes, Description& out) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\0', start);
    if (end == std::string_view::npos) return false;  // every field ends with a NUL
    fields.emplace_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  size_t at = 0;
  auto next = [&](std::string& field) {
    if (at >= fields.size()) return false;
    field = fields[at++];
    return true;
  };
  std::string flags, cap, count;
  unsigned flag_bits = 0, arguments = 0, variables = 0;
  if (!next(flags) || !parse_number(flags, flag_bits) || !next(cap) || !parse_number(cap, out.max_processes) ||
      !next(out.program) || !next(out.directory) || !next(count) || !parse_number(count, arguments)) {
    return false;
  }
  out.flags = flag_bits;
  for (unsigned i = 0; i < arguments; ++i) {
    out.arguments.emplace_back();
    if (!next(out.arguments.back())) return false;
  }
  if (!next(count) || !parse_number(count, variables)) return false;
  for (unsigned i = 0; i < variables; ++i) {
    out.environment.emplace_back();
    if (!next(out.environment.back()) || out.environment.back().find('=') == std::string::npos) return false;
  }
  return at == fields.size();
}

std::string folder_of(const std::string& path) {
#ifdef _WIN32
  size_t cut = path.find_last_of("\\/");
#else
  size_t cut = path.find_last_of('/');
#endif
  return cut == std::string::npos ? std::string(".") : path.substr(0, cut == 0 ? 1 : cut);
}

bool named(const std::string& entry, const std::string& name) {
  if (entry.size() <= name.size() || entry[name.size()] != '=') return false;
#ifdef _WIN32
  for (size_t i = 0; i < name.size(); ++i) {  // Windows' variable names are case-insensitive
    if (std::toupper(static_cast<unsigned char>(entry[i])) != std::toupper(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  return true;
#else
  return entry.compare(0, name.size(), name) == 0;
#endif
}

}  // namespace

std::vector<std::string> default_pass_environment() {
#ifdef _WIN32
  return {"PATH", "PATHEXT", "SystemRoot", "SystemDrive", "windir", "ComSpec", "TEMP", "TMP"};
#else
  return {"PATH", "LANG", "LC_ALL", "TZ", "LD_LIBRARY_PATH"};
#endif
}

// What the child's launcher reports, delivered to the connection as events. Holds the connection weakly:
// a program outlives its connection by its stop sequence.
class ProcessHost::Events final : public ProcessEvents {
 public:
  Events(ProcessHost& host, std::weak_ptr<Connection> connection, std::string endpoint_path)
      : host_(host), connection_(std::move(connection)), endpoint_path_(std::move(endpoint_path)) {}

  void on_output(OutputStream stream, const uint8_t* data, size_t size) override {
    if (auto connection = connection_.lock()) {
      connection->deliver_event(
          stream == OutputStream::kStdout ? abi::Event::kProcessStdout : abi::Event::kProcessStderr, data, size);
    }
  }
  void on_stdin_drained() override {
    if (auto connection = connection_.lock()) connection->deliver_event(abi::Event::kProcessStdinWritable);
  }
  void on_exit(int code, int signal) override {
    host_.release(endpoint_path_);
    if (auto connection = connection_.lock()) {
      connection->deliver_event(abi::Event::kProcessExited, nullptr, 0, static_cast<uint32_t>(code),
                                static_cast<uint32_t>(signal));
    }
  }

 private:
  ProcessHost& host_;
  const std::weak_ptr<Connection> connection_;
  const std::string endpoint_path_;
};

ProcessHost::ProcessHost(ProcessSettings settings)
    : settings_(std::move(settings)), policy_(settings_.allowed_programs) {}

ProcessHost::~ProcessHost() = default;

size_t ProcessHost::running() const { return launcher_ ? launcher_->running() : 0; }

bool ProcessHost::reserve(const std::string& endpoint_path, unsigned endpoint_cap) {
  std::lock_guard<std::mutex> lock(mutex_);
  unsigned& count = per_endpoint_[endpoint_path];
  if (total_ >= settings_.max_processes || (endpoint_cap > 0 && count >= endpoint_cap)) {
    if (count == 0) per_endpoint_.erase(endpoint_path);
    return false;
  }
  ++count;
  ++total_;
  return true;
}

void ProcessHost::release(const std::string& endpoint_path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = per_endpoint_.find(endpoint_path);
  if (it != per_endpoint_.end() && --it->second == 0) per_endpoint_.erase(it);
  if (total_ > 0) --total_;
}

abi::Status ProcessHost::start(Connection& connection, const EndpointVersion& endpoint, std::string_view bytes) {
  Description description;
  if (!parse_description(bytes, description)) return abi::Status::kBadArgument;
  const std::string base = folder_of(endpoint.path());
  const char* path_variable = std::getenv("PATH");

  bool shell = (description.flags & static_cast<uint32_t>(abi::ProcessFlag::kShell)) != 0;
  std::string wanted = shell ? ProgramPolicy::shell() : description.program;
  ProcessSpec spec;
  if (!ProgramPolicy::resolve(wanted, base, path_variable ? path_variable : "", spec.program)) {
    log(LogLevel::kError, "endpoint file %s: the program `%s` was not found (looked in %s and on PATH)",
        endpoint.path().c_str(), wanted.c_str(), base.c_str());
    return abi::Status::kNotFound;
  }
  if (!policy_.allows(spec.program)) {
    log(LogLevel::kError,
        "endpoint file %s: the program %s is not allowed to run; add it to the module setting %s "
        "(now: %s)",
        endpoint.path().c_str(), spec.program.c_str(), kAllowedProgramsSetting, policy_.describe().c_str());
    return abi::Status::kForbidden;
  }
  if (!ProgramPolicy::resolve_directory(description.directory, base, spec.directory)) {
    log(LogLevel::kError, "endpoint file %s: the folder `%s` does not exist", endpoint.path().c_str(),
        description.directory.c_str());
    return abi::Status::kNotFound;
  }
  if (shell) {
    if (description.arguments.empty()) return abi::Status::kBadArgument;
    spec.arguments = ProgramPolicy::shell_arguments(description.arguments.front());
  } else {
    spec.arguments = std::move(description.arguments);
  }
  // The program's environment: what the module built (the endpoint's variables and the request's, CGI
  // style), then the server's variables the settings pass on, unless the module set them already.
  spec.environment = std::move(description.environment);
  for (const std::string& name : settings_.pass_environment) {
    const char* value = std::getenv(name.c_str());
    if (!value) continue;
    bool set = false;
    for (const std::string& entry : spec.environment) set = set || named(entry, name);
    if (!set) spec.environment.push_back(name + "=" + value);
  }

  if (!reserve(endpoint.path(), description.max_processes)) return abi::Status::kLimitReached;
  std::string error;
  std::shared_ptr<ChildProcess> child;
  try {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!launcher_) launcher_ = ProcessLauncher::create(settings_.limits);  // its threads start with the first
    }
    auto events = std::make_shared<Events>(*this, connection.shared_from_this(), endpoint.path());
    child = launcher_->spawn(spec, events, error);
  } catch (const std::exception&) {
    release(endpoint.path());
    throw;
  }
  if (!child) {
    release(endpoint.path());
    log(LogLevel::kError, "endpoint file %s: %s could not be started: %s", endpoint.path().c_str(),
        spec.program.c_str(), error.c_str());
    return abi::Status::kNotFound;
  }
  connection.attach_process(std::move(child));
  return abi::Status::kOk;
}

}  // namespace cs
