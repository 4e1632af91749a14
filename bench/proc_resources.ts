// What a server process holds, from /proc: resident memory, open file descriptors, threads.
import { readFileSync, readdirSync } from "node:fs";

export interface Resources {
  rssBytes: number;
  fds: number;
  threads: number;
}

/** A number field of /proc/PID/status ("VmRSS", "Threads"); throws when the process is gone. */
function statusFields(pid: number): (name: string) => number {
  const lines = readFileSync(`/proc/${pid}/status`, "utf8").split("\n");
  return (name) => Number(lines.find((l) => l.startsWith(`${name}:`))?.split(/\s+/)[1] ?? 0);
}

/** The resident set of process `pid`, in bytes. */
export function rssBytes(pid: number): number {
  return statusFields(pid)("VmRSS") * 1024;
}

/** Process `pid`'s resources now, or undefined when it is gone. */
export function resourcesOf(pid: number): Resources | undefined {
  try {
    const field = statusFields(pid);
    return { rssBytes: field("VmRSS") * 1024, fds: readdirSync(`/proc/${pid}/fd`).length, threads: field("Threads") };
  } catch {
    return undefined;
  }
}

/** The larger of each field. */
export function maxResources(a: Resources, b: Resources): Resources {
  return { rssBytes: Math.max(a.rssBytes, b.rssBytes), fds: Math.max(a.fds, b.fds), threads: Math.max(a.threads, b.threads) };
}
