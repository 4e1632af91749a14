#!/usr/bin/env bash
# Brings a fresh machine of our kind (Debian bookworm, Node 20) to the point where `npm start` and
# `npm test` work: Debian packages, npm packages, then an incremental build. Cheap when nothing is missing.
#
#   scripts/setup.sh serve   what `npm start` serves: the module, the host and its Node binding, chatsocket-cat
#   scripts/setup.sh         everything, the C++ test programs included (`npm test`, the benches)
#
# One line per stage; a stage that fails prints its tool's whole output.
set -euo pipefail
cd "$(dirname "$0")/.."

scope=${1:-all}
case "$scope" in
  serve | all) ;;
  *) echo "usage: $0 [serve|all]" >&2; exit 2 ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# stage "what" command...: runs the command with its output in $log; prints one line, or the log on failure.
stage() {
  local what=$1 started
  shift
  started=$(date +%s%N)
  printf 'setup: %s ... ' "$what"
  if "$@" >"$log" 2>&1; then
    printf 'ok (%s s)\n' "$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')"
  else
    echo "FAILED"
    cat "$log" >&2
    exit 1
  fi
}

# wabt: wasm2c 1.0.32; libasio/pugixml/doctest: the host and the C++ tests; mingw + wine64: the Windows DLLs,
# cross-built (x64 and x86), the x64 one tested under Wine; zip: `npm run package`; clang-format: the one C++
# dialect of native/, checked by a test; websocketd: the process bridge's peer in bench/process.ts; chromium:
# the browser the demo page is tested in (test/browser, driven by playwright-core); clang + libclang-rt-14-dev
# (libFuzzer and its sanitizer runtimes, which bookworm's clang does not pull in): scripts/fuzz.sh; zlib for
# permessage-deflate, native and for mingw-w64 (linked statically into the DLL); hiredis and redis-server: the
# chat rooms' Redis backplane and its tests (test/integration/backplane.test.ts, bench/backplane.ts).
packages=(wabt cmake ninja-build g++ make python3 libasio-dev libpugixml-dev doctest-dev g++-mingw-w64-x86-64
  g++-mingw-w64-i686 zip wine64 clang-format websocketd chromium clang libclang-rt-14-dev zlib1g-dev
  libz-mingw-w64-dev libhiredis-dev redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Commands run by `stage` are an if's condition, where bash ignores set -e: each failure is returned by hand.
install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || return 1
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  stage "installing Debian packages ${missing[*]}" install_packages
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  stage "npm ci" npm ci --no-audit --no-fund
fi

if [ "$scope" = serve ]; then
  stage "Wasm (asc, wasm2c)" bash scripts/build-wasm.sh --module-only
else
  stage "Wasm (asc, wasm2c)" bash scripts/build-wasm.sh
fi

build_native() {
  if [ ! -e build/native/CMakeCache.txt ]; then npx cmake-js configure --out build/native || return 1; fi
  if [ "$scope" = serve ]; then
    cmake --build build/native --config Release --target chatsocket chatsocket_host chatsocket-cat
  else
    cmake --build build/native --config Release
  fi
}
if [ "$scope" = serve ]; then
  stage "native (module, host, Node binding)" build_native
else
  stage "native (module, host, Node binding, C++ tests)" build_native
fi

# tsc takes over a second even with nothing to do: skip it when no input changed since its last success. The
# stamp holds the list of inputs (a rename keeps a file's time) and is dated from before tsc started (a file
# saved while it ran counts as changed).
compile_typescript() {
  local stamp=build/js/.compiled inputs
  inputs=$(find test bench scripts -name '*.ts' | sort)
  if [ -e "$stamp" ] && [ -d build/js/test ] && [ "$(cat "$stamp")" = "$inputs" ] &&
    [ -z "$(find test bench scripts -newer "$stamp" -name '*.ts' -print -quit)" ] &&
    [ ! tsconfig.json -nt "$stamp" ] && [ ! package-lock.json -nt "$stamp" ]; then
    return 0
  fi
  mkdir -p build/js
  printf '%s' "$inputs" >"$stamp.next"
  npx tsc -p tsconfig.json || return 1
  mv "$stamp.next" "$stamp"
}
stage "TypeScript (tests, benches, scripts)" compile_typescript
