// The host's counters while it runs, for an operator on the same machine: `CHATSOCKET_STATS_PORT=9100 npm start`
// serves them as JSON at http://127.0.0.1:9100/stats. Off unless asked for, and bound to the loopback address
// only: the counters describe every site of the server.
import http from "node:http";
import { AddressInfo } from "node:net";

import { HostStats } from "./host_binding";

/** Serves `stats()` at /stats on 127.0.0.1:`port` (0: any free port); resolves with the URL. */
export function serveStats(port: number, stats: () => HostStats): Promise<string> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" || url.pathname !== "/stats") {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("GET /stats\n");
      return;
    }
    response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    response.end(JSON.stringify(stats(), null, 2) + "\n");
  });
  server.unref(); // the host keeps the process alive, not this
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stats`));
  });
}

/** One line of what the host itself saw, for the end of a run (the module logs its own when it unloads). */
export function describeHostStats(s: HostStats): string {
  return (
    `host: ${s.requestsTotal} request(s), ${s.upgradesTotal} upgrade(s), ${s.bytesIn} bytes in, ${s.bytesOut} out, ` +
    `${s.violations} IIS-rule violation(s)${s.violations > 0 ? ` (last: ${s.lastViolation})` : ""}`
  );
}
