#pragma once
// One TCP connection: reads request heads, hands each request to a Request, and gives that request
// the socket primitives it needs (non-blocking attempts first, asio operations otherwise).
#include <asio.hpp>
#include <sys/uio.h>

#include "socket_address.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <sys/socket.h>

#include "http_head.h"

namespace cs::host {

struct HostCore;
class Request;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Bound to the I/O context's own executor, not the type-erased any_io_executor: an idle WebSocket's pending
  // read carries a copy of it, and so does the socket.
  using Socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
  Connection(HostCore& core, Socket socket);
  ~Connection();
  void start();
  void close();  // idempotent; outstanding operations complete with errors
  // Closes the connection unless a request is using it (its last bytes included); true if it closed.
  bool close_if_idle();
  bool closed() const;
  // HeaderWait and IdleConnectionTimeout (connection_timeouts.h): whether the connection waits for a request
  // head past its deadline; the close re-checks that under the connection's lock.
  bool head_overdue(int64_t now_ms) const;
  void close_if_head_overdue(int64_t now_ms);

  // For the request that owns the connection now.
  size_t take_buffered(void* dst, size_t max);
  long try_receive(void* dst, size_t max);       // >0 bytes, 0 would block, -1 closed or failed
  long receive_blocking(void* dst, size_t max);  // >0 bytes, -1 closed or failed
  // Reads into `dst` as soon as the socket has bytes (asio tries at once, else when epoll says readable):
  // `done(error, count)` gets the count, or an error once the socket failed, was closed or was cancelled.
  // A template so that the handler lives in asio's operation, not in a std::function of its own on the heap
  // (an idle WebSocket always has this read out).
  template <class Done>
  void async_receive(void* dst, size_t max, Done done) {
    std::lock_guard<std::mutex> lock(io_mutex_);
    if (closed_) {
      asio::post(socket_.get_executor(), [done = std::move(done)]() mutable { done(asio::error::eof, 0); });
      return;
    }
    // A read rather than a wait for readability: asio re-arms epoll (an epoll_ctl) for every wait, not for a
    // read it tries first, and the bytes land in the caller's buffer as http.sys puts them in IIS's.
    socket_.async_read_some(asio::buffer(dst, max), [self = shared_from_this(), done = std::move(done)](
                                                        const std::error_code& ec, size_t n) mutable {
      self->count_received(n);
      done(ec, n);
    });
  }
  long try_send(const char* data, size_t len);           // bytes written now (maybe fewer), -1 on failure
  long try_send_pieces(const iovec* pieces, int count);  // the same, gathered from several buffers
  bool send_blocking(const char* data, size_t len);
  void async_send(std::shared_ptr<std::string> data, size_t offset, std::function<void(const std::error_code&)> done);
  void cancel_io();  // asio operations in flight complete with operation_aborted
  void mark_upgraded();
  bool peer_connected();
  uint64_t body_remaining;  // Content-Length bytes of the current request not yet read
  const SocketAddress& remote() const { return remote_; }
  const SocketAddress& local() const { return local_; }

  // The current request is over: write its last bytes, then read the next head or close.
  void request_finished(std::string final_bytes, bool keep_alive);

 private:
  void count_received(size_t bytes);
  void read_more();
  void process_buffer();
  void dispatch(RequestHead head);
  void fail_and_close(int status);
  // After an error answer to a client that may still be sending: our side is shut, what it sends is read and
  // dropped until it closes too (or 2 s pass). Closing at once with its bytes unread would reset the
  // connection, and the client could lose the answer (http.sys closes gracefully too).
  void close_gracefully();
  void drain(std::shared_ptr<asio::steady_timer> deadline);
  void compact();
  void release_buffer_if_consumed_locked();
  enum class Wait { kNone, kIdle, kHead };
  void wait_for_locked(Wait wait);
  void close_locked();
  void forget();

  HostCore& core_;
  Socket socket_;
  int fd_;
  mutable std::mutex io_mutex_;
  bool closed_ = false;
  bool upgraded_ = false;
  bool in_request_ = false;  // from the head's dispatch until the request's last bytes are sent
  Wait wait_ = Wait::kNone;
  std::atomic<int64_t> head_deadline_ms_{0};  // steady_now_ms(); 0: none
  std::string buffer_;
  size_t buffer_start_ = 0;
  std::shared_ptr<Request> current_;
  SocketAddress remote_{};
  SocketAddress local_{};
};

}  // namespace cs::host
