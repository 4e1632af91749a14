#pragma once
// The upgraded connection's I/O on IIS: after the 101 is flushed, one async ReadEntityBody and at most one
// async WriteEntityChunks in flight, each completing through a callback, possibly synchronously, possibly on
// another thread before the issuing call returned. One lock guards it all, and the request ends through
// one exit (finish_if_idle), so no completion can arrive after IIS has let go of the request.
//
// Locking: lock_ guards this object's state and every IIS call on the request. It is never held while
// calling into the core (Connection::received/wrote/closed), which may call wake() back on any thread.
// A busy flag marks a read or write whose bytes are still being handed to the core, so no second one
// starts meanwhile and the request cannot finish under it.
//
// Lifetime: shared. The CHttpModule holds one reference until IIS disposes it, the core's Connection and
// the cancel timer weak ones. The request is finished (PostCompletion -> FINISH_REQUEST) only once nothing is
// in flight, so no IIS completion can reach this object after IIS has let go of the request.
//
// Ending: CancelIo lets go of the read that waits on a quiet client. Where IIS's cancel misses a pending
// WebSocket read, the connection is reset once I/O is still in flight a while later, so that read completes;
// the request still ends only once nothing is in flight.
//
// Failures: every entry from outside (start, wake, the three completion callbacks, the cancel timer) catches
// what its work throws. The connection is then closed with 1011 (or aborted, when a write's outcome was lost)
// and the pipe carries on to its normal end, so the request still finishes exactly once.
#include <cstdint>
#include <memory>
#include <mutex>

#include "connection.h"
#include "iis_api.h"
#include "timers.h"

namespace cs {

class DuplexPipe final : public Transport, public TimerTarget, public std::enable_shared_from_this<DuplexPipe> {
 public:
  DuplexPipe(IHttpContext3* context, IHttpRequest3* request, IHttpResponse2* response,
             std::shared_ptr<Connection> connection, Timers& timers);

  // Flushes the 101 (already set on the response) and starts the loops. Always leads to PostCompletion
  // eventually; the caller returns RQ_NOTIFICATION_PENDING.
  void start();
  // For OnAsyncCompletion after our PostCompletion: true once the request may end.
  bool finished();

  void wake() override;
  // The grace after CancelIo is over (begin_ending armed it).
  void on_timer(uint64_t tag) noexcept override;

 private:
  enum class State { kFlushing, kOpen, kEnding, kDone };

  static REQUEST_NOTIFICATION_STATUS WINAPI flush_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self);
  static REQUEST_NOTIFICATION_STATUS WINAPI read_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self);
  static REQUEST_NOTIFICATION_STATUS WINAPI write_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self);

  static std::shared_ptr<DuplexPipe> from(VOID* self);
  // Runs an entry's work under the lock; a failure inside it closes the connection instead of escaping.
  template <class Work>
  void guarded(const char* where, Work&& work) noexcept;
  void recover(std::unique_lock<std::mutex>& lock, const char* where, const char* what);
  void on_flushed(std::unique_lock<std::mutex>& lock, HRESULT status);
  void on_read(std::unique_lock<std::mutex>& lock, HRESULT status, DWORD bytes);
  void on_written(std::unique_lock<std::mutex>& lock, HRESULT status);
  void pump(std::unique_lock<std::mutex>& lock);
  void pump_reads(std::unique_lock<std::mutex>& lock);
  void pump_writes(std::unique_lock<std::mutex>& lock);
  void begin_ending(abi::ClosedReason reason);
  void reset_if_still_in_flight();
  void finish_if_idle(std::unique_lock<std::mutex>& lock);

  // The read buffer. A read is always pending, so every connection holds one. A quiet connection reads into
  // kQuietRead bytes (a short chat line, a pong of a few bytes; anything longer makes the next read kBusyRead). A read
  // that fills its buffer is a burst: the next one gets kBusyRead, then twice as much while reads keep filling it. A
  // short read (a quarter of the buffer or less) ends a burst only after kShortReadsToEndBurst of them in a row (back
  // to kBusyRead), and kQuietRead comes back only after kQuietReadsToShrink of them in a row at kBusyRead. In a stream
  // of large messages a lone short read is the tail of the client's last send, and more is already on its way: ending
  // the burst there made the stream climb back from kBusyRead in six reads, each into a new buffer whose pages fault
  // in as the kernel copies into them.
  static constexpr DWORD kQuietRead = 128;
  static constexpr DWORD kBusyRead = 1024;
  static constexpr DWORD kLargestRead = 64 * 1024;
  static constexpr uint8_t kShortReadsToEndBurst = 2;
  static constexpr uint8_t kQuietReadsToShrink = 16;
  void size_read_buffer(DWORD bytes_read);
  // A write gathers what is queued into one WriteEntityChunks. Most writes are a frame or two, which the
  // pipe's own few chunks hold; a backlog (a chat member behind its room) takes a batch of kMaxChunks from
  // the heap for as long as it lasts, so an idle connection does not carry 2 KiB of chunk descriptors.
  static constexpr size_t kInlineChunks = 4;
  static constexpr size_t kMaxChunks = 64;
  // Fills the chunks of the next write from the queue; their count (0: nothing queued).
  size_t gather_write();
  // How long I/O may stay in flight after CancelIo before the connection is reset instead.
  static constexpr uint32_t kCancelGraceMilliseconds = 2000;

  IHttpContext3* const context_;
  IHttpRequest3* const request_;
  IHttpResponse2* const response_;
  const std::shared_ptr<Connection> connection_;
  Timers& timers_;

  std::mutex lock_;
  State state_ = State::kFlushing;
  abi::ClosedReason close_reason_ = abi::ClosedReason::kByModule;
  bool flush_busy_ = false;
  bool read_busy_ = false;       // a read is in IIS's hands or its bytes are being handed to the core
  bool read_in_flight_ = false;  // a read is in IIS's hands
  bool write_busy_ = false;
  bool write_in_flight_ = false;
  bool cancel_requested_ = false;
  bool reset_requested_ = false;
  DWORD write_bytes_ = 0;
  HTTP_DATA_CHUNK inline_chunks_[kInlineChunks];
  std::unique_ptr<HTTP_DATA_CHUNK[]> batch_;  // kMaxChunks, while a backlog lasts
  HTTP_DATA_CHUNK* write_chunks_ = inline_chunks_;
  std::unique_ptr<uint8_t[]> read_buffer_;
  DWORD read_capacity_ = kQuietRead;
  DWORD next_read_capacity_ = kQuietRead;  // applied before the next read is issued
  uint8_t short_reads_ = 0;                // short reads in a row at this size
};

}  // namespace cs
