#include "duplex_pipe.h"

#include <algorithm>
#include <atomic>
#include <exception>

#include "fault_injection.h"
#include "log.h"

namespace cs {

DuplexPipe::DuplexPipe(IHttpContext3* context, IHttpRequest3* request, IHttpResponse2* response,
                       std::shared_ptr<Connection> connection, Timers& timers)
    : context_(context),
      request_(request),
      response_(response),
      connection_(std::move(connection)),
      timers_(timers),
      read_buffer_(new uint8_t[kQuietRead]) {}

std::shared_ptr<DuplexPipe> DuplexPipe::from(VOID* self) { return static_cast<DuplexPipe*>(self)->shared_from_this(); }

template <class Work>
void DuplexPipe::guarded(const char* where, Work&& work) noexcept {
  std::unique_lock<std::mutex> lock(lock_, std::defer_lock);
  try {
    lock.lock();
    work(lock);
  } catch (const std::exception& error) {
    recover(lock, where, error.what());
  } catch (...) {
    recover(lock, where, "unknown exception");
  }
}

// A failure struck while the lock was held or while bytes were being handed over: what was being handed over
// is lost, so the connection is closed with 1011 (or aborted when a write's outcome is unknown), and the pipe
// goes on to its one exit as usual.
void DuplexPipe::recover(std::unique_lock<std::mutex>& lock, const char* where, const char* what) {
  try {
    if (!lock.owns_lock()) lock.lock();
    bool write_outcome_lost = write_busy_ && !write_in_flight_;
    if (read_busy_ && !read_in_flight_) read_busy_ = false;
    if (write_outcome_lost) write_busy_ = false;
    lock.unlock();
    connection_->fail(where, what, !write_outcome_lost);  // wakes this pipe, which writes the 1011 and ends
    lock.lock();
    pump(lock);
  } catch (const std::exception& again) {
    log(LogLevel::kError, "connection %u: recovering from a failure in %s failed too (%s); ending it",
        connection_->id(), where, again.what());
    try {
      if (!lock.owns_lock()) lock.lock();
      begin_ending(abi::ClosedReason::kByError);
      finish_if_idle(lock);
    } catch (...) {
      // Nothing is left to try; the request ends when its outstanding I/O completes.
    }
  }
}

void DuplexPipe::start() {
  guarded("sending the 101", [this](std::unique_lock<std::mutex>& lock) {
    flush_busy_ = true;
    DWORD sent = 0;
    BOOL completion_expected = FALSE;
    HRESULT hr = response_->Flush(TRUE, TRUE, flush_completed, this, &sent, &completion_expected);
    if (FAILED(hr) || !completion_expected) {
      flush_busy_ = false;
      on_flushed(lock, hr);
    }
  });
  // Output queued during the handshake, and every later send, reach the pipe through wake().
  connection_->attach(shared_from_this());
}

bool DuplexPipe::finished() {
  std::lock_guard<std::mutex> lock(lock_);
  return state_ == State::kDone;
}

void DuplexPipe::wake() {
  guarded("waking the connection", [this](std::unique_lock<std::mutex>& lock) { pump(lock); });
}

REQUEST_NOTIFICATION_STATUS WINAPI DuplexPipe::flush_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self) {
  auto pipe = from(self);
  pipe->guarded("the 101's completion", [&](std::unique_lock<std::mutex>& lock) {
    pipe->flush_busy_ = false;
    pipe->on_flushed(lock, info->GetCompletionStatus());
  });
  return RQ_NOTIFICATION_PENDING;
}

REQUEST_NOTIFICATION_STATUS WINAPI DuplexPipe::read_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self) {
  auto pipe = from(self);
  pipe->guarded("a read completion", [&](std::unique_lock<std::mutex>& lock) {
    pipe->read_in_flight_ = false;
    pipe->on_read(lock, info->GetCompletionStatus(), info->GetCompletionBytes());
    pipe->pump(lock);
  });
  return RQ_NOTIFICATION_PENDING;
}

REQUEST_NOTIFICATION_STATUS WINAPI DuplexPipe::write_completed(IHttpContext3*, IHttpCompletionInfo2* info, VOID* self) {
  auto pipe = from(self);
  pipe->guarded("a write completion", [&](std::unique_lock<std::mutex>& lock) {
    pipe->write_in_flight_ = false;
    pipe->on_written(lock, info->GetCompletionStatus());
    pipe->pump(lock);
  });
  return RQ_NOTIFICATION_PENDING;
}

