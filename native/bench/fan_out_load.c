// The chat benches' client (bench/chat.ts, bench/backplane.ts): one sender keeps IN_FLIGHT text messages in
// flight into a room, RECEIVERS connections each check that they get every message once and in order; a
// message counts as delivered when all of them have it, and only then may the next beyond IN_FLIGHT go. In C,
// on one thread with epoll, so that 1000 receivers cost little next to any server.
//
//   cs_fan_out_load FORMAT IN_FLIGHT TEXT_BYTES SECONDS RECEIVERS SENDER ROOM...
//
// FORMAT: json (a delivery is an envelope {"type":"message",…,"text":"N …",…}, other types are presence and
// not counted) or raw (the payload is the text as sent). SENDER and each ROOM: PORT/PATH; receiver i joins
// ROOM number i modulo their count, as ?name=rI; the sender joins as ?name=sender. A message's text is its
// number, a space and filler, TEXT_BYTES in all.
//
// After the joins settle (300 ms) and a warm-up (500 ms), prints "measuring" on stdout when the measured
// window opens and, when it closes, one JSON line (the bench samples the servers' CPU at both):
// {"deliveries", "seconds", "clientCpu", "p50", "p99"}, the latencies in µs from a message's send to each
// receiver's read. Then the messages in flight must reach everyone within 5 s. Exit 1 with a message on stderr
// at the first error: a refused join, a missing, repeated or reordered message, a closed connection.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "ws_client.h"

enum { kReadSize = 256 * 1024, kSettleMs = 300, kWarmUpMs = 500, kDrainMs = 5000, kBuckets = 1000001 };

typedef struct {
  WsSocket io;
  int is_sender;
  long expected;  // a receiver's next message number
} Connection;

static int json;
static int in_flight;
static size_t text_bytes;
static int receivers;
static int epoll_fd;
static uint8_t scratch[kReadSize];

static Connection* sender;
static double* sent_at;  // by message number
static int* missing;     // receivers still to get it
static long sent, capacity, open_messages;
static int sending = 1, measuring = 0;
static long deliveries;
static uint32_t* latency_buckets;  // 1 µs each up to 1 s, the last one everything slower
static long latency_count;

static void watch(Connection* c, int want_out, int op) { ws_watch(epoll_fd, &c->io, c, want_out, op); }

static void flush(Connection* c) { ws_flush(epoll_fd, &c->io, c); }

static void send_message(void) {
  if (sent == capacity) {
    capacity = capacity ? capacity * 2 : 1 << 16;
    sent_at = realloc(sent_at, (size_t)capacity * sizeof *sent_at);
    missing = realloc(missing, (size_t)capacity * sizeof *missing);
    if (!sent_at || !missing) fail("out of memory");
  }
  uint8_t text[4096], frame[4096 + 14];
  int digits = snprintf((char*)text, sizeof text, "%ld ", sent);
  memset(text + digits, 'x', text_bytes > (size_t)digits ? text_bytes - (size_t)digits : 0);
  size_t size = text_bytes > (size_t)digits ? text_bytes : (size_t)digits;
  buffer_append(&sender->io.out, frame, masked_frame(0x1, text, size, frame));
  sent_at[sent] = now_seconds();
  missing[sent] = receivers;
  sent++;
  open_messages++;
}

// The message number a delivery carries, or -1 for a frame that is not a message (presence, in json).
static long sequence_of(const uint8_t* payload, size_t size) {
  static const char kMessage[] = "{\"type\":\"message\"", kText[] = "\"text\":\"";
  size_t at = 0;
  if (json) {
    if (size < sizeof kMessage - 1 || memcmp(payload, kMessage, sizeof kMessage - 1) != 0) return -1;
    const uint8_t* text = memmem(payload, size, kText, sizeof kText - 1);
    if (!text) fail("a message envelope without a text");
    at = (size_t)(text - payload) + sizeof kText - 1;
  }
  long value = 0;
  size_t first = at;
  for (; at < size && payload[at] >= '0' && payload[at] <= '9'; ++at) value = value * 10 + (payload[at] - '0');
  if (at == first) fail("a delivery whose text does not start with a message number");
  return value;
}

static void delivered(Connection* c, long sequence, double now) {
  if (sequence != c->expected) fail("a receiver got message %ld, expected %ld", sequence, c->expected);
  if (sequence >= sent) fail("a receiver got message %ld, never sent", sequence);
  c->expected++;
  if (measuring) {
    double us = (now - sent_at[sequence]) * 1e6;
    latency_buckets[us < kBuckets - 1 ? (long)us : kBuckets - 1]++;
    latency_count++;
    deliveries++;
  }
  if (--missing[sequence] == 0) {
    open_messages--;
    while (sending && open_messages < in_flight) send_message();
  }
}

