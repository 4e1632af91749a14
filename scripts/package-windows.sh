#!/usr/bin/env bash
# The Windows package an IIS administrator installs from: dist/chatsocket-<version>-windows.zip, holding
# one folder chatsocket-<version>-windows/ with
#   x64/ and x86/   chatsocket.dll and chatsocket-cat.exe (install.ps1 finds them beside itself)
#   install.ps1, uninstall.ps1, verify.ps1, iis-common.ps1, chatsocket_schema.xml   from windows/
#   site/           the sample site (examples/site)
#   README.md       windows/ADMIN.md, the administrator's guide
#   LICENSE         when the repository has one
#   SHA256SUMS      sha256sum of every other file
#
#   scripts/package-windows.sh                  build both mingw-w64 DLLs (scripts/build-windows.sh), then pack
#   scripts/package-windows.sh --bin-dir DIR    pack DIR/{x64,x86}/{chatsocket.dll,chatsocket-cat.exe} (MSVC builds)
#   --out DIR                                   write the zip into DIR instead of dist/
#
# Debian packages: zip, python3; to build the DLLs, those scripts/build-windows.sh names (both architectures).
set -euo pipefail

usage() { echo "usage: $0 [--bin-dir DIR] [--out DIR]" >&2; exit 2; }
bin_dir=
out_dir=
while [ $# -gt 0 ]; do
  case "$1" in
    # Relative to where the script was started, as a user would expect.
    --bin-dir) [ $# -ge 2 ] || usage; bin_dir=$(realpath -m -- "$2"); shift ;;
    --out) [ $# -ge 2 ] || usage; out_dir=$(realpath -m -- "$2"); shift ;;
    *) usage ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
out_dir=${out_dir:-$PWD/dist}

missing=()
command -v zip >/dev/null || missing+=(zip)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "package-windows: missing Debian packages: ${missing[*]}" >&2
  echo "package-windows: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# The guide is written beside the code; a package without it would leave the administrator guessing.
if [ ! -f windows/ADMIN.md ]; then
  echo "package-windows: windows/ADMIN.md (the package's README.md) is missing" >&2
  exit 1
fi

version=$(python3 -c 'import json; print(json.load(open("package.json"))["version"])')
name=chatsocket-$version-windows

if [ -z "$bin_dir" ]; then
  # The build's progress on stderr: stdout names the package alone.
  bash scripts/build-windows.sh --arch x64 --no-tests >&2
  bash scripts/build-windows.sh --arch x86 --no-tests >&2
fi
# The built file of each architecture and name: from DIR/<arch>/, or where the mingw build leaves it.
built() {
  if [ -n "$bin_dir" ]; then
    echo "$bin_dir/$1/$2"
  else
    local build=build/mingw
    [ "$1" = x64 ] || build=build/mingw-x86
    case "$2" in
      chatsocket.dll) echo "$build/native/iis/$2" ;;
      chatsocket-cat.exe) echo "$build/native/process/$2" ;;
    esac
  fi
}

# The PE header's Machine field (0x8664 x64, 0x14c x86): a DLL of the wrong bitness in a folder stops every
# worker process that loads it, so a mix-up stops here rather than on a server.
pe_machine() {
  local pe_offset
  pe_offset=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
  od -An -tx2 -j$((pe_offset + 4)) -N2 "$1" | tr -d ' '
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
mkdir -p "$root/x64" "$root/x86"
for arch in x64 x86; do
  expected=8664
  [ "$arch" = x64 ] || expected=014c
  for file in chatsocket.dll chatsocket-cat.exe; do
    source=$(built "$arch" "$file")
    [ -f "$source" ] || { echo "package-windows: $source is missing" >&2; exit 1; }
    machine=$(pe_machine "$source")
    [ "$machine" = "$expected" ] || { echo "package-windows: $source is not $arch (PE machine 0x$machine)" >&2; exit 1; }
    cp "$source" "$root/$arch/$file"
  done
done
cp windows/install.ps1 windows/uninstall.ps1 windows/verify.ps1 windows/iis-common.ps1 windows/chatsocket_schema.xml "$root/"
cp -R examples/site "$root/site"
cp windows/ADMIN.md "$root/README.md"
if [ -f LICENSE ]; then cp LICENSE "$root/"; fi
chmod -R u=rwX,go=rX "$root"
(cd "$root" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | tr '\n' '\0' | xargs -0 sha256sum >SHA256SUMS)

mkdir -p "$out_dir"
zip_path=$out_dir/$name.zip
rm -f "$zip_path" # zip adds to an existing archive
# Sorted entries, no extra fields (-X): the same files give the same listing.
(cd "$stage" && find "$name" | LC_ALL=C sort | zip -X -q "$zip_path" -@)
echo "package-windows: ${zip_path#"$PWD"/}"
