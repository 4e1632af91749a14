// Shared by the test/windows suites: the mingw-w64 cross build (scripts/build-windows.sh) and Wine.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { BUILD_DIR, REPO_ROOT } from "../support/paths";

export const MINGW_BUILD = path.join(BUILD_DIR, "mingw");
export const MINGW_DLL = path.join(MINGW_BUILD, "native", "iis", "chatsocket.dll");
export const EVENT_LOG_PROBE = path.join(MINGW_BUILD, "native", "iis", "windows_tests", "cs_event_log_probe.exe");
export const WINE_PREFIX = path.join(MINGW_BUILD, "wineprefix");

/** `CHATSOCKET_SKIP_WINDOWS=1` skips these suites on purpose; otherwise a missing tool is a failure. */
export const SKIP_WINDOWS = process.env.CHATSOCKET_SKIP_WINDOWS === "1" ? "CHATSOCKET_SKIP_WINDOWS=1" : false;

/** A test of the Windows build. Skipped one by one, not by suite: a skipped describe hides its tests from the
 * summary's count, and a skip must show there with its reason. */
export const windowsTest = (name: string, fn: () => void) => test(name, { skip: SKIP_WINDOWS }, fn);

function onPath(command: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export function wineBinary(): string {
  const wine = onPath("wine64") ?? (existsSync("/usr/lib/wine/wine64") ? "/usr/lib/wine/wine64" : undefined);
  if (!wine) throw new Error("wine64 is not installed: apt-get install -y --no-install-recommends wine64");
  return wine;
}

export function objdumpBinary(): string {
  const objdump = onPath("x86_64-w64-mingw32-objdump");
  if (!objdump) throw new Error("x86_64-w64-mingw32-objdump is missing: apt-get install -y g++-mingw-w64-x86-64");
  return objdump;
}

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync("bash", [path.join(REPO_ROOT, "scripts", "build-windows.sh"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

function explain(result: SpawnSyncReturns<string>): string {
  return `scripts/build-windows.sh failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`;
}

/** The DLL and the test executables, built if anything changed (ninja makes a second call cheap). */
export function buildMingw(): void {
  const result = run(["--no-tests"]);
  if (result.status !== 0) throw new Error(explain(result));
}

/** Build, then the ctest suites under Wine; returns ctest's report. */
export function buildAndTestUnderWine(): string {
  const result = run([]);
  if (result.status !== 0) throw new Error(explain(result));
  return result.stdout;
}

export function wineEnvironment(debug = "-all"): NodeJS.ProcessEnv {
  return { ...process.env, WINEPREFIX: WINE_PREFIX, WINEDEBUG: debug, WINEDLLOVERRIDES: "mscoree=;mshtml=" };
}

// Lower case. ADVAPI32 for the Event Log; OLEAUT32 for the BSTRs and VARIANTs of IIS's configuration API;
// msvcrt is the C runtime mingw-w64 links against (a system DLL).
const SYSTEM_DLLS = new Set([
  "kernel32.dll",
  "advapi32.dll",
  "oleaut32.dll",
  "msvcrt.dll",
  "ws2_32.dll",
  "ntdll.dll",
  "bcrypt.dll",
]);
/** A DLL every Windows has, so nothing needs installing beside the file that imports it. */
export const isSystemDll = (name: string) =>
  SYSTEM_DLLS.has(name.toLowerCase()) || /^api-ms-win-[a-z0-9-]+\.dll$/i.test(name);

export interface PeFacts {
  format: string; // objdump's: pei-x86-64 or pei-i386
  magic: string;
  dllCharacteristics: number;
  imports: string[];
  exports: string[];
}

/** A PE file's headers as objdump -p reads them (the x86_64 objdump reads pei-i386 too). */
export function readPe(file: string): PeFacts {
  const dump = spawnSync(objdumpBinary(), ["-p", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (dump.status !== 0) throw new Error(`objdump -p ${file} failed: ${dump.stderr}`);
  const text = dump.stdout;
  const exportTable = text.split("[Ordinal/Name Pointer] Table")[1]?.split(/\n\s*\n/)[0] ?? "";
  return {
    format: /file format (\S+)/.exec(text)?.[1] ?? "",
    magic: /^Magic\s+(.+)$/m.exec(text)?.[1].trim() ?? "",
    dllCharacteristics: parseInt(/^DllCharacteristics\s+([0-9a-f]+)/m.exec(text)?.[1] ?? "0", 16),
    imports: [...text.matchAll(/^\s*DLL Name: (\S+)/gm)].map((match) => match[1]),
    exports: [...exportTable.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((match) => match[1]),
  };
}
