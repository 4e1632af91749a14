// The pieces of the Windows deliverable agree: one module name, one handler name and URL pattern, one event
// source, and every file the workflow and the README name exists. The PowerShell scripts cannot run here,
// so they are read: Windows PowerShell 5.1 syntax only, balanced brackets, every function they call known.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import { REPO_ROOT } from "../support/paths";

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const WINDOWS = path.join(REPO_ROOT, "windows");
const scripts = readdirSync(WINDOWS).filter((name) => name.endsWith(".ps1"));

describe("the names the Windows pieces share", () => {
  const common = read("windows/iis-common.ps1");
  const constant = (name: string) => new RegExp(`^\\$${name} = '([^']*)'`, "m").exec(common)?.[1];

  test("install.ps1 and uninstall.ps1 share ChatSocketModule, ChatSocket, *.chatsocket and the chatsocket source", () => {
    assert.equal(constant("ModuleName"), "ChatSocketModule");
    assert.equal(constant("HandlerName"), "ChatSocket");
    assert.equal(constant("HandlerPath"), "*.chatsocket");
    assert.equal(constant("EventSource"), "chatsocket");
    assert.equal(constant("DllName"), "chatsocket.dll");
  });

  for (const config of ["web.config", "examples/site/web.config", "test/fixtures/site/web.config"]) {
    test(`${config} maps *.chatsocket through handler ChatSocket to module ChatSocketModule`, () => {
      const adds = [...read(config).matchAll(/<add\s[^>]*path="\*\.chatsocket"[^>]*>/g)].map((match) => match[0]);
      assert.equal(adds.length, 1, `one *.chatsocket handler in ${config}`);
      assert.match(adds[0], /\sname="ChatSocket"/);
      assert.match(adds[0], /\smodules="ChatSocketModule"/);
      assert.match(adds[0], /\sverb="\*"/); // the module, not IIS, refuses other verbs: with Allow and a reason
      assert.match(adds[0], /\sresourceType="Unspecified"/);
    });
  }

  test("the module writes the event source and IDs the README and the workflow name", () => {
    const eventLog = read("native/iis/event_log.cpp");
    assert.match(eventLog, /RegisterEventSourceW\(nullptr, L"chatsocket"\)/);
    assert.match(eventLog, /kEventError = 1000, kEventWarning = 1001, kEventInfo = 1002/);
    const guide = read("windows/ADMIN.md");
    for (const id of ["1000", "1001", "1002"]) assert.match(guide, new RegExp(`\\*\\*${id}\\*\\*`));
    assert.match(read(".github/workflows/windows.yml"), /ProviderName = 'chatsocket'/);
  });

  test("install.ps1 installs the <chatsocket> schema and declares the section; uninstall.ps1 removes both", () => {
    assert.equal(constant("SectionName"), "chatsocket");
    assert.equal(constant("SchemaFileName"), "chatsocket_schema.xml");
    assert.match(common, /^\$SchemaFolder = Join-Path \$env:windir 'System32\\inetsrv\\config\\schema'$/m);
    const schema = read("windows/chatsocket_schema.xml");
    assert.match(schema, /<sectionSchema name="system\.webServer\/chatsocket">/);
    assert.match(common, /RootSectionGroup\.Item\('system\.webServer'\)/);

    const install = read("windows/install.ps1");
    const installs = /function Install-ConfigSection \{([\s\S]*?)\n\}/.exec(install)?.[1] ?? "";
    assert.match(installs, /Join-Path \$PSScriptRoot \$SchemaFileName/);
    assert.match(installs, /Copy-Item -LiteralPath \$source -Destination \$target/);
    assert.match(installs, /Sections\.AddSection\(\$SectionName\)/);
    assert.match(installs, /OverrideModeDefault = 'Allow'/);
    assert.match(installs, /CommitChanges\(\)/);
    assert.match(install, /\n    Install-ConfigSection\n/, "Install-ChatSocket calls it");

    const uninstall = read("windows/uninstall.ps1");
    const removes = /function Remove-ConfigSection \{([\s\S]*?)\n\}/.exec(uninstall)?.[1] ?? "";
    assert.match(removes, /Sections\.DeleteSection\(\$SectionName\)/);
    assert.match(removes, /CommitChanges\(\)/);
    assert.match(removes, /Remove-Item -LiteralPath \$schema/);
    assert.match(uninstall, /\n        Remove-ConfigSection\n/, "Uninstall-ChatSocket calls it");
  });

  test("the schema's attributes are the endpoint keys README marks as settable for a site, with their defaults", () => {
    const schema = read("windows/chatsocket_schema.xml");
    const attributes = [...schema.matchAll(/<attribute name="(\w+)" type="\w+" defaultValue="([^"]*)"/g)];
    const readme = read("README.md");
    const table = readme.slice(readme.indexOf("## Endpoint files"), readme.indexOf("## kind = chat"));
    const defaults = new Map<string, string>();
    for (const [, first, second, fallback] of table.matchAll(/^\| `(\w+)`(?:, `(\w+)`)? \|.*\| ([^|]*) \| web\.config too \|$/gm)) {
      for (const key of [first, second]) if (key !== undefined) defaults.set(key, fallback);
    }
    assert.deepEqual(attributes.map(([, name]) => name).sort(), [...defaults.keys()].sort());
    for (const [, name, value] of attributes) {
      // An empty default is none: the key keeps the endpoint's own (max_rate's depends on the kind).
      if (value !== "") assert.match(defaults.get(name)!, new RegExp(`(^|\\W)${value}(\\W|$)`), name);
    }
  });

  test("chatsocket.def exports RegisterModule alone", () => {
    const exports = read("native/iis/chatsocket.def").split(/EXPORTS/)[1].trim().split(/\s+/);
    assert.deepEqual(exports, ["RegisterModule"]);
  });

  test("build.ps1 puts the DLLs where install.ps1 looks for them", () => {
    assert.match(read("windows/build.ps1"), /Join-Path \$root "build\\windows\\\$target"/);
    assert.match(read("windows/install.ps1"), /'build\\windows'/);
  });

  test("every script the administrator's guide names is one the package ships (windows/)", () => {
    const named = new Set([...read("windows/ADMIN.md").matchAll(/\b([\w-]+\.ps1)\b/g)].map((m) => m[1]));
    assert.deepEqual([...named].sort(), ["iis-common.ps1", "install.ps1", "uninstall.ps1", "verify.ps1"]);
    for (const file of named) assert.ok(existsSync(path.join(WINDOWS, file)), `ADMIN.md names ${file}`);
  });

  test("the administrator's guide and install.ps1 list the same steps, naming the same things", () => {
    const scriptSteps = numberedSteps(read("windows/install.ps1").split(".PARAMETER")[0]);
    const guide = read("windows/ADMIN.md");
    const guideSteps = numberedSteps(guide.slice(guide.indexOf("## What install.ps1 does"), guide.indexOf("## 32-bit")));
    assert.equal(scriptSteps.length, 8);
    assert.equal(guideSteps.length, scriptSteps.length);
    scriptSteps.forEach((step, index) => {
      const names = [...step.matchAll(NAMED_THING)].map((match) => match[0].replace(/\\/g, "\\"));
      assert.ok(names.length > 0, `step ${index + 1} of install.ps1 names something checkable`);
      for (const name of names) assert.ok(guideSteps[index].includes(name), `step ${index + 1} of ADMIN.md lacks ${name}`);
    });
  });

  test("README.md sends administrators to the guide, and the guide to the scripts' parameters", () => {
    assert.match(read("README.md"), /\(windows\/ADMIN\.md\)/);
    const guide = read("windows/ADMIN.md");
    for (const script of ["install", "uninstall", "verify"]) {
      const parameters = [...read(`windows/${script}.ps1`).matchAll(/^\.PARAMETER (\w+)/gm)].map((m) => m[1]);
      for (const parameter of parameters.filter((name) => !["Message", "TimeoutSeconds"].includes(name))) {
        assert.ok(guide.includes(`-${parameter}`), `ADMIN.md does not mention ${script}.ps1 -${parameter}`);
      }
    }
  });

  for (const document of [".github/workflows/windows.yml", "README.md"]) {
    test(`every script ${document} names exists`, () => {
      const named = new Set(
        [...read(document).matchAll(/\b(windows|scripts)[\\/]([\w.-]+\.(?:ps1|sh))\b/g)].map((m) => `${m[1]}/${m[2]}`),
      );
      assert.ok(named.size > 0);
      for (const file of named) assert.ok(existsSync(path.join(REPO_ROOT, file)), `${document} names ${file}`);
    });
  }
});

