#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws_accept.h"

enum { kMaxHead = 64 * 1024 };

static const char* client_name = "client";

void client_start(const char* name) {
  client_name = name;
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  srandom((unsigned)getpid() ^ (unsigned)time(NULL));
}

void fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "%s: ", client_name);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

uint8_t* buffer_room(Buffer* b, size_t length) {
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
  return b->data + b->length;
}

void buffer_grew(Buffer* b, size_t length) { b->length += length; }

void buffer_append(Buffer* b, const uint8_t* data, size_t length) {
  memcpy(buffer_room(b, length), data, length);
  buffer_grew(b, length);
}

size_t buffer_held(const Buffer* b) { return b->length - b->start; }

void buffer_consume(Buffer* b, size_t length) {
  b->start += length;
  if (b->start == b->length) b->start = b->length = 0;
}

size_t masked_frame(uint8_t opcode, const uint8_t* data, size_t size, uint8_t* out) {
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

int frame_head(const uint8_t* f, size_t available, FrameHead* out) {
  if (available < 2) return 0;
  if ((f[0] & 0x70) || (f[1] & 0x80)) fail("an extended or masked frame from the server");
  out->opcode = f[0] & 0x0F;
  out->fin = f[0] >> 7;
  if (out->opcode >= 0x8 && !out->fin) fail("a fragmented control frame");
  out->size = f[1] & 0x7F;
  out->head = 2;
  if (out->size == 126) {
    if (available < 4) return 0;
    out->size = (uint64_t)f[2] << 8 | f[3];
    out->head = 4;
  } else if (out->size == 127) {
    if (available < 10) return 0;
    out->size = 0;
    for (int i = 0; i < 8; ++i) out->size = out->size << 8 | f[2 + i];
    out->head = 10;
  }
  if (out->opcode >= 0x8 && out->size > 125) fail("a control frame of %llu bytes", (unsigned long long)out->size);
  return available - out->head >= out->size;
}

void send_all(int fd, const void* data, size_t length) {
  const uint8_t* at = data;
  while (length > 0) {
    ssize_t n = send(fd, at, length, MSG_NOSIGNAL);
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "connection closed");
    at += n;
    length -= (size_t)n;
  }
}

static int connect_blocking(const char* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0)
    fail("cannot connect to 127.0.0.1:%s: %s", port, strerror(errno));
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

static void random_key(char key[25]) {
  static const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint8_t nonce[16];
  for (int i = 0; i < 16; ++i) nonce[i] = (uint8_t)(random() & 0xFF);
  for (int i = 0, o = 0; i < 16; i += 3) {
    uint32_t v =
        (uint32_t)nonce[i] << 16 | (i + 1 < 16 ? (uint32_t)nonce[i + 1] << 8 : 0) | (i + 2 < 16 ? nonce[i + 2] : 0);
    key[o++] = kBase64[v >> 18 & 63];
    key[o++] = kBase64[v >> 12 & 63];
    key[o++] = i + 1 < 16 ? kBase64[v >> 6 & 63] : '=';
    key[o++] = i + 2 < 16 ? kBase64[v & 63] : '=';
  }
  key[24] = 0;
}

int ws_open(const char* port, const char* target, Buffer* in) {
  int fd = connect_blocking(port);
  char key[25];
  random_key(key);
  char request[1024];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   target, port, key);
  if (n < 0 || (size_t)n >= sizeof request) fail("a request target of %zu bytes is too long", strlen(target));
  send_all(fd, request, (size_t)n);
  char expected[WS_ACCEPT_LENGTH + 1];
  ws_accept(key, 24, expected);
  uint8_t chunk[4096];
  for (;;) {
    ssize_t got = recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) fail("port %s closed the connection during the handshake of %s", port, target);
    buffer_append(in, chunk, (size_t)got);
    const char* text = (const char*)in->data + in->start;
    const char* end = memmem(text, buffer_held(in), "\r\n\r\n", 4);
    if (!end) {
      if (buffer_held(in) > kMaxHead) fail("no end to the handshake response");
      continue;
    }
    if (strncmp(text, "HTTP/1.1 101 ", 13) != 0)
      fail("port %s refused %s: %.*s", port, target, (int)strcspn(text, "\r\n"), text);
    const char* accept = NULL;
    for (const char* line = text; line && line < end; line = memchr(line, '\n', (size_t)(end - line))) {
      if (*line == '\n') ++line;
      if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) accept = line + 21;
    }
    while (accept && *accept == ' ') ++accept;
    if (!accept || strncmp(accept, expected, WS_ACCEPT_LENGTH) != 0) fail("wrong Sec-WebSocket-Accept");
    buffer_consume(in, (size_t)(end + 4 - text));
    return fd;
  }
}

void ws_watch(int epoll_fd, WsSocket* s, void* tag, int want_out, int op) {
  struct epoll_event event = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = tag};
  if (epoll_ctl(epoll_fd, op, s->fd, &event) != 0) fail("epoll_ctl: %s", strerror(errno));
  s->want_out = want_out;
}

void ws_flush(int epoll_fd, WsSocket* s, void* tag) {
  while (buffer_held(&s->out) > 0) {
    ssize_t n = send(s->fd, s->out.data + s->out.start, buffer_held(&s->out), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "connection closed");
    buffer_consume(&s->out, (size_t)n);
  }
  int want_out = buffer_held(&s->out) > 0;
  if (s->want_out != want_out) ws_watch(epoll_fd, s, tag, want_out, EPOLL_CTL_MOD);
}
