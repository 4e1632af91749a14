// The launcher and the program policy on their own, on whichever platform this is built for (Linux, or
// Windows through mingw-w64 and Wine): bytes both ways, stderr, exit codes, ending a whole tree, the order of
// events, and which programs may run.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "program_policy.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#endif

using namespace cs;

namespace {

// The folder of this test program, where the build puts cs_child_tool too.
std::string own_folder() {
#ifdef _WIN32
  char path[MAX_PATH];
  DWORD n = GetModuleFileNameA(nullptr, path, sizeof path);
  std::string self(path, n);
  return self.substr(0, self.find_last_of("\\/"));
#else
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path);
  std::string self(path, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.find_last_of('/'));
#endif
}

std::string tool_path() {
#ifdef _WIN32
  return own_folder() + "\\cs_child_tool.exe";
#else
  return own_folder() + "/cs_child_tool";
#endif
}

bool process_alive(uint64_t pid) {
#ifdef _WIN32
  HANDLE process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!process) return false;
  bool running = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
  CloseHandle(process);
  return running;
#else
  return kill(static_cast<pid_t>(pid), 0) == 0;
#endif
}

// Records what the launcher reports, and lets a test wait for it.
class Recorder final : public ProcessEvents {
 public:
  void on_output(OutputStream stream, const uint8_t* data, size_t size) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (exited_) late_event_ = true;
    (stream == OutputStream::kStdout ? out_ : err_).append(reinterpret_cast<const char*>(data), size);
    changed_.notify_all();
  }
  void on_stdin_drained() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (exited_) late_event_ = true;
    ++drained_;
    changed_.notify_all();
  }
  void on_exit(int code, int signal) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++exits_;
    exited_ = true;
    code_ = code;
    signal_ = signal;
    changed_.notify_all();
  }

  template <class Condition>
  bool wait(Condition condition, int seconds = 10) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(seconds), [&] { return condition(*this); });
  }

  std::string out() {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
  }

  std::string out_, err_;
  int exits_ = 0, code_ = -1, signal_ = -1, drained_ = 0;
  bool exited_ = false, late_event_ = false;  // output or a drained stdin after on_exit

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

ProcessLimits quick() {
  ProcessLimits limits;
  limits.exit_grace = std::chrono::milliseconds(200);
  limits.kill_grace = std::chrono::milliseconds(300);
  return limits;
}

ProcessSpec spec(std::vector<std::string> arguments, std::vector<std::string> environment = {}) {
  ProcessSpec s;
  s.program = tool_path();
  s.arguments = std::move(arguments);
  s.directory = own_folder();
  s.environment = std::move(environment);
#ifdef _WIN32
  // A Windows program needs SystemRoot to start.
  char root[MAX_PATH];
  DWORD n = GetEnvironmentVariableA("SystemRoot", root, sizeof root);
  if (n > 0 && n < sizeof root) s.environment.push_back("SystemRoot=" + std::string(root, n));
#endif
  return s;
}

std::vector<uint64_t> pids_in(const std::string& line) {
  std::vector<uint64_t> pids;
  size_t at = line.find("pids ");
  if (at == std::string::npos) return pids;
  std::string rest = line.substr(at + 5);
  char* end = nullptr;
  pids.push_back(std::strtoull(rest.c_str(), &end, 10));
  pids.push_back(std::strtoull(end, nullptr, 10));
  return pids;
}

}  // namespace

TEST_CASE("bytes go to stdin and come back from stdout; the exit comes after the last of them") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"echo"}), events, error);
  REQUIRE_MESSAGE(child, error);
  CHECK(launcher->running() == 1);
  std::string text = "first line\nsecond line\n";
  CHECK(child->write_stdin(reinterpret_cast<const uint8_t*>(text.data()), text.size()) ==
        ChildProcess::WriteResult::kQueued);
  REQUIRE(events->wait([&](Recorder& r) { return r.out_ == text; }));
  child->close_stdin();
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK(events->code_ == 0);
  CHECK(events->signal_ == 0);
  CHECK_FALSE(events->late_event_);
  CHECK(child->write_stdin(reinterpret_cast<const uint8_t*>("x"), 1) == ChildProcess::WriteResult::kClosed);
  CHECK(events->wait([&](Recorder&) { return launcher->running() == 0; }));
}

TEST_CASE("stdout and stderr arrive apart, and the exit code after both") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"exit", "3"}), events, error);
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK(events->out_ == "bye\n");
  CHECK(events->err_ == "err\n");
  CHECK(events->code_ == 3);
}

TEST_CASE("stop ends the program and the child it started, and the exit is reported once") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"tree"}), events, error);
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.out_.find('\n') != std::string::npos; }));
  std::vector<uint64_t> pids = pids_in(events->out());
  REQUIRE(pids.size() == 2);
  CHECK(pids[0] == child->pid());
  CHECK(process_alive(pids[1]));
  child->stop();
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK_FALSE(process_alive(pids[0]));
  for (int i = 0; i < 100 && process_alive(pids[1]); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(process_alive(pids[1]));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(events->exits_ == 1);
}

#ifndef _WIN32
TEST_CASE("a program that ignores SIGTERM is killed after the kill grace") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"stubborn"}), events, error);
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.out_ == "ready\n"; }));
  child->stop();
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK(events->signal_ == SIGKILL);
}
#endif

TEST_CASE("the program gets exactly the environment it is given") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"env"}, {"GREETING=hello", "EMPTY="}), events, error);
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  std::string out = events->out();
  CHECK(out.find("GREETING=hello\n") != std::string::npos);
  CHECK(out.find("EMPTY=\n") != std::string::npos);
  CHECK(out.find("PATH=") == std::string::npos);
}

