// ProcessLauncher on Windows: CreateProcessW with an explicit list of the handles the child inherits,
// overlapped named pipes whose reads and writes complete on the system thread pool, and a Job Object with
// kill-on-close around each child, so the whole tree ends with the connection and nothing survives w3wp.
//
// Windows has no polite signal for a program without a console: stop() closes stdin, waits the exit grace,
// then ends the tree with TerminateJobObject (the program sees exit code 1). After the leader exits on its
// own, what is left of its tree gets the kill grace to finish writing, then is ended the same way.
#ifdef _WIN32

#include <windows.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "child_process.h"
#include "log.h"

namespace cs {
namespace {

constexpr DWORD kPipeBuffer = 64 * 1024;
// After the tree was ended, how long a pipe may stay open (held by a process outside the job) before it is cut.
constexpr DWORD kPipeCutoffMs = 500;

std::wstring wide(const std::string& text) {
  if (text.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), &out[0], n);
  return out;
}

std::string error_text(DWORD code) {
  char buffer[256];
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0, buffer,
                           sizeof buffer, nullptr);
  while (n > 0 && (buffer[n - 1] == '\r' || buffer[n - 1] == '\n' || buffer[n - 1] == '.')) --n;
  return n > 0 ? std::string(buffer, n) + " (" + std::to_string(code) + ")" : "error " + std::to_string(code);
}

// One argument as the C runtime's parser (and CommandLineToArgvW) reads it back.
void append_argument(std::wstring& line, const std::wstring& argument) {
  if (!line.empty()) line.push_back(L' ');
  if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += argument;
    return;
  }
  line.push_back(L'"');
  size_t backslashes = 0;
  for (wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
    } else if (c == L'"') {
      line.append(backslashes * 2 + 1, L'\\');
      line.push_back(L'"');
      backslashes = 0;
    } else {
      line.append(backslashes, L'\\');
      line.push_back(c);
      backslashes = 0;
    }
  }
  line.append(backslashes * 2, L'\\');
  line.push_back(L'"');
}

// cmd.exe reads its command line itself: the /c argument is passed on as written (ProgramPolicy quotes it).
bool is_cmd(const std::string& program) {
  std::string lower;
  for (char c : program) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.size() >= 7 && lower.compare(lower.size() - 7, 7, "cmd.exe") == 0;
}

std::wstring command_line(const ProcessSpec& spec) {
  std::wstring line;
  append_argument(line, wide(spec.program));
  bool verbatim = is_cmd(spec.program);
  for (const auto& argument : spec.arguments) {
    if (verbatim) {
      line += L" " + wide(argument);
    } else {
      append_argument(line, wide(argument));
    }
  }
  return line;
}

// CreateProcessW's environment block: NAME=value entries sorted by name (case-insensitively, as Windows keeps
// its own), each NUL-terminated, then one more NUL.
std::wstring environment_block(const std::vector<std::string>& entries) {
  std::vector<std::wstring> sorted;
  for (const auto& entry : entries) sorted.push_back(wide(entry));
  std::sort(sorted.begin(), sorted.end(), [](const std::wstring& a, const std::wstring& b) {
    return CompareStringOrdinal(a.c_str(), static_cast<int>(a.find(L'=')), b.c_str(), static_cast<int>(b.find(L'=')),
                                TRUE) == CSTR_LESS_THAN;
  });
  std::wstring block;
  for (const auto& entry : sorted) {
    block += entry;
    block.push_back(L'\0');
  }
  block.push_back(L'\0');
  return block;
}

// A pipe between us and the child: our end overlapped (thread pool I/O), the child's end inheritable.
bool make_pipe(bool child_reads, HANDLE& ours, HANDLE& theirs) {
  static std::atomic<unsigned> counter{0};
  std::wstring name =
      L"\\\\.\\pipe\\chatsocket-" + std::to_wstring(GetCurrentProcessId()) + L"-" + std::to_wstring(++counter);
  DWORD access =
      (child_reads ? PIPE_ACCESS_OUTBOUND : PIPE_ACCESS_INBOUND) | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE;
  ours = CreateNamedPipeW(name.c_str(), access, PIPE_TYPE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, kPipeBuffer,
                          kPipeBuffer, 0, nullptr);
  if (ours == INVALID_HANDLE_VALUE) return false;
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  theirs =
      CreateFileW(name.c_str(), child_reads ? GENERIC_READ : GENERIC_WRITE, 0, &inheritable, OPEN_EXISTING, 0, nullptr);
  if (theirs == INVALID_HANDLE_VALUE) {
    CloseHandle(ours);
    ours = INVALID_HANDLE_VALUE;
    return false;
  }
  return true;
}

