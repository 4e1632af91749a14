// A server's memory for the benchmarks, from /proc.
import { readFileSync } from "node:fs";

/** The resident set of process `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}
