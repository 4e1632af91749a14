// ProcessLauncher on POSIX (Linux): posix_spawn into a process group of the child's own, non-blocking pipes,
// and one reactor thread (epoll) that moves the bytes, watches each child through a pidfd (no process-wide
// SIGCHLD handler: the module shares its process with others) and runs the stop sequence's deadlines.
//
// stdin is a socket pair rather than a pipe (as inetd gives its programs): a write to it can then go out
// at once from the thread that has the bytes (send with MSG_NOSIGNAL never raises SIGPIPE), and the
// reactor only takes over what the program has not read yet.
//
// The leader is not reaped until the end: waitid(WNOWAIT) reads its exit status while its zombie keeps the
// process group id from being reused, so the group can still be signalled safely. After the leader exits,
// what is left of its group is asked to end (SIGTERM) and then killed, so nothing outlives the connection.
#ifndef _WIN32

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "child_process.h"
#include "log.h"

namespace cs {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kReadChunk = 64 * 1024;
// Without a pidfd (kernels before 5.3) a child's exit is polled this often.
constexpr auto kExitPoll = std::chrono::milliseconds(50);
// After SIGKILL, how long a pipe may stay open (held by a process outside the group) before it is cut.
constexpr auto kPipeCutoff = std::chrono::milliseconds(500);

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Bytes waiting for the program's stdin: appended at the back, taken from the front, no copy per byte.
class ByteQueue {
 public:
  size_t size() const { return bytes_.size() - start_; }
  bool empty() const { return size() == 0; }
  const uint8_t* data() const { return bytes_.data() + start_; }
  void append(const uint8_t* data, size_t size) { bytes_.insert(bytes_.end(), data, data + size); }
  void consume(size_t n) {
    start_ += n;
    if (start_ == bytes_.size()) {
      bytes_.clear();
      start_ = 0;
    } else if (start_ > bytes_.size() / 2) {
      bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<ptrdiff_t>(start_));
      start_ = 0;
    }
  }
  void clear() {
    bytes_.clear();
    bytes_.shrink_to_fit();
    start_ = 0;
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t start_ = 0;
};

class PosixLauncher;

class PosixChild final : public ChildProcess, public std::enable_shared_from_this<PosixChild> {
 public:
  PosixChild(PosixLauncher& launcher, pid_t pid, int pidfd, int in, int out, int err,
             std::shared_ptr<ProcessEvents> events)
      : launcher_(launcher),
        pid_(pid),
        pidfd_(pidfd),
        stdin_fd_(in),
        stdout_fd_(out),
        stderr_fd_(err),
        events_(std::move(events)) {}
  ~PosixChild() override;

  WriteResult write_stdin(const uint8_t* data, size_t size) override;
  void close_stdin() override;
  void pause_output(bool paused) override;
  void stop() override;
  uint64_t pid() const override { return static_cast<uint64_t>(pid_); }

 private:
  friend class PosixLauncher;

  PosixLauncher& launcher_;
  const pid_t pid_;
  // Touched only by the reactor thread once registered; stdin_fd_ also by writers, under mutex_.
  int pidfd_;
  int stdin_fd_;
  int stdout_fd_;
  int stderr_fd_;
  bool output_registered_ = false;  // stdout/stderr are in the epoll set
  bool stdin_registered_ = false;
  bool leader_exited_ = false;
  int exit_code_ = 0;
  int exit_signal_ = 0;
  Clock::time_point next_poll_{};
  Clock::time_point term_at_{Clock::time_point::max()};
  Clock::time_point kill_at_{Clock::time_point::max()};
  Clock::time_point cut_at_{Clock::time_point::max()};
  const std::shared_ptr<ProcessEvents> events_;  // released with the child, after on_exit

  // Shared with other threads, under mutex_.
  std::mutex mutex_;
  ByteQueue stdin_queue_;
  bool stdin_closing_ = false;  // close once the queue is empty
  bool stdin_closed_ = false;
  bool backpressure_signalled_ = false;
  bool paused_ = false;
  bool stop_requested_ = false;
};

class PosixLauncher final : public ProcessLauncher {
 public:
  explicit PosixLauncher(ProcessLimits limits);
  ~PosixLauncher() override;

  std::shared_ptr<ChildProcess> spawn(const ProcessSpec& spec, std::shared_ptr<ProcessEvents> events,
                                      std::string& error) override;
  size_t running() const override { return running_.load(); }

  // A child's state changed under its lock: the reactor re-reads it.
  void poke(const std::shared_ptr<PosixChild>& child);
  const ProcessLimits& limits() const { return limits_; }

