// The echo bench's one table: each row's medians per server, chatsocket's ratios to ws, and how to read them.
import type { CompletionMode } from "../scripts/host_binding";

export interface Row {
  label: string;
  unit: string;
  higherBetter: boolean;
  /** One value per server: chatsocket in each mode, then ws, then the C ceiling. */
  values: number[];
  digits: number;
  /** A rate or latency the client can limit: values within 15 % of the row's best get a `*`. */
  clientCanLimit?: boolean;
  /** Per server, whether the client used 90 % of a core or more: those values get a `*` too. */
  clientBusy?: boolean[];
}

export interface Table {
  modes: CompletionMode[];
  samples: number;
  seconds: number;
  rows: Row[];
  /** Whether the client ran on one CPU and the servers on another. */
  pinned: boolean;
}

// What each mode does with an I/O whose result is known at once (buffered bytes read, a write that went
// through); native/host/README.md has the whole story.
const MODE_MEANING: Record<CompletionMode, string> = {
  "after-return": "completes after the issuing call returned, on the I/O thread that issued it (a pool\n    thread if another did), as IIS's completion port mostly delivers completions (the behaviour the\n    performance issue asks `npm start` to serve with)",
  "before-return": "completes on a pool thread that enters the module before the issuing call returns",
  sync: "completes inline, no callback: the module's own cost without the host's completion\n    machinery",
  mixed: "completes in one of the three ways at random per operation (the tests' strict mode)",
};

const ROW = 40;
const CELL = 14;

// Every server had the same client, so the best value in a row is the least the client can reach: the C
// server is there to make that best a near-free server's, but on a busy machine another may beat it.
function nearCeiling(row: Row, value: number): boolean {
  if (row.higherBetter) return value >= 0.85 * Math.max(...row.values);
  return value <= 1.15 * Math.min(...row.values);
}

export function printTable(table: Table): void {
  const { modes, rows } = table;
  const ws = modes.length;
  const cell = (text: string) => text.padStart(CELL);
  console.log(
    `echo, chatsocket against ws in the same run: ${table.samples} samples × ${table.seconds} s per server and row\n` +
      "(RSS: once), medians; client: native/bench/echo_load.c (C, one epoll thread; ws + bufferutil holds the\n" +
      `idle connections)${table.pinned ? ", on CPU 0, every server pinned to CPU 1" : ", not pinned (one CPU)"}`,
  );
  console.log(`chatsocket ran in the host's completion mode ${modes.map((m) => `\`${m}\``).join(" and in ")}\n(what the host does with an I/O whose result is known at once):`);
  for (const mode of modes) console.log(`  ${mode}: ${MODE_MEANING[mode]}`);
  console.log("");
  const modeCells = modes.map(cell).join("");
  const ratioCells = modes.map(cell).join("");
  console.log(`${"".padEnd(ROW + 15)}${"chatsocket".padStart(CELL * modes.length)}${"".padStart(2 * CELL)}${"ratio chatsocket/ws".padStart(CELL * modes.length)}`);
  console.log(`${"row".padEnd(ROW)}${"unit".padEnd(8)}${"better".padEnd(7)}${modeCells}${cell("ws")}${cell("C ceiling")}${ratioCells}`);
  for (const row of rows) {
    const bound = (value: number, i: number) =>
      (row.clientCanLimit && nearCeiling(row, value)) || row.clientBusy?.[i] === true;
    const shown = (v: number, text: string) => (Number.isNaN(v) ? cell("— ") : cell(text));
    const values = row.values.map((v, i) => shown(v, `${v.toFixed(row.digits)}${bound(v, i) ? "*" : " "}`)).join("");
    const ratios = modes.map((_, i) => shown(row.values[i] / row.values[ws], `${(row.values[i] / row.values[ws]).toFixed(2)} `)).join("");
    console.log(`${row.label.padEnd(ROW)}${row.unit.padEnd(8)}${(row.higherBetter ? "higher" : "lower").padEnd(7)}${values}${ratios}`);
  }
  console.log(`
How to read:
- ratio = chatsocket's median ÷ ws's, both measured in this run. "better" says which way is good: for a
  "higher" row chatsocket is ahead above 1, for a "lower" row below 1.
- C ceiling: the same row against a minimal C echo server (native/bench/echo_ceiling.c, one epoll thread),
  what the client reaches when the server costs next to nothing. A value marked * is within
  15 % of the best in its row (the ceiling's, or a server's that beat it), or the client used 90 % of a core
  or more for it: the client, not that server, set it, and a ratio between two marked values understates the
  servers' difference. A faster server does not always give the client a better rate: echoes that come back
  one at a time cost the client more than the same echoes in batches. The CPU row does not depend on the
  client.
- server CPU per message: the server process's CPU time (user + system, all its threads) over the echoes of
  the "100 conns × 32 B, 16 in flight" row.
- RSS per idle connection: the server's resident memory growth with that many connections open, each having
  echoed one message, divided by their number. "of which the module's own": the growth of what the module
  holds by its own counters (its C++ heap, counted by the module's operator new; its Wasm memory's written pages; frames;
  zlib), the rest being the host's (what IIS would hold in w3wp) and the C library's.`);
}
