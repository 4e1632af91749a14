// The demo's chat page in a real browser: Debian's Chromium, headless, driven by playwright-core, against
// `npm start`'s own server. Two pages join the lobby, see each other in the member list and exchange
// messages; the test saves a screenshot of both (build/screenshots/).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Browser, chromium, Page } from "playwright-core";

import { HostProcess, startHostProcess } from "../support/host_process";
import { BUILD_DIR, EXAMPLE_SITE } from "../support/paths";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(BUILD_DIR, "screenshots");

let server: HostProcess;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), "Debian's chromium is not installed (scripts/setup.sh installs it)");
  server = await startHostProcess(EXAMPLE_SITE, { CHATSOCKET_ALLOWED_PROGRAMS: undefined, CHATSOCKET_TEST_HOOKS: undefined });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root in a container there is no sandbox to have; the rest keeps Chromium off the (closed) network.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function joinAs(name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  page.on("pageerror", (error) => assert.fail(`the page failed: ${error.message}`));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.fill("#name", name);
  await page.click("#join button");
  await page.waitForFunction(() => document.getElementById("status")?.textContent?.startsWith("in the room"));
  return page;
}

const memberNames = (page: Page) => page.$$eval("#members li", (items) => items.map((item) => item.textContent));
const messageTexts = (page: Page) => page.$$eval("#messages li.message", (items) => items.map((item) => item.textContent));

test("two pages join the lobby, see each other and exchange messages", async () => {
  const ada = await joinAs("Ada");
  const bo = await joinAs("Bo");
  await ada.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
  assert.deepEqual((await memberNames(ada)).sort(), ["Ada (you)", "Bo"]);
  assert.deepEqual((await memberNames(bo)).sort(), ["Ada", "Bo (you)"]);

  await ada.fill("#text", "hello from Ada");
  await ada.click("#send button");
  await bo.waitForFunction(() => [...document.querySelectorAll("#messages li.message")].some((li) => li.textContent?.includes("Ada: hello from Ada")));
  await bo.fill("#text", "hi Ada, Bo here");
  await bo.click("#send button");
  await ada.waitForFunction(() => [...document.querySelectorAll("#messages li.message")].some((li) => li.textContent?.includes("Bo: hi Ada, Bo here")));

  // Ada's own message is shown as sent only once the room sent it back: no "sending…" is left.
  await ada.waitForFunction(() => !document.querySelector("#messages li.sending"));
  const adaSees = await messageTexts(ada);
  assert.ok(adaSees.some((t) => t?.endsWith("Ada: hello from Ada")));
  assert.ok(adaSees.some((t) => t?.endsWith("Bo: hi Ada, Bo here")));
  assert.equal(await ada.textContent("#count"), "2");

  mkdirSync(SCREENSHOTS, { recursive: true });
  await ada.screenshot({ path: path.join(SCREENSHOTS, "chat-ada.png") });
  await bo.screenshot({ path: path.join(SCREENSHOTS, "chat-bo.png") });

  await bo.close();
  await ada.waitForFunction(() => document.getElementById("count")?.textContent === "1");
  assert.ok((await ada.$$eval("#messages li.presence", (items) => items.map((i) => i.textContent))).includes("Bo left"));
  await ada.close();
});