void close_handle(HANDLE& handle) {
  if (handle && handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
  handle = INVALID_HANDLE_VALUE;
}

class Win32Launcher;

// Everything a child has, guarded by its mutex; thread pool callbacks find it through their context pointer
// and keep it alive with shared_from_this while they run. That is only safe while the child still holds
// itself (self_): it lets go of itself only after its exit was reported, no I/O is in flight, and a work item
// has waited out every callback already due (release_when_quiet).
class Win32Child final : public ChildProcess, public std::enable_shared_from_this<Win32Child> {
 public:
  Win32Child(Win32Launcher& launcher, std::shared_ptr<ProcessEvents> events) : launcher_(launcher), events_(events) {}
  ~Win32Child() override;

  bool start(const ProcessSpec& spec, std::string& error);

  WriteResult write_stdin(const uint8_t* data, size_t size) override;
  void close_stdin() override;
  void pause_output(bool paused) override;
  void stop() override;
  uint64_t pid() const override { return pid_; }

  // Unload: the tree is ended at once and no event is delivered any more.
  void kill_now();

 private:
  struct Reader {
    OVERLAPPED overlapped{};
    HANDLE pipe = INVALID_HANDLE_VALUE;
    PTP_IO io = nullptr;
    OutputStream stream;
    bool pending = false;
    bool eof = false;
    uint8_t buffer[kPipeBuffer];
  };

  static VOID CALLBACK read_done(PTP_CALLBACK_INSTANCE, PVOID context, PVOID overlapped, ULONG result, ULONG_PTR bytes,
                                 PTP_IO);
  static VOID CALLBACK write_done(PTP_CALLBACK_INSTANCE, PVOID context, PVOID overlapped, ULONG result, ULONG_PTR bytes,
                                  PTP_IO);
  static VOID CALLBACK exited(PTP_CALLBACK_INSTANCE, PVOID context, PTP_WAIT, TP_WAIT_RESULT);
  static VOID CALLBACK timer_fired(PTP_CALLBACK_INSTANCE, PVOID context, PTP_TIMER);
  static VOID CALLBACK release_when_quiet(PTP_CALLBACK_INSTANCE, PVOID context);

  // With mutex_ held: starts what may start (reads, a write, closing stdin).
  void pump_locked();
  void start_read_locked(Reader& reader);
  void start_write_locked();
  void close_stdin_locked();
  void arm_timer_locked(DWORD milliseconds);
  // Called without the lock: delivers the exit once the leader is gone and both pipes are at their end, and
  // lets go of self_ once no I/O is in flight either.
  void finish_if_done();
  void release_self(std::shared_ptr<Win32Child> self);
  void release_resources();

  Win32Launcher& launcher_;
  const std::shared_ptr<ProcessEvents> events_;
  std::mutex mutex_;
  HANDLE process_ = INVALID_HANDLE_VALUE;
  HANDLE job_ = INVALID_HANDLE_VALUE;
  uint64_t pid_ = 0;
  Reader out_;
  Reader err_;
  HANDLE stdin_pipe_ = INVALID_HANDLE_VALUE;
  PTP_IO stdin_io_ = nullptr;
  OVERLAPPED write_overlapped_{};
  std::vector<uint8_t> writing_;  // the bytes of the write in flight
  bool write_pending_ = false;
  bool draining_ = false;  // on_stdin_drained is being delivered: the exit's report waits for it
  std::deque<uint8_t> stdin_queue_;
  bool stdin_closing_ = false;
  bool backpressure_signalled_ = false;
  bool paused_ = false;
  bool stop_requested_ = false;
  bool leader_exited_ = false;
  bool tree_ended_ = false;
  bool reported_ = false;
  bool dead_ = false;  // unloading: deliver nothing
  DWORD exit_code_ = 0;
  PTP_WAIT exit_wait_ = nullptr;
  PTP_TIMER timer_ = nullptr;
  enum class TimerStep { kNone, kEndTree, kCutPipes } timer_step_ = TimerStep::kNone;
  std::shared_ptr<Win32Child> self_;  // the child keeps itself alive until its exit is reported
};

class Win32Launcher final : public ProcessLauncher {
 public:
  explicit Win32Launcher(ProcessLimits limits) : limits_(limits) {}
  ~Win32Launcher() override;

  std::shared_ptr<ChildProcess> spawn(const ProcessSpec& spec, std::shared_ptr<ProcessEvents> events,
                                      std::string& error) override;
  size_t running() const override { return running_.load(); }

  const ProcessLimits& limits() const { return limits_; }
  void forget(Win32Child* child);
  // Children reported but not yet let go of (release_when_quiet); unloading waits for them.
  void releasing(bool started) { started ? ++releasing_ : --releasing_; }

 private:
  const ProcessLimits limits_;
  std::atomic<size_t> running_{0};
  std::atomic<size_t> releasing_{0};
  std::mutex mutex_;
  std::vector<std::weak_ptr<Win32Child>> children_;
};

// ---------------------------------------------------------------- Win32Child

Win32Child::~Win32Child() { release_resources(); }

void Win32Child::release_resources() {
  for (PTP_IO* io : {&out_.io, &err_.io, &stdin_io_}) {
    if (*io) CloseThreadpoolIo(*io);  // freed once its callbacks are done
    *io = nullptr;
  }
  if (exit_wait_) CloseThreadpoolWait(exit_wait_);
  exit_wait_ = nullptr;
  if (timer_) CloseThreadpoolTimer(timer_);
  timer_ = nullptr;
  close_handle(out_.pipe);
  close_handle(err_.pipe);
  close_handle(stdin_pipe_);
  close_handle(process_);
  close_handle(job_);  // kill-on-close: anything of the tree still running ends here
}

bool Win32Child::start(const ProcessSpec& spec, std::string& error) {
  HANDLE child_in = INVALID_HANDLE_VALUE, child_out = INVALID_HANDLE_VALUE, child_err = INVALID_HANDLE_VALUE;
  auto fail = [&](const std::string& why) {
    close_handle(child_in);
    close_handle(child_out);
    close_handle(child_err);
    error = why;
    return false;
  };
  out_.stream = OutputStream::kStdout;
  err_.stream = OutputStream::kStderr;
  if (!make_pipe(true, stdin_pipe_, child_in) || !make_pipe(false, out_.pipe, child_out) ||
      !make_pipe(false, err_.pipe, child_err)) {
    return fail("pipes: " + error_text(GetLastError()));
  }

  // Only these three handles reach the child, whatever else in w3wp happens to be inheritable.
  HANDLE inherited[3] = {child_in, child_out, child_err};
  SIZE_T attributes_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &attributes_size);
  std::vector<uint8_t> attributes_memory(attributes_size);
  auto attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attributes_memory.data());
  bool have_list = InitializeProcThreadAttributeList(attributes, 1, 0, &attributes_size) &&
                   UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                             sizeof inherited, nullptr, nullptr);
  STARTUPINFOEXW startup;
  std::memset(&startup, 0, sizeof startup);
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = child_in;
  startup.StartupInfo.hStdOutput = child_out;
  startup.StartupInfo.hStdError = child_err;
  if (have_list) startup.lpAttributeList = attributes;

  std::wstring line = command_line(spec);
  std::wstring program = wide(spec.program);
  std::wstring directory = wide(spec.directory);
  std::wstring environment = environment_block(spec.environment);
  DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP |
                (have_list ? EXTENDED_STARTUPINFO_PRESENT : 0);
  PROCESS_INFORMATION info;
  std::memset(&info, 0, sizeof info);
  BOOL created = CreateProcessW(program.c_str(), &line[0], nullptr, nullptr, TRUE, flags, &environment[0],
                                directory.empty() ? nullptr : directory.c_str(), &startup.StartupInfo, &info);
  DWORD create_error = GetLastError();
  if (have_list) DeleteProcThreadAttributeList(attributes);
  if (!created) return fail(spec.program + ": " + error_text(create_error));
  close_handle(child_in);
  close_handle(child_out);
  close_handle(child_err);

  job_ = CreateJobObjectW(nullptr, nullptr);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
  std::memset(&limits, 0, sizeof limits);
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!job_ || !SetInformationJobObject(job_, JobObjectExtendedLimitInformation, &limits, sizeof limits) ||
      !AssignProcessToJobObject(job_, info.hProcess)) {
    DWORD job_error = GetLastError();
    TerminateProcess(info.hProcess, 1);
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
    return fail("job object: " + error_text(job_error));
  }
  process_ = info.hProcess;
  pid_ = info.dwProcessId;
  ResumeThread(info.hThread);
  CloseHandle(info.hThread);

  out_.io = CreateThreadpoolIo(out_.pipe, read_done, this, nullptr);
  err_.io = CreateThreadpoolIo(err_.pipe, read_done, this, nullptr);
  stdin_io_ = CreateThreadpoolIo(stdin_pipe_, write_done, this, nullptr);
  exit_wait_ = CreateThreadpoolWait(exited, this, nullptr);
  timer_ = CreateThreadpoolTimer(timer_fired, this, nullptr);
  if (!out_.io || !err_.io || !stdin_io_ || !exit_wait_ || !timer_) {
    TerminateJobObject(job_, 1);
    return fail("thread pool: " + error_text(GetLastError()));
  }
  self_ = shared_from_this();
  std::lock_guard<std::mutex> lock(mutex_);
  SetThreadpoolWait(exit_wait_, process_, nullptr);
  pump_locked();
  return true;
}

