#pragma once
// Child programs for `kind = process` endpoints, behind one interface with a POSIX and a Win32
// implementation. A child is one run of a program with its stdin, stdout and stderr on pipes, in a process
// group (POSIX) or Job Object (Win32) of its own, so that the whole tree it starts can be ended with it.
//
// Threads: a launcher owns the threads that move the children's bytes. Events reach ProcessEvents on those
// threads, never from inside a ChildProcess method, so a caller may hold its own lock while calling one.
// Order: every byte of stdout and stderr is delivered before on_exit, which comes once, last.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cs {

struct ProcessSpec {
  std::string program;                   // an absolute path (ProgramResolver finds it)
  std::vector<std::string> arguments;    // after the program name
  std::string directory;                 // the working directory, absolute
  std::vector<std::string> environment;  // NAME=value, the child's whole environment
};

enum class OutputStream : uint32_t { kStdout = 1, kStderr = 2 };

class ProcessEvents {
 public:
  virtual void on_output(OutputStream stream, const uint8_t* data, size_t size) = 0;
  // The stdin queue drained below its low-water mark after write_stdin answered kBackpressure.
  virtual void on_stdin_drained() = 0;
  // The program exited (`code`), or was ended by a signal (`signal` > 0, POSIX only), and its output is over.
  virtual void on_exit(int code, int signal) = 0;

 protected:
  ~ProcessEvents() = default;
};

struct ProcessLimits {
  size_t stdin_high_water = 1u << 20;   // write_stdin answers kBackpressure above this many queued bytes
  size_t stdin_low_water = 256u << 10;  // on_stdin_drained once below this again
  // After stop(): how long the program has to exit on its own once stdin is closed, and then how long
  // after the polite signal (SIGTERM; on Windows there is none) before the tree is killed.
  std::chrono::milliseconds exit_grace{1000};
  std::chrono::milliseconds kill_grace{1000};
};

class ChildProcess {
 public:
  virtual ~ChildProcess() = default;

  enum class WriteResult { kQueued, kBackpressure, kClosed };
  // Copies the bytes into the stdin queue.
  virtual WriteResult write_stdin(const uint8_t* data, size_t size) = 0;
  // The program sees end of file once the queue has drained.
  virtual void close_stdin() = 0;
  // Stops (or resumes) reading stdout and stderr: the pipe fills and the program blocks writing.
  virtual void pause_output(bool paused) = 0;
  // Ends the program: close stdin, wait exit_grace, ask the tree to end, wait kill_grace, kill the tree.
  // Its remaining output is still delivered; on_exit comes last as usual.
  virtual void stop() = 0;
  // The operating system's id of the program (for logs and tests).
  virtual uint64_t pid() const = 0;
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;  // kills every child still running and waits for it
  static std::unique_ptr<ProcessLauncher> create(ProcessLimits limits = {});

  // Starts `spec`. On failure returns null and says why in `error` (the program could not be run).
  virtual std::shared_ptr<ChildProcess> spawn(const ProcessSpec& spec, std::shared_ptr<ProcessEvents> events,
                                              std::string& error) = 0;
  // Children started and not yet reaped.
  virtual size_t running() const = 0;
};

}  // namespace cs
