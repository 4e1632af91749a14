#!/usr/bin/env bash
# Brings a fresh machine of our kind (Debian bookworm, Node 20) to the point where `npm start` and
# `npm test` work: Debian packages, npm packages, then an incremental build. Cheap when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# wabt: wasm2c 1.0.32; libasio/pugixml/doctest: the host and the C++ tests; mingw + wine64: the Windows DLL,
# cross-built and tested under Wine; clang-format: the one C++ dialect of native/, checked by a test;
# websocketd: the process bridge's peer in bench/process.ts; chromium: the browser the demo page is tested in
# (test/browser, driven by playwright-core).
packages=(wabt cmake ninja-build g++ make python3 libasio-dev libpugixml-dev doctest-dev g++-mingw-w64-x86-64 wine64
  clang-format websocketd chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

npm run --silent build