void Win32Child::start_read_locked(Reader& reader) {
  if (reader.pending || reader.eof || paused_ || dead_) return;
  std::memset(&reader.overlapped, 0, sizeof reader.overlapped);
  StartThreadpoolIo(reader.io);
  if (!ReadFile(reader.pipe, reader.buffer, kPipeBuffer, nullptr, &reader.overlapped) &&
      GetLastError() != ERROR_IO_PENDING) {
    CancelThreadpoolIo(reader.io);  // no completion will come: the pipe is at its end
    reader.eof = true;
    return;
  }
  reader.pending = true;  // even a read that finished at once completes through the pool
}

void Win32Child::start_write_locked() {
  if (write_pending_ || stdin_queue_.empty() || stdin_pipe_ == INVALID_HANDLE_VALUE || dead_) return;
  size_t size = std::min<size_t>(stdin_queue_.size(), kPipeBuffer);
  writing_.assign(stdin_queue_.begin(), stdin_queue_.begin() + static_cast<ptrdiff_t>(size));
  std::memset(&write_overlapped_, 0, sizeof write_overlapped_);
  StartThreadpoolIo(stdin_io_);
  if (!WriteFile(stdin_pipe_, writing_.data(), static_cast<DWORD>(size), nullptr, &write_overlapped_) &&
      GetLastError() != ERROR_IO_PENDING) {
    CancelThreadpoolIo(stdin_io_);  // the program closed its stdin: nothing more can be written
    stdin_queue_.clear();
    stdin_closing_ = true;
    return;
  }
  write_pending_ = true;
}