/** The items of the first numbered list in `text` ("1. ..." up to the next item), whitespace folded. */
function numberedSteps(text: string): string[] {
  const items = text.split(/^\s*\d\.\s+/m).slice(1);
  return items.map((item) => item.split(/\n\s*\n/)[0].replace(/\s+/g, " "));
}

// What a step names that the guide must name too: files, settings, the module's names, parameters, cmdlets.
const NAMED_THING = /[\w\\%.-]+\.(?:dll|exe|xml)\b|overrideModeDefault|CHATSOCKET_\w+|ChatSocket\w*|\*\.chatsocket|bitness(?:32|64)|(?<![\w-])-[A-Z]\w+|\b[A-Z][a-z]+-Windows\w+|event log source|message table/g;

// Code with strings and comments blanked out (a string becomes ''), enough to check syntax by eye of regex.
function codeOnly(source: string): string {
  let out = "";
  let i = 0;
  const at = (n = 0) => source[i + n] ?? "";
  while (i < source.length) {
    if (at() === "<" && at(1) === "#") {
      const end = source.indexOf("#>", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (at() === "#" && (i === 0 || /[\s;({]/.test(source[i - 1]))) {
      while (i < source.length && at() !== "\n") i++;
    } else if (at() === "'") {
      i++;
      while (i < source.length && !(at() === "'" && at(1) !== "'")) i += at() === "'" ? 2 : 1;
      i++;
      out += "''";
    } else if (at() === '"') {
      i++;
      while (i < source.length && at() !== '"') i += at() === "`" ? 2 : at() === '"' && at(1) === '"' ? 2 : 1;
      i++;
      out += "''";
    } else {
      out += at();
      i++;
    }
  }
  return out;
}

const CMDLETS = new Set(
  [
    "Add-Member", "Copy-Item", "ForEach-Object", "Format-List", "Format-Table", "Get-ChildItem", "Get-CimInstance",
    "Get-Command", "Get-Content", "Get-Date", "Get-FileHash", "Get-Item", "Get-ItemProperty", "Get-WinEvent",
    "Join-Path", "Move-Item", "New-Item", "New-ItemProperty", "New-Object", "Out-Null", "Out-String", "Remove-Item", "Resolve-Path",
    "Select-Object", "Set-StrictMode", "Split-Path", "Start-Sleep", "Test-Path", "Where-Object", "Write-Host",
  ].map((name) => name.toLowerCase()),
);

describe("the PowerShell scripts", () => {
  const common = codeOnly(read("windows/iis-common.ps1"));
  for (const script of scripts) {
    const code = codeOnly(read(`windows/${script}`));

    test(`${script} uses no PowerShell 7 operators (??, ?., &&, ||, ternary)`, () => {
      for (const line of code.split("\n")) {
        assert.doesNotMatch(line, /\?\?|\?\.|&&|\|\||\s\?\s+\S+\s+:\s/, line);
      }
    });

    test(`${script} has balanced brackets`, () => {
      const stack: string[] = [];
      const pairs: Record<string, string> = { ")": "(", "}": "{", "]": "[" };
      code.split("\n").forEach((line, index) => {
        for (const char of line) {
          if ("({[".includes(char)) stack.push(char);
          if (char in pairs) assert.equal(stack.pop(), pairs[char], `${script}: unbalanced '${char}' on code line ${index + 1}`);
        }
      });
      assert.deepEqual(stack, [], `${script}: unclosed brackets`);
    });

    test(`${script} calls only functions it defines, iis-common.ps1 defines, or PowerShell has`, () => {
      const defined = new Set(
        [...(code + common).matchAll(/\bfunction\s+([\w-]+)/gi)].map((match) => match[1].toLowerCase()),
      );
      const called = new Set([...code.matchAll(/(?<![\w$-])([A-Z][a-z]+-[A-Z][A-Za-z]+)\b/g)].map((match) => match[1]));
      const unknown = [...called].filter((name) => !defined.has(name.toLowerCase()) && !CMDLETS.has(name.toLowerCase()));
      assert.deepEqual(unknown, []);
    });
  }
});
