// The zip an IIS administrator installs from (scripts/package-windows.sh): its exact files, checksums that
// hold, and binaries of the right architecture that need nothing beside them but Windows.
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe } from "node:test";

import { REPO_ROOT } from "../support/paths";
import { SKIP_WINDOWS, isSystemDll, readPe, windowsTest } from "./mingw";

const VERSION: string = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;
const TOP = `chatsocket-${VERSION}-windows`;
const ZIP_NAME = `${TOP}.zip`;
const BINARIES = ["x64/chatsocket.dll", "x64/chatsocket-cat.exe", "x86/chatsocket.dll", "x86/chatsocket-cat.exe"];
const ARCHES = [
  { arch: "x64", format: "pei-x86-64", magic: /\(PE32\+\)/ },
  { arch: "x86", format: "pei-i386", magic: /\(PE32\)/ },
];

function packageWindows(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync("bash", [path.join(REPO_ROOT, "scripts", "package-windows.sh"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

function python(script: string, ...args: string[]): string {
  const result = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}

const zipEntries = (zip: string) =>
  python("import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", zip).trim().split("\n");

const unzip = (zip: string, into: string) =>
  python("import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zip, into);

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const relative = prefix + name;
    return statSync(path.join(dir, name)).isDirectory() ? filesUnder(path.join(dir, name), `${relative}/`) : [relative];
  });
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("the Windows package (scripts/package-windows.sh)", () => {
  let work: string;
  let result: SpawnSyncReturns<string>;
  let entries: string[];
  let unpacked: string;
  const file = (relative: string) => path.join(unpacked, TOP, relative);

  before(() => {
    if (SKIP_WINDOWS) return;
    work = realpathSync(mkdtempSync(path.join(tmpdir(), "chatsocket-package-")));
    result = packageWindows("--out", path.join(work, "out"));
    assert.equal(result.status, 0, `package-windows.sh failed:\n${result.stdout}\n${result.stderr}`);
    entries = zipEntries(path.join(work, "out", ZIP_NAME));
    unpacked = path.join(work, "unpacked");
    unzip(path.join(work, "out", ZIP_NAME), unpacked);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  windowsTest("prints one line naming the zip", () => {
    assert.equal(result.stdout, `package-windows: ${path.join(work, "out", ZIP_NAME)}\n`);
  });

  windowsTest("holds exactly the binaries, the scripts, the sample site, the guide and SHA256SUMS", () => {
    const site = filesUnder(path.join(REPO_ROOT, "examples", "site")).map((name) => `site/${name}`);
    const license = existsSync(path.join(REPO_ROOT, "LICENSE")) ? ["LICENSE"] : [];
    const expected = [
      ...BINARIES,
      ...["install.ps1", "uninstall.ps1", "verify.ps1", "iis-common.ps1", "chatsocket_schema.xml", "README.md", "SHA256SUMS"],
      ...license,
      ...site,
    ].map((name) => `${TOP}/${name}`);
    const files = entries.filter((entry) => !entry.endsWith("/"));
    assert.deepEqual([...files].sort(), expected.sort());
    assert.ok(entries.every((entry) => entry.startsWith(`${TOP}/`)), `one top folder: ${entries}`);
  });

  windowsTest("lists its entries sorted, so the same files give the same listing", () => {
    assert.deepEqual(entries, [...entries].sort());
  });

  windowsTest("SHA256SUMS gives the real SHA-256 of every other file", () => {
    const lines = readFileSync(file("SHA256SUMS"), "utf8").trimEnd().split("\n");
    const listed = lines.map((line) => {
      const match = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
      assert.ok(match, `not a sha256sum line: ${line}`);
      assert.equal(sha256(file(match[2])), match[1], `SHA-256 of ${match[2]}`);
      return match[2];
    });
    const others = filesUnder(path.join(unpacked, TOP)).filter((name) => name !== "SHA256SUMS");
    assert.deepEqual([...listed].sort(), others.sort());
  });

  for (const { arch, format, magic } of ARCHES) {
    windowsTest(`${arch}/chatsocket.dll is an ${arch} DLL exporting RegisterModule undecorated and nothing else`, () => {
      const pe = readPe(file(`${arch}/chatsocket.dll`));
      assert.equal(pe.format, format);
      assert.match(pe.magic, magic);
      assert.deepEqual(pe.exports, ["RegisterModule"]);
    });

    for (const binary of ["chatsocket.dll", "chatsocket-cat.exe"]) {
      windowsTest(`${arch}/${binary} imports only system DLLs (no libstdc++, libgcc or libwinpthread)`, () => {
        const pe = readPe(file(`${arch}/${binary}`));
        assert.equal(pe.format, format);
        assert.ok(pe.imports.length > 0, "no import table found");
        const foreign = pe.imports.filter((name) => !isSystemDll(name));
        assert.deepEqual(foreign, [], `imports DLLs a server does not have (link the mingw runtime statically)`);
      });
    }
  }

  windowsTest("has install.ps1, the sample site's web.config and echo endpoint, and the guide as README.md", () => {
    for (const name of ["install.ps1", "site/web.config", "site/echo.chatsocket", "README.md"]) {
      assert.ok(existsSync(file(name)), `${name} is in the package`);
    }
    const readme = readFileSync(file("README.md"), "utf8");
    assert.equal(readme, readFileSync(path.join(REPO_ROOT, "windows", "ADMIN.md"), "utf8"));
    assert.match(readme, /\binstall\.ps1\b/);
    assert.match(readme, /\bverify\.ps1\b/);
  });

  windowsTest("--bin-dir packs prebuilt binaries (the MSVC ones) into the same layout", () => {
    const bin = path.join(work, "bin");
    for (const name of BINARIES) cpSync(file(name), path.join(bin, name));
    const again = packageWindows("--bin-dir", bin, "--out", path.join(work, "again"));
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(zipEntries(path.join(work, "again", ZIP_NAME)), entries);
  });

  windowsTest("--bin-dir refuses a DLL in the other architecture's folder", () => {
    const swapped = path.join(work, "swapped");
    for (const name of BINARIES) cpSync(file(name), path.join(swapped, name));
    cpSync(file("x86/chatsocket.dll"), path.join(swapped, "x64/chatsocket.dll"));
    const refused = packageWindows("--bin-dir", swapped, "--out", path.join(work, "refused"));
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /x64\/chatsocket\.dll is not x64/);
    assert.ok(!existsSync(path.join(work, "refused", ZIP_NAME)), "no zip is written");
  });
});
