// An IIS module used to exercise the host, written like a careful real one (one lock per request taken
// in every entry; sync completions handled in a loop; finish only when no I/O is out).
// By URL:
//   /hello.testmod   200 "hello from the module" (buffered WriteEntityChunks, then CONTINUE)
//   /variable.testmod?NAME  200 with the server variable NAME as the body, or 404 when there is none
//   /post.testmod    PostCompletion(7) from the handler; OnAsyncCompletion writes "posted 7" and finishes
//   /echo.testmod    raw upgrade (101, Upgrade: test-echo), then echoes bytes with async reads/writes
//                    until EOF. "?opaque" also sets HTTP_SEND_RESPONSE_FLAG_OPAQUE in OnSendResponse.
//   /cancel.testmod  upgrade like echo, then CancelIo on its first pending read, and finish
//   /misbehave.testmod  breaks the rules on purpose: no EnableFullDuplex, a second read while one is
//                    out, a write beside the read, then FINISH_REQUEST with the read still out
// Its CGlobalModule subscribes to GL_STOP_LISTENING and only records what it is told.
// What it saw is exported through cs_test_module_counters() for the tests.
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "httpserv_select.h"

#define TEST_EXPORT extern "C" __attribute__((visibility("default")))

struct TestModuleCounters {
  long modules_created;
  long modules_disposed;
  long sync_completions;
  long callbacks;
  long callbacks_off_pool;           // a completion callback not on a host pool thread
  long callbacks_on_issuing_thread;  // a callback on the thread that is inside the issuing call
  long callbacks_for_sync_ops;       // a callback for an operation that had completed synchronously
  long eof_reads;
  long bytes_echoed;
  long send_response_calls;
  long failed_calls;
  long cancelled_reads;
  long stop_listening_calls;
  long drained_gracefully;   // stop-listening calls whose provider said DrainRequestsGracefully
  long eof_reads_at_notice;  // eof_reads when the last stop-listening call came
  long global_terminations;
  long flushes_on_issuing_thread;  // a flush's callback on the thread that issued it, once that call returned
};

struct TestRegistration {
  long null_global_result;    // SetGlobalNotifications(nullptr, …)
  long second_global_result;  // SetGlobalNotifications a second time
};

namespace {

IHttpServer* g_server = nullptr;
std::atomic<long> g_counters[sizeof(TestModuleCounters) / sizeof(long)];
std::atomic<IHttpContext*> g_last_finished{nullptr};
TestRegistration g_registration{};    // written once in RegisterModule, not reset between tests
thread_local bool t_issuing = false;  // this thread is inside an async call of ours

enum Counter {
  kCreated,
  kDisposed,
  kSync,
  kCallbacks,
  kOffPool,
  kOnIssuer,
  kForSync,
  kEof,
  kEchoed,
  kSendResponse,
  kFailed,
  kCancelled,
  kStopListening,
  kDrainedGracefully,
  kEofAtNotice,
  kGlobalTerminations,
  kFlushOnIssuer
};
void bump(Counter c, long n = 1) { g_counters[c].fetch_add(n); }

bool on_pool_thread() {
  char name[32] = "";
  pthread_getname_np(pthread_self(), name, sizeof name);
  return std::strcmp(name, "cs-host-pool") == 0;
}

void note_callback() {
  bump(kCallbacks);
  if (!on_pool_thread()) bump(kOffPool);
  if (t_issuing) bump(kOnIssuer);
}

class TestModule : public CHttpModule {
 public:
  TestModule() { bump(kCreated); }

  REQUEST_NOTIFICATION_STATUS OnExecuteRequestHandler(IHttpContext* ctx, IHttpEventProvider*) override {
    std::lock_guard<std::recursive_mutex> guard(lock_);
    ctx_ = ctx;
    PCSTR url = nullptr;
    DWORD len = 0;
    if (FAILED(ctx->GetServerVariable("URL", &url, &len))) return fail();
    std::string path(url, len);
    if (path.find("hello") != std::string::npos) return hello();
    if (path.find("variable") != std::string::npos) return variable();
    if (path.find("post") != std::string::npos) {
      if (FAILED(ctx->PostCompletion(7))) return fail();
      return RQ_NOTIFICATION_PENDING;
    }
    if (path.find("echo") != std::string::npos) return start_echo();
    if (path.find("misbehave") != std::string::npos) return misbehave();
    if (path.find("cancel") != std::string::npos) {
      cancel_pending_read_ = true;
      return start_echo();
    }
    ctx->GetResponse()->SetStatus(404, "Not Found");
    return finish(RQ_NOTIFICATION_FINISH_REQUEST);
  }

