// The echo bench's client (bench/echo.ts): WebSocket connections to an echo server, each keeping a number
// of binary messages in flight, every echo checked byte for byte against what was sent. In C, on one thread
// with epoll, so that the client costs little next to any server and the bench measures servers, not itself:
// messages go out from one prebuilt frame per connection (gathered, never copied) and echoes are received
// straight into the buffer they are checked in, so the client's own pass over a byte is the compare.
// RFC 6455 only as far as an echo needs: the handshake (the accept key checked), masked frames out,
// unmasked frames in; a ping is answered; any other frame, a wrong echo or a closed socket is an error.
//
//   cs_echo_load throughput PORT PATH CONNECTIONS IN_FLIGHT SIZE SECONDS [text]
//   cs_echo_load latency    PORT PATH SIZE SECONDS [text]   (one connection, one message at a time, the
//                                                            client spinning on its CPU while it waits)
//
// Messages are binary unless `text` is given: then they are text frames of letters, one line each for a
// `kind = process` endpoint in text mode or websocketd (bench/process.ts).
//
// Both warm up for half a second, print "measuring" on stdout when the measured window opens and, when it
// closes, one JSON line (the bench samples the server's CPU at both): {"messages", "seconds", "clientCpu"},
// for latency also "p50" and "p99" in µs. Then the echoes still in flight are awaited and checked, and every
// connection is closed with a close handshake. Exit 1 with a message on stderr at the first error.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ws_client.h"

enum { kReadSize = 256 * 1024, kGather = 64, kWarmUpMs = 500, kDrainMs = 5000 };

typedef struct {
  WsSocket io;
  int in_flight;   // messages sent and not yet echoed
  int closed;      // the server's close frame came back
  int fragmented;  // inside a message that came in fragments (websocketd sends a 4 KiB line as two)
  size_t echoed;   // bytes of the echo taken so far
  uint8_t* frame;  // the masked frame this connection sends, built once
  size_t frame_length;
  long queued;           // copies of `frame` not yet sent whole (sent from `frame` itself, never copied)
  size_t sent_of_first;  // bytes of the first of them the socket has taken
} Connection;

static const char* server_port;
static const char* server_path;
static uint8_t* payload;
static size_t payload_size;
static uint8_t opcode = 0x2;  // binary, or 0x1 (text)
static int epoll_fd;

static void open_connection(Connection* c) {
  c->io.fd = ws_open(server_port, server_path, &c->io.in);
  c->frame = malloc(payload_size + 14);
  if (!c->frame) fail("out of memory");
  c->frame_length = masked_frame(opcode, payload, payload_size, c->frame);
}

static void watch(Connection* c, int want_out, int op) { ws_watch(epoll_fd, &c->io, c, want_out, op); }

// Takes `sent` bytes off what flush offered: the rest of a frame begun, then `control` bytes of out, then
// whole frames.
static void count_sent(Connection* c, size_t sent, size_t control) {
  if (c->sent_of_first > 0) {
    size_t rest = c->frame_length - c->sent_of_first;
    if (sent < rest) {
      c->sent_of_first += sent;
      return;
    }
    sent -= rest;
    c->sent_of_first = 0;
    c->queued--;
  }
  size_t taken = sent < control ? sent : control;
  buffer_consume(&c->io.out, taken);
  sent -= taken;
  c->queued -= (long)(sent / c->frame_length);
  c->sent_of_first = sent % c->frame_length;
}

// Sends, in this order, as far as the socket takes them: the rest of a message frame it took part of, the
// control frames waiting in out (a pong, the close), then whole message frames, gathered from the one
// prebuilt frame. A control frame never lands inside a message frame.
static void flush(Connection* c) {
  for (;;) {
    struct iovec pieces[kGather];
    int count = 0;
    size_t offered = 0;
    if (c->sent_of_first > 0)
      pieces[count++] = (struct iovec){c->frame + c->sent_of_first, c->frame_length - c->sent_of_first};
    size_t control = buffer_held(&c->io.out);
    if (control > 0) pieces[count++] = (struct iovec){c->io.out.data + c->io.out.start, control};
    for (long whole = c->queued - (c->sent_of_first > 0); whole > 0 && count < kGather; --whole)
      pieces[count++] = (struct iovec){c->frame, c->frame_length};
    if (count == 0) break;
    for (int i = 0; i < count; ++i) offered += pieces[i].iov_len;
    struct msghdr message = {.msg_iov = pieces, .msg_iovlen = (size_t)count};
    ssize_t n = sendmsg(c->io.fd, &message, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "connection closed");
    count_sent(c, (size_t)n, control);
    if ((size_t)n < offered) break;  // the socket is full
  }
  int want_out = c->queued > 0 || buffer_held(&c->io.out) > 0;
  if (c->io.want_out != want_out) watch(c, want_out, EPOLL_CTL_MOD);
}

