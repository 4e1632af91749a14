// The echo bench's client (bench/echo.ts): WebSocket connections to an echo server, each keeping a number
// of binary messages in flight, every echo checked byte for byte against what was sent. In C, on one thread
// with epoll, so that the client costs little next to any server and the bench measures servers, not itself.
// RFC 6455 only as far as an echo needs: the handshake (the accept key checked), masked frames out,
// unmasked frames in; a ping is answered; any other frame, a wrong echo or a closed socket is an error.
//
//   cs_echo_load throughput PORT PATH CONNECTIONS IN_FLIGHT SIZE SECONDS
//   cs_echo_load latency    PORT PATH SIZE SECONDS          (one connection, one message at a time)
//
// Both warm up for half a second, print "measuring" on stdout when the measured window opens and, when it
// closes, one JSON line (the bench samples the server's CPU at both): {"messages", "seconds", "clientCpu"},
// for latency also "p50" and "p99" in µs. Then the echoes still in flight are awaited and checked, and every
// connection is closed with a close handshake. Exit 1 with a message on stderr at the first error.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "ws_accept.h"

enum { kReadSize = 256 * 1024, kMaxHead = 4096, kWarmUpMs = 500, kDrainMs = 5000 };

// data[start, length) is held; what was consumed is moved out only when an append needs the room.
typedef struct {
  uint8_t* data;
  size_t start, length, capacity;
} Buffer;

typedef struct {
  int fd;
  int in_flight;  // messages sent and not yet echoed
  int closed;     // the server's close frame came back
  int want_out;
  uint8_t* frame;  // the masked frame this connection sends, built once
  size_t frame_length;
  Buffer in, out;
} Connection;

static const char* server_port;
static const char* server_path;
static uint8_t* payload;
static size_t payload_size;
static uint8_t scratch[kReadSize];
static int epoll_fd;

static void fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("cs_echo_load: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void append(Buffer* b, const uint8_t* data, size_t length) {
  if (b->start > 0 && b->length + length > b->capacity) {
    memmove(b->data, b->data + b->start, b->length - b->start);
    b->length -= b->start;
    b->start = 0;
  }
  if (b->length + length > b->capacity) {
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->length + length) capacity *= 2;
    uint8_t* grown = realloc(b->data, capacity);
    if (!grown) fail("out of memory");
    b->data = grown;
    b->capacity = capacity;
  }
  memcpy(b->data + b->length, data, length);
  b->length += length;
}

static size_t held(const Buffer* b) { return b->length - b->start; }

static void consume(Buffer* b, size_t length) {
  b->start += length;
  if (b->start == b->length) b->start = b->length = 0;
}

// A client frame: FIN, the opcode, the payload masked with a random key (RFC 6455 section 5.3).
static size_t masked_frame(uint8_t opcode, const uint8_t* data, size_t size, uint8_t* out) {
  size_t head = 2;
  out[0] = (uint8_t)(0x80 | opcode);
  if (size < 126) {
    out[1] = (uint8_t)(0x80 | size);
  } else if (size < 65536) {
    out[1] = 0x80 | 126;
    out[2] = (uint8_t)(size >> 8);
    out[3] = (uint8_t)size;
    head = 4;
  } else {
    out[1] = 0x80 | 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = (uint8_t)((uint64_t)size >> (56 - 8 * i));
    head = 10;
  }
  uint8_t* mask = out + head;
  for (int i = 0; i < 4; ++i) mask[i] = (uint8_t)(random() & 0xFF);
  for (size_t i = 0; i < size; ++i) out[head + 4 + i] = data[i] ^ mask[i & 3];
  return head + 4 + size;
}

static int connect_blocking(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(server_port))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0)
    fail("cannot connect to 127.0.0.1:%s: %s", server_port, strerror(errno));
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

static void send_all(int fd, const void* data, size_t length) {
  const uint8_t* at = data;
  while (length > 0) {
    ssize_t n = send(fd, at, length, MSG_NOSIGNAL);
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "connection closed");
    at += n;
    length -= (size_t)n;
  }
}

