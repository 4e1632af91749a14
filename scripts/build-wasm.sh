#!/usr/bin/env bash
# AssemblyScript -> build/chatsocket.wasm -> wasm2c -> build/wasm2c/chatsocket.{c,h}, plus
# build/test/protocol.wasm (the protocol primitives alone, for unit tests only).
# Skips each step whose inputs are older than its output, so a rebuild with nothing changed is instant.
# --module-only: not the unit tests' protocol.wasm (what `npm start` needs).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/wasm2c build/test
wasm=build/chatsocket.wasm
csrc=build/wasm2c/chatsocket.c
testwasm=build/test/protocol.wasm

# The ABI's constants have one source (src/abi.json); a copy that disagrees stops the build here.
node scripts/gen-abi.mjs --check >/dev/null

newer_than() { [ ! -e "$2" ] || [ -n "$(find "$1" -newer "$2" -type f -print -quit)" ]; }

if newer_than src "$wasm" || [ package.json -nt "$wasm" ] || [ scripts/build-wasm.sh -nt "$wasm" ]; then
  # No SIMD: Debian's wasm2c 1.0.32 cannot translate it. abort() goes to env.abort, which traps natively.
  npx asc src/abi.ts --config src/asconfig.json --target release
fi
if [ "$wasm" -nt "$csrc" ] || [ ! -e "$csrc" ]; then
  wasm2c "$wasm" -n chatsocket -o "$csrc"
fi
if [ "${1:-}" != --module-only ] && { newer_than src "$testwasm" || [ scripts/build-wasm.sh -nt "$testwasm" ]; }; then
  npx asc src/testing/protocol_exports.ts -O3 --runtime stub --disable simd -o "$testwasm"
fi
