// The echo bench's ceiling (bench/echo.ts): a WebSocket echo server doing as little as a server can, so the
// bench shows what its client alone can reach. One thread, epoll, level-triggered. RFC 6455 only as far as
// the bench's ws clients need it: the handshake, then whole masked frames echoed unmasked; a close is
// answered and ends the connection; a ping is answered. Anything else (fragments, a bad frame) closes the
// socket. Not a server for anything else.
//
//   cs_echo_ceiling [port]   listens on 127.0.0.1 (port 0: any), prints the port on stdout
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ws_accept.h"

enum { kReadSize = 256 * 1024, kMaxHead = 8192 };

// Bytes held for a connection between reads (a partial frame), or the echoes of one read until they are
// sent. Freed when emptied, so an idle connection holds only its struct.
// data[start, length) is held; what was consumed is moved out only when an append needs the room, so
// sending a large backlog a piece at a time does not move the rest each time.
typedef struct {
  uint8_t* data;
  size_t start, length, capacity;
} Buffer;

typedef struct {
  int fd;
  int upgraded;
  int closing;  // a close frame was answered: end once the output is out
  int want_out;
  Buffer in, out;
} Connection;

static int epoll_fd;
static uint8_t scratch[kReadSize];

static void append(Buffer* b, const uint8_t* data, size_t length) {
  if (length == 0) return;
  if (b->start > 0 && b->length + length > b->capacity) {
    memmove(b->data, b->data + b->start, b->length - b->start);
    b->length -= b->start;
    b->start = 0;
  }
  if (b->length + length > b->capacity) {
    size_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < b->length + length) capacity *= 2;
    uint8_t* grown = realloc(b->data, capacity);
    if (!grown) abort();
    b->data = grown;
    b->capacity = capacity;
  }
  memcpy(b->data + b->length, data, length);
  b->length += length;
}

static size_t held(const Buffer* b) { return b->length - b->start; }

static void consume(Buffer* b, size_t length) {
  if (length >= held(b)) {
    free(b->data);
    *b = (Buffer){0};
    return;
  }
  b->start += length;
}

static void drop(Connection* c) {
  close(c->fd);  // also leaves the epoll set
  free(c->in.data);
  free(c->out.data);
  free(c);
}

static void watch_output(Connection* c, int want) {
  if (c->want_out == want) return;
  struct epoll_event event = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
  c->want_out = want;
}

