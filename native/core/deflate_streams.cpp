#include "deflate_streams.h"

#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace cs {

namespace {

std::atomic<uint64_t> g_zlib_bytes{0};

// zlib's allocations, each with its size in front so that freeing can count it back.
constexpr size_t kSizeHeader = 16;  // keeps zlib's blocks 16-byte aligned

voidpf counted_alloc(voidpf, uInt items, uInt size) {
  size_t bytes = static_cast<size_t>(items) * size;
  void* block = std::malloc(bytes + kSizeHeader);
  if (!block) return Z_NULL;
  *static_cast<size_t*>(block) = bytes;
  g_zlib_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return static_cast<uint8_t*>(block) + kSizeHeader;
}

void counted_free(voidpf, voidpf address) {
  if (!address) return;
  void* block = static_cast<uint8_t*>(address) - kSizeHeader;
  g_zlib_bytes.fetch_sub(*static_cast<size_t*>(block), std::memory_order_relaxed);
  std::free(block);
}

// What RFC 7692 strips from the end of every compressed message, and the receiver puts back.
constexpr uint8_t kMessageTail[4] = {0x00, 0x00, 0xff, 0xff};

}  // namespace

class ZStream {
 public:
  enum class Kind { kDeflate, kInflate };

  // Null when zlib refuses the parameters. Throws std::bad_alloc.
  static std::unique_ptr<ZStream> open(Kind kind, unsigned window_bits, int level, int mem_level) {
    std::unique_ptr<ZStream> stream(new ZStream(kind, key_of(kind, window_bits, level, mem_level)));
    int result = kind == Kind::kDeflate ? deflateInit2(&stream->z, level, Z_DEFLATED, -static_cast<int>(window_bits),
                                                       mem_level, Z_DEFAULT_STRATEGY)
                                        : inflateInit2(&stream->z, -static_cast<int>(window_bits));
    if (result == Z_MEM_ERROR) throw std::bad_alloc();
    if (result != Z_OK) return nullptr;
    stream->initialised_ = true;
    return stream;
  }

  static uint32_t key_of(Kind kind, unsigned window_bits, int level, int mem_level) {
    return (kind == Kind::kDeflate ? 1u << 16 : 0u) | window_bits | static_cast<uint32_t>(level) << 4 |
           static_cast<uint32_t>(mem_level) << 8;
  }

  ~ZStream() {
    if (initialised_) kind_ == Kind::kDeflate ? deflateEnd(&z) : inflateEnd(&z);
    g_zlib_bytes.fetch_sub(sizeof(ZStream), std::memory_order_relaxed);
  }

  void reset() {
    kind_ == Kind::kDeflate ? deflateReset(&z) : inflateReset(&z);
    tail_fed = 0;
  }

  uint32_t key() const { return key_; }

  z_stream z{};
  unsigned tail_fed = 0;  // inflate: bytes of kMessageTail fed for the message being ended

 private:
  ZStream(Kind kind, uint32_t key) : kind_(kind), key_(key) {
    z.zalloc = counted_alloc;
    z.zfree = counted_free;
    g_zlib_bytes.fetch_add(sizeof(ZStream), std::memory_order_relaxed);
  }

  const Kind kind_;
  const uint32_t key_;
  bool initialised_ = false;
};

namespace {

// Idle streams, by kind and parameters. Bounded: past kMaxIdle of one key a returned stream is freed, so the
// pool holds about as many as messages were being compressed at once, never one per connection.
class StreamPool {
 public:
  std::unique_ptr<ZStream> take(ZStream::Kind kind, unsigned window_bits, int level, int mem_level) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = idle_.find(ZStream::key_of(kind, window_bits, level, mem_level));
      if (it != idle_.end() && !it->second.empty()) {
        std::unique_ptr<ZStream> stream = std::move(it->second.back());
        it->second.pop_back();
        return stream;
      }
    }
    return ZStream::open(kind, window_bits, level, mem_level);
  }

  void give(std::unique_ptr<ZStream> stream) noexcept {
    if (!stream) return;
    stream->reset();
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      std::vector<std::unique_ptr<ZStream>>& idle = idle_[stream->key()];
      if (idle.size() < kMaxIdle) idle.push_back(std::move(stream));
    } catch (const std::bad_alloc&) {
      // Not pooled: it is freed as it goes out of scope.
    }
  }

 private:
  static constexpr size_t kMaxIdle = 16;
  std::mutex mutex_;
  std::unordered_map<uint32_t, std::vector<std::unique_ptr<ZStream>>> idle_;
};

std::atomic<int64_t> g_live_contexts{0};

// The pool goes with the module (its unload, or the process's end) unless a connection still holds
// contexts then, as when a process ends with connections open: those may outlive static teardown.
struct PoolRelease {
  StreamPool* pool;
  ~PoolRelease() {
    if (g_live_contexts.load() == 0) delete pool;
  }
};

