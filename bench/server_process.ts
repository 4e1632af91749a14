// The servers a benchmark compares each run in a child process of their own, so the client's event loop is
// not theirs. A benchmark file forks itself with a role; the child starts its server and sends {port}.
import { ChildProcess, execFileSync, fork } from "node:child_process";

import type { CompletionMode, ModuleStats } from "../scripts/host_binding";
import type { HostOptions } from "../test/support/host";

export interface ServerProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
  /** The module's counters, from a server serveHost started (others never answer). */
  moduleStats(): Promise<ModuleStats>;
}

/** Forks `file` with `role` as its argument and waits for the port its server listens on. */
export function forkServer(file: string, role: string): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(file, [role], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("error", reject);
    child.once("message", (message: { port: number }) =>
      resolve({
        port: message.port,
        pid: child.pid!,
        moduleStats: () =>
          new Promise((answer) => {
            child.once("message", (reply: { moduleStats: ModuleStats }) => answer(reply.moduleStats));
            child.send("module-stats");
          }),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      }),
    );
  });
}

/** The role this process was forked with, if any. A server child ends with its parent, even when the parent
 * dies without stopping it. */
export function serverRole(): string | undefined {
  const role = process.argv[2];
  if (role) process.on("disconnect", () => process.exit(0));
  return role;
}

/** In a server child: tells the parent where the server listens. */
export function reportPort(port: number): void {
  process.send?.({ port });
}

/** The host's completion mode in the benches unless a bench says otherwise: after-return, after the issuing
 * call returned (on the thread that issued it when that is an I/O thread), as IIS mostly delivers
 * completions; BENCH_COMPLETION=sync shows the module's own cost without the completion machinery. */
export const BENCH_COMPLETION = (process.env.BENCH_COMPLETION ?? "after-return") as CompletionMode;

/** In a server child: our host with the module on `options.site`, in BENCH_COMPLETION's mode unless
 * `options.completionMode` says otherwise, with as many I/O threads as CPUs it may run on (as `npm start`).
 * BENCH_SERVER_CPU pins it to that CPU first, so that a server the bench pins runs one I/O thread. */
export function serveHost(options: HostOptions): void {
  if (process.env.BENCH_SERVER_CPU !== undefined) pinProcess(process.pid, Number(process.env.BENCH_SERVER_CPU));
  // Loaded here, not at the top: the benchmark's own process never loads the host.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startHost } = require("../test/support/host") as typeof import("../test/support/host");
  startHost({ completionMode: BENCH_COMPLETION, threads: 0, ...options }).then((host) => {
    process.on("message", (message) => {
      if (message === "module-stats") process.send?.({ moduleStats: host.stats().module });
    });
    reportPort(host.port);
  });
  setInterval(() => {}, 1 << 30); // the host runs on native threads; nothing else keeps this process alive
}

/** Keeps every thread of process `pid`, and those it starts later, on CPU `cpu`. */
export function pinProcess(pid: number, cpu: number): void {
  execFileSync("taskset", ["--all-tasks", "--pid", "--cpu-list", String(cpu), String(pid)], { stdio: "ignore" });
}
