#include "completion_policy.h"

namespace cs::host {

bool parse_completion_mode(const std::string& text, CompletionMode& out) {
    if (text == "mixed") out = CompletionMode::mixed;
    else if (text == "sync") out = CompletionMode::sync;
    else if (text == "before-return") out = CompletionMode::before_return;
    else if (text == "after-return") out = CompletionMode::after_return;
    else return false;
    return true;
}

const char* completion_mode_name(CompletionMode mode) {
    switch (mode) {
        case CompletionMode::mixed: return "mixed";
        case CompletionMode::sync: return "sync";
        case CompletionMode::before_return: return "before-return";
        case CompletionMode::after_return: return "after-return";
    }
    return "?";
}

CompletionPolicy::CompletionPolicy(CompletionMode mode, uint32_t seed)
    : mode_(mode), rng_(seed ? seed : std::random_device{}()) {}

CompletionKind CompletionPolicy::for_immediate_result() {
    switch (mode_) {
        case CompletionMode::sync: return CompletionKind::sync;
        case CompletionMode::before_return: return CompletionKind::before_return;
        case CompletionMode::after_return: return CompletionKind::after_return;
        case CompletionMode::mixed: break;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<CompletionKind>(rng_() % 3);
}

CompletionKind CompletionPolicy::for_posted_work() {
    switch (mode_) {
        case CompletionMode::before_return: return CompletionKind::before_return;
        case CompletionMode::sync:
        case CompletionMode::after_return: return CompletionKind::after_return;
        case CompletionMode::mixed: break;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    return (rng_() & 1) ? CompletionKind::before_return : CompletionKind::after_return;
}

}  // namespace cs::host
