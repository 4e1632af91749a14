// With no cs_wasm_call on the thread there is nowhere to unwind to: the process aborts, saying why.
#include <doctest/doctest.h>

#if !defined(_WIN32)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "test_support.h"

TEST_SUITE("traps") {
  TEST_CASE("a trap outside cs_wasm_call aborts the process with a message") {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      signal(SIGABRT, SIG_DFL);  // doctest's crash handler is not what is tested (and differs under sanitizers)
      dup2(out[1], 2);
      wasm_rt_trap(WASM_RT_TRAP_OOB);
      _exit(0);
    }
    close(out[1]);
    std::string said;
    char buf[256];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) said.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
    CHECK(said.find("outside cs_wasm_call") != std::string::npos);
    CHECK(said.find("out-of-bounds") != std::string::npos);
  }
}
#endif
