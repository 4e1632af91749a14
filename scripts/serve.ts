// `npm start`: serves a site folder (examples/site unless SITE says otherwise) through our IIS-compatible
// host and the chatsocket module, on 127.0.0.1:PORT (8080 unless PORT says otherwise). HEADER_WAIT_MS and
// IDLE_CONNECTION_TIMEOUT_MS set the host's http.sys-like connection timeouts (native/host/README.md).
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";

import { CompletionMode, loadHostBinding } from "./host_binding";
import { describeHostStats, serveStats } from "./stats_endpoint";

const root = path.resolve(__dirname, "../../..");
const site = path.resolve(process.env.SITE ?? path.join(root, "examples", "site"));
const port = Number(process.env.PORT ?? 8080);
const release = path.join(root, "build", "native", "Release");

if (!existsSync(path.join(site, "web.config"))) {
  console.error(`${site} has no web.config: a site folder needs one mapping *.chatsocket to ChatSocketModule`);
  process.exit(1);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number`);
  process.exit(1);
}
const statsPort = process.env.CHATSOCKET_STATS_PORT === undefined ? null : Number(process.env.CHATSOCKET_STATS_PORT);
if (statsPort !== null && (!Number.isInteger(statsPort) || statsPort < 0 || statsPort > 65535)) {
  console.error(`CHATSOCKET_STATS_PORT=${process.env.CHATSOCKET_STATS_PORT} is not a port number`);
  process.exit(1);
}

/** `name` as the module finds a bare program name on PATH, or null. */
function onPath(name: string): string | null {
  for (const folder of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(folder, name);
    if (path.isAbsolute(folder) && existsSync(candidate)) return realpathSync(candidate);
  }
  return null;
}

// Which programs `kind = process` endpoints may run is the server's decision, never a site's. Unless told
// otherwise, the demo allows the example site's: chatsocket-cat (built beside the module) and python3.
if (process.env.CHATSOCKET_ALLOWED_PROGRAMS === undefined) {
  const allowed = [path.join(release, "chatsocket-cat"), onPath("python3")].filter((p): p is string => p !== null);
  process.env.CHATSOCKET_ALLOWED_PROGRAMS = allowed.join(path.delimiter);
}

/** A millisecond count from the environment, or undefined (the host's default) when not set. */
function milliseconds(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name}=${text} is not a number of milliseconds`);
    process.exit(1);
  }
  return value;
}
// IIS delivers the completion of an async call on a thread of its pool once the call has returned: the host's
// after-return. The tests' random mix (mixed) stays theirs; COMPLETION_MODE chooses another for a look.
const completionMode = (process.env.COMPLETION_MODE || "after-return") as CompletionMode;
const headerWaitMs = milliseconds("HEADER_WAIT_MS");
const idleConnectionTimeoutMs = milliseconds("IDLE_CONNECTION_TIMEOUT_MS");

const host = loadHostBinding(path.join(release, "chatsocket_host.node"));
let bound: number;
try {
  bound = host.start({
    module: path.join(release, "chatsocket.so"),
    site,
    port,
    chatsocketSchema: path.join(root, "windows", "chatsocket_schema.xml"),
    completionMode,
    headerWaitMs, // undefined: the host's default
    idleConnectionTimeoutMs,
  }).port;
} catch (error) {
  console.error(`could not start: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`chatsocket is serving ${site} (completions: ${completionMode}, COMPLETION_MODE)`);
console.log(`programs allowed to run (CHATSOCKET_ALLOWED_PROGRAMS): ${process.env.CHATSOCKET_ALLOWED_PROGRAMS || "none"}`);
// "open …" comes last: whoever waits for it (a test, a script) may use everything printed before it.
void (async () => {
  if (statsPort !== null) {
    try {
      console.log(`counters (CHATSOCKET_STATS_PORT): ${await serveStats(statsPort, () => host.stats())}`);
    } catch (error) {
      console.error(`could not serve the counters on 127.0.0.1:${statsPort}: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  console.log(`open http://127.0.0.1:${bound}/`);
})();

// Stopping is IIS's recycle: every open WebSocket gets 1001 and a few seconds to answer. A second signal does
// not wait.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.log("stopped without waiting for open connections");
      process.exit(1);
    }
    stopping = true;
    console.log("stopping: open connections are closing with 1001 (again to stop at once)");
    void host.stop().then(() => {
      console.log(describeHostStats(host.stats()));
      process.exit(0);
    });
  });
}
setInterval(() => {}, 1 << 30);  // the host runs on its own threads; keep the process alive
