// Typed access to the host addon (native/node): start the IIS-compatible host in this process, read its
// counters, stop it.

export type CompletionMode = "mixed" | "sync" | "before-return" | "after-return";

export interface StartOptions {
  module: string;
  site: string;
  port: number;
  /** The I/O threads running socket completions; 0 or absent: one per CPU this process may run on. */
  threads?: number;
  completionMode?: CompletionMode;
  moduleName?: string;
  /** At stop(), how long requests may finish by themselves after GL_STOP_LISTENING (default 6000). */
  drainMs?: number;
  /** Imitates IIS where CancelIo misses a pending WebSocket read: it reports success and the read stays pending. */
  cancelIoMissesReads?: boolean;
  /** Imitates http.sys leaving a known Connection response header out of a 101. */
  dropsKnownConnectionOn101?: boolean;
  /** http.sys's HeaderWait: a request head begun must be whole within this, or the connection is closed
   * without an answer (default 120000; 0: never). */
  headerWaitMs?: number;
  /** http.sys's IdleConnectionTimeout: a connection with no request begun (new, or kept alive) is closed after
   * this (default 120000; 0: never). Neither applies to an upgraded connection. */
  idleConnectionTimeoutMs?: number;
  /** The schema of <system.webServer><chatsocket> (windows/chatsocket_schema.xml); without it, as on an IIS
   * where install.ps1 has not put it in place, a web.config with the section is a configuration error. */
  chatsocketSchema?: string;
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
  /** Endpoint file versions the module holds (one per file in use). */
  endpointVersions: number;
  /** Native failures caught at a boundary (each closed its connection with 1011). */
  nativeFailures: number;
  /** Programs of `kind = process` connections started and not yet reaped. */
  processes: number;
  /** Chat rooms with members, their members, and what the rooms did. */
  rooms: number;
  roomMembers: number;
  roomDelivered: number;
  roomDropped: number;
  roomEvicted: number;
  /** Bytes of frames the module holds for its clients: queued, kept as history or ready to send (a room's
   * frame counted once however many members hold it). */
  frameBytes: number;
  /** zlib's memory for permessage-deflate, idle pooled streams included. */
  zlibBytes: number;
  /** The Redis backplane (CHATSOCKET_REDIS): 1 while both its connections are up; what it sent, received and lost. */
  backplaneConnected: number;
  backplanePublished: number;
  backplaneReceived: number;
  backplaneLost: number;
  /** WebSocket connections the module accepted since it loaded. */
  connectionsOpened: number;
  /** Whole data messages from clients, and sent to one client (a room's deliveries are roomDelivered). */
  messagesIn: number;
  messagesOut: number;
  /** The module's own C++ heap: its native objects and buffers (counted by its operator new), apart from the
   * host's; with wasmResidentBytes, frameBytes and zlibBytes, what the module holds. */
  moduleHeapBytes: number;
  /** Of wasmMemoryBytes, what takes RAM: the pages written so far (a memory that doubled to make room has
   * touched only part of it). On Windows, all of it. */
  wasmResidentBytes: number;
  /** Closes the server started, by the code of its close frame (a room cutting off a slow member: 1008). */
  closed1000: number;
  closed1001: number;
  closed1002: number;
  closed1003: number;
  closed1007: number;
  closed1008: number;
  closed1009: number;
  closed1011: number;
  closed1013: number;
  /** Any other code (a handler's own). */
  closedOther: number;
}

/** The module's boundaries where a test can inject an allocation failure (CHATSOCKET_TEST_HOOKS=1). */
export const FaultPoint = { import: 0, completion: 1, timer: 2, notification: 3 } as const;

export interface HostStats {
  /** False before start() and after stop(); after stop() the counters are those the host stopped with. */
  running: boolean;
  openConnections: number;
  activeRequests: number;
  upgraded: number;
  /** Since the host started: requests, and connections upgraded by a 101. */
  requestsTotal: number;
  upgradesTotal: number;
  threads: number;
  completions: Record<"read" | "write" | "flush" | "post", CompletionCounts>;
  violations: number;
  lastViolation: string;
  /** Completions of finished requests, never delivered to the module. */
  droppedCompletions: number;
  /** IHttpResponse::ResetConnection calls. */
  connectionResets: number;
  bytesIn: number;
  bytesOut: number;
  rssBytes: number;
  module?: ModuleStats;
}

export interface HostBinding {
  start(options: StartOptions): { port: number };
  stats(): HostStats;
  /** Resolves once the host has stopped (it drains off the JavaScript thread, so clients here can answer). */
  stop(): Promise<void>;
  /** The (skip + 1)-th time `point` is reached, it fails as if out of memory; false without test hooks. */
  armModuleFault(point: number, skip: number): boolean;
}

export function loadHostBinding(addonPath: string): HostBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(addonPath) as HostBinding;
}
