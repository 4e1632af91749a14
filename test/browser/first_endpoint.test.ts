// README's "Your first endpoint", done as a newcomer would: the file it says to write, its browser-console
// snippet pasted into Debian's Chromium on the served page, its ws script run with node. Each prints what the
// README says it prints. The same page load asks the server for nothing it does not have (no favicon 404).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Browser, chromium } from "playwright-core";

import { HostProcess, scratchSite, startHostProcess } from "../support/host_process";
import { BUILD_DIR, EXAMPLE_SITE, REPO_ROOT } from "../support/paths";

const CHROMIUM = "/usr/bin/chromium";
const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Your first endpoint"), readme.indexOf("### When something goes wrong"));

/** The code blocks of the section, in order, by language. */
function blocks(language: string): string[] {
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === language).map((m) => m[2]);
}

let site: string;
let server: HostProcess;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), "Debian's chromium is not installed (scripts/setup.sh installs it)");
  site = scratchSite(EXAMPLE_SITE);
  // The README's shell line, pointed at the scratch copy of examples/site.
  const [shell] = blocks("sh");
  assert.match(shell, /> examples\/site\/hello\.chatsocket/);
  const written = spawnSync("sh", ["-c", shell.replace("examples/site/", `${site}/`)], { encoding: "utf8" });
  assert.equal(written.status, 0, written.stderr);
  server = await startHostProcess(site, { CHATSOCKET_TEST_HOOKS: undefined });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(site, { recursive: true, force: true });
});

test("the browser-console snippet, pasted on the served page, logs the echo, then a clean close", async () => {
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on("response", (response) => response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`));
  const logged: string[] = [];
  page.on("console", (message) => logged.push(message.text()));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  const [snippet] = blocks("js");
  // Pasted into the console: a script at the page's global scope, whose `ws` later input can use.
  await page.addScriptTag({ content: snippet });
  await waitFor(() => logged.includes("got: hello"), "got: hello");
  assert.match(section, /The console shows `got: hello`; `ws\.close\(\)` then shows `closed: 1000`/);
  await page.evaluate("ws.close()");
  await waitFor(() => logged.some((line) => /^closed: 1000 ?$/.test(line)), "closed: 1000");
  assert.deepEqual(failed, [], "the page asked for something the site does not have");
});

test("the ws script prints the echo and the close the README promises", () => {
  const script = blocks("js")[1].replace("127.0.0.1:8080", `127.0.0.1:${server.port}`);
  // Inside the repository, where `import "ws"` finds node_modules, as it does for hello.mjs in the README.
  const file = path.join(BUILD_DIR, "hello.mjs");
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
  rmSync(file);
  assert.equal(run.status, 0, run.stderr);
  const promised = /It prints `(.+?)`, then `(.+?)`/.exec(section.replace(/\s+/g, " "));
  assert.ok(promised, "the README says what the script prints");
  assert.deepEqual(run.stdout.trim().split("\n"), [promised[1], promised[2]]);
});

test("every page of the demo site names an icon the site serves, so no browser asks for a missing favicon.ico", async () => {
  const pages = readdirSync(EXAMPLE_SITE).filter((name) => name.endsWith(".html"));
  assert.ok(pages.length >= 4);
  for (const name of pages) {
    const icon = /<link rel="icon" href="([^"]+)">/.exec(readFileSync(path.join(EXAMPLE_SITE, name), "utf8"))?.[1];
    assert.ok(icon, `${name} names no icon`);
    const answer = await fetch(`http://127.0.0.1:${server.port}/${icon}`);
    assert.equal(answer.status, 200, `${name}'s icon ${icon}`);
    assert.equal(answer.headers.get("content-type"), "image/svg+xml");
  }
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(condition(), `never saw ${what}`);
}