static void queue_message(Connection* c) {
  c->queued++;
  c->in_flight++;
}

// Takes the whole server frames at the start of the input: returns the echoes among them; answers pings; marks
// a close frame.
static long take_frames(Connection* c) {
  long echoes = 0;
  const uint8_t* base = c->io.in.data + c->io.in.start;
  size_t available = buffer_held(&c->io.in), at = 0;
  FrameHead f;
  while (frame_head(base + at, available - at, &f)) {
    const uint8_t* data = base + at + f.head;
    if (f.opcode == opcode || f.opcode == 0x0) {
      if ((f.opcode == 0x0) != c->fragmented) fail("a continuation frame out of place");
      if (f.size > payload_size - c->echoed || memcmp(data, payload + c->echoed, f.size) != 0)
        fail("an echo differs from the %zu bytes sent", payload_size);
      c->echoed += f.size;
      c->fragmented = !f.fin;
      if (f.fin) {
        if (c->echoed != payload_size) fail("an echo of %zu bytes for %zu sent", c->echoed, payload_size);
        if (c->in_flight-- <= 0) fail("an echo of a message never sent");
        c->echoed = 0;
        echoes++;
      }
    } else if (f.opcode == 0x9) {
      uint8_t pong[14 + 125];
      buffer_append(&c->io.out, pong, masked_frame(0xA, data, f.size, pong));
    } else if (f.opcode == 0x8) {
      c->closed = 1;
    } else if (f.opcode != 0xA) {
      fail("a frame with opcode %d where an echo was expected", f.opcode);
    }
    at += f.head + f.size;
  }
  buffer_consume(&c->io.in, at);
  return echoes;
}

// Reads what is there; the echoes it completed. When `refill`, every echo sends the next message.
static long on_readable(Connection* c, int refill) {
  ssize_t n = recv(c->io.fd, buffer_room(&c->io.in, kReadSize), kReadSize, 0);
  if (n < 0 && errno == EAGAIN) return 0;
  if (n <= 0) {
    if (c->closed) return 0;
    fail("the server ended a connection: %s", n < 0 ? strerror(errno) : "end of stream");
  }
  buffer_grew(&c->io.in, (size_t)n);
  long echoes = take_frames(c);
  if (refill)
    for (long i = 0; i < echoes; ++i) queue_message(c);
  return echoes;
}

// Runs the event loop until `until` (or, with until 0, until every connection's echoes are back); the echoes.
static long run(Connection* connections, int count, double until, int refill) {
  long echoes = 0;
  struct epoll_event ready[256];
  for (;;) {
    double left = until > 0 ? until - now_seconds() : 0;
    if (until > 0 && left <= 0) return echoes;
    if (until == 0) {
      int pending = 0;
      for (int i = 0; i < count; ++i) pending += connections[i].in_flight;
      if (pending == 0) return echoes;
    }
    int n = epoll_wait(epoll_fd, ready, 256, until > 0 ? (int)(left * 1000) + 1 : kDrainMs);
    if (n == 0 && until == 0) fail("echoes still missing %d ms after the run", kDrainMs);
    for (int i = 0; i < n; ++i) {
      Connection* c = ready[i].data.ptr;
      if (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) echoes += on_readable(c, refill);
      flush(c);
    }
  }
}

// Sends a close frame on every connection and waits for the server's (RFC 6455 section 7.1.2).
static void close_all(Connection* connections, int count) {
  static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
  for (int i = 0; i < count; ++i) {
    Connection* c = &connections[i];
    uint8_t frame[16];
    buffer_append(&c->io.out, frame, masked_frame(0x8, kNormal, 2, frame));
    flush(c);
  }
  double until = now_seconds() + kDrainMs / 1000.0;
  for (int open = count; open > 0;) {
    open = 0;
    for (int i = 0; i < count; ++i) open += !connections[i].closed;
    if (open == 0) break;
    if (now_seconds() > until) fail("%d connection(s) got no close frame back", open);
    run(connections, count, now_seconds() + 0.05, 0);
  }
  for (int i = 0; i < count; ++i) {
    close(connections[i].io.fd);
    free(connections[i].frame);
    free(connections[i].io.in.data);
    free(connections[i].io.out.data);
  }
}

static Connection* open_all(int count) {
  Connection* connections = calloc((size_t)count, sizeof *connections);
  if (!connections) fail("out of memory");
  epoll_fd = epoll_create1(0);
  for (int i = 0; i < count; ++i) {
    open_connection(&connections[i]);
    if (fcntl(connections[i].io.fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
    watch(&connections[i], 0, EPOLL_CTL_ADD);
  }
  return connections;
}

static void report(long messages, double seconds, double client_cpu, const char* extra) {
  printf("{\"messages\":%ld,\"seconds\":%.6f,\"clientCpu\":%.6f%s}\n", messages, seconds, client_cpu, extra);
  fflush(stdout);
}

static void measuring(void) {
  puts("measuring");
  fflush(stdout);
}

static int throughput(int count, int in_flight, double seconds) {
  Connection* connections = open_all(count);
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < in_flight; ++k) queue_message(&connections[i]);
    flush(&connections[i]);
  }
  run(connections, count, now_seconds() + kWarmUpMs / 1000.0, 1);
  measuring();
  double started = now_seconds(), cpu = cpu_seconds();
  long echoes = run(connections, count, started + seconds, 1);
  double elapsed = now_seconds() - started;
  report(echoes, elapsed, cpu_seconds() - cpu, "");
  run(connections, count, 0, 0);  // the echoes still in flight, each checked too
  close_all(connections, count);
  return 0;
}