 private:
  void run();
  void apply(PosixChild& child);
  void watch(int fd, uint32_t events, bool add);
  void unwatch(int fd);
  void on_readable(PosixChild& child, OutputStream stream);
  void on_writable(PosixChild& child);
  void poll_exit(PosixChild& child);
  void on_leader_exit(PosixChild& child, const siginfo_t& info);
  void check_deadlines(PosixChild& child, Clock::time_point now);
  bool finish_if_done(const std::shared_ptr<PosixChild>& child);
  void kill_everything();

  const ProcessLimits limits_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> running_{0};
  std::mutex mutex_;                                            // guards children_ and dirty_
  std::unordered_map<int, std::shared_ptr<PosixChild>> by_fd_;  // reactor thread only
  std::vector<std::shared_ptr<PosixChild>> children_;           // every child not yet reaped
  std::vector<std::shared_ptr<PosixChild>> dirty_;
  std::thread thread_;
  uint8_t buffer_[kReadChunk];
};

// ---------------------------------------------------------------- PosixChild

PosixChild::~PosixChild() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(pidfd_);
}

ChildProcess::WriteResult PosixChild::write_stdin(const uint8_t* data, size_t size) {
  bool backpressure;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stdin_closing_ || stdin_closed_ || stop_requested_ || stdin_fd_ < 0) return WriteResult::kClosed;
    if (stdin_queue_.empty()) {  // nothing before these bytes: they go out now, as far as the socket takes them
      ssize_t sent = ::send(stdin_fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent == static_cast<ssize_t>(size)) return WriteResult::kQueued;
      if (sent > 0) {
        data += sent;
        size -= static_cast<size_t>(sent);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        stdin_closing_ = true;  // the program closed its stdin: nothing more can be written
        return WriteResult::kClosed;
      }
    }
    stdin_queue_.append(data, size);
    backpressure = stdin_queue_.size() > launcher_.limits().stdin_high_water;
    if (backpressure) backpressure_signalled_ = true;
  }
  launcher_.poke(shared_from_this());
  return backpressure ? WriteResult::kBackpressure : WriteResult::kQueued;
}

void PosixChild::close_stdin() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stdin_closing_ = true;
  }
  launcher_.poke(shared_from_this());
}

void PosixChild::pause_output(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = paused;
  }
  launcher_.poke(shared_from_this());
}

void PosixChild::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
    stdin_queue_.clear();
    stdin_closing_ = true;
    paused_ = false;  // what is left of the output drains, so the exit can be reported
  }
  launcher_.poke(shared_from_this());
}

// ---------------------------------------------------------------- PosixLauncher

PosixLauncher::PosixLauncher(ProcessLimits limits) : limits_(limits) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
  watch(wake_fd_, EPOLLIN, true);
  thread_ = std::thread([this] { run(); });
}

PosixLauncher::~PosixLauncher() {
  stopping_.store(true);
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  kill_everything();
  close_fd(wake_fd_);
  close_fd(epoll_fd_);
}

// Last resort at unload: every group is killed and every leader reaped, synchronously.
void PosixLauncher::kill_everything() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& child : children_) {
    ::kill(-child->pid_, SIGKILL);
    ::kill(child->pid_, SIGKILL);
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    while (waitid(P_PID, static_cast<id_t>(child->pid_), &info, WEXITED) < 0 && errno == EINTR) {
    }
    running_--;
  }
  children_.clear();
}

