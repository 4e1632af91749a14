#pragma once
// The bytes the module's own code holds on the C++ heap (module_heap.cpp), for ChatSocketGetStats: what the
// module costs inside w3wp (or our host) apart from the process around it.
#include <cstdint>

namespace cs {

uint64_t module_heap_bytes();

}  // namespace cs
