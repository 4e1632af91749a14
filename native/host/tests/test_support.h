#pragma once
// Helpers for the host tests: a temporary site folder, a blocking HTTP client over a real socket,
// and access to the test module's own counters.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "host.h"

struct TestModuleCounters {
  long modules_created;
  long modules_disposed;
  long sync_completions;
  long callbacks;
  long callbacks_off_pool;
  long callbacks_on_issuing_thread;
  long callbacks_for_sync_ops;
  long eof_reads;
  long bytes_echoed;
  long send_response_calls;
  long failed_calls;
  long cancelled_reads;
  long stop_listening_calls;
  long drained_gracefully;
  long eof_reads_at_notice;
  long global_terminations;
  long flushes_on_issuing_thread;
};

// What the test module's RegisterModule got back from SetGlobalNotifications when it broke the rules.
struct TestRegistration {
  long null_global_result;
  long second_global_result;
};

class TempSite {
 public:
  explicit TempSite(bool websocket_enabled = true);
  ~TempSite();
  const std::filesystem::path& path() const { return root_; }
  void write(const std::string& relative, const std::string& content);

 private:
  std::filesystem::path root_;
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string raw;
};

// Sends raw bytes on a new connection, reads until the server closes it, parses the first response.
HttpReply http_exchange(uint16_t port, const std::string& raw_request);
HttpReply get(uint16_t port, const std::string& target, const std::string& method = "GET");

// A connection kept open (for upgraded exchanges).
class Client {
 public:
  explicit Client(uint16_t port);
  ~Client();
  void send(const std::string& bytes);
  std::string receive_head();             // up to and including CRLF CRLF
  std::string receive_exactly(size_t n);  // or fewer if the server closes
  bool wait_closed();                     // true when the server closed the connection
  void close();

 private:
  int fd_ = -1;
  std::string pending_;
};

// Holds the test module loaded while it lives (the host unloads it at stop()).
class ModuleReference {
 public:
  ModuleReference();
  ~ModuleReference();

 private:
  void* handle_;
};

cs::host::HostOptions test_options(const TempSite& site,
                                   cs::host::CompletionMode mode = cs::host::CompletionMode::kMixed);
TestModuleCounters module_counters();
TestRegistration module_registration();
void reset_module_counters();
bool touch_finished_context();
// Polls until pred() holds (bounded; the tests assert the outcome, never the time it took).
bool eventually(const std::function<bool()>& pred);