StreamPool& pool() {
  static PoolRelease release{new StreamPool};
  return *release.pool;
}

unsigned window_bits_of(uint32_t params) { return params & abi::Deflate::kWindowBitsMask; }

}  // namespace

DeflateContexts::DeflateContexts() { g_live_contexts.fetch_add(1); }

DeflateContexts::~DeflateContexts() {
  // A stream kept for context takeover, or left in the middle of a message, goes back clean.
  pool().give(std::move(deflater_));
  pool().give(std::move(inflater_));
  g_live_contexts.fetch_sub(1);
}

abi::Status DeflateContexts::deflate(uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                                     size_t out_capacity, size_t& written) {
  written = 0;
  unsigned window_bits = window_bits_of(params);
  int level = static_cast<int>((params >> abi::Deflate::kLevelShift) & 15);
  int mem_level = static_cast<int>((params >> abi::Deflate::kMemLevelShift) & 15);
  // zlib takes 8 only with its own header, which permessage-deflate does not use.
  if (window_bits < 9 || window_bits > 15 || level > 9 || mem_level < 1 || mem_level > 9) {
    return abi::Status::kBadArgument;
  }
  bool keep = (params & abi::Deflate::kKeepContext) != 0;
  std::unique_ptr<ZStream> borrowed;
  if (keep && !deflater_) deflater_ = ZStream::open(ZStream::Kind::kDeflate, window_bits, level, mem_level);
  if (!keep) borrowed = pool().take(ZStream::Kind::kDeflate, window_bits, level, mem_level);
  ZStream* stream = keep ? deflater_.get() : borrowed.get();
  if (!stream) return abi::Status::kBadArgument;

  z_stream& z = stream->z;
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(in_size);
  z.next_out = out;
  z.avail_out = static_cast<uInt>(out_capacity);
  int result = ::deflate(&z, Z_SYNC_FLUSH);
  // Done only when all input went in and space was left over: with none left, more output may be pending.
  bool fits = (result == Z_OK || result == Z_BUF_ERROR) && z.avail_in == 0 && z.avail_out > 0;
  size_t total = out_capacity - z.avail_out;
  if (!fits || total < sizeof kMessageTail) {
    // The peer never sees this attempt, so nothing of it may stay in a kept context either.
    stream->reset();
    pool().give(std::move(borrowed));
    return abi::Status::kBufferTooSmall;
  }
  written = total - sizeof kMessageTail;
  pool().give(std::move(borrowed));
  return abi::Status::kOk;
}

abi::Status DeflateContexts::inflate(uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                                     size_t out_capacity, size_t& consumed, size_t& produced) {
  consumed = 0;
  produced = 0;
  unsigned window_bits = window_bits_of(params);
  if (window_bits < 8 || window_bits > 15) return abi::Status::kBadArgument;
  bool end = (params & abi::Deflate::kEnd) != 0;
  if (!inflater_) inflater_ = pool().take(ZStream::Kind::kInflate, window_bits, 0, 0);
  if (!inflater_) return abi::Status::kBadArgument;

  ZStream& stream = *inflater_;
  z_stream& z = stream.z;
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(in_size);
  z.next_out = out;
  z.avail_out = static_cast<uInt>(out_capacity);
  bool feeding_tail = false;
  for (;;) {
    if (z.avail_in == 0 && !feeding_tail && end && stream.tail_fed < sizeof kMessageTail) {
      feeding_tail = true;
      z.next_in = const_cast<Bytef*>(kMessageTail + stream.tail_fed);
      z.avail_in = static_cast<uInt>(sizeof kMessageTail - stream.tail_fed);
    }
    if (z.avail_in == 0 || z.avail_out == 0) break;
    uInt before = z.avail_in;
    int result = ::inflate(&z, Z_SYNC_FLUSH);
    if (feeding_tail) stream.tail_fed += before - z.avail_in;
    if (result == Z_STREAM_END) {
      // A final block (BFINAL): whatever follows starts a new stream; the tail belongs to the old one.
      if (feeding_tail) {
        stream.tail_fed = sizeof kMessageTail;
        z.avail_in = 0;
      }
      inflateReset(&z);
      continue;
    }
    if (result == Z_MEM_ERROR) throw std::bad_alloc();
    if (result == Z_BUF_ERROR) break;  // no progress possible
    if (result != Z_OK) {
      inflater_.reset();  // corrupt: never reused
      return abi::Status::kInvalidData;
    }
  }
  consumed = feeding_tail ? in_size : in_size - z.avail_in;
  produced = out_capacity - z.avail_out;
  if (z.avail_out == 0) return abi::Status::kBufferTooSmall;  // more may be pending
  if (end) {
    stream.tail_fed = 0;
    if ((params & abi::Deflate::kKeepContext) == 0) pool().give(std::move(inflater_));
  }
  return abi::Status::kOk;
}

uint64_t zlib_bytes() noexcept { return g_zlib_bytes.load(std::memory_order_relaxed); }

}  // namespace cs
