// Starts our IIS-compatible host (native/node binding) in this test process, with the chatsocket module
// and a site folder, on an ephemeral 127.0.0.1 port.
import path from "node:path";

import { CompletionMode, FaultPoint, HostStats, loadHostBinding } from "../../scripts/host_binding";
import { REPO_ROOT, addonPath, modulePath } from "./paths";

export const FIXTURE_SITE = path.join(REPO_ROOT, "test", "fixtures", "site");

export interface HostOptions {
  site?: string;
  completionMode?: CompletionMode;
  threads?: number;
  /** At stop(), how long open requests may finish by themselves (the host's default unless given). */
  drainMs?: number;
  /** The host imitates IIS where CancelIo misses a pending WebSocket read (README of native/host). */
  cancelIoMissesReads?: boolean;
  /** The host imitates http.sys leaving a known Connection response header out of a 101. */
  dropsKnownConnectionOn101?: boolean;
  /** http.sys's HeaderWait and IdleConnectionTimeout (the host's defaults, 120 s, unless given). */
  headerWaitMs?: number;
  idleConnectionTimeoutMs?: number;
  /** Environment the module reads at RegisterModule (CHATSOCKET_TEST_HOOKS, CHATSOCKET_INSTANCES). */
  env?: Record<string, string>;
  /** Why this suite makes the module fail on purpose (traps, injected faults, broken files): its log is
   * turned off, so the errors it provokes are not printed as if something broke; the tests assert them. */
  provokesErrors?: string;
}

export interface RunningHost {
  port: number;
  url(pathname: string): string;
  stats(): HostStats;
  waitFor(condition: (stats: HostStats) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Arms the module's test-only fault injection (needs CHATSOCKET_TEST_HOOKS=1). */
  armFault(point: keyof typeof FaultPoint, skip?: number): void;
  /** Stops as IIS stops a worker process: open WebSockets get 1001 and a bounded time to answer. Resolves at
   * once when every client is closed already. */
  stop(): Promise<void>;
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  // The module's log goes to this process's stderr, among the test report: warnings and errors only.
  process.env.CHATSOCKET_LOG_LEVEL = options.provokesErrors ? "off" : "warning";
  for (const [name, value] of Object.entries(options.env ?? {})) process.env[name] = value;
  const binding = loadHostBinding(addonPath());
  const { port } = binding.start({
    module: modulePath(),
    site: options.site ?? FIXTURE_SITE,
    port: 0,
    threads: options.threads ?? 4, // whatever the machine, so that completions race as on a busy IIS
    completionMode: options.completionMode ?? "mixed",
    chatsocketSchema: path.join(REPO_ROOT, "windows", "chatsocket_schema.xml"),
    // An option left undefined is the host's default (the binding reads undefined as absent).
    drainMs: options.drainMs,
    cancelIoMissesReads: options.cancelIoMissesReads,
    dropsKnownConnectionOn101: options.dropsKnownConnectionOn101,
    headerWaitMs: options.headerWaitMs,
    idleConnectionTimeoutMs: options.idleConnectionTimeoutMs,
  });
  return {
    port,
    url: (pathname) => `ws://127.0.0.1:${port}${pathname}`,
    stats: () => binding.stats(),
    async waitFor(condition, what, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition(binding.stats())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(binding.stats())}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    armFault(point, skip = 0) {
      if (!binding.armModuleFault(FaultPoint[point], skip)) throw new Error(`the module refused to arm ${point}`);
    },
    stop: () => binding.stop(),
  };
}