void DuplexPipe::on_flushed(std::unique_lock<std::mutex>& lock, HRESULT status) {
  if (FAILED(status)) {
    log(LogLevel::kWarning, "connection %u: sending the 101 failed (0x%08x)", connection_->id(),
        static_cast<unsigned>(status));
    state_ = State::kEnding;
    close_reason_ = abi::ClosedReason::kByError;
  } else if (state_ == State::kFlushing) {
    state_ = State::kOpen;
  }
  pump(lock);
}

void DuplexPipe::pump(std::unique_lock<std::mutex>& lock) {
  if (state_ == State::kOpen && connection_->abort_requested()) begin_ending(abi::ClosedReason::kByModule);
  pump_writes(lock);
  pump_reads(lock);
  finish_if_idle(lock);
}

// Loops instead of recursing, so a run of synchronous completions does not grow the stack. While the core has
// paused reading no read is outstanding, so a client that leaves is noticed by asking IIS (the core wakes the
// pipe now and then for this).
void DuplexPipe::pump_reads(std::unique_lock<std::mutex>& lock) {
  if (state_ == State::kOpen && !read_busy_ && connection_->paused()) {
    IHttpConnection* client = context_->GetConnection();
    if (client && !client->IsConnected()) begin_ending(abi::ClosedReason::kByPeer);
    return;
  }
  while (state_ == State::kOpen && !read_busy_ && !connection_->paused()) {
    if (next_read_capacity_ != read_capacity_) {
      read_buffer_.reset(new uint8_t[next_read_capacity_]);
      read_capacity_ = next_read_capacity_;
    }
    read_busy_ = true;
    read_in_flight_ = true;
    DWORD received = 0;
    BOOL pending = FALSE;
    HRESULT hr =
        request_->ReadEntityBody(read_buffer_.get(), read_capacity_, TRUE, read_completed, this, &received, &pending);
    if (SUCCEEDED(hr) && pending) return;  // read_completed takes over (it may already be waiting for lock_)
    read_in_flight_ = false;
    on_read(lock, hr, received);
  }
}

void DuplexPipe::on_read(std::unique_lock<std::mutex>& lock, HRESULT status, DWORD bytes) {
  if (FAILED(status) || bytes == 0) {
    read_busy_ = false;
    bool peer_gone = SUCCEEDED(status) || status == HRESULT_FROM_WIN32(ERROR_HANDLE_EOF);
    begin_ending(peer_gone ? abi::ClosedReason::kByPeer : abi::ClosedReason::kByError);  // no effect when ending
    return;
  }
  if (state_ == State::kOpen) {
    fault_point(FaultPoint::kCompletion);
    lock.unlock();
    connection_->received(read_buffer_.get(), bytes);
    lock.lock();
  }
  size_read_buffer(bytes);
  read_busy_ = false;
}

void DuplexPipe::size_read_buffer(DWORD bytes_read) {
  bool short_read = bytes_read <= read_capacity_ / 4;
  short_reads_ = short_read && read_capacity_ >= kBusyRead ? short_reads_ + 1 : 0;
  if (bytes_read == read_capacity_) {
    next_read_capacity_ = read_capacity_ < kBusyRead ? kBusyRead : std::min(read_capacity_ * 2, kLargestRead);
  } else if (read_capacity_ > kBusyRead && short_reads_ == kShortReadsToEndBurst) {
    next_read_capacity_ = kBusyRead;
  } else if (read_capacity_ == kBusyRead && short_reads_ == kQuietReadsToShrink) {
    next_read_capacity_ = kQuietRead;
  }
  if (next_read_capacity_ != read_capacity_) short_reads_ = 0;
}

void DuplexPipe::pump_writes(std::unique_lock<std::mutex>& lock) {
  while (state_ == State::kOpen && !write_busy_) {
    size_t count = gather_write();
    if (count == 0) {
      if (connection_->end_requested()) begin_ending(abi::ClosedReason::kByModule);
      return;
    }
    write_busy_ = true;
    write_in_flight_ = true;
    DWORD sent = 0;
    BOOL completion_expected = FALSE;
    HRESULT hr = response_->WriteEntityChunks(write_chunks_, static_cast<DWORD>(count), TRUE, TRUE, write_completed,
                                              this, &sent, &completion_expected);
    if (SUCCEEDED(hr) && completion_expected) return;
    write_in_flight_ = false;
    on_written(lock, hr);
  }
}

