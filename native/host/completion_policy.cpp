#include "completion_policy.h"

namespace cs::host {

bool parse_completion_mode(const std::string& text, CompletionMode& out) {
  if (text == "mixed")
    out = CompletionMode::kMixed;
  else if (text == "sync")
    out = CompletionMode::kSync;
  else if (text == "before-return")
    out = CompletionMode::kBeforeReturn;
  else if (text == "after-return")
    out = CompletionMode::kAfterReturn;
  else
    return false;
  return true;
}

const char* completion_mode_name(CompletionMode mode) {
  switch (mode) {
    case CompletionMode::kMixed: return "mixed";
    case CompletionMode::kSync: return "sync";
    case CompletionMode::kBeforeReturn: return "before-return";
    case CompletionMode::kAfterReturn: return "after-return";
  }
  return "?";
}

CompletionPolicy::CompletionPolicy(CompletionMode mode, uint32_t seed)
    : mode_(mode), rng_(seed ? seed : std::random_device{}()) {}

CompletionKind CompletionPolicy::for_immediate_result() {
  switch (mode_) {
    case CompletionMode::kSync: return CompletionKind::kSync;
    case CompletionMode::kBeforeReturn: return CompletionKind::kBeforeReturn;
    case CompletionMode::kAfterReturn: return CompletionKind::kAfterReturn;
    case CompletionMode::kMixed: break;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<CompletionKind>(rng_() % 3);
}

CompletionKind CompletionPolicy::for_posted_work() {
  switch (mode_) {
    case CompletionMode::kBeforeReturn: return CompletionKind::kBeforeReturn;
    case CompletionMode::kSync:
    case CompletionMode::kAfterReturn: return CompletionKind::kAfterReturn;
    case CompletionMode::kMixed: break;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return (rng_() & 1) ? CompletionKind::kBeforeReturn : CompletionKind::kAfterReturn;
}

bool CompletionPolicy::after_return_on_issuer() {
  if (mode_ != CompletionMode::kMixed) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return rng_() & 1;
}

}  // namespace cs::host