// Takes the whole frames at the start of the input: deliveries to a receiver are checked and counted, pings
// answered, anything else a server may send (presence, the sender's own copies) passed over.
static void take_frames(Connection* c, double now) {
  const uint8_t* base = c->io.in.data + c->io.in.start;
  size_t available = buffer_held(&c->io.in), at = 0;
  FrameHead f;
  while (frame_head(base + at, available - at, &f)) {
    const uint8_t* payload = base + at + f.head;
    if (!f.fin || f.opcode == 0x0) fail("a fragmented message from the server");
    if (f.opcode == 0x9) {
      uint8_t pong[14 + 125];
      buffer_append(&c->io.out, pong, masked_frame(0xA, payload, f.size, pong));
    } else if (f.opcode == 0x8) {
      fail("the server closed a connection (%llu bytes of close frame)", (unsigned long long)f.size);
    } else if ((f.opcode == 0x1 || f.opcode == 0x2) && !c->is_sender) {
      long sequence = sequence_of(payload, f.size);
      if (sequence >= 0) delivered(c, sequence, now);
    }
    at += f.head + f.size;
  }
  buffer_consume(&c->io.in, at);
}

static void on_readable(Connection* c) {
  ssize_t n = recv(c->io.fd, scratch, sizeof scratch, 0);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) fail("the server ended a connection: %s", n < 0 ? strerror(errno) : "end of stream");
  buffer_append(&c->io.in, scratch, (size_t)n);
  take_frames(c, now_seconds());
}

// Runs the event loop until `until`, or with until 0 until every message sent has reached every receiver.
static void run(double until) {
  struct epoll_event ready[256];
  double drain_until = now_seconds() + kDrainMs / 1000.0;
  for (;;) {
    double now = now_seconds();
    if (until > 0 && now >= until) return;
    if (until == 0 && open_messages == 0) return;
    if (until == 0 && now >= drain_until) fail("%ld messages did not reach every receiver", open_messages);
    int timeout = (int)(((until > 0 ? until : drain_until) - now) * 1000) + 1;
    int n = epoll_wait(epoll_fd, ready, 256, timeout);
    for (int i = 0; i < n; ++i) {
      Connection* c = ready[i].data.ptr;
      if (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
    // A delivery may queue the sender's next message, a ping a pong: out they go.
    for (int i = 0; i < n; ++i) flush(ready[i].data.ptr);
    flush(sender);
  }
}

// Joins `target` (PORT/PATH) as `name`, non-blocking and watched from then on.
static void join(Connection* c, const char* target, const char* name) {
  const char* slash = strchr(target, '/');
  if (!slash) fail("%s is not PORT/PATH", target);
  char port[16], request[512];
  snprintf(port, sizeof port, "%.*s", (int)(slash - target), target);
  snprintf(request, sizeof request, "%s%cname=%s", slash, strchr(slash, '?') ? '&' : '?', name);
  c->io.fd = ws_open(port, request, &c->io.in);
  if (fcntl(c->io.fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl: %s", strerror(errno));
  watch(c, 0, EPOLL_CTL_ADD);
}

static double percentile(double p) {
  long wanted = (long)((double)latency_count * p + 0.999999), seen = 0;
  for (long us = 0; us < kBuckets; ++us)
    if ((seen += latency_buckets[us]) >= wanted && wanted > 0) return (double)us;
  return 0;
}

static void usage(void) {
  fputs("usage: cs_fan_out_load json|raw IN_FLIGHT TEXT_BYTES SECONDS RECEIVERS SENDER ROOM...\n", stderr);
  exit(2);
}

int main(int argc, char** argv) {
  client_start("cs_fan_out_load");
  if (argc < 8 || (strcmp(argv[1], "json") != 0 && strcmp(argv[1], "raw") != 0)) usage();
  json = strcmp(argv[1], "json") == 0;
  in_flight = atoi(argv[2]);
  text_bytes = (size_t)atol(argv[3]);
  double seconds = atof(argv[4]);
  receivers = atoi(argv[5]);
  if (in_flight <= 0 || text_bytes == 0 || text_bytes > 4000 || seconds <= 0 || receivers <= 0) usage();
  char** rooms = argv + 7;
  int room_count = argc - 7;
  latency_buckets = calloc(kBuckets, sizeof *latency_buckets);
  Connection* connections = calloc((size_t)receivers + 1, sizeof *connections);
  if (!latency_buckets || !connections) fail("out of memory");
  epoll_fd = epoll_create1(0);
  sender = &connections[receivers];
  sender->is_sender = 1;
  char name[32];
  for (int i = 0; i < receivers; ++i) {
    snprintf(name, sizeof name, "r%d", i);
    join(&connections[i], rooms[i % room_count], name);
    take_frames(&connections[i], now_seconds());
    // Each join is announced to everyone there: read it while the others join.
    if (i % 50 == 49) run(now_seconds() + 0.001);
  }
  join(sender, argv[6], "sender");
  take_frames(sender, now_seconds());
  run(now_seconds() + kSettleMs / 1000.0);
  while (open_messages < in_flight) send_message();
  flush(sender);
  run(now_seconds() + kWarmUpMs / 1000.0);
  puts("measuring");
  fflush(stdout);
  measuring = 1;
  double started = now_seconds(), cpu = cpu_seconds();
  run(started + seconds);
  measuring = 0;
  double elapsed = now_seconds() - started;
  printf("{\"deliveries\":%ld,\"seconds\":%.6f,\"clientCpu\":%.6f,\"p50\":%.1f,\"p99\":%.1f}\n", deliveries, elapsed,
         cpu_seconds() - cpu, percentile(0.5), percentile(0.99));
  fflush(stdout);
  sending = 0;
  run(0);
  return 0;  // the sockets close with the process, as clients that vanish: the servers let them go
}
