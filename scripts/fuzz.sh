#!/usr/bin/env bash
# Builds the libFuzzer targets of native/fuzz (clang, AddressSanitizer + UndefinedBehaviorSanitizer, the
# generated Wasm C that ships) into build/fuzz and runs each for a bounded time.
#
#   scripts/fuzz.sh [target] [seconds]
#   scripts/fuzz.sh build               build every target, run none
#
#   target   frames, handshake, endpoint, or all (the default); frames_planted is the tests' target with
#            planted bugs, which must fail
#   seconds  per target; default $CHATSOCKET_FUZZ_SECONDS, else 30
#
# Each run starts from native/fuzz/corpus/<target> and keeps what it finds in build/fuzz/corpus/<target>
# (the repository's corpus is only read), so later runs go on from there. A crash, a sanitizer report or a
# broken check exits non-zero with the input saved under build/fuzz/artifacts/<target>/, whose path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
seconds=${2:-${CHATSOCKET_FUZZ_SECONDS:-30}}
case "$which" in
  all) targets=(frames handshake endpoint) ;;
  build) targets=(frames handshake endpoint frames_planted) ;;
  frames | handshake | endpoint | frames_planted) targets=("$which") ;;
  *) echo "usage: $0 [frames|handshake|endpoint|all] [seconds] | $0 build" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: seconds must be a whole number above 0, not '$seconds'" >&2
  exit 2
fi

if ! command -v clang++ >/dev/null || [ ! -e "$(clang++ -print-file-name="libclang_rt.fuzzer-$(uname -m).a")" ]; then
  echo "fuzz: needs Debian's clang with libFuzzer: apt-get install -y clang libclang-rt-14-dev" >&2
  exit 1
fi

bash scripts/build-wasm.sh --module-only
build=build/fuzz
if [ ! -e "$build/CMakeCache.txt" ]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  CC=clang CXX=clang++ cmake -S native/fuzz -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel --target "${targets[@]/#/fuzz_}" >/dev/null
if [ "$which" = build ]; then exit 0; fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=0
for target in "${targets[@]}"; do
  seeds=native/fuzz/corpus/${target%_planted}
  found=$build/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/$target.log
  mkdir -p "$found" "$artifacts"
  dict=()
  if [ -e "native/fuzz/${target%_planted}.dict" ]; then dict=("-dict=native/fuzz/${target%_planted}.dict"); fi
  echo "fuzz: $target for ${seconds} s (log: $log)"
  status=0
  "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$found" "$seeds" >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -E '^chatsocket fuzz:|^  module log:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" || true
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz: $target FAILED (exit $status); input: ${crash:-none saved, see $log}"
    if [ -n "$crash" ]; then echo "fuzz: reproduce with $build/fuzz_$target $crash"; fi
  fi
done
exit "$failed"
