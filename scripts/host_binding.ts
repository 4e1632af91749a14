// Typed access to the host addon (native/node): start the IIS-compatible host in this process, read its
// counters, stop it.

export type CompletionMode = "mixed" | "sync" | "before-return" | "after-return";

export interface StartOptions {
  module: string;
  site: string;
  port: number;
  threads?: number;
  completionMode?: CompletionMode;
  moduleName?: string;
}

export interface CompletionCounts {
  sync: number;
  beforeReturn: number;
  afterReturn: number;
}

export interface ModuleStats {
  connections: number;
  traps: number;
  rebuilds: number;
  instances: number;
  wasmMemoryBytes: number;
}

export interface HostStats {
  openConnections: number;
  activeRequests: number;
  upgraded: number;
  threads: number;
  completions: Record<"read" | "write" | "flush" | "post", CompletionCounts>;
  violations: number;
  lastViolation: string;
  bytesIn: number;
  bytesOut: number;
  rssBytes: number;
  module?: ModuleStats;
}

export interface HostBinding {
  start(options: StartOptions): { port: number };
  stats(): HostStats;
  stop(): void;
}

export function loadHostBinding(addonPath: string): HostBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(addonPath) as HostBinding;
}