void Win32Child::close_stdin_locked() {
  if (stdin_pipe_ == INVALID_HANDLE_VALUE) return;
  close_handle(stdin_pipe_);
}

void Win32Child::pump_locked() {
  start_read_locked(out_);
  start_read_locked(err_);
  start_write_locked();
  if (stdin_closing_ && stdin_queue_.empty() && !write_pending_) close_stdin_locked();
}

void Win32Child::arm_timer_locked(DWORD milliseconds) {
  ULARGE_INTEGER due;
  due.QuadPart = static_cast<ULONGLONG>(-static_cast<LONGLONG>(milliseconds) * 10000);
  FILETIME when;
  when.dwLowDateTime = due.LowPart;
  when.dwHighDateTime = due.HighPart;
  SetThreadpoolTimer(timer_, &when, 0, 0);
}

ChildProcess::WriteResult Win32Child::write_stdin(const uint8_t* data, size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stdin_closing_ || stop_requested_ || stdin_pipe_ == INVALID_HANDLE_VALUE) return WriteResult::kClosed;
  stdin_queue_.insert(stdin_queue_.end(), data, data + size);
  bool backpressure = stdin_queue_.size() > launcher_.limits().stdin_high_water;
  if (backpressure) backpressure_signalled_ = true;
  start_write_locked();
  return backpressure ? WriteResult::kBackpressure : WriteResult::kQueued;
}

void Win32Child::close_stdin() {
  std::lock_guard<std::mutex> lock(mutex_);
  stdin_closing_ = true;
  pump_locked();
}

void Win32Child::pause_output(bool paused) {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = paused;
  pump_locked();
}

void Win32Child::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_requested_) return;
  stop_requested_ = true;
  stdin_queue_.clear();
  stdin_closing_ = true;
  paused_ = false;  // what is left of the output drains, so the exit can be reported
  pump_locked();
  if (!leader_exited_ && timer_step_ == TimerStep::kNone) {
    timer_step_ = TimerStep::kEndTree;
    arm_timer_locked(static_cast<DWORD>(launcher_.limits().exit_grace.count()));
  }
}