  REQUEST_NOTIFICATION_STATUS OnSendResponse(IHttpContext* ctx, ISendResponseProvider* provider) override {
    bump(kSendResponse);
    USHORT status = 0;
    ctx->GetResponse()->GetStatus(&status);
    PCSTR query = nullptr;
    DWORD len = 0;
    if (status == 101 && SUCCEEDED(ctx->GetServerVariable("QUERY_STRING", &query, &len)) &&
        std::string(query, len).find("opaque") != std::string::npos)
      provider->SetFlags(provider->GetFlags() | HTTP_SEND_RESPONSE_FLAG_OPAQUE);
    return RQ_NOTIFICATION_CONTINUE;
  }

  REQUEST_NOTIFICATION_STATUS OnAsyncCompletion(IHttpContext* ctx, DWORD, BOOL, IHttpEventProvider*,
                                                IHttpCompletionInfo* info) override {
    note_callback();
    std::lock_guard<std::recursive_mutex> guard(lock_);
    std::string body = "posted " + std::to_string(info->GetCompletionBytes());
    write_buffered(ctx, body);
    return finish(RQ_NOTIFICATION_CONTINUE);
  }

  void Dispose() override {
    bump(kDisposed);
    this->~TestModule();  // memory came from IModuleAllocator: the host frees it with the request
  }

 private:
  REQUEST_NOTIFICATION_STATUS fail() {
    bump(kFailed);
    return finish(RQ_NOTIFICATION_FINISH_REQUEST);
  }

  REQUEST_NOTIFICATION_STATUS finish(REQUEST_NOTIFICATION_STATUS status) {
    if (finished_) return RQ_NOTIFICATION_PENDING;  // another entry already ended the request
    finished_ = true;
    g_last_finished.store(ctx_);
    return status;
  }

  static void write_buffered(IHttpContext* ctx, const std::string& text) {
    HTTP_DATA_CHUNK chunk{};
    chunk.DataChunkType = HttpDataChunkFromMemory;
    chunk.FromMemory.pBuffer = const_cast<char*>(text.data());
    chunk.FromMemory.BufferLength = static_cast<ULONG>(text.size());
    DWORD sent = 0;
    ctx->GetResponse()->SetHeader("Content-Type", "text/plain", 10, TRUE);
    if (FAILED(ctx->GetResponse()->WriteEntityChunks(&chunk, 1, FALSE, FALSE, &sent))) bump(kFailed);
  }

  REQUEST_NOTIFICATION_STATUS hello() {
    write_buffered(ctx_, "hello from the module");
    return finish(RQ_NOTIFICATION_CONTINUE);
  }

  REQUEST_NOTIFICATION_STATUS variable() {
    PCSTR name = nullptr, value = nullptr;
    DWORD name_length = 0, value_length = 0;
    if (FAILED(ctx_->GetServerVariable("QUERY_STRING", &name, &name_length))) return fail();
    if (FAILED(ctx_->GetServerVariable(std::string(name, name_length).c_str(), &value, &value_length))) {
      ctx_->GetResponse()->SetStatus(404, "Not Found");
      return finish(RQ_NOTIFICATION_FINISH_REQUEST);
    }
    write_buffered(ctx_, std::string(value, value_length));
    return finish(RQ_NOTIFICATION_CONTINUE);
  }

  REQUEST_NOTIFICATION_STATUS misbehave() {
    IHttpRequest3* req3 = nullptr;
    IHttpResponse2* resp2 = nullptr;
    if (FAILED(cs_get_extended_interface(g_server, ctx_->GetRequest(), &req3)) ||
        FAILED(cs_get_extended_interface(g_server, ctx_->GetResponse(), &resp2)))
      return fail();
    resp2->SetStatus(101, "Switching Protocols");
    DWORD n = 0;
    BOOL flag = FALSE;
    // IHttpResponse2 declares Flush again, hiding the base overload (as in the SDK).
    if (FAILED(static_cast<IHttpResponse*>(resp2)->Flush(FALSE, TRUE, &n, &flag))) return fail();
    HRESULT first = req3->ReadEntityBody(buf_, sizeof buf_, TRUE, &TestModule::on_read, this, &n, &flag);
    if (FAILED(first) || !flag) return fail();  // the client sends nothing: the read stays out
    reading_ = true;
    HRESULT second = req3->ReadEntityBody(buf_, sizeof buf_, TRUE, &TestModule::on_read, this, &n, &flag);
    HTTP_DATA_CHUNK chunk{};
    chunk.DataChunkType = HttpDataChunkFromMemory;
    chunk.FromMemory.pBuffer = buf_;
    chunk.FromMemory.BufferLength = 1;
    HRESULT write = resp2->WriteEntityChunks(&chunk, 1, TRUE, TRUE, &TestModule::on_written, this, &n, &flag);
    if (SUCCEEDED(second) || SUCCEEDED(write)) bump(kFailed);  // both must be refused
    return finish(RQ_NOTIFICATION_FINISH_REQUEST);             // with the first read still out
  }

