<#
.SYNOPSIS
Builds chatsocket.dll with MSVC (Visual Studio 2022 and its Windows SDK) for x64 and x86, into
build\windows\x64\chatsocket.dll and build\windows\x86\chatsocket.dll, where install.ps1 looks.

.DESCRIPTION
The C that wasm2c generates from build/chatsocket.wasm is made on Linux with Debian bookworm's wabt 1.0.32
(the version native/runtime implements): run windows/pack-generated-c.sh there (WSL works), or take the
"windows-sources" artifact of the windows workflow, and pass that folder as -GeneratedC.
Needs CMake 3.20 or later on PATH (a "Developer PowerShell for VS 2022" has one), and zlib (permessage-deflate),
linked statically: from vcpkg (VCPKG_ROOT or VCPKG_INSTALLATION_ROOT, as on GitHub's Windows runners; the
script installs zlib:x64-windows-static and zlib:x86-windows-static there), or from -ZlibRoot.

.PARAMETER GeneratedC
Folder with chatsocket.c, chatsocket.h and wasm-rt.h (and doctest\doctest.h for -Tests).
Default: build\windows-sources in this repository.

.PARAMETER Arch
x64, x86 or both (default).

.PARAMETER Tests
Also build and run the core unit tests (native/core/tests) with MSVC.

.PARAMETER ZlibRoot
A zlib of your own, built as a static library with /MT: the folder holding include\zlib.h and lib\zlib.lib
(for both architectures, pass -Arch too). Default: vcpkg's.

.EXAMPLE
.\windows\build.ps1 -GeneratedC C:\drop\windows-sources
#>
[CmdletBinding()]
param(
    [string]$GeneratedC,
    [ValidateSet('x64', 'x86', 'both')][string]$Arch = 'both',
    [ValidateSet('Release', 'RelWithDebInfo', 'Debug')][string]$Config = 'Release',
    [switch]$Tests,
    [string]$ZlibRoot
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

function Stop-WithError([string]$Text) {
    Write-Host "chatsocket build: $Text" -ForegroundColor Red
    exit 1
}

# Runs a native command; stops with its name if it fails.
function Invoke-Native([string]$What, [string]$Command, [string[]]$Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { Stop-WithError "$What failed (exit code $LASTEXITCODE)." }
}

$root = Split-Path -Parent $PSScriptRoot
if (-not $GeneratedC) { $GeneratedC = Join-Path $root 'build\windows-sources' }
if (-not (Test-Path -LiteralPath $GeneratedC -PathType Container)) {
    Stop-WithError "$GeneratedC is not a folder. Make it on Linux with windows/pack-generated-c.sh (Debian bookworm or WSL), or download the windows-sources artifact of the windows workflow."
}
$GeneratedC = (Resolve-Path -LiteralPath $GeneratedC).ProviderPath
foreach ($file in 'chatsocket.c', 'chatsocket.h', 'wasm-rt.h') {
    if (-not (Test-Path -LiteralPath (Join-Path $GeneratedC $file))) {
        Stop-WithError "$GeneratedC has no $file. Make the folder on Linux with windows/pack-generated-c.sh (Debian bookworm or WSL), or download the windows-sources artifact of the windows workflow."
    }
}
if ($Tests -and -not (Test-Path -LiteralPath (Join-Path $GeneratedC 'doctest\doctest.h'))) {
    Stop-WithError "-Tests needs $GeneratedC\doctest\doctest.h (pack-generated-c.sh copies it when doctest-dev is installed)."
}
if (-not (Get-Command cmake -ErrorAction SilentlyContinue)) {
    Stop-WithError 'cmake is not on PATH: install CMake 3.20 or later, or use a "Developer PowerShell for VS 2022".'
}

$vcpkg = $env:VCPKG_ROOT
if (-not $vcpkg) { $vcpkg = $env:VCPKG_INSTALLATION_ROOT }
if (-not $ZlibRoot -and -not $vcpkg) {
    Stop-WithError 'zlib is needed (permessage-deflate): install vcpkg and set VCPKG_ROOT, or pass -ZlibRoot with a static zlib built with /MT.'
}

$arches = @($Arch)
if ($Arch -eq 'both') { $arches = @('x64', 'x86') }
foreach ($target in $arches) {
    $platform = 'x64'
    if ($target -eq 'x86') { $platform = 'Win32' }
    $buildDir = Join-Path $root "build\msvc-$target"
    $configure = @('-S', $root, '-B', $buildDir, '-G', 'Visual Studio 17 2022', '-A', $platform,
        "-DCHATSOCKET_WASM2C_DIR=$GeneratedC", "-DCHATSOCKET_WASM_RT_INCLUDE_DIR=$GeneratedC")
    if ($ZlibRoot) {
        $configure += @("-DZLIB_ROOT=$ZlibRoot")
    } else {
        # The static triplets build with /MT, as chatsocket does: the DLL needs no runtime DLL beside it.
        $triplet = "$target-windows-static"
        # hiredis: the chat rooms' Redis backplane (CHATSOCKET_REDIS); without it the DLL says it has none.
        Invoke-Native "vcpkg install zlib:$triplet hiredis:$triplet" (Join-Path $vcpkg 'vcpkg.exe') @('install', "zlib:$triplet", "hiredis:$triplet")
        $configure += @("-DCMAKE_TOOLCHAIN_FILE=$(Join-Path $vcpkg 'scripts\buildsystems\vcpkg.cmake')",
            "-DVCPKG_TARGET_TRIPLET=$triplet")
    }
    $targets = @('chatsocket', 'chatsocket-cat')
    if ($Tests) {
        $configure += @('-DCHATSOCKET_TESTS=ON', "-DDOCTEST_INCLUDE_DIR=$GeneratedC")
        $targets += @('cs_core_tests', 'cs_process_tests')
    } else {
        $configure += '-DCHATSOCKET_TESTS=OFF'
    }
    Write-Host "chatsocket build: $target ($platform, $Config) in $buildDir"
    Invoke-Native 'CMake configure' 'cmake' $configure
    Invoke-Native 'the MSVC build' 'cmake' (@('--build', $buildDir, '--config', $Config, '--parallel', '--target') + $targets)

    $dll = Join-Path $buildDir "native\iis\$Config\chatsocket.dll"
    $out = Join-Path $root "build\windows\$target"
    New-Item -ItemType Directory -Force -Path $out | Out-Null
    Copy-Item -LiteralPath $dll -Destination $out -Force
    # The line-echo program of the kind = process examples, installed beside the DLL by install.ps1.
    Copy-Item -LiteralPath (Join-Path $buildDir "native\process\$Config\chatsocket-cat.exe") -Destination $out -Force
    Write-Host "chatsocket build: $(Join-Path $out 'chatsocket.dll') and chatsocket-cat.exe" -ForegroundColor Green

    if ($Tests) {
        Invoke-Native "the core tests ($target)" (Join-Path $buildDir "native\core\tests\$Config\cs_core_tests.exe") @()
        Invoke-Native "the process tests ($target)" (Join-Path $buildDir "native\process\tests\$Config\cs_process_tests.exe") @()
    }
}