void Win32Child::kill_now() {
  std::lock_guard<std::mutex> lock(mutex_);
  dead_ = true;
  // No read starts any more, so a reader that is not waiting on one is at its end now.
  for (Reader* reader : {&out_, &err_}) {
    if (!reader->pending) reader->eof = true;
  }
  if (job_ != INVALID_HANDLE_VALUE) TerminateJobObject(job_, 1);
}

VOID CALLBACK Win32Child::read_done(PTP_CALLBACK_INSTANCE, PVOID context, PVOID overlapped, ULONG result,
                                    ULONG_PTR bytes, PTP_IO) {
  auto* child = static_cast<Win32Child*>(context);
  std::shared_ptr<Win32Child> keep = child->shared_from_this();
  Reader& reader = overlapped == &child->out_.overlapped ? child->out_ : child->err_;
  bool deliver = false;
  {
    std::lock_guard<std::mutex> lock(child->mutex_);
    reader.pending = false;
    if (result != NO_ERROR || bytes == 0) {
      reader.eof = true;  // ERROR_BROKEN_PIPE: the last writer closed its end
    } else {
      deliver = !child->dead_;
    }
  }
  if (deliver) child->events_->on_output(reader.stream, reader.buffer, static_cast<size_t>(bytes));
  {
    std::lock_guard<std::mutex> lock(child->mutex_);
    child->pump_locked();
  }
  child->finish_if_done();
}

VOID CALLBACK Win32Child::write_done(PTP_CALLBACK_INSTANCE, PVOID context, PVOID, ULONG result, ULONG_PTR bytes,
                                     PTP_IO) {
  auto* child = static_cast<Win32Child*>(context);
  std::shared_ptr<Win32Child> keep = child->shared_from_this();
  bool drained = false;
  {
    std::lock_guard<std::mutex> lock(child->mutex_);
    child->write_pending_ = false;
    if (result != NO_ERROR) {
      child->stdin_queue_.clear();
      child->stdin_closing_ = true;
    } else {
      size_t written = std::min<size_t>(static_cast<size_t>(bytes), child->stdin_queue_.size());
      child->stdin_queue_.erase(child->stdin_queue_.begin(),
                                child->stdin_queue_.begin() + static_cast<ptrdiff_t>(written));
    }
    if (child->backpressure_signalled_ && child->stdin_queue_.size() <= child->launcher_.limits().stdin_low_water) {
      child->backpressure_signalled_ = false;
      drained = child->draining_ = result == NO_ERROR && !child->dead_ && !child->reported_;
    }
    child->pump_locked();
  }
  if (drained) {
    child->events_->on_stdin_drained();
    std::lock_guard<std::mutex> lock(child->mutex_);
    child->draining_ = false;
  }
  child->finish_if_done();
}

VOID CALLBACK Win32Child::exited(PTP_CALLBACK_INSTANCE, PVOID context, PTP_WAIT, TP_WAIT_RESULT) {
  auto* child = static_cast<Win32Child*>(context);
  std::shared_ptr<Win32Child> keep = child->shared_from_this();
  {
    std::lock_guard<std::mutex> lock(child->mutex_);
    child->leader_exited_ = true;
    GetExitCodeProcess(child->process_, &child->exit_code_);
    // What is left of the tree gets the kill grace to finish writing, then ends with it.
    child->timer_step_ = TimerStep::kEndTree;
    child->arm_timer_locked(static_cast<DWORD>(child->launcher_.limits().kill_grace.count()));
  }
  child->finish_if_done();
}

VOID CALLBACK Win32Child::timer_fired(PTP_CALLBACK_INSTANCE, PVOID context, PTP_TIMER) {
  auto* child = static_cast<Win32Child*>(context);
  std::shared_ptr<Win32Child> keep = child->shared_from_this();
  {
    std::lock_guard<std::mutex> lock(child->mutex_);
    if (child->timer_step_ == TimerStep::kEndTree) {
      child->tree_ended_ = true;
      TerminateJobObject(child->job_, 1);
      child->timer_step_ = TimerStep::kCutPipes;
      child->arm_timer_locked(kPipeCutoffMs);
    } else if (child->timer_step_ == TimerStep::kCutPipes && child->leader_exited_) {
      // A process outside the job holds the output pipes: stop waiting for their end.
      child->timer_step_ = TimerStep::kNone;
      for (Reader* reader : {&child->out_, &child->err_}) {
        if (reader->pending) CancelIoEx(reader->pipe, &reader->overlapped);
        reader->eof = true;
      }
    }
  }
  child->finish_if_done();
}