  // ------------------------------------------------------------ echo

  REQUEST_NOTIFICATION_STATUS start_echo() {
    IHttpContext3* ctx3 = nullptr;
    IHttpRequest3* req3 = nullptr;
    IHttpResponse2* resp2 = nullptr;
    if (FAILED(cs_get_extended_interface(g_server, ctx_, &ctx3)) ||
        FAILED(cs_get_extended_interface(g_server, ctx_->GetRequest(), &req3)) ||
        FAILED(cs_get_extended_interface(g_server, ctx_->GetResponse(), &resp2)))
      return fail();
    ctx3_ = ctx3;
    req3_ = req3;
    resp2_ = resp2;
    resp2_->SetStatus(101, "Switching Protocols");
    resp2_->SetHeader("Upgrade", "test-echo", 9, TRUE);
    resp2_->SetHeader("Connection", "Upgrade", 7, TRUE);
    ctx3_->EnableFullDuplex();
    resp2_->DisableBuffering();
    DWORD sent = 0;
    BOOL expected = FALSE;
    writing_ = true;
    flush_issuer_ = std::this_thread::get_id();
    t_issuing = true;
    HRESULT hr = resp2_->Flush(TRUE, TRUE, &TestModule::on_flushed, this, &sent, &expected);
    t_issuing = false;
    if (FAILED(hr)) return fail();
    if (expected) return RQ_NOTIFICATION_PENDING;
    bump(kSync);
    writing_ = false;
    return pump();
  }

  static REQUEST_NOTIFICATION_STATUS WINAPI on_flushed(IHttpContext3*, IHttpCompletionInfo2* info, void* self) {
    note_callback();
    auto* m = static_cast<TestModule*>(self);
    std::lock_guard<std::recursive_mutex> guard(m->lock_);
    if (m->flush_issuer_ == std::this_thread::get_id()) bump(kFlushOnIssuer);
    if (!m->writing_) bump(kForSync);
    m->writing_ = false;
    if (FAILED(info->GetCompletionStatus())) m->eof_ = true;
    return m->pump();
  }

  static REQUEST_NOTIFICATION_STATUS WINAPI on_read(IHttpContext3*, IHttpCompletionInfo2* info, void* self) {
    note_callback();
    auto* m = static_cast<TestModule*>(self);
    std::lock_guard<std::recursive_mutex> guard(m->lock_);
    if (!m->reading_) bump(kForSync);
    m->reading_ = false;
    m->take_read(info->GetCompletionStatus(), info->GetCompletionBytes());
    return m->pump();
  }

  static REQUEST_NOTIFICATION_STATUS WINAPI on_written(IHttpContext3*, IHttpCompletionInfo2* info, void* self) {
    note_callback();
    auto* m = static_cast<TestModule*>(self);
    std::lock_guard<std::recursive_mutex> guard(m->lock_);
    if (!m->writing_) bump(kForSync);
    m->writing_ = false;
    if (FAILED(info->GetCompletionStatus())) m->eof_ = true;
    m->in_flight_.clear();
    return m->pump();
  }

  void take_read(HRESULT hr, DWORD n) {
    if (hr == HRESULT_FROM_WIN32(ERROR_OPERATION_ABORTED)) bump(kCancelled);
    if (FAILED(hr) || n == 0) {
      if (hr == HRESULT_FROM_WIN32(ERROR_HANDLE_EOF)) bump(kEof);
      eof_ = true;
      return;
    }
    out_.append(buf_, n);
    bump(kEchoed, n);
  }