size_t DuplexPipe::gather_write() {
  WriteQueue& queue = connection_->queue();
  Segment segments[kMaxChunks];  // only while the chunks are filled: they point into the queue, not here
  size_t count = queue.front(segments, batch_ ? kMaxChunks : kInlineChunks);
  if (count == kInlineChunks && !batch_) {
    size_t gathered = 0;
    for (size_t i = 0; i < count; ++i) gathered += segments[i].size;
    if (queue.size() > gathered) {  // a backlog: gather up to kMaxChunks of it at once
      batch_.reset(new HTTP_DATA_CHUNK[kMaxChunks]);
      count = queue.front(segments, kMaxChunks);
    }
  }
  write_chunks_ = batch_ ? batch_.get() : inline_chunks_;
  write_bytes_ = 0;
  for (size_t i = 0; i < count; ++i) {
    write_chunks_[i].DataChunkType = HttpDataChunkFromMemory;
    write_chunks_[i].FromMemory.pBuffer = const_cast<uint8_t*>(segments[i].data);
    write_chunks_[i].FromMemory.BufferLength = static_cast<ULONG>(segments[i].size);
    write_bytes_ += static_cast<DWORD>(segments[i].size);
  }
  return count;
}

void DuplexPipe::on_written(std::unique_lock<std::mutex>& lock, HRESULT status) {
  if (FAILED(status)) {
    write_busy_ = false;
    begin_ending(abi::ClosedReason::kByError);
    return;
  }
  DWORD bytes = write_bytes_;
  lock.unlock();
  connection_->wrote(bytes);
  lock.lock();
  write_busy_ = false;
  if (batch_ && connection_->queue().empty()) {  // the backlog is gone: back to the pipe's own chunks
    batch_.reset();
    write_chunks_ = inline_chunks_;
  }
}

void DuplexPipe::begin_ending(abi::ClosedReason reason) {
  if (state_ == State::kEnding || state_ == State::kDone) return;
  state_ = State::kEnding;
  close_reason_ = reason;
  // A read may wait forever on a quiet client; cancelling it (and a write in flight) is how IIS lets go.
  if ((read_in_flight_ || write_in_flight_) && !cancel_requested_) {
    cancel_requested_ = true;
    context_->CancelIo();
    timers_.schedule(kCancelGraceMilliseconds, weak_from_this(), 0);
  }
}

void DuplexPipe::on_timer(uint64_t) noexcept {
  guarded("resetting the connection", [&](std::unique_lock<std::mutex>&) { reset_if_still_in_flight(); });
}

// ANCM meets the same IIS behaviour the same way: ResetConnection aborts the connection, and whatever was
// pending completes with an error. Still in kEnding, so the request is alive and may be called.
void DuplexPipe::reset_if_still_in_flight() {
  if (state_ != State::kEnding || reset_requested_ || !(read_in_flight_ || write_in_flight_)) return;
  reset_requested_ = true;
  static std::atomic<bool> said{false};
  bool first = !said.exchange(true);
  log(first ? LogLevel::kWarning : LogLevel::kDebug,
      "connection %u: CancelIo left the %s pending for %u ms; resetting the connection%s", connection_->id(),
      read_in_flight_ ? "read" : "write", static_cast<unsigned>(kCancelGraceMilliseconds),
      first ? " (said once; later ones are logged at debug level)" : "");
  response_->ResetConnection();
}

// The one exit: only when nothing is in flight does the request end, through PostCompletion and
// OnAsyncCompletion returning FINISH_REQUEST.
void DuplexPipe::finish_if_idle(std::unique_lock<std::mutex>& lock) {
  if (state_ != State::kEnding || flush_busy_ || read_busy_ || write_busy_) return;
  state_ = State::kDone;
  response_->SetNeedDisconnect();
  abi::ClosedReason reason = close_reason_;
  lock.unlock();
  connection_->detach();
  connection_->closed(reason);
  // IHttpContext3 adds an overload that hides the one-argument PostCompletion.
  HRESULT hr = static_cast<IHttpContext*>(context_)->PostCompletion(0);
  if (FAILED(hr)) {
    log(LogLevel::kError, "connection %u: PostCompletion failed (0x%08x); finishing inline", connection_->id(),
        static_cast<unsigned>(hr));
    context_->IndicateCompletion(RQ_NOTIFICATION_FINISH_REQUEST);
  }
  lock.lock();
}

}  // namespace cs
