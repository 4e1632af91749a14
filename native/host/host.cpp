#include "host.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "connection.h"
#include "host_core.h"
#include "log.h"

namespace cs::host {

namespace {

// True once `done` holds; false when `milliseconds` passed first.
template <class Condition>
bool wait_until(unsigned milliseconds, Condition done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The CPUs this process may run on (its affinity), at least one.
unsigned cpus_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

Host::Host() = default;

Host::~Host() { stop(); }

bool Host::running() const { return core_ != nullptr; }

uint16_t Host::port() const { return port_; }

StatsSnapshot Host::stats() const {
  if (!core_) return stopped_stats_;
  StatsSnapshot s = core_->stats.snapshot();
  s.has_module_stats = core_->module.module_stats(s.module_stats);
  return s;
}

bool Host::arm_module_fault(uint32_t point, uint32_t skip) {
  return core_ && core_->module.arm_module_fault(point, skip);
}

bool Host::start(const HostOptions& options, std::string& error) {
  if (core_) {
    error = "the host is already running";
    return false;
  }
  LogLevel level;
  if (!parse_log_level(options.log_level, level)) {
    error = "unknown log level '" + options.log_level + "' (off, error, warning, info, debug)";
    return false;
  }
  set_log_level(level);
  set_log_prefix("host");
  if (options.threads > 256) {
    error = "threads must be between 1 and 256 (0: one per CPU)";
    return false;
  }
  auto core = std::make_unique<HostCore>(options);
  std::error_code fs_error;
  core->site_root = std::filesystem::canonical(options.site_path, fs_error);
  if (fs_error || !std::filesystem::is_directory(core->site_root)) {
    error = "site folder '" + options.site_path + "' does not exist";
    return false;
  }
  if (!load_site_config(core->site_root.string(), options.chatsocket_schema, core->site, error)) return false;
  // IIS checks a web.config at each request under it and answers each with 500.19; the host reads it once.
  if (!core->site.config_error.empty())
    log(LogLevel::kError, "500.19 for every request: %s", core->site.config_error.c_str());
  core->module.set_site(&core->site, core->site_root.string());
  if (!core->module.load(options.module_path, options.module_name, error)) return false;

  std::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options.port);
  core->acceptor.open(endpoint.protocol(), ec);
  if (!ec) core->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) core->acceptor.bind(endpoint, ec);
  if (!ec) core->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on 127.0.0.1:" + std::to_string(options.port) + ": " + ec.message();
    core->module.terminate();
    return false;
  }
  port_ = core->acceptor.local_endpoint().port();
  core_ = std::move(core);
  core_->work.emplace(core_->io.get_executor());
  core_->memory_return.start();
  core_->timeouts.start();
  accept_next();
  unsigned threads = options.threads ? options.threads : cpus_available();
  core_->io_threads.start(threads);
  log(LogLevel::kInfo, "listening on 127.0.0.1:%u, site %s, completions %s, %u I/O thread(s)",
      static_cast<unsigned>(port_), core_->site_root.string().c_str(), completion_mode_name(options.completion_mode),
      threads);
  return true;
}

void Host::accept_next() {
  HostCore* core = core_.get();
  auto on_accept = [this, core](const std::error_code& ec, Connection::Socket socket) {
    if (ec) {
      if (!core->stopping.load()) log(LogLevel::kWarning, "accept failed: %s", ec.message().c_str());
      if (ec == asio::error::operation_aborted || core->stopping.load()) return;
    } else if (!core->stopping.load()) {
      std::make_shared<Connection>(*core, std::move(socket))->start();
    }
    accept_next();
  };
  // The handler runs on the acceptor's strand; the sockets it accepts run on the whole I/O context.
  core->acceptor.async_accept(core->io.get_executor(), std::move(on_accept));
}

void Host::stop() {
  if (!core_) return;
  HostCore& core = *core_;
  // The module hears it while its requests are still whole: it can close its WebSockets properly (1001).
  core.module.notify_stop_listening();
  stop_listening();
  // Every connection closes by itself once its request is over (after its last bytes are sent).
  bool drained = wait_until(core.options.drain_ms, [&core] {
    return core.stats.active_requests.load() == 0 && core.stats.open_connections.load() == 0;
  });
  if (!drained)
    log(LogLevel::kInfo, "%zu request(s) on %zu connection(s) still open after %u ms; closing them",
        static_cast<size_t>(core.stats.active_requests.load()), static_cast<size_t>(core.stats.open_connections.load()),
        core.options.drain_ms);
  for (auto& c : open_connections()) c->close();  // outstanding reads complete with ERROR_HANDLE_EOF
  if (!drained)
    wait_until(core.options.shutdown_timeout_ms, [&core] { return core.stats.active_requests.load() == 0; });
  uint64_t left = core.stats.active_requests.load();

  core.memory_return.stop();
  core.timeouts.stop();
  core.work.reset();
  core.io.stop();
  core.io_threads.join();
  core.dispatch.stop();
  core.graveyard.clear();
  stopped_stats_ = stats();  // the module's counters too, while it is loaded
  if (left > 0) {
    log(LogLevel::kError, "%zu request(s) still pending at shutdown; the module stays loaded",
        static_cast<size_t>(left));
    core.module.forget_library();
    core_.release();  // their objects refer to the core: leak it rather than free it under them
  } else {
    core.module.terminate();
    core_.reset();
  }
  port_ = 0;
}

// No new connection from now on, and none kept alive between requests: a request in flight finishes, and its
// connection closes after it.
void Host::stop_listening() {
  HostCore& core = *core_;
  core.stopping.store(true);
  asio::post(core.accept_strand, [&core] {
    std::error_code ec;
    core.acceptor.close(ec);
  });
  for (auto& c : open_connections()) c->close_if_idle();
}

std::vector<std::shared_ptr<Connection>> Host::open_connections() {
  std::vector<std::shared_ptr<Connection>> open;
  std::lock_guard<std::mutex> lock(core_->connections_mutex);
  for (auto& entry : core_->connections)
    if (auto c = entry.second.lock()) open.push_back(std::move(c));
  return open;
}

}  // namespace cs::host
