// The host as a Node addon: start/stop/stats of one cs::host::Host per process. No logic of its own.
// The JS API is documented in README.md.
#include <napi.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "host.h"

namespace {

std::mutex g_mutex;
std::unique_ptr<cs::host::Host> g_host;
// Hosts being stopped on a worker thread. A new start() waits for them: two hosts would share the one
// loaded module.
unsigned g_stopping = 0;
std::condition_variable g_stopped;
// The counters of the host stopped last, as they stood once it had stopped: what stats() answers until the
// next start (running: false).
cs::host::StatsSnapshot g_last_stats;

Napi::Value fail(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool read_options(const Napi::Object& o, cs::host::HostOptions& out, std::string& error) {
  auto text = [&](const char* key, std::string& field, bool required) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return !required || (error = std::string("options.") + key + " is required", false);
    if (!v.IsString()) return (error = std::string("options.") + key + " must be a string", false);
    field = v.As<Napi::String>().Utf8Value();
    return true;
  };
  auto number = [&](const char* key, double low, double high, double& field) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return true;
    if (!v.IsNumber()) return (error = std::string("options.") + key + " must be a number", false);
    double d = v.As<Napi::Number>().DoubleValue();
    if (d < low || d > high || d != static_cast<double>(static_cast<long long>(d)))
      return (error = std::string("options.") + key + " is out of range", false);
    field = d;
    return true;
  };
  auto flag = [&](const char* key, bool& field) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return true;
    if (!v.IsBoolean()) return (error = std::string("options.") + key + " must be a boolean", false);
    field = v.As<Napi::Boolean>().Value();
    return true;
  };
  std::string mode = "mixed";
  double port = 0, threads = out.threads, seed = 0, timeout = out.shutdown_timeout_ms, drain = out.drain_ms;
  double header_wait = out.header_wait_ms, idle = out.idle_connection_timeout_ms;
  if (!text("module", out.module_path, true) || !text("site", out.site_path, true) ||
      !text("moduleName", out.module_name, false) || !text("completionMode", mode, false) ||
      !text("logLevel", out.log_level, false) || !text("chatsocketSchema", out.chatsocket_schema, false) ||
      !number("port", 0, 65535, port) || !number("threads", 0, 256, threads) ||
      !number("seed", 0, 4294967295.0, seed) || !number("shutdownTimeoutMs", 0, 600000, timeout) ||
      !number("drainMs", 0, 600000, drain) || !flag("cancelIoMissesReads", out.cancel_io_misses_reads) ||
      !flag("dropsKnownConnectionOn101", out.drops_known_connection_on_101) ||
      !number("headerWaitMs", 0, 86400000, header_wait) || !number("idleConnectionTimeoutMs", 0, 86400000, idle))
    return false;
  if (!cs::host::parse_completion_mode(mode, out.completion_mode)) {
    error = "options.completionMode must be mixed, sync, before-return or after-return";
    return false;
  }
  out.port = static_cast<uint16_t>(port);
  out.threads = static_cast<unsigned>(threads);
  out.seed = static_cast<uint32_t>(seed);
  out.shutdown_timeout_ms = static_cast<unsigned>(timeout);
  out.drain_ms = static_cast<unsigned>(drain);
  out.header_wait_ms = static_cast<unsigned>(header_wait);
  out.idle_connection_timeout_ms = static_cast<unsigned>(idle);
  return true;
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return fail(env, "start(options): options must be an object");
  cs::host::HostOptions options;
  std::string error;
  if (!read_options(info[0].As<Napi::Object>(), options, error)) return fail(env, error);
  std::unique_lock<std::mutex> lock(g_mutex);
  if (g_host) return fail(env, "the host is already running; stop() it first");
  g_stopped.wait(lock, [] { return g_stopping == 0; });
  auto host = std::make_unique<cs::host::Host>();
  if (!host->start(options, error)) return fail(env, error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("port", host->port());
  g_host = std::move(host);
  return result;
}