  // Keeps one read and one write going; handles synchronous completions inline; finishes when
  // the peer is gone and nothing is outstanding.
  REQUEST_NOTIFICATION_STATUS pump() {
    while (true) {
      bool progressed = false;
      if (!writing_ && !out_.empty() && !eof_) {
        in_flight_.swap(out_);  // stays untouched until the write completes
        HTTP_DATA_CHUNK chunk{};
        chunk.DataChunkType = HttpDataChunkFromMemory;
        chunk.FromMemory.pBuffer = in_flight_.data();
        chunk.FromMemory.BufferLength = static_cast<ULONG>(in_flight_.size());
        DWORD sent = 0;
        BOOL expected = FALSE;
        writing_ = true;
        t_issuing = true;
        HRESULT hr = resp2_->WriteEntityChunks(&chunk, 1, TRUE, TRUE, &TestModule::on_written, this, &sent, &expected);
        t_issuing = false;
        if (FAILED(hr)) {
          writing_ = false;
          eof_ = true;
        } else if (!expected) {
          bump(kSync);
          writing_ = false;
          in_flight_.clear();
          progressed = true;
        }
      }
      if (!reading_ && !eof_) {
        DWORD got = 0;
        BOOL pending = FALSE;
        reading_ = true;
        t_issuing = true;
        HRESULT hr = req3_->ReadEntityBody(buf_, sizeof buf_, TRUE, &TestModule::on_read, this, &got, &pending);
        t_issuing = false;
        if (FAILED(hr) || !pending) {
          reading_ = false;
          if (!FAILED(hr)) bump(kSync);
          take_read(hr, got);
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    if (cancel_pending_read_ && reading_) {
      cancel_pending_read_ = false;  // the server ends a quiet connection: IIS lets go of the read
      if (FAILED(ctx_->CancelIo())) bump(kFailed);
    }
    if (eof_ && !reading_ && !writing_) return finish(RQ_NOTIFICATION_FINISH_REQUEST);
    return RQ_NOTIFICATION_PENDING;
  }

  std::recursive_mutex lock_;  // recursive: OnSendResponse runs inside our own Flush
  std::thread::id flush_issuer_;
  IHttpContext* ctx_ = nullptr;
  IHttpContext3* ctx3_ = nullptr;
  IHttpRequest3* req3_ = nullptr;
  IHttpResponse2* resp2_ = nullptr;
  bool finished_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool eof_ = false;
  bool cancel_pending_read_ = false;
  char buf_[7];            // small on purpose: a burst of bytes leaves data ready for the next read
  std::string out_;        // read, not yet written
  std::string in_flight_;  // being written
};

class TestGlobalModule : public CGlobalModule {
 public:
  GLOBAL_NOTIFICATION_STATUS OnGlobalStopListening(IGlobalStopListeningProvider* provider) override {
    bump(kStopListening);
    if (provider->DrainRequestsGracefully()) bump(kDrainedGracefully);
    g_counters[kEofAtNotice].store(g_counters[kEof].load());
    return GL_NOTIFICATION_CONTINUE;
  }
  void Terminate() override {
    bump(kGlobalTerminations);
    delete this;
  }
};

class TestFactory : public IHttpModuleFactory {
 public:
  HRESULT GetHttpModule(CHttpModule** module, IModuleAllocator* allocator) override {
    void* memory = allocator->AllocateMemory(sizeof(TestModule));
    if (!memory) return E_OUTOFMEMORY;
    *module = new (memory) TestModule();
    return S_OK;
  }
  void Terminate() override { delete this; }
};

}  // namespace

TEST_EXPORT HRESULT WINAPI RegisterModule(DWORD, IHttpModuleRegistrationInfo* info, IHttpServer* server) {
  g_server = server;
  HRESULT hr = info->SetRequestNotifications(new TestFactory(), RQ_EXECUTE_REQUEST_HANDLER | RQ_SEND_RESPONSE, 0);
  if (FAILED(hr)) return hr;
  g_registration.null_global_result = info->SetGlobalNotifications(nullptr, GL_STOP_LISTENING);
  auto* global = new TestGlobalModule();
  hr = info->SetGlobalNotifications(global, GL_STOP_LISTENING);
  if (FAILED(hr)) {
    delete global;
    return hr;
  }
  auto* second = new TestGlobalModule();
  g_registration.second_global_result = info->SetGlobalNotifications(second, GL_STOP_LISTENING);
  delete second;
  return S_OK;
}

TEST_EXPORT void cs_test_module_registration(TestRegistration* out) { *out = g_registration; }

TEST_EXPORT void cs_test_module_counters(TestModuleCounters* out) {
  long* fields = reinterpret_cast<long*>(out);
  for (size_t i = 0; i < sizeof(TestModuleCounters) / sizeof(long); ++i) fields[i] = g_counters[i].load();
}

TEST_EXPORT void cs_test_module_reset() {
  for (auto& c : g_counters) c.store(0);
  g_last_finished.store(nullptr);
}

// Calls a method on the context of the last request the module finished: a violation the host counts.
TEST_EXPORT int cs_test_module_touch_finished_context() {
  IHttpContext* ctx = g_last_finished.load();
  if (!ctx) return 0;
  ctx->GetRequest();
  return 1;
}