std::shared_ptr<ChildProcess> PosixLauncher::spawn(const ProcessSpec& spec, std::shared_ptr<ProcessEvents> events,
                                                   std::string& error) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto fail = [&](const std::string& why) -> std::shared_ptr<ChildProcess> {
    for (int* pair : {in, out, err}) {
      close_fd(pair[0]);
      close_fd(pair[1]);
    }
    error = why;
    return nullptr;
  };
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
      pipe2(err, O_CLOEXEC) < 0) {
    return fail(std::string("pipes: ") + std::strerror(errno));
  }

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(spec.program.c_str()));
  for (const auto& argument : spec.arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : spec.environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // Nothing of the server's (sockets, other children's pipes) reaches the program.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.directory.c_str());
  // A group of its own, so the whole tree can be signalled; default dispositions and no blocked signals,
  // whatever the server ignores (Node ignores SIGPIPE, which a program would otherwise inherit); and the
  // default scheduling policy, whichever of the server's threads starts it (a server may run some of its own
  // threads SCHED_BATCH, as the host's completion pool does).
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  sched_param priority{};
  posix_spawnattr_setschedpolicy(&attributes, SCHED_OTHER);
  posix_spawnattr_setschedparam(&attributes, &priority);
  posix_spawnattr_setflags(
      &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDULER);
  pid_t pid = 0;
  int result = posix_spawn(&pid, spec.program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (result != 0) return fail(spec.program + ": " + std::strerror(result));

  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  for (int fd : {in[1], out[0], err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  int pidfd = open_pidfd(pid);
  auto child = std::make_shared<PosixChild>(*this, pid, pidfd, in[1], out[0], err[0], std::move(events));
  running_++;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    children_.push_back(child);
    dirty_.push_back(child);
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  return child;
}

void PosixLauncher::poke(const std::shared_ptr<PosixChild>& child) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dirty_.push_back(child);
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void PosixLauncher::watch(int fd, uint32_t events, bool add) {
  epoll_event event;
  std::memset(&event, 0, sizeof event);
  event.events = events;
  event.data.fd = fd;
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
}

void PosixLauncher::unwatch(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

// Brings the epoll set in line with what other threads asked of the child.
void PosixLauncher::apply(PosixChild& child) {
  std::shared_ptr<PosixChild> self = child.shared_from_this();
  if (child.pidfd_ >= 0 && !by_fd_.count(child.pidfd_) && !child.leader_exited_) {
    by_fd_[child.pidfd_] = self;
    watch(child.pidfd_, EPOLLIN, true);
  }
  bool paused, want_stdin, close_stdin, stop;
  {
    std::lock_guard<std::mutex> lock(child.mutex_);
    paused = child.paused_;
    want_stdin = !child.stdin_queue_.empty();
    close_stdin = child.stdin_closing_ && child.stdin_queue_.empty() && !child.stdin_closed_;
    if (close_stdin) child.stdin_closed_ = true;
    stop = child.stop_requested_;
  }
  // Output: in the set unless paused (a paused pipe is taken out: epoll would report its hang-up forever).
  bool want_output = !paused;
  if (want_output != child.output_registered_) {
    for (int fd : {child.stdout_fd_, child.stderr_fd_}) {
      if (fd < 0) continue;
      if (want_output) {
        by_fd_[fd] = self;
        watch(fd, EPOLLIN, true);
      } else {
        unwatch(fd);
        by_fd_.erase(fd);
      }
    }
    child.output_registered_ = want_output;
  }
  if (close_stdin && child.stdin_fd_ >= 0) {
    if (child.stdin_registered_) unwatch(child.stdin_fd_);
    by_fd_.erase(child.stdin_fd_);
    std::lock_guard<std::mutex> lock(child.mutex_);
    close_fd(child.stdin_fd_);
    child.stdin_registered_ = false;
  } else if (want_stdin && child.stdin_fd_ >= 0 && !child.stdin_registered_) {
    by_fd_[child.stdin_fd_] = self;
    watch(child.stdin_fd_, EPOLLOUT, true);
    child.stdin_registered_ = true;
  }
  if (stop && child.term_at_ == Clock::time_point::max() && !child.leader_exited_) {
    child.term_at_ = Clock::now() + limits_.exit_grace;
  }
}

void PosixLauncher::on_readable(PosixChild& child, OutputStream stream) {
  int& fd = stream == OutputStream::kStdout ? child.stdout_fd_ : child.stderr_fd_;
  ssize_t got = ::read(fd, buffer_, sizeof buffer_);
  if (got > 0) {
    child.events_->on_output(stream, buffer_, static_cast<size_t>(got));
    return;
  }
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
  unwatch(fd);  // end of file (or an error, which ends the stream all the same)
  by_fd_.erase(fd);
  close_fd(fd);
}

void PosixLauncher::on_writable(PosixChild& child) {
  bool drained_signal = false;
  bool broken = false;
  {
    // The queue's front goes out under the lock: a writer that finds the queue empty sends directly, so the
    // order of bytes holds only if nobody else writes meanwhile.
    std::lock_guard<std::mutex> lock(child.mutex_);
    if (!child.stdin_queue_.empty() && child.stdin_fd_ >= 0) {
      ssize_t sent =
          ::send(child.stdin_fd_, child.stdin_queue_.data(), child.stdin_queue_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) child.stdin_queue_.consume(static_cast<size_t>(sent));
      broken = sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
    if (broken) {  // the program closed its stdin: nothing more can be written
      child.stdin_queue_.clear();
      child.stdin_closing_ = true;
    }
    if (child.backpressure_signalled_ && child.stdin_queue_.size() <= limits_.stdin_low_water) {
      child.backpressure_signalled_ = false;
      drained_signal = !broken;
    }
    if (child.stdin_queue_.empty() && child.stdin_registered_) {
      unwatch(child.stdin_fd_);
      child.stdin_registered_ = false;
    }
  }
  apply(child);
  if (drained_signal) child.events_->on_stdin_drained();
}

// Reads the leader's status without reaping it (WNOWAIT): its zombie keeps the group id from being reused.
void PosixLauncher::poll_exit(PosixChild& child) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (waitid(P_PID, static_cast<id_t>(child.pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) {
    on_leader_exit(child, info);
  }
}

// The leader exited: the rest of its group is asked to end, and the exit is reported once the output is over.
void PosixLauncher::on_leader_exit(PosixChild& child, const siginfo_t& info) {
  child.leader_exited_ = true;
  child.exit_code_ = info.si_code == CLD_EXITED ? info.si_status : 0;
  child.exit_signal_ = info.si_code == CLD_EXITED ? 0 : info.si_status;
  if (child.pidfd_ >= 0) {
    unwatch(child.pidfd_);
    by_fd_.erase(child.pidfd_);
  }
  ::kill(-child.pid_, SIGTERM);
  child.term_at_ = Clock::time_point::max();
  child.kill_at_ = Clock::now() + limits_.kill_grace;
}

void PosixLauncher::check_deadlines(PosixChild& child, Clock::time_point now) {
  if (!child.leader_exited_ && child.pidfd_ < 0 && now >= child.next_poll_) {
    child.next_poll_ = now + kExitPoll;
    poll_exit(child);
  }
  if (child.term_at_ <= now) {  // stop(): the grace after closing stdin is over
    child.term_at_ = Clock::time_point::max();
    ::kill(-child.pid_, SIGTERM);
    child.kill_at_ = now + limits_.kill_grace;
  } else if (child.kill_at_ <= now) {
    child.kill_at_ = Clock::time_point::max();
    ::kill(-child.pid_, SIGKILL);
    if (child.leader_exited_) child.cut_at_ = now + kPipeCutoff;
  } else if (child.cut_at_ <= now) {  // a process outside the group holds the output pipes
    child.cut_at_ = Clock::time_point::max();
    for (int* fd : {&child.stdout_fd_, &child.stderr_fd_}) {
      if (*fd < 0) continue;
      unwatch(*fd);
      by_fd_.erase(*fd);
      close_fd(*fd);
    }
  }
}

// The exit is reported once the leader has exited and both output pipes are closed; then the leader is
// reaped and the child forgotten.
bool PosixLauncher::finish_if_done(const std::shared_ptr<PosixChild>& child) {
  if (!child->leader_exited_ || child->stdout_fd_ >= 0 || child->stderr_fd_ >= 0) return false;
  ::kill(-child->pid_, SIGKILL);  // nothing of the group outlives the report
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (waitid(P_PID, static_cast<id_t>(child->pid_), &info, WEXITED) < 0 && errno == EINTR) {
  }
  if (child->stdin_fd_ >= 0) {
    if (child->stdin_registered_) unwatch(child->stdin_fd_);
    by_fd_.erase(child->stdin_fd_);
    std::lock_guard<std::mutex> lock(child->mutex_);
    close_fd(child->stdin_fd_);
  }
  close_fd(child->pidfd_);
  running_--;
  child->events_->on_exit(child->exit_code_, child->exit_signal_);
  return true;
}

void PosixLauncher::run() {
  epoll_event events[64];
  while (!stopping_.load()) {
    std::vector<std::shared_ptr<PosixChild>> dirty, children;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dirty.swap(dirty_);
      children = children_;
    }
    for (auto& child : dirty) apply(*child);

    auto now = Clock::now();
    auto next = now + std::chrono::hours(1);
    for (auto& child : children) {
      check_deadlines(*child, now);
      for (auto at : {child->term_at_, child->kill_at_, child->cut_at_}) next = std::min(next, at);
      if (child->pidfd_ < 0 && !child->leader_exited_) next = std::min(next, child->next_poll_);
    }
    for (auto& child : children) {
      if (finish_if_done(child)) {
        std::lock_guard<std::mutex> lock(mutex_);
        children_.erase(std::find(children_.begin(), children_.end(), child));
      }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    int count =
        epoll_wait(epoll_fd_, events, 64, static_cast<int>(std::max<long long>(0, std::min<long long>(wait, 60000))));
    for (int i = 0; i < count; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        uint64_t value;
        (void)!::read(wake_fd_, &value, sizeof value);
        continue;
      }
      auto it = by_fd_.find(fd);
      if (it == by_fd_.end()) continue;
      std::shared_ptr<PosixChild> child = it->second;
      if (fd == child->pidfd_) {
        poll_exit(*child);
      } else if (fd == child->stdout_fd_) {
        on_readable(*child, OutputStream::kStdout);
      } else if (fd == child->stderr_fd_) {
        on_readable(*child, OutputStream::kStderr);
      } else if (fd == child->stdin_fd_) {
        on_writable(*child);
      }
    }
  }
}

}  // namespace

std::unique_ptr<ProcessLauncher> ProcessLauncher::create(ProcessLimits limits) {
  return std::make_unique<PosixLauncher>(limits);
}

}  // namespace cs

#endif  // !_WIN32
