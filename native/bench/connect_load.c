// The process bench's connect loop (bench/process.ts): CLIENTS threads, each over and over opening a
// WebSocket connection (for a `kind = process` endpoint or websocketd that starts a program), sending one
// text line, checking that it comes back, and closing. Blocking sockets, one thread per client: a cycle is a
// handful of system calls, so the client costs little next to a server that starts a program per cycle.
//
//   cs_connect_load PORT PATH CLIENTS SECONDS
//
// Warms up for half a second, prints "measuring" when the measured window opens and, when it closes, one JSON
// line: {"messages" (cycles completed), "seconds", "clientCpu"}; then lets every client finish its cycle.
// A cycle ends when the server has answered the close frame with its own or ended the connection after it
// (websocketd ends the connection when its program exits). Exit 1 with a message on stderr at the first error.
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws_client.h"

enum { kWarmUpMs = 500 };

static const char kLine[] = "hello";
static const char* server_port;
static const char* server_path;
static atomic_long cycles;
static atomic_int stopping;

static void sleep_seconds(double seconds) {
  struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

// Reads until a whole frame is at the start of `in`; 0 when the server ended the connection first.
static int next_frame(int fd, Buffer* in, FrameHead* f) {
  uint8_t chunk[4096];
  while (!frame_head(in->data + in->start, buffer_held(in), f)) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return 0;
    if (n < 0) fail("recv: %s", strerror(errno));
    buffer_append(in, chunk, (size_t)n);
  }
  return 1;
}

static void one_cycle(Buffer* in) {
  uint8_t frame[14 + 125];
  in->start = in->length = 0;
  int fd = ws_open(server_port, server_path, in);
  send_all(fd, frame, masked_frame(0x1, (const uint8_t*)kLine, sizeof kLine - 1, frame));
  FrameHead f;
  for (;;) {
    if (!next_frame(fd, in, &f)) fail("the server ended the connection before the echo of the line");
    const uint8_t* data = in->data + in->start + f.head;
    if (!f.fin || f.opcode == 0x0) fail("the line came back fragmented");
    if (f.opcode == 0x1) {
      if (f.size != sizeof kLine - 1 || memcmp(data, kLine, f.size) != 0) fail("a different line came back");
      buffer_consume(in, f.head + f.size);
      break;
    }
    if (f.opcode == 0x9)
      send_all(fd, frame, masked_frame(0xA, data, f.size, frame));
    else if (f.opcode != 0xA)
      fail("a frame with opcode %d where the line was expected", f.opcode);
    buffer_consume(in, f.head + f.size);
  }
  static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
  send_all(fd, frame, masked_frame(0x8, kNormal, 2, frame));
  while (next_frame(fd, in, &f) && f.opcode != 0x8) buffer_consume(in, f.head + f.size);
  close(fd);
}

static void* client(void* unused) {
  (void)unused;
  Buffer in = {0};
  while (!atomic_load(&stopping)) {
    one_cycle(&in);
    atomic_fetch_add(&cycles, 1);
  }
  free(in.data);
  return NULL;
}

int main(int argc, char** argv) {
  client_start("cs_connect_load");
  if (argc != 5) {
    fputs("usage: cs_connect_load PORT PATH CLIENTS SECONDS\n", stderr);
    return 2;
  }
  server_port = argv[1];
  server_path = argv[2];
  int clients = atoi(argv[3]);
  double seconds = atof(argv[4]);
  if (clients <= 0 || seconds <= 0) fail("CLIENTS and SECONDS must be positive");
  pthread_t* threads = calloc((size_t)clients, sizeof *threads);
  if (!threads) fail("out of memory");
  for (int i = 0; i < clients; ++i)
    if (pthread_create(&threads[i], NULL, client, NULL) != 0) fail("cannot start a client thread");
  sleep_seconds(kWarmUpMs / 1000.0);
  puts("measuring");
  fflush(stdout);
  long first = atomic_load(&cycles);
  double started = now_seconds(), cpu = cpu_seconds();
  sleep_seconds(seconds);
  long done = atomic_load(&cycles) - first;
  double elapsed = now_seconds() - started;
  printf("{\"messages\":%ld,\"seconds\":%.6f,\"clientCpu\":%.6f}\n", done, elapsed, cpu_seconds() - cpu);
  fflush(stdout);
  atomic_store(&stopping, 1);
  for (int i = 0; i < clients; ++i) pthread_join(threads[i], NULL);
  free(threads);
  return 0;
}
