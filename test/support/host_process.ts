// Runs `npm start`'s server (build/js/scripts/serve.js) in a child process, for tests that read what a user
// reads in its log: the module's lines on stderr. Also makes scratch copies of a site folder to edit.
import { ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { FIXTURE_SITE } from "./host";
import { REPO_ROOT } from "./paths";

const scratchCopies: string[] = [];
process.once("exit", () => {
  for (const copy of scratchCopies) rmSync(copy, { recursive: true, force: true });
});

/** A scratch copy of `site` (the fixture site unless given), free to edit; removed when this process exits. */
export function scratchSite(site = FIXTURE_SITE): string {
  const copy = mkdtempSync(path.join(tmpdir(), "chatsocket-site-"));
  scratchCopies.push(copy);
  cpSync(site, copy, { recursive: true });
  return copy;
}

export interface HostProcess {
  port: number;
  pid: number;
  /** False once the server has exited, whatever ended it. */
  running(): boolean;
  /** How it ended ("exit code 0", "signal SIGSEGV"), or "running". */
  ending(): string;
  url(pathname: string): string;
  /** Every stderr line so far. */
  logLines(): string[];
  /** Every stdout line so far (what `npm start` prints for its user). */
  outLines(): string[];
  /** Waits until `count` stderr lines match (a line is written before the answer it explains is sent, but
   * reaches this process through a pipe of its own); returns the matching lines. */
  waitForLog(pattern: RegExp, count?: number, timeoutMs?: number): Promise<string[]>;
  /** SIGTERM, as a service manager stops it; resolves with its exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL: the server dies without a word (a crash, a pulled plug); resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts `npm start`'s server on `site`; `env` adds variables, or removes them when undefined. */
export async function startHostProcess(site: string, env: Record<string, string | undefined> = {}): Promise<HostProcess> {
  const environment: NodeJS.ProcessEnv = { ...process.env, PORT: "0", SITE: site };
  // The log as npm start writes it, whatever an in-process host of the same suite set for itself.
  delete environment.CHATSOCKET_LOG_LEVEL;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete environment[name];
    else environment[name] = value;
  }
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, "build", "js", "scripts", "serve.js")], {
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening: ${lines.join("\n")}`)));
  });
  return {
    port,
    pid: child.pid!,
    running: () => child.exitCode === null && child.signalCode === null,
    ending: () =>
      child.signalCode !== null ? `signal ${child.signalCode}` : child.exitCode !== null ? `exit code ${child.exitCode}` : "running",
    url: (pathname) => `ws://127.0.0.1:${port}${pathname}`,
    logLines: () => [...lines, ...(partial ? [partial] : [])],
    outLines: () => out.split("\n").filter((line) => line.length > 0),
    async waitForLog(pattern, count = 1, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = lines.filter((line) => pattern.test(line));
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`no ${count} log line(s) like ${pattern}; the log: ${lines.join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
