#!/usr/bin/env bash
# The C++ suites again under the sanitizers, each in a build of its own: AddressSanitizer with
# UndefinedBehaviorSanitizer (build/asan), then ThreadSanitizer (build/tsan). The module-on-host suite drives
# the real module through the host with many clients on many threads, so this checks the IIS I/O state
# machine, the instance pool and the room hub for races, leaks and undefined behaviour. Any report fails.
#
#   scripts/sanitize.sh            both
#   scripts/sanitize.sh asan|tsan  one
#   scripts/sanitize.sh build      both trees built, nothing run (npm test's runner, before its timeouts start)
#
# The first build takes long (over 15 minutes for both on two cores: the generated Wasm C is large); later
# ones are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-wasm.sh

run() {
  local name=$1 flags=$2
  local build=build/$name
  local generator=()
  if [ ! -e "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=$flags" "-DCMAKE_SHARED_LINKER_FLAGS=$flags" >/dev/null
  cmake --build "$build" --parallel >/dev/null
  [ "$which" = build ] && return
  echo "sanitize: $name"
  ctest --test-dir "$build" --output-on-failure
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1
export TSAN_OPTIONS=second_deadlock_stack=1

which=${1:-all}
case "$which" in
  # CS_WASM_DEPTH_OUT_OF_LINE: see native/runtime/wasm_depth.h (a GCC 12 miscompile under UBSan).
  all | asan | build) run asan "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -DCS_WASM_DEPTH_OUT_OF_LINE" ;;&
  all | tsan | build) run tsan "-fsanitize=thread" ;;
  asan) ;;
  *) echo "usage: $0 [asan|tsan|build]" >&2; exit 2 ;;
esac