// Sends what is queued; 0 when the connection failed.
static int flush_output(Connection* c) {
  while (c->out.length > 0) {
    ssize_t n = send(c->fd, c->out.data + c->out.start, held(&c->out), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return 0;
    consume(&c->out, (size_t)n);
  }
  watch_output(c, c->out.length > 0);
  return 1;
}

// Queues the echo of every whole frame at the start of data (all of one read go out in one send); returns
// the bytes used, or -1 to end the connection.
static long echo_frames(Connection* c, uint8_t* data, size_t length) {
  size_t at = 0;
  while (length - at >= 2) {
    uint8_t* f = data + at;
    int fin = f[0] & 0x80, opcode = f[0] & 0x0F, masked = f[1] & 0x80;
    uint64_t size = f[1] & 0x7F;
    size_t head = 2;
    if (size == 126) {
      if (length - at < 4) break;
      size = (uint64_t)f[2] << 8 | f[3];
      head = 4;
    } else if (size == 127) {
      if (length - at < 10) break;
      size = 0;
      for (int i = 0; i < 8; ++i) size = size << 8 | f[2 + i];
      head = 10;
    }
    if (!fin || !masked || (f[0] & 0x70) || size > (1u << 30)) return -1;
    if (length - at < head + 4 + size) break;
    uint8_t* mask = f + head;
    uint8_t* payload = mask + 4;
    for (uint64_t i = 0; i < size; ++i) payload[i] ^= mask[i & 3];
    uint8_t reply[10];
    size_t reply_head = 2;
    reply[0] = (uint8_t)(0x80 | (opcode == 0x9 ? 0xA : opcode));
    if (size < 126) {
      reply[1] = (uint8_t)size;
    } else if (size < 65536) {
      reply[1] = 126;
      reply[2] = (uint8_t)(size >> 8);
      reply[3] = (uint8_t)size;
      reply_head = 4;
    } else {
      reply[1] = 127;
      for (int i = 0; i < 8; ++i) reply[2 + i] = (uint8_t)(size >> (56 - 8 * i));
      reply_head = 10;
    }
    at += head + 4 + size;
    if (opcode == 0xA) continue;  // a pong: nothing to answer
    if (opcode != 0x1 && opcode != 0x2 && opcode != 0x8 && opcode != 0x9) return -1;
    append(&c->out, reply, reply_head);
    append(&c->out, payload, size);
    if (opcode == 0x8) {
      c->closing = 1;
      return (long)at;
    }
  }
  return (long)at;
}

// The request head, once whole: answers 101 with the accept key, or ends the connection.
static long upgrade(Connection* c, const uint8_t* data, size_t length) {
  const char* text = (const char*)data;
  const char* end = memmem(text, length, "\r\n\r\n", 4);
  if (!end) return length > kMaxHead ? -1 : 0;
  const char* key = NULL;
  for (const char* line = text; line && end - line > 18;) {
    if (strncasecmp(line, "Sec-WebSocket-Key:", 18) == 0) {
      key = line + 18;
      break;
    }
    line = memchr(line, '\n', (size_t)(end - line));
    if (line) ++line;
  }
  if (!key) return -1;
  while (*key == ' ') ++key;
  size_t key_length = strcspn(key, " \r\n");
  char accept[WS_ACCEPT_LENGTH + 1];
  ws_accept(key, key_length, accept);
  char response[160];
  int n = snprintf(response, sizeof response,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n",
                   accept);
  append(&c->out, (const uint8_t*)response, (size_t)n);
  c->upgraded = 1;
  return end + 4 - text;
}

static long handle(Connection* c, uint8_t* data, size_t length) {
  long used = 0;
  if (!c->upgraded) {
    used = upgrade(c, data, length);
    if (used <= 0) return used;
  }
  long frames = echo_frames(c, data + used, length - (size_t)used);
  return frames < 0 ? -1 : used + frames;
}

// Returns 0 when c was dropped.
static int on_readable(Connection* c) {
  ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
  if (n < 0 && errno == EAGAIN) return 1;
  if (n <= 0) {
    drop(c);
    return 0;
  }
  long used;
  if (c->in.length == 0) {
    used = handle(c, scratch, (size_t)n);
    if (used >= 0) append(&c->in, scratch + used, (size_t)n - (size_t)used);
  } else {
    append(&c->in, scratch, (size_t)n);
    used = handle(c, c->in.data + c->in.start, held(&c->in));
    if (used >= 0) consume(&c->in, (size_t)used);
  }
  if (used < 0 || !flush_output(c) || (c->closing && c->out.length == 0)) {
    drop(c);
    return 0;
  }
  return 1;
}

static void on_writable(Connection* c) {
  if (!flush_output(c) || (c->closing && c->out.length == 0)) drop(c);
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 4096) != 0) {
    perror("cs_echo_ceiling: listen");
    exit(1);
  }
  socklen_t size = sizeof address;
  getsockname(fd, (struct sockaddr*)&address, &size);
  printf("%d\n", ntohs(address.sin_port));
  fflush(stdout);
  return fd;
}

static void accept_all(int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) return;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    Connection* c = calloc(1, sizeof *c);
    if (!c) abort();
    c->fd = fd;
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // ends with the bench that started it, however the bench ends
  // Buffers are freed when emptied (an idle connection holds only its struct): keep what they free in the
  // heap for the next one instead of giving it to the kernel and faulting it back in at every message.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  int listener = listen_on(argc > 1 ? atoi(argv[1]) : 0);
  epoll_fd = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &event);
  struct epoll_event ready[256];
  for (;;) {
    int n = epoll_wait(epoll_fd, ready, 256, -1);
    for (int i = 0; i < n; ++i) {
      Connection* c = ready[i].data.ptr;
      if (!c) {
        accept_all(listener);
        continue;
      }
      if ((ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !on_readable(c)) continue;
      if (ready[i].events & EPOLLOUT) on_writable(c);
    }
  }
}
