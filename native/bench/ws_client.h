#pragma once
// What the bench's C clients (echo_load.c, fan_out_load.c) share: a byte buffer, clocks, the opening
// handshake (RFC 6455 section 4.1, the accept key checked), masked client frames and the head of a server
// frame. Every error ends the program: fail() names it on stderr and exits 1.
#include <stddef.h>
#include <stdint.h>

// data[start, length) is held; what was consumed is moved out only when an append needs the room.
typedef struct {
  uint8_t* data;
  size_t start, length, capacity;
} Buffer;

void buffer_append(Buffer* b, const uint8_t* data, size_t length);
// Room for `length` more bytes after the held ones, to receive straight into; buffer_grew(b, n) then holds
// the n that came.
uint8_t* buffer_room(Buffer* b, size_t length);
void buffer_grew(Buffer* b, size_t length);
size_t buffer_held(const Buffer* b);
void buffer_consume(Buffer* b, size_t length);

// A non-blocking connection in an epoll set whose events carry `tag`: bytes queued in `out` go when the
// socket takes them, with EPOLLOUT asked for only while some wait.
typedef struct {
  int fd;
  int want_out;
  Buffer in, out;
} WsSocket;

void ws_watch(int epoll_fd, WsSocket* s, void* tag, int want_out, int op);
// Sends what `out` holds, as far as the socket takes it.
void ws_flush(int epoll_fd, WsSocket* s, void* tag);

// Names the program for fail()'s messages, ignores SIGPIPE (a closed socket is an error from send), ends the
// program with the bench that started it, and seeds random() for the masks and keys.
void client_start(const char* name);
void fail(const char* format, ...) __attribute__((format(printf, 1, 2), noreturn));

double now_seconds(void);
double cpu_seconds(void);  // this process's user + system time

// Connects to 127.0.0.1:port and upgrades with a GET of `target` (path and query); returns the socket, left
// blocking, with any bytes that came after the 101's head in `in`.
int ws_open(const char* port, const char* target, Buffer* in);

void send_all(int fd, const void* data, size_t length);

// A client frame: FIN, the opcode, the payload masked with a random key (section 5.3); out needs size + 14.
size_t masked_frame(uint8_t opcode, const uint8_t* data, size_t size, uint8_t* out);

typedef struct {
  int opcode;
  int fin;      // the last frame of its message
  size_t head;  // bytes before the payload
  uint64_t size;
} FrameHead;

// Reads the head of the server frame at `f`: 1 when the whole frame is among the `available` bytes, else 0.
// An extended or masked frame, or a fragmented or over 125 bytes control frame, fails; a data frame may be a
// fragment (`fin` 0, or opcode 0: a continuation).
int frame_head(const uint8_t* f, size_t available, FrameHead* out);