static int compare_doubles(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

// One message at a time on one connection, each round trip timed. The client spins on a non-blocking receive
// (no epoll) so that a round trip is a send and the reads of its echo, and not also the wake-up of a client
// asleep in recv: on this kind of VM that wake-up was half of every server's round trip, and the same for all.
static int latency(double seconds) {
  Connection c = {0};
  open_connection(&c);
  size_t capacity = 1 << 16, count = 0;
  double* times = malloc(capacity * sizeof *times);
  if (!times) fail("out of memory");
  double warm_until = now_seconds() + kWarmUpMs / 1000.0, until = 0, cpu = 0, started = 0;
  for (;;) {
    double sent = now_seconds();
    if (until == 0 && sent >= warm_until) {
      measuring();
      started = sent;
      until = sent + seconds;
      cpu = cpu_seconds();
    }
    if (until > 0 && sent >= until) break;
    send_all(c.io.fd, c.frame, c.frame_length);
    c.in_flight++;
    while (c.in_flight > 0) {
      if (buffer_held(&c.io.in) == 0 || !take_frames(&c)) {
        ssize_t n;
        do n = recv(c.io.fd, buffer_room(&c.io.in, kReadSize), kReadSize, MSG_DONTWAIT);
        while (n < 0 && errno == EAGAIN);
        if (n <= 0) fail("the server ended the connection: %s", n < 0 ? strerror(errno) : "end of stream");
        buffer_grew(&c.io.in, (size_t)n);
        take_frames(&c);
      }
      if (buffer_held(&c.io.out) > 0) {  // a pong
        send_all(c.io.fd, c.io.out.data + c.io.out.start, buffer_held(&c.io.out));
        buffer_consume(&c.io.out, buffer_held(&c.io.out));
      }
    }
    if (until == 0) continue;
    if (count == capacity) {
      capacity *= 2;
      times = realloc(times, capacity * sizeof *times);
      if (!times) fail("out of memory");
    }
    times[count++] = (now_seconds() - sent) * 1e6;
  }
  double elapsed = now_seconds() - started;
  cpu = cpu_seconds() - cpu;
  if (count == 0) fail("no round trip completed");
  qsort(times, count, sizeof *times, compare_doubles);
  char extra[96];
  snprintf(extra, sizeof extra, ",\"p50\":%.1f,\"p99\":%.1f", times[count / 2], times[(size_t)(0.99 * (double)count)]);
  report((long)count, elapsed, cpu, extra);
  free(times);
  epoll_fd = epoll_create1(0);
  if (fcntl(c.io.fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
  watch(&c, 0, EPOLL_CTL_ADD);
  close_all(&c, 1);
  return 0;
}

static void usage(void) {
  fputs(
      "usage: cs_echo_load throughput PORT PATH CONNECTIONS IN_FLIGHT SIZE SECONDS [text]\n"
      "       cs_echo_load latency PORT PATH SIZE SECONDS [text]\n",
      stderr);
  exit(2);
}

int main(int argc, char** argv) {
  client_start("cs_echo_load");
  if (argc < 2) usage();
  int is_throughput = strcmp(argv[1], "throughput") == 0, is_latency = strcmp(argv[1], "latency") == 0;
  int arguments = is_throughput ? 8 : 6;
  if (argc == arguments + 1 && strcmp(argv[arguments], "text") == 0) {
    opcode = 0x1;
    argc--;
  }
  if ((!is_throughput && !is_latency) || argc != arguments) usage();
  server_port = argv[2];
  server_path = argv[3];
  payload_size = (size_t)atol(argv[is_throughput ? 6 : 4]);
  double seconds = atof(argv[is_throughput ? 7 : 5]);
  payload = malloc(payload_size + 1);
  if (!payload || seconds <= 0) usage();
  for (size_t i = 0; i < payload_size; ++i)
    payload[i] = opcode == 0x1 ? (uint8_t)('a' + i % 26) : (uint8_t)(i * 31 + 7);  // binary: as the ws client's
  if (is_latency) return latency(seconds);
  int count = atoi(argv[4]), in_flight = atoi(argv[5]);
  if (count <= 0 || in_flight <= 0) usage();
  return throughput(count, in_flight, seconds);
}