// Stops the host off the JavaScript thread: while it drains, clients in this process must be able to answer
// the close frames they are sent.
class StopWorker final : public Napi::AsyncWorker {
 public:
  StopWorker(Napi::Env env, std::unique_ptr<cs::host::Host> host)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), host_(std::move(host)) {}
  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    if (!host_) return;
    host_->stop();
    cs::host::StatsSnapshot last = host_->stats();
    host_.reset();
    std::lock_guard<std::mutex> lock(g_mutex);
    g_last_stats = last;
    --g_stopping;
    g_stopped.notify_all();
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<cs::host::Host> host_;
};

Napi::Value Stop(const Napi::CallbackInfo& info) {
  std::unique_ptr<cs::host::Host> host;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    host = std::move(g_host);
    if (host) ++g_stopping;
  }
  auto* worker = new StopWorker(info.Env(), std::move(host));  // deletes itself once it has run
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Object Kinds(Napi::Env env, const std::array<uint64_t, cs::host::kCompletionKinds>& k) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("sync", static_cast<double>(k[static_cast<int>(cs::host::CompletionKind::kSync)]));
  o.Set("beforeReturn", static_cast<double>(k[static_cast<int>(cs::host::CompletionKind::kBeforeReturn)]));
  o.Set("afterReturn", static_cast<double>(k[static_cast<int>(cs::host::CompletionKind::kAfterReturn)]));
  return o;
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  cs::host::StatsSnapshot s;
  bool running = false;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_host) {
      s = g_host->stats();
      running = true;
    } else {
      s = g_last_stats;
    }
  }
  auto n = [](uint64_t v) { return static_cast<double>(v); };
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", running);
  o.Set("openConnections", n(s.open_connections));
  o.Set("activeRequests", n(s.active_requests));
  o.Set("upgraded", n(s.upgraded_connections));
  o.Set("upgradesTotal", n(s.upgrades_total));
  o.Set("threads", n(s.pool_threads));
  o.Set("requestsTotal", n(s.requests_total));
  Napi::Object completions = Napi::Object::New(env);
  for (int op = 0; op < cs::host::kOpTypes; ++op)
    completions.Set(cs::host::op_name(static_cast<cs::host::OpType>(op)), Kinds(env, s.completions[op]));
  o.Set("completions", completions);
  o.Set("droppedCompletions", n(s.dropped_completions));
  o.Set("connectionResets", n(s.connection_resets));
  o.Set("violations", n(s.violations));
  o.Set("lastViolation", s.last_violation);
  o.Set("notImplemented", n(s.not_implemented));
  o.Set("lastNotImplemented", s.last_not_implemented);
  o.Set("bytesIn", n(s.bytes_in));
  o.Set("bytesOut", n(s.bytes_out));
  o.Set("rssBytes", n(s.rss_bytes));
  if (s.has_module_stats) {
    Napi::Object m = Napi::Object::New(env);
    for (size_t i = 0; i < s.module_stats.size(); ++i) m.Set(cs::kModuleStatNames[i], n(s.module_stats[i]));
    o.Set("module", m);
  }
  return o;
}

// armModuleFault(point, skip): the module's test-only fault injection (CHATSOCKET_TEST_HOOKS=1).
Napi::Value ArmModuleFault(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    return fail(env, "armModuleFault(point, skip): two numbers");
  uint32_t point = info[0].As<Napi::Number>().Uint32Value();
  uint32_t skip = info[1].As<Napi::Number>().Uint32Value();
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_host) return fail(env, "the host is not running");
  return Napi::Boolean::New(env, g_host->arm_module_fault(point, skip));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("armModuleFault", Napi::Function::New(env, ArmModuleFault, "armModuleFault"));
  return exports;
}

}  // namespace

NODE_API_MODULE(chatsocket_host, Init)
