#!/usr/bin/env bash
# The Windows module cross-built on Linux with mingw-w64, then its tests run under Wine:
#   build/mingw/native/iis/chatsocket.dll       x64, RegisterModule exported by chatsocket.def, static C++ runtime
#   build/mingw-x86/native/iis/chatsocket.dll   x86, the same (RegisterModule undecorated: see chatsocket.def)
# Tests (ctest, each .exe under wine64): the runtime and core suites (the real generated Wasm C) and
# cs_module_dll_tests (the DLL loaded and registered as IIS does, its message table and version block).
# x86 builds the same targets but runs no tests: Debian's wine64 cannot run 32-bit programs.
#
#   scripts/build-windows.sh [--arch x64|x86]              build, then run the tests under Wine (x64 only)
#   scripts/build-windows.sh [--arch x64|x86] --no-tests   build only
#
# Debian packages: g++-mingw-w64-x86-64 or g++-mingw-w64-i686 (their -posix compilers), cmake, wabt,
# doctest-dev; wine64 for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--arch x64|x86] [--no-tests]" >&2; exit 2; }
run_tests=1
arch=x64
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tests) run_tests=0 ;;
    --arch) [ $# -ge 2 ] || usage; arch=$2; shift ;;
    *) usage ;;
  esac
  shift
done
case "$arch" in
  x64) build=build/mingw triple=x86_64-w64-mingw32 package=g++-mingw-w64-x86-64 ;;
  x86) build=build/mingw-x86 triple=i686-w64-mingw32 package=g++-mingw-w64-i686 ;;
  *) usage ;;
esac
toolchain=cmake/mingw-w64-${triple%%-*}.cmake
if [ "$arch" = x86 ] && [ "$run_tests" = 1 ]; then
  echo "build-windows: x86: building only, Debian's wine64 cannot run 32-bit programs"
  run_tests=0
fi

wine=$(command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
missing=()
command -v "$triple-g++-posix" >/dev/null || missing+=("$package")
command -v cmake >/dev/null || missing+=(cmake)
command -v wasm2c >/dev/null || missing+=(wabt)
[ -e /usr/include/doctest/doctest.h ] || missing+=(doctest-dev)
if [ "$run_tests" = 1 ] && [ -z "$wine" ]; then missing+=(wine64); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-windows: missing Debian packages: ${missing[*]}" >&2
  echo "build-windows: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# The generated C is the same for every target; this step is a no-op when it is up to date.
bash scripts/build-wasm.sh

generator=()
if [ ! -e "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only what this script ships or runs: the compat slot-order check is the Linux build's job.
cmake --build "$build" -j2 --target chatsocket chatsocket-cat cs_runtime_tests cs_core_tests cs_process_tests cs_module_dll_tests cs_event_log_probe
echo "build-windows: $build/native/iis/chatsocket.dll"

[ "$run_tests" = 1 ] || exit 0
# A prefix of our own inside the build folder; no Mono/Gecko installer prompts, no debug chatter.
export WINEPREFIX="$PWD/$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml="
if [ ! -e "$WINEPREFIX/system.reg" ]; then
  echo "build-windows: creating the Wine prefix $WINEPREFIX"
  "$wine" wineboot --init >/dev/null 2>&1 || true
fi
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=wineserver
"$wineserver" -w 2>/dev/null || true
ctest --test-dir "$build" -R '^(cs_runtime_tests|cs_core_tests|cs_process_tests|cs_module_dll_tests)$' --output-on-failure