// Connects and upgrades; any bytes that came after the 101's head are left in c->in.
static void open_connection(Connection* c) {
  c->fd = connect_blocking();
  uint8_t nonce[16];
  for (int i = 0; i < 16; ++i) nonce[i] = (uint8_t)(random() & 0xFF);
  static const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char key[25];
  for (int i = 0, o = 0; i < 16; i += 3) {
    uint32_t v =
        (uint32_t)nonce[i] << 16 | (i + 1 < 16 ? (uint32_t)nonce[i + 1] << 8 : 0) | (i + 2 < 16 ? nonce[i + 2] : 0);
    key[o++] = kBase64[v >> 18 & 63];
    key[o++] = kBase64[v >> 12 & 63];
    key[o++] = i + 1 < 16 ? kBase64[v >> 6 & 63] : '=';
    key[o++] = i + 2 < 16 ? kBase64[v & 63] : '=';
  }
  key[24] = 0;
  char request[512];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   server_path, server_port, key);
  send_all(c->fd, request, (size_t)n);
  char expected[WS_ACCEPT_LENGTH + 1];
  ws_accept(key, 24, expected);
  for (;;) {
    ssize_t got = recv(c->fd, scratch, kMaxHead, 0);
    if (got <= 0) fail("the server closed the connection during the handshake");
    append(&c->in, scratch, (size_t)got);
    const char* text = (const char*)c->in.data;
    const char* end = memmem(text, c->in.length, "\r\n\r\n", 4);
    if (!end) {
      if (c->in.length > kMaxHead) fail("no end to the handshake response");
      continue;
    }
    if (strncmp(text, "HTTP/1.1 101 ", 13) != 0) fail("handshake refused: %.*s", (int)strcspn(text, "\r\n"), text);
    const char* accept = NULL;
    for (const char* line = text; line && line < end; line = memchr(line, '\n', (size_t)(end - line))) {
      if (*line == '\n') ++line;
      if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) accept = line + 21;
    }
    while (accept && *accept == ' ') ++accept;
    if (!accept || strncmp(accept, expected, WS_ACCEPT_LENGTH) != 0) fail("wrong Sec-WebSocket-Accept");
    consume(&c->in, (size_t)(end + 4 - text));
    break;
  }
  c->frame = malloc(payload_size + 14);
  if (!c->frame) fail("out of memory");
  c->frame_length = masked_frame(0x2, payload, payload_size, c->frame);
}

static void watch(Connection* c, int want_out, int op) {
  struct epoll_event event = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(epoll_fd, op, c->fd, &event) != 0) fail("epoll_ctl: %s", strerror(errno));
  c->want_out = want_out;
}

static void flush(Connection* c) {
  while (c->out.length > 0) {
    ssize_t n = send(c->fd, c->out.data + c->out.start, held(&c->out), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "connection closed");
    consume(&c->out, (size_t)n);
  }
  if (c->want_out != (c->out.length > 0)) watch(c, c->out.length > 0, EPOLL_CTL_MOD);
}

static void queue_message(Connection* c) {
  append(&c->out, c->frame, c->frame_length);
  c->in_flight++;
}

// Takes the whole server frames at the start of c->in: returns the echoes among them; answers pings; marks
// a close frame.
static long take_frames(Connection* c) {
  long echoes = 0;
  const uint8_t* base = c->in.data + c->in.start;
  size_t available = held(&c->in), at = 0;
  while (available - at >= 2) {
    const uint8_t* f = base + at;
    int opcode = f[0] & 0x0F;
    uint64_t size = f[1] & 0x7F;
    size_t head = 2;
    if (!(f[0] & 0x80) || (f[0] & 0x70) || (f[1] & 0x80))
      fail("a fragmented, extended or masked frame from the server");
    if (size == 126) {
      if (available - at < 4) break;
      size = (uint64_t)f[2] << 8 | f[3];
      head = 4;
    } else if (size == 127) {
      if (available - at < 10) break;
      size = 0;
      for (int i = 0; i < 8; ++i) size = size << 8 | f[2 + i];
      head = 10;
    }
    if (available - at < head + size) break;
    const uint8_t* data = f + head;
    if (opcode >= 0x8 && size > 125) fail("a control frame of %llu bytes", (unsigned long long)size);
    if (opcode == 0x2) {
      if (size != payload_size || memcmp(data, payload, payload_size) != 0)
        fail("an echo of %llu bytes differs from the %zu sent", (unsigned long long)size, payload_size);
      if (c->in_flight-- <= 0) fail("an echo of a message never sent");
      echoes++;
    } else if (opcode == 0x9) {
      uint8_t pong[14 + 125];
      append(&c->out, pong, masked_frame(0xA, data, size, pong));
    } else if (opcode == 0x8) {
      c->closed = 1;
    } else if (opcode != 0xA) {
      fail("a frame with opcode %d where an echo was expected", opcode);
    }
    at += head + size;
  }
  consume(&c->in, at);
  return echoes;
}