#ifndef _WIN32
TEST_CASE("a program runs with the default scheduling policy, whatever the thread that starts it runs") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  std::shared_ptr<ChildProcess> child;
  std::thread batch([&] {
    sched_param none{};
    REQUIRE(pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) == 0);
    child = launcher->spawn(spec({"policy"}), events, error);
  });
  batch.join();
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK(events->out() == std::to_string(SCHED_OTHER) + "\n");
}
#endif

TEST_CASE("a program that does not read its stdin makes writes answer backpressure; stop still ends it") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  std::string error;
  auto child = launcher->spawn(spec({"noread"}), events, error);
  REQUIRE_MESSAGE(child, error);
  REQUIRE(events->wait([](Recorder& r) { return r.out_ == "ready\n"; }));
  std::vector<uint8_t> chunk(256 * 1024, 'x');
  ChildProcess::WriteResult result = ChildProcess::WriteResult::kQueued;
  for (int i = 0; i < 8 && result == ChildProcess::WriteResult::kQueued; ++i) {
    result = child->write_stdin(chunk.data(), chunk.size());
  }
  CHECK(result == ChildProcess::WriteResult::kBackpressure);
  child->stop();
  REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
  CHECK(events->wait([&](Recorder&) { return launcher->running() == 0; }));
  CHECK_FALSE(events->late_event_);
}

// The owner may drop a child as soon as its exit is reported, while a write to its stdin is still in flight:
// the write's completion comes later and must not find a freed child.
TEST_CASE("a child dropped right after its exit, with a write still in flight, is left alone by that write") {
  auto launcher = ProcessLauncher::create(quick());
  std::vector<uint8_t> chunk(1024 * 1024, 'x');
  for (int round = 0; round < 5; ++round) {
    auto events = std::make_shared<Recorder>();
    std::string error;
    auto child = launcher->spawn(spec({"noread"}), events, error);
    REQUIRE_MESSAGE(child, error);
    REQUIRE(events->wait([](Recorder& r) { return r.out_ == "ready\n"; }));
    // More than the pipe holds, so a write is still waiting when the program ends.
    CHECK(child->write_stdin(chunk.data(), chunk.size()) != ChildProcess::WriteResult::kClosed);
    child->stop();
    REQUIRE(events->wait([](Recorder& r) { return r.exits_ == 1; }));
    child.reset();
    CHECK(events->wait([&](Recorder&) { return launcher->running() == 0; }));
    CHECK_FALSE(events->late_event_);
  }
}

TEST_CASE("a program that cannot be run is an error, not a child") {
  auto launcher = ProcessLauncher::create(quick());
  auto events = std::make_shared<Recorder>();
  ProcessSpec missing = spec({});
  missing.program = own_folder() + "/no-such-program";
  std::string error;
  CHECK_FALSE(launcher->spawn(missing, events, error));
  CHECK_FALSE(error.empty());
  CHECK(launcher->running() == 0);
}

TEST_CASE("the launcher ends every program still running when it goes") {
  auto events = std::make_shared<Recorder>();
  uint64_t pid = 0;
  {
    auto launcher = ProcessLauncher::create(quick());
    std::string error;
    auto child = launcher->spawn(spec({"sleep"}), events, error);
    REQUIRE_MESSAGE(child, error);
    pid = child->pid();
    CHECK(process_alive(pid));
  }
  for (int i = 0; i < 100 && process_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(process_alive(pid));
}

TEST_CASE("the policy allows listed programs and programs of listed folders, and nothing else") {
  std::string folder = own_folder();
#ifdef _WIN32
  const char separator = ';';
  std::string wildcard = folder + "\\*";
#else
  const char separator = ':';
  std::string wildcard = folder + "/*";
#endif
  std::string tool;
  REQUIRE(ProgramPolicy::resolve(tool_path(), folder, "", tool));
  CHECK(ProgramPolicy(tool_path()).allows(tool));
  CHECK(ProgramPolicy(wildcard).allows(tool));
  CHECK(ProgramPolicy(std::string("unrelated") + separator + tool_path()).allows(tool));
  CHECK_FALSE(ProgramPolicy("").allows(tool));
  CHECK_FALSE(ProgramPolicy(folder).allows(tool));  // a folder without /* names no program
  CHECK(ProgramPolicy("").empty());
}

TEST_CASE("a bare name is found in the endpoint's folder, then on PATH; a name with a folder part only there") {
  std::string folder = own_folder();
  std::string expected, found;
  REQUIRE(ProgramPolicy::resolve(tool_path(), folder, "", expected));
  CHECK(ProgramPolicy::resolve("cs_child_tool", folder, "", found));
  CHECK(found == expected);
  found.clear();
#ifdef _WIN32
  std::string elsewhere = "C:\\";
#else
  std::string elsewhere = "/";
#endif
  CHECK(ProgramPolicy::resolve("cs_child_tool", elsewhere, folder, found));  // on PATH
  CHECK(found == expected);
  CHECK_FALSE(ProgramPolicy::resolve("./cs_child_tool", elsewhere, folder, found));  // relative: no PATH search
  CHECK_FALSE(ProgramPolicy::resolve("no-such-program", folder, folder, found));
  std::string directory;
  CHECK(ProgramPolicy::resolve_directory("", folder, directory));
  CHECK_FALSE(ProgramPolicy::resolve_directory("no-such-folder", folder, directory));
}
