/* A program for the launcher's tests, on POSIX and Windows alike. The first argument chooses what it does:
 *   echo      copies stdin to stdout line by line until end of file, then exits 0
 *   exit N    writes "bye" to stdout and "err" to stderr, then exits with N
 *   tree      starts a copy of itself that sleeps, writes "pids SELF CHILD", then waits for end of file on stdin
 *   sleep     sleeps ten minutes
 *   stubborn  (POSIX) ignores SIGTERM, writes "ready", then sleeps ten minutes
 *   env       writes its environment, one NAME=value per line, then "end"
 *   noread    writes "ready" and sleeps ten minutes without reading stdin
 *   policy    (POSIX) writes its scheduling policy's number (sched_getscheduler) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#define sleep_seconds(s) Sleep((s)*1000)
#define current_pid() ((unsigned long)GetCurrentProcessId())
#else
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#define sleep_seconds(s) sleep(s)
#define current_pid() ((unsigned long)getpid())
extern char** environ;
#endif

static unsigned long start_sleeper(const char* self) {
#ifdef _WIN32
  char line[MAX_PATH + 16];
  snprintf(line, sizeof line, "\"%s\" sleep", self);
  STARTUPINFOA startup;
  PROCESS_INFORMATION info;
  memset(&startup, 0, sizeof startup);
  startup.cb = sizeof startup;
  if (!CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &startup, &info)) return 0;
  CloseHandle(info.hThread);
  CloseHandle(info.hProcess);
  return (unsigned long)info.dwProcessId;
#else
  pid_t pid = fork();
  if (pid == 0) {
    execl(self, self, "sleep", (char*)NULL);
    _exit(127);
  }
  return (unsigned long)pid;
#endif
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
#ifdef _WIN32
  /* Bytes as they are, as on POSIX: no CRLF translation. */
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
#endif
  if (strcmp(mode, "echo") == 0) { /* line by line, each flushed */
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
      fputs(line, stdout);
      fflush(stdout);
    }
    return 0;
  }
  if (strcmp(mode, "exit") == 0) {
    fputs("bye\n", stdout);
    fputs("err\n", stderr);
    return argc > 2 ? atoi(argv[2]) : 0;
  }
  if (strcmp(mode, "tree") == 0) {
#ifdef _WIN32
    char self[MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof self);
#else
    const char* self = argv[0];
#endif
    unsigned long child = start_sleeper(self);
    printf("pids %lu %lu\n", current_pid(), child);
    fflush(stdout);
    while (getchar() != EOF) {
    }
    return 0;
  }
  if (strcmp(mode, "sleep") == 0) {
    sleep_seconds(600);
    return 0;
  }
  if (strcmp(mode, "stubborn") == 0) {
#ifndef _WIN32
    signal(SIGTERM, SIG_IGN);
#endif
    puts("ready");
    fflush(stdout);
    sleep_seconds(600);
    return 0;
  }
  if (strcmp(mode, "env") == 0) {
#ifdef _WIN32
    LPCH block = GetEnvironmentStringsA();
    for (const char* entry = block; *entry; entry += strlen(entry) + 1) puts(entry);
    FreeEnvironmentStringsA(block);
#else
    for (char** entry = environ; *entry; ++entry) puts(*entry);
#endif
    puts("end");
    fflush(stdout);
    return 0;
  }
#ifndef _WIN32
  if (strcmp(mode, "policy") == 0) {
    printf("%d\n", sched_getscheduler(0));
    fflush(stdout);
    return 0;
  }
#endif
  if (strcmp(mode, "noread") == 0) {
    puts("ready");
    fflush(stdout);
    sleep_seconds(600);
    return 0;
  }
  fprintf(stderr, "unknown mode '%s'\n", mode);
  return 2;
}