// Reads what is there; the echoes it completed. When `refill`, every echo sends the next message.
static long on_readable(Connection* c, int refill) {
  ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
  if (n < 0 && errno == EAGAIN) return 0;
  if (n <= 0) {
    if (c->closed) return 0;
    fail("the server ended a connection: %s", n < 0 ? strerror(errno) : "end of stream");
  }
  append(&c->in, scratch, (size_t)n);
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
    append(&c->out, frame, masked_frame(0x8, kNormal, 2, frame));
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
    close(connections[i].fd);
    free(connections[i].frame);
    free(connections[i].in.data);
    free(connections[i].out.data);
  }
}

static Connection* open_all(int count) {
  Connection* connections = calloc((size_t)count, sizeof *connections);
  if (!connections) fail("out of memory");
  epoll_fd = epoll_create1(0);
  for (int i = 0; i < count; ++i) {
    open_connection(&connections[i]);
    if (fcntl(connections[i].fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
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

// One message at a time on one connection, each round trip timed; the socket blocks (no epoll) so that a
// round trip is a send and the reads of its echo, nothing else.
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
    send_all(c.fd, c.frame, c.frame_length);
    c.in_flight++;
    while (c.in_flight > 0) {
      if (c.in.length == 0 || !take_frames(&c)) {
        ssize_t n = recv(c.fd, scratch, sizeof scratch, 0);
        if (n <= 0) fail("the server ended the connection: %s", n < 0 ? strerror(errno) : "end of stream");
        append(&c.in, scratch, (size_t)n);
        take_frames(&c);
      }
      if (c.out.length > 0) {  // a pong
        send_all(c.fd, c.out.data + c.out.start, held(&c.out));
        consume(&c.out, held(&c.out));
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
  if (fcntl(c.fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
  watch(&c, 0, EPOLL_CTL_ADD);
  close_all(&c, 1);
  return 0;
}

static void usage(void) {
  fputs(
      "usage: cs_echo_load throughput PORT PATH CONNECTIONS IN_FLIGHT SIZE SECONDS\n"
      "       cs_echo_load latency PORT PATH SIZE SECONDS\n",
      stderr);
  exit(2);
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // ends with the bench that started it
  srandom((unsigned)getpid() ^ (unsigned)time(NULL));
  int is_throughput = argc == 8 && strcmp(argv[1], "throughput") == 0;
  int is_latency = argc == 6 && strcmp(argv[1], "latency") == 0;
  if (!is_throughput && !is_latency) usage();
  server_port = argv[2];
  server_path = argv[3];
  payload_size = (size_t)atol(argv[is_throughput ? 6 : 4]);
  double seconds = atof(argv[is_throughput ? 7 : 5]);
  payload = malloc(payload_size + 1);
  if (!payload || seconds <= 0) usage();
  for (size_t i = 0; i < payload_size; ++i) payload[i] = (uint8_t)(i * 31 + 7);  // as the ws client's
  if (is_latency) return latency(seconds);
  int count = atoi(argv[4]), in_flight = atoi(argv[5]);
  if (count <= 0 || in_flight <= 0) usage();
  return throughput(count, in_flight, seconds);
}
