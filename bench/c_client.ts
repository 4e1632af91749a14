// Runs one of the bench's C clients (native/bench): its one JSON result, and the servers' CPU seconds over the
// window it measured. The client prints "measuring" when the window opens and its JSON line when it closes;
// the servers' CPU is sampled at both, so that set-up and drain are not counted.
import { spawn } from "node:child_process";
import path from "node:path";

import { BUILD_DIR } from "../test/support/paths";
import { treeCpuSeconds } from "./tree_cpu";

const CLIENTS = path.join(BUILD_DIR, "native", "native", "core", "bench");

/** The JSON line of cs_echo_load and cs_connect_load. */
export interface LoadResult {
  /** Echoes (or, for cs_connect_load, connect cycles) in the measured window. */
  messages: number;
  seconds: number;
  /** The client's CPU seconds over the measured window. */
  clientCpu: number;
  /** cs_echo_load latency: round trips' percentiles, µs. */
  p50?: number;
  p99?: number;
}

export interface ClientRun {
  /** The program's name in native/bench's build: cs_echo_load, cs_fan_out_load. */
  program: string;
  args: (string | number)[];
  /** Whose CPU counts: the servers' process ids (each with its children). */
  serverPids: number[];
  /** Where the client runs: one CPU (taskset -c), or wherever the scheduler puts it. */
  cpu?: number;
  /** For errors: what the client ran against. */
  against: string;
}

export function runCClient<Result>(run: ClientRun): Promise<{ result: Result; serverCpu: number }> {
  const command = [path.join(CLIENTS, run.program), ...run.args.map(String)];
  const child =
    run.cpu === undefined ? spawn(command[0], command.slice(1)) : spawn("taskset", ["-c", String(run.cpu), ...command]);
  const serversCpu = () => run.serverPids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
  let output = "";
  let errors = "";
  let startCpu = 0;
  let serverCpu = 0;
  let result: Result | undefined;
  child.stderr.on("data", (text: Buffer) => (errors += text));
  child.stdout.on("data", (text: Buffer) => {
    output += text;
    for (let end = output.indexOf("\n"); end >= 0; end = output.indexOf("\n")) {
      const line = output.slice(0, end);
      output = output.slice(end + 1);
      if (line === "measuring") startCpu = serversCpu();
      else {
        serverCpu = serversCpu() - startCpu;
        result = JSON.parse(line) as Result;
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`${command[0]} could not start (npm run build): ${error.message}`)));
    child.once("close", (code) => {
      if (code === 0 && result) resolve({ result, serverCpu });
      else reject(new Error(`against ${run.against}: ${errors.trim() || `${run.program} exited with ${code}`}`));
    });
  });
}
