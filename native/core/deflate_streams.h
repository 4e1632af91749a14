#pragma once
// zlib behind host_deflate and host_inflate (permessage-deflate, RFC 7692): raw DEFLATE streams whose memory
// is counted, and a pool of idle ones. What the extension means (negotiation, RSV1, when to compress) is
// Wasm's; this file only turns bytes into bytes.
//
// Without context takeover a stream is needed only while one message is compressed or inflated: it is taken
// from the pool for that message and given back after it, so an idle connection holds no zlib memory. With
// context takeover the connection keeps its stream (DeflateContexts) for as long as it lives.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "abi_constants.h"

namespace cs {

class ZStream;

// The streams a connection holds between calls: an inflate stream in the middle of a message, or a stream
// kept for context takeover. Destroying it gives them back.
class DeflateContexts {
 public:
  DeflateContexts();
  ~DeflateContexts();
  DeflateContexts(const DeflateContexts&) = delete;
  DeflateContexts& operator=(const DeflateContexts&) = delete;

  // host_deflate: compresses `in` whole with a sync flush and without the trailing 00 00 FF FF. kOk with
  // `written` set; kBufferTooSmall when `out` cannot hold it (nothing is kept of the attempt); kBadArgument
  // for params zlib does not take. Throws std::bad_alloc.
  abi::Status deflate(uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out, size_t out_capacity,
                      size_t& written);
  // host_inflate: see docs/ABI.md. Throws std::bad_alloc.
  abi::Status inflate(uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out, size_t out_capacity,
                      size_t& consumed, size_t& produced);

 private:
  std::unique_ptr<ZStream> deflater_;
  std::unique_ptr<ZStream> inflater_;
};

// zlib's memory in use across the process, streams in the pool included.
uint64_t zlib_bytes() noexcept;

}  // namespace cs
