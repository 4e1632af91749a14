#pragma once
// The Linux IIS-compatible host: loads an IIS module .so through RegisterModule and serves a site
// folder (web.config handler mappings, static files) on 127.0.0.1 with IIS's request semantics.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "completion_policy.h"
#include "stats.h"

namespace cs::host {

struct HostOptions {
  std::string module_path;                       // the module .so
  std::string site_path;                         // folder with web.config and files
  std::string module_name = "ChatSocketModule";  // what web.config's handlers refer to in modules="…"
  uint16_t port = 0;                             // 0: an ephemeral port, see Host::port()
  // The I/O threads running socket completions; 0: one per CPU this process may run on, as IIS's completion
  // port lets as many of its threads run at once as there are CPUs.
  unsigned threads = 0;
  CompletionMode completion_mode = CompletionMode::kMixed;
  uint32_t seed = 0;                  // mixed mode's random choices; 0: random seed
  std::string log_level = "warning";  // error, warning, info, debug
  // stop(): how long requests may go on by themselves after GL_STOP_LISTENING (IIS: the pool's shutdown time
  // limit). The default outlasts the module's default close_timeout (5 s), so its own guard ends a client
  // that does not answer the 1001.
  unsigned drain_ms = 6000;
  unsigned shutdown_timeout_ms = 5000;  // then, after their connections are closed, the wait for them to end
  // Imitates IIS where CancelIo misses a pending WebSocket read: on an upgraded request it reports success and
  // the read stays pending (until the peer sends, the connection is reset, or stop() closes it).
  bool cancel_io_misses_reads = false;
  // Imitates http.sys leaving a known Connection response header out of a 101 (an unknown one of that name,
  // from GetRawHttpResponse's pUnknownHeaders, is sent).
  bool drops_known_connection_on_101 = false;
  // http.sys's HeaderWait: once the first byte of a request head has arrived, the whole head must arrive within
  // this, or the connection is closed without an answer. 0: never.
  unsigned header_wait_ms = 120000;
  // http.sys's IdleConnectionTimeout: a connection waiting for a request of which no byte has arrived (a new
  // one, or kept alive after a response) is closed after this. 0: never. Upgraded connections have neither.
  unsigned idle_connection_timeout_ms = 120000;
  // The schema of <system.webServer><chatsocket> (windows/chatsocket_schema.xml), as install.ps1 puts it in
  // inetsrv\config\schema; empty: none installed, and a web.config with the section is a 500.19.
  std::string chatsocket_schema;
};

struct HostCore;
class Connection;

// The name of every pool thread (pthread_getname_np), so a test module can tell where it is called.
constexpr const char* kPoolThreadName = "cs-host-pool";

class Host {
 public:
  Host();
  ~Host();  // stops
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Loads the module, reads the site, listens. False with a message if any of it fails.
  bool start(const HostOptions& options, std::string& error);
  uint16_t port() const;
  // As IIS stops a worker process: delivers GL_STOP_LISTENING, stops accepting and closes idle keep-alive
  // connections, lets the requests in flight finish for up to drain_ms, then closes what is left (outstanding
  // reads complete with EOF), waits for those requests (bounded by shutdown_timeout_ms), terminates the
  // module's objects and unloads it. Returns at once when no request is open. Idempotent.
  void stop();
  bool running() const;
  // Live while running; once stopped, the counters as they ended (the module's included).
  StatsSnapshot stats() const;
  // Test hooks of the module (ChatSocketArmFault); false when the module has none or refused.
  bool arm_module_fault(uint32_t point, uint32_t skip);

 private:
  void accept_next();
  void stop_listening();
  std::vector<std::shared_ptr<Connection>> open_connections();
  std::unique_ptr<HostCore> core_;
  StatsSnapshot stopped_stats_;  // what stats() answers once stopped: the counters as they ended
  uint16_t port_ = 0;
};

}  // namespace cs::host