// The exit is reported once the leader has exited and both pipes are at their end (no read in flight), and
// no on_stdin_drained is on its way, so that on_exit comes last. A write can still be in flight then: closing
// stdin here cancels it, and its completion, coming later, reports nothing.
void Win32Child::finish_if_done() {
  bool report = false;
  DWORD code = 0;
  std::shared_ptr<Win32Child> self;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!reported_ && !draining_ && leader_exited_ && out_.eof && err_.eof && !out_.pending && !err_.pending) {
      reported_ = report = true;
      code = exit_code_;
      if (job_ != INVALID_HANDLE_VALUE) TerminateJobObject(job_, 1);  // nothing of the tree outlives the report
      timer_step_ = TimerStep::kNone;  // a timer callback already due finds nothing to do
      if (timer_) SetThreadpoolTimer(timer_, nullptr, 0, 0);
      close_stdin_locked();
    }
    if (reported_ && !write_pending_) self = std::move(self_);
  }
  if (report) {
    launcher_.releasing(true);  // before running_ drops: unloading always sees one count or the other
    launcher_.forget(this);
    if (!dead_) events_->on_exit(static_cast<int>(code), 0);
  }
  if (self) release_self(std::move(self));
}

// finish_if_done runs on one of the child's own callbacks, which cannot wait for itself: a work item waits.
void Win32Child::release_self(std::shared_ptr<Win32Child> self) {
  auto* held = new std::shared_ptr<Win32Child>(std::move(self));
  if (!TrySubmitThreadpoolCallback(release_when_quiet, held, nullptr)) {
    // Out of memory: keeping the child forever is a leak; letting it go could free it under a callback.
    log(LogLevel::kError, "process %llu: no work item to release it, keeping it",
        static_cast<unsigned long long>(pid_));
  }
}

VOID CALLBACK Win32Child::release_when_quiet(PTP_CALLBACK_INSTANCE, PVOID context) {
  std::unique_ptr<std::shared_ptr<Win32Child>> held(static_cast<std::shared_ptr<Win32Child>*>(context));
  Win32Child& child = **held;
  Win32Launcher& launcher = child.launcher_;
  WaitForThreadpoolTimerCallbacks(child.timer_, TRUE);
  WaitForThreadpoolWaitCallbacks(child.exit_wait_, TRUE);
  for (PTP_IO io : {child.out_.io, child.err_.io, child.stdin_io_}) WaitForThreadpoolIoCallbacks(io, FALSE);
  held.reset();  // the last reference, unless the owner of the ChildProcess still holds one
  launcher.releasing(false);
}

// ---------------------------------------------------------------- Win32Launcher

Win32Launcher::~Win32Launcher() {
  std::vector<std::shared_ptr<Win32Child>> alive;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& weak : children_) {
      if (auto child = weak.lock()) alive.push_back(child);
    }
  }
  for (auto& child : alive) child->kill_now();
  alive.clear();
  // Each child reports (silently) once its tree is gone, then lets go of itself; wait for both, bounded.
  for (int i = 0; i < 200 && (running_.load() > 0 || releasing_.load() > 0); ++i) Sleep(10);
}

void Win32Launcher::forget(Win32Child* child) {
  std::lock_guard<std::mutex> lock(mutex_);
  children_.erase(std::remove_if(children_.begin(), children_.end(),
                                 [child](const std::weak_ptr<Win32Child>& weak) {
                                   auto alive = weak.lock();
                                   return !alive || alive.get() == child;
                                 }),
                  children_.end());
  running_--;
}

std::shared_ptr<ChildProcess> Win32Launcher::spawn(const ProcessSpec& spec, std::shared_ptr<ProcessEvents> events,
                                                   std::string& error) {
  auto child = std::make_shared<Win32Child>(*this, std::move(events));
  running_++;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    children_.push_back(child);
  }
  if (!child->start(spec, error)) {
    forget(child.get());
    return nullptr;
  }
  return child;
}

}  // namespace

std::unique_ptr<ProcessLauncher> ProcessLauncher::create(ProcessLimits limits) {
  return std::make_unique<Win32Launcher>(limits);
}

}  // namespace cs

#endif  // _WIN32
