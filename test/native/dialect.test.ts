// native/ speaks one C++ dialect: one format (.clang-format), one spelling for constants, and no two types
// of one name in one namespace (two binaries' worth of code would break the one-definition rule once
// linked together, as the tests link the core and the host).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import { REPO_ROOT } from "../support/paths";

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return /\.(cpp|h)$/.test(entry.name) ? [relative] : [];
  });
}

/** Our own C++: not generated, not the SDK's vocabulary (native/compat keeps httpserv.h's names). */
const ours = sources("native").filter((file) => {
  const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
  return !/GENERATED/.test(text.split("\n", 3).join("\n")) && !file.startsWith(path.join("native", "compat"));
});

/** Strips comments and string literals, so only code is looked at. */
function code(file: string): string {
  return readFileSync(path.join(REPO_ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""');
}

describe("the C++ dialect of native/", () => {
  test("every file matches .clang-format", () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "scripts", "format.mjs"), "--check"], {
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
  });

  test("constants and enumerators are spelled kCamelCase", () => {
    const offenders: string[] = [];
    for (const file of ours) {
      const text = code(file);
      for (const m of text.matchAll(/\bconstexpr\s+[\w:<>,\s*]+?\s(\w+)\s*(?:=|\[|\{)/g)) {
        if (!/^k[A-Z]/.test(m[1])) offenders.push(`${file}: constexpr ${m[1]}`);
      }
      for (const m of text.matchAll(/\benum\s+(?:class\s+)?(\w*)\s*(?::\s*\w+\s*)?\{([^}]*)\}/g)) {
        for (const item of m[2].split(",")) {
          const name = item.split("=")[0].trim();
          if (name && !/^k[A-Z]/.test(name)) offenders.push(`${file}: enumerator ${m[1] || "(anonymous)"}::${name}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  test("no two classes, structs or enums share a name in one namespace", () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const file of ours.filter((f) => f.endsWith(".h"))) {
      const text = code(file);
      const namespaces = [...text.matchAll(/^namespace ([\w:]+) \{/gm)].map((m) => ({ at: m.index!, name: m[1] }));
      for (const m of text.matchAll(/^(?:class|struct|enum class|enum) (\w+)\b[^;]*\{/gm)) {
        const scope = namespaces.filter((n) => n.at < m.index!).pop()?.name ?? "(global)";
        const key = `${scope}::${m[1]}`;
        if (seen.has(key)) clashes.push(`${key}: ${seen.get(key)} and ${file}`);
        else seen.set(key, file);
      }
    }
    assert.deepEqual(clashes, []);
    assert.ok(seen.size > 30, `found ${seen.size} types: the scan is looking at the code`);
  });
});
