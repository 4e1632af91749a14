#!/usr/bin/env bash
# Everything the MSVC build (windows/build.ps1) takes from Linux, in one folder to copy or upload:
#   chatsocket.c, chatsocket.h   the C that Debian bookworm's wasm2c 1.0.32 generated from build/chatsocket.wasm
#   wasm-rt.h                    the runtime header that C was generated against (native/runtime implements it)
#   doctest/doctest.h            for `build.ps1 -Tests` (the core suite under MSVC)
# The generated C is plain C99 and the same for every target, so one Linux step serves x64, x86 and mingw.
#
#   windows/pack-generated-c.sh [FOLDER]    default build/windows-sources
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/windows-sources}

version=$(wasm2c --version 2>/dev/null || true)
if [ "$version" != 1.0.32 ]; then
  echo "pack-generated-c: wasm2c ${version:-is missing}; native/runtime is written against 1.0.32 (Debian bookworm: apt-get install wabt)" >&2
  exit 1
fi
header=/usr/src/wasm2c/wasm-rt.h
[ -e "$header" ] || header=/usr/include/wasm-rt.h

bash scripts/build-wasm.sh
mkdir -p "$out"
cp build/wasm2c/chatsocket.c build/wasm2c/chatsocket.h "$header" "$out/"
if [ -e /usr/include/doctest/doctest.h ]; then
  mkdir -p "$out/doctest"
  cp /usr/include/doctest/doctest.h "$out/doctest/"
fi
echo "pack-generated-c: $out (wasm2c $version)"
