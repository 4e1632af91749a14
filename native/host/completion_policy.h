#pragma once
// How an async operation whose result is already known gets completed: inline (sync), on a pool thread
// before the issuing call returns, or on a pool thread after it returned. "mixed" picks at random per
// operation; the other modes force one kind where the operation allows it.
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "stats.h"

namespace cs::host {

enum class CompletionMode { kMixed, kSync, kBeforeReturn, kAfterReturn };

bool parse_completion_mode(const std::string& text, CompletionMode& out);
const char* completion_mode_name(CompletionMode mode);

class CompletionPolicy {
 public:
  explicit CompletionPolicy(CompletionMode mode = CompletionMode::kMixed, uint32_t seed = 0);
  CompletionKind for_immediate_result();  // any of the three kinds
  CompletionKind for_posted_work();       // never sync (PostCompletion always goes through the pool)
  // An after-return completion whose issuer runs on an I/O thread: true to deliver it on that same thread once
  // the issuing handler is done (what a completion port does when the issuer is the next thread to wait on
  // it), false to hand it to a pool thread. "after-return" always stays on the thread; "mixed" picks.
  bool after_return_on_issuer();

 private:
  CompletionMode mode_;
  std::mutex mutex_;
  std::mt19937 rng_;
};

}  // namespace cs::host
