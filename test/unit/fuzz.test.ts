// Byte-level fuzz of the protocol core against the reference model (reference_model.ts): seeded random
// client streams (valid and invalid frames, fragments, interleaved controls, length boundaries, non-minimal
// length encodings, valid and broken UTF-8), fed to build/chatsocket.wasm in random splits, one byte at a
// time included, on several connections of one instance at once. After every cs_data call the bytes sent
// and the host_end calls must be exactly what the model says for the bytes fed so far. At the end, a
// connection waiting for the client's close frame gets its close timer (host_end(id, 1)) or EOF.
//
// The fuzz runs in a worker thread so that a call that never returns is caught: the main thread watches a
// progress counter and terminates the worker when it stops moving for STALL_LIMIT_MS (a hang detector with
// a bound thousands of times any real case, not a timing assertion).
//
// Replay: FUZZ_SEED=<first case seed> FUZZ_CASES=<count> node --test build/js/test/unit/fuzz.test.js
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { closeCodeOf, parseServerFrames, randomPieces, rng } from "./frames";
import {
  BINARY, CLOSE, closeFrame, CONTINUATION, Decision, EndpointLimits, Ending, FAILURE_REASONS, isUtf8, PING, PONG, serverDecisions, ServerDecisions, serverFrame,
  TEXT, Utf8Prefix,
} from "./reference_model";
import { CLOSED_BY_MODULE, CLOSED_BY_PEER, connect, Harness, WasmTrap } from "./wasm_harness";

const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
const DEFAULT_MAX_FRAGMENTS = 1024 * 1024;
const FIRST_SEED = Number(process.env.FUZZ_SEED ?? 1);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
// A replay of a few cases cannot be expected to reach every decision: the coverage checks say so instead.
const COVERAGE_SKIP = CASES < 200 ? `FUZZ_CASES=${CASES}: fewer than 200 cases are not expected to cover everything` : false;
/** Every case runs this many times on the same instance: memory must not grow after the first pass. */
const PASSES = 2;
const STALL_LIMIT_MS = 30_000;
const CLOSED_BY_ERROR = 2; // cs_closed reason, docs/ABI.md

// ---------------------------------------------------------------------------------------------------------
// Random client streams

type Random = () => number;

class Dice {
  constructor(readonly random: Random) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const word = Math.floor(this.random() * 2 ** 32);
      for (let j = 0; j < 4 && i + j < n; j++) b[i + j] = word >>> (j * 8);
    }
    return b;
  }
}

interface ClientFrameSpec {
  opcode: number;
  payload?: Uint8Array;
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  /** 0 (7-bit), 2 or 8 extra length bytes; default: the shortest. */
  lengthBytes?: 0 | 2 | 8;
  /** A length other than the payload's (the bytes that follow are then whatever comes next). */
  declaredLength?: bigint;
}

/** A client frame, masked with a key from `dice` (sometimes all zeros) unless `masked` is false. */
function encodeClientFrame(dice: Dice, f: ClientFrameSpec): Buffer {
  const payload = Buffer.from(f.payload ?? new Uint8Array(0));
  const length = f.declaredLength ?? BigInt(payload.length);
  const lengthBytes = f.lengthBytes ?? (length < 126n ? 0 : length <= 0xffffn ? 2 : 8);
  const head = Buffer.alloc(2 + lengthBytes);
  head[0] = (f.fin === false ? 0 : 0x80) | ((f.rsv ?? 0) << 4) | f.opcode;
  head[1] = f.masked === false ? 0 : 0x80;
  if (lengthBytes === 0) head[1] |= Number(length);
  else if (lengthBytes === 2) {
    head[1] |= 126;
    head.writeUInt16BE(Number(length), 2);
  } else {
    head[1] |= 127;
    head.writeBigUInt64BE(length, 2);
  }
  if (f.masked === false) return Buffer.concat([head, payload]);
  const key = dice.chance(0.05) ? Buffer.alloc(4) : dice.bytes(4);
  for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return Buffer.concat([head, key, payload]);
}

const BROKEN_UTF8 = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80], [0xfe], [0xff],
  [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3], // cut short: broken by whatever follows, or by the end
];
const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
const RESERVED_OPCODES = [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf];

/** Valid UTF-8 of exactly `n` bytes, every encoded length mixed in (RFC 3629 §3). */
function utf8Text(dice: Dice, n: number): Buffer {
  const out = Buffer.alloc(n);
  let at = 0;
  while (at < n) {
    const width = dice.int(1, Math.min(4, n - at));
    const [lo, hi] = [[0x20, 0x7e], [0x80, 0x7ff], [0x800, 0xffff], [0x10000, 0x10ffff]][width - 1];
    let cp = dice.int(lo, hi);
    if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800; // no surrogates
    if (width === 1) out[at] = cp;
    else {
      out[at] = [0, 0, 0xc0, 0xe0, 0xf0][width] | (cp >> (6 * (width - 1)));
      for (let i = 1; i < width; i++) out[at + i] = 0x80 | ((cp >> (6 * (width - 1 - i))) & 0x3f);
    }
    at += width;
  }
  return out;
}

/** `n` bytes of text; with chance `broken`, a snippet that is not UTF-8 in it (which may be cut at the end). */
function textPayload(dice: Dice, n: number, broken: number): Buffer {
  const text = utf8Text(dice, n);
  if (n === 0 || !dice.chance(broken)) return text;
  const snippet = Buffer.from(dice.pick(BROKEN_UTF8));
  const at = dice.int(0, n - 1);
  snippet.copy(text, at, 0, Math.min(snippet.length, n - at));
  return text;
}

type SplitMode = "whole" | "bytes" | "small pieces" | "large pieces";

/** Builds one connection's stream as a list of actions, each a few frames; notes say what was meant. */
class StreamBuilder {
  readonly frames: Buffer[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly dice: Dice,
    private readonly limits: EndpointLimits,
    private readonly maxPayload: number,
    /** How often an action breaks a rule (an invalid frame, a limit exceeded). */
    private readonly breakRules: number,
  ) {}

  private add(note: string, spec: ClientFrameSpec): void {
    this.frames.push(encodeClientFrame(this.dice, spec));
    this.notes.push(note);
  }

  /**
   * A payload length of at most `room` bytes, often on a boundary (0, 125/126/127, 65535/65536, room);
   * with the stream's rule-breaking chance, one byte or more over it.
   */
  private payloadLength(room: number): number {
    const d = this.dice;
    if (d.chance(this.breakRules)) return Math.min(room + d.pick([1, 1, 2, 100]), this.maxPayload + 1);
    const r = d.random();
    let n: number;
    if (r < 0.3) n = d.int(0, 12);
    else if (r < 0.55) n = d.int(0, 125);
    else if (r < 0.68) n = d.pick([124, 125, 126, 127, 128]);
    else if (r < 0.78) n = d.pick([room - 1, room]);
    else if (r < 0.82) n = d.pick([65535, 65536]);
    else n = d.int(0, 3000);
    return Math.max(0, Math.min(n, room, this.maxPayload));
  }

  /** Shortest length encoding mostly; a non-minimal one sometimes (legal for data frames). */
  private lengthBytes(n: number): 0 | 2 | 8 | undefined {
    if (!this.dice.chance(0.12)) return undefined;
    return n <= 0xffff ? this.dice.pick([2, 8] as const) : 8;
  }

  private dataPayload(opcode: number, n: number): Buffer {
    return opcode === TEXT ? textPayload(this.dice, n, this.breakRules) : this.dice.bytes(n);
  }

  message(): void {
    const opcode = this.dice.pick([TEXT, BINARY]);
    const n = this.payloadLength(this.limits.maxMessageSize);
    this.add(`${opcode === TEXT ? "text" : "binary"} ${n}`, { opcode, payload: this.dataPayload(opcode, n), lengthBytes: this.lengthBytes(n) });
  }

  /** A message in fragments (sometimes one more than max_fragments), controls in between, sometimes unfinished. */
  fragmented(finish: boolean): void {
    const d = this.dice;
    const opcode = d.pick([TEXT, BINARY]);
    const whole = this.dataPayload(opcode, this.payloadLength(this.limits.maxMessageSize));
    const most = this.limits.maxFragments;
    const count = d.chance(this.breakRules) && most <= 8 ? most + 1 : d.int(1, Math.min(6, most));
    const cuts = Array.from({ length: count - 1 }, () => d.int(0, whole.length)).sort((a, b) => a - b);
    const bounds = [0, ...cuts, whole.length];
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (last && !finish) break;
      const part = whole.subarray(bounds[i], bounds[i + 1]);
      const op = i === 0 ? opcode : CONTINUATION;
      this.add(`${i === 0 ? (opcode === TEXT ? "text" : "binary") : "continuation"} ${part.length}${last ? "" : " (more)"}`, {
        opcode: op, payload: part, fin: last, lengthBytes: this.lengthBytes(part.length),
      });
      if (!last && d.chance(0.3)) this.control();
    }
  }

  /** A ping (answered) or a pong (ignored). */
  control(): void {
    const d = this.dice;
    const opcode = d.pick([PING, PING, PONG]);
    const n = d.chance(0.2) ? d.pick([0, 124, 125]) : d.int(0, 20);
    this.add(`${opcode === PING ? "ping" : "pong"} ${n}`, { opcode, payload: d.bytes(n) });
  }

  close(): void {
    const d = this.dice;
    const r = d.random();
    const code = (c: number) => Buffer.from([c >> 8, c & 0xff]);
    let payload: Buffer;
    let note: string;
    if (r < 0.2) [payload, note] = [Buffer.alloc(0), "close (empty)"];
    else if (r < 0.3) [payload, note] = [d.bytes(1), "close (1 byte)"];
    else if (r < 0.45) {
      const c = d.pick(INVALID_CLOSE_CODES);
      [payload, note] = [code(c), `close ${c} (invalid code)`];
    } else {
      const c = d.chance(0.8) ? d.pick(VALID_CLOSE_CODES) : d.int(3000, 4999);
      const reason = textPayload(d, d.int(0, 123), 0.25);
      [payload, note] = [Buffer.concat([code(c), reason]), `close ${c} + ${reason.length}-byte reason${isUtf8(reason) ? "" : " (not UTF-8)"}`];
    }
    this.add(note, { opcode: CLOSE, payload });
  }

  /** One frame that breaks a rule of RFC 6455 §5. */
  violation(): void {
    const d = this.dice;
    const small = d.bytes(d.int(0, 10));
    switch (d.int(0, 7)) {
      case 0:
        return this.add("RSV bits", { opcode: d.pick([TEXT, BINARY, PING, CONTINUATION]), payload: small, rsv: d.int(1, 7) });
      case 1:
        return this.add("reserved opcode", { opcode: d.pick(RESERVED_OPCODES), payload: small });
      case 2:
        return this.add("fragmented control", { opcode: d.pick([PING, PONG, CLOSE]), payload: small, fin: false });
      case 3:
        return this.add("unmasked", { opcode: d.pick([TEXT, BINARY, PING, CLOSE]), payload: small, masked: false });
      case 4: {
        const n = d.chance(0.5) ? d.int(126, 200) : d.int(0, 125); // too long, or short but not in 7 bits
        return this.add(`control ${n} with a 16/64-bit length`, { opcode: d.pick([PING, PONG, CLOSE]), payload: d.bytes(n), lengthBytes: d.pick([2, 8] as const) });
      }
      case 5: {
        const declared = (1n << 63n) | BigInt(d.int(0, 0x7fffffff));
        const opcode = d.pick([TEXT, BINARY, CONTINUATION, PING, CLOSE]);
        return this.add("64-bit length with the top bit", { opcode, declaredLength: declared, lengthBytes: 8, masked: d.chance(0.8) });
      }
      case 6:
        return this.add("continuation", { opcode: CONTINUATION, payload: small, fin: d.chance(0.5) });
      default: {
        const declared = BigInt(this.limits.maxMessageSize) + BigInt(d.pick([1, 2, 1000, 2 ** 32]));
        return this.add(`declared ${declared} > max_message_size`, { opcode: d.pick([TEXT, BINARY]), declaredLength: declared });
      }
    }
  }

  garbage(): void {
    const bytes = this.dice.bytes(this.dice.int(1, 12));
    this.frames.push(bytes);
    this.notes.push(`garbage ${bytes.toString("hex")}`);
  }
}

interface ConnectionPlan {
  endpoint: string;
  limits: EndpointLimits;
  split: SplitMode;
  stream: Buffer;
  pieces: number[];
  notes: string[];
  model: ServerDecisions;
}

function planConnection(dice: Dice): ConnectionPlan {
  const maxMessageSize = dice.pick([DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE, 0, 1, 125, 126, 127, 1000, 65535, 65536, 100000]);
  const maxFragments = dice.pick([DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_FRAGMENTS, 1, 2, 3, 5, 8]);
  let endpoint = "kind = echo\n";
  if (maxMessageSize !== DEFAULT_MAX_MESSAGE_SIZE) endpoint += `max_message_size = ${maxMessageSize}\n`;
  if (maxFragments !== DEFAULT_MAX_FRAGMENTS) endpoint += `max_fragments = ${maxFragments}\n`;
  const limits = { maxMessageSize, maxFragments };

  const split = dice.pick(["whole", "bytes", "bytes", "small pieces", "large pieces"] as const);
  // Some streams break a rule early, some late, some never (they end with a close or just stop).
  const breakRules = dice.pick([0, 0.03, 0.1]);
  // Many small calls are the costly modes: keep their streams shorter.
  const maxPayload = split === "bytes" ? 300 : split === "small pieces" ? 3000 : 70000;
  const builder = new StreamBuilder(dice, limits, maxPayload, breakRules);
  const actions = dice.int(1, split === "bytes" ? 12 : 40);
  for (let i = 0; i < actions; i++) {
    const r = dice.random();
    if (r < breakRules) dice.chance(0.8) ? builder.violation() : dice.chance(0.5) ? builder.fragmented(false) : builder.garbage();
    else if (r < breakRules + 0.02) builder.close();
    else if (r < 0.45) builder.message();
    else if (r < 0.7) builder.fragmented(true);
    else builder.control();
  }
  const ending = dice.random();
  if (ending < 0.5) {
    builder.close();
    if (dice.chance(0.5)) builder.message(); // read by nobody
  }
  let stream = Buffer.concat(builder.frames);
  if (ending > 0.8) stream = stream.subarray(0, dice.int(0, stream.length)); // the client goes silent mid-frame

  const maxPiece = split === "bytes" ? 1 : split === "small pieces" ? dice.int(2, 16) : dice.int(17, 5000);
  const pieces = split === "whole" ? (stream.length > 0 ? [stream.length] : []) : randomPieces(stream.length, dice.random, maxPiece);
  return { endpoint, limits, split, stream, pieces, notes: builder.notes, model: serverDecisions(stream, limits) };
}

/** A case: one to three connections on the same instance, their pieces interleaved. */
function planCase(seed: number): { dice: Dice; connections: ConnectionPlan[] } {
  const dice = new Dice(rng(Math.imul(seed, 0x9e3779b1) ^ 0x5eed));
  const count = dice.pick([1, 1, 1, 2, 2, 3]);
  return { dice, connections: Array.from({ length: count }, () => planConnection(dice)) };
}

// ---------------------------------------------------------------------------------------------------------
// Running the cases against the module (in the worker)

interface FuzzOptions {
  firstSeed: number;
  cases: number;
  passes: number;
}

interface FuzzReport {
  failure?: string;
  trapped: boolean;
  cases: number;
  connections: number;
  calls: number;
  bytes: number;
  /** Frames the model (and so the module) sent, close frames included. */
  framesSent: number;
  decisions: Record<string, number>;
  /** How connections ended (the model's Ending). */
  endings: Record<string, number>;
  /** memory.buffer.byteLength after each pass over the same seeds. */
  memoryAfterPass: number[];
}

class CaseFailure extends Error {}

const OPCODE_NAMES: Record<number, string> = { [TEXT]: "text", [BINARY]: "binary", [CLOSE]: "close", [PING]: "ping", [PONG]: "pong" };

/** Server bytes as frames ("pong 3, text 12, close 1002"), or as hex when they do not parse. */
function framesOf(bytes: Buffer): string {
  if (bytes.length === 0) return "(nothing)";
  try {
    return parseServerFrames(bytes)
      .map((f) => `${OPCODE_NAMES[f.opcode] ?? `opcode ${f.opcode}`} ${f.opcode === CLOSE ? closeCodeOf(f) : f.payload.length}`)
      .join(", ");
  } catch {
    return `unparsable ${bytes.subarray(0, 64).toString("hex")}${bytes.length > 64 ? "…" : ""}`;
  }
}

/** Where two byte strings first differ, with the bytes from there. */
function firstDifference(actual: Buffer, expected: Buffer): string {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const from = (b: Buffer) => b.subarray(i, i + 24).toString("hex") || "(end)";
  return `first difference at byte ${i}: sent ${from(actual)}, expected ${from(expected)}`;
}

function describeConnection(seed: number, index: number, plan: ConnectionPlan): string {
  const m = plan.model;
  return [
    `case seed ${seed}, connection ${index}: replay with FUZZ_SEED=${seed} FUZZ_CASES=1`,
    `endpoint: ${JSON.stringify(plan.endpoint)}; split: ${plan.split} (${plan.pieces.length} calls for ${plan.stream.length} bytes)`,
    `client: ${plan.notes.join(", ")}`,
    `model: ${m.closedAt < 0 ? "still open at the end" : `close ${m.closeCode} (${m.decision}) at byte ${m.closedAt}`}, ${m.outputs.length} frames sent, ${m.endedAt < 0 ? "never ends" : `ends at byte ${m.endedAt}`}`,
  ].join("\n  ");
}

function runCase(h: Harness, seed: number, firstId: number, report: FuzzReport, progress: Int32Array): number {
  const { dice, connections } = planCase(seed);
  const ids = connections.map((_, i) => firstId + i);
  const fed = connections.map(() => 0); // pieces fed per connection
  const at = connections.map(() => 0); // stream bytes fed
  const nextOutput = connections.map(() => 0);
  connections.forEach((plan, i) => connect(h, ids[i], plan.endpoint));

  const check = (i: number, piece: number, from: number, to: number) => {
    const plan = connections[i];
    const outputs = plan.model.outputs;
    const expectedParts: Buffer[] = [];
    while (nextOutput[i] < outputs.length && outputs[nextOutput[i]].at < to) expectedParts.push(outputs[nextOutput[i]++].bytes);
    const expected = Buffer.concat(expectedParts);
    const actual = h.takeSent(ids[i]);
    const ends = h.ends.get(ids[i]) ?? [];
    const shouldEnd = plan.model.endedAt >= 0 && plan.model.endedAt < to;
    const endsRight = shouldEnd ? ends.length === 1 && ends[0] === 0 : ends.length === 0;
    if (actual.equals(expected) && endsRight) return;
    throw new CaseFailure(
      `${describeConnection(seed, i, plan)}\n  call ${piece} (bytes ${from}..${to - 1}):` +
        `\n    sent     ${framesOf(actual)}\n    expected ${framesOf(expected)}\n    ${firstDifference(actual, expected)}` +
        `\n    host_end ${JSON.stringify(ends)}, expected ${shouldEnd ? "[0]" : "[]"}`,
    );
  };

  for (;;) {
    const waiting = connections.map((_, i) => i).filter((i) => fed[i] < connections[i].pieces.length);
    if (waiting.length === 0) break;
    const i = dice.pick(waiting);
    const plan = connections[i];
    const n = plan.pieces[fed[i]];
    const from = at[i];
    try {
      h.data(ids[i], plan.stream.subarray(from, from + n));
    } catch (e) {
      report.trapped = e instanceof WasmTrap || e instanceof WebAssembly.RuntimeError;
      throw new CaseFailure(`${describeConnection(seed, i, plan)}\n  call ${fed[i]} (bytes ${from}..${from + n - 1}) trapped: ${e instanceof WasmTrap ? `abort: ${e.message}` : e}`);
    }
    Atomics.add(progress, 0, 1);
    report.calls++;
    report.bytes += n;
    at[i] += n;
    check(i, fed[i]++, from, at[i]);
  }
  connections.forEach((plan, i) => {
    check(i, fed[i], at[i], Number.MAX_SAFE_INTEGER); // an empty stream still gets its check
    const m = plan.model;
    const key = m.decision ?? "still open";
    report.decisions[key] = (report.decisions[key] ?? 0) + 1;
    report.endings[m.ending] = (report.endings[m.ending] ?? 0) + 1;
    report.framesSent += m.outputs.length;
    finish(h, ids[i], m, dice, () => describeConnection(seed, i, plan));
  });
  report.connections += connections.length;
  return connections.length;
}

/**
 * After the last byte: the close timer fires (sometimes), then cs_closed. Only a connection whose close
 * frame is out and unanswered is aborted by its timer; an open one ignores it.
 */
function finish(h: Harness, id: number, m: ServerDecisions, dice: Dice, describe: () => string): void {
  const ends = () => JSON.stringify(h.ends.get(id) ?? []);
  const expectedEnds = m.endedAt >= 0 ? "[0]" : "[]";
  if (m.closedAt >= 0 && h.timers.get(id) !== 5000) throw new CaseFailure(`${describe()}
  close timer not armed after our close`);
  if (dice.chance(0.5)) {
    h.timer(id);
    const expected = m.closedAt < 0 ? "[]" : m.endedAt < 0 ? "[1]" : "[0,1]";
    if (ends() !== expected || h.takeSent(id).length > 0) {
      throw new CaseFailure(`${describe()}
  cs_timer: host_end ${ends()}, expected ${expected}, and nothing sent`);
    }
  } else if (ends() !== expectedEnds) {
    throw new CaseFailure(`${describe()}
  at the end: host_end ${ends()}, expected ${expectedEnds}`);
  }
  h.closed(id, (h.ends.get(id) ?? []).length > 0 ? CLOSED_BY_MODULE : dice.pick([CLOSED_BY_PEER, CLOSED_BY_ERROR]));
}

/** Runs every case `passes` times on one instance (the same seeds each pass), stopping at the first failure. */
function runFuzz(options: FuzzOptions, progress: Int32Array): FuzzReport {
  const report: FuzzReport = {
    trapped: false, cases: 0, connections: 0, calls: 0, bytes: 0, framesSent: 0, decisions: {}, endings: {}, memoryAfterPass: [],
  };
  const h = new Harness();
  let nextId = 1;
  try {
    for (let pass = 0; pass < options.passes; pass++) {
      for (let c = 0; c < options.cases; c++) {
        const seed = options.firstSeed + c;
        Atomics.store(progress, 1, seed);
        nextId += runCase(h, seed, nextId, report, progress);
        report.cases++;
      }
      report.memoryAfterPass.push(h.memoryBytes());
    }
  } catch (e) {
    const seed = Atomics.load(progress, 1);
    if (e instanceof WasmTrap || e instanceof WebAssembly.RuntimeError) report.trapped = true; // in cs_open or cs_closed
    report.failure = e instanceof CaseFailure ? e.message : `case seed ${seed} (replay with FUZZ_SEED=${seed} FUZZ_CASES=1): ${e}`;
  }
  return report;
}

/** Runs the fuzz in a worker; rejects, naming the case in flight, if it stops making progress. */
function runSupervised(options: FuzzOptions): Promise<FuzzReport> {
  const progress = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(__filename, { workerData: { fuzz: options, progress } });
  return new Promise((resolve, reject) => {
    let seen = -1;
    let still = 0;
    const watchdog = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== seen) [seen, still] = [now, 0];
      else if (++still * 1000 >= STALL_LIMIT_MS) {
        clearInterval(watchdog);
        const seed = Atomics.load(progress, 1);
        void worker.terminate();
        reject(new Error(`a call into the module did not return (no progress for ${STALL_LIMIT_MS} ms) in case seed ${seed}: replay with FUZZ_SEED=${seed} FUZZ_CASES=1`));
      }
    }, 1000);
    worker.once("message", (report: FuzzReport) => {
      clearInterval(watchdog);
      resolve(report);
    });
    worker.once("error", (e) => {
      clearInterval(watchdog);
      reject(e);
    });
    worker.once("exit", (code) => {
      clearInterval(watchdog);
      reject(new Error(`fuzz worker exited (${code}) without a report`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Tests (main thread) and the fuzz itself (worker)

const ALL_DECISIONS: (Decision | "still open")[] = [
  "rsv-without-extension", "reserved-opcode", "fragmented-control", "continuation-without-message", "too-many-fragments",
  "data-inside-message", "unmasked", "control-too-long", "length-top-bit", "message-too-big", "invalid-utf8-text",
  "close-empty", "close-one-byte", "close-invalid-code", "close-invalid-reason", "close-echoed", "still open",
];

const ALL_ENDINGS: Ending[] = [
  "still open", "the client closed first", "the client answered our close", "our close unanswered", "frame boundaries lost",
];

const LIMITS: EndpointLimits = { maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE, maxFragments: DEFAULT_MAX_FRAGMENTS };
const hexBytes = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

if (!isMainThread && workerData?.fuzz) {
  parentPort!.postMessage(runFuzz(workerData.fuzz as FuzzOptions, workerData.progress as Int32Array));
} else {
  describe("reference model", () => {
    it("echoes the RFC 6455 §5.7 single-frame masked text message unmasked", () => {
      const m = serverDecisions(hexBytes("81 85 37fa213d 7f9f4d5158"), LIMITS);
      assert.deepEqual(m.outputs, [{ at: 10, bytes: hexBytes("81 05 48656c6c6f") }]);
      assert.equal(m.closedAt, -1);
    });

    it("answers the §5.7 masked ping with an unmasked pong of the same payload", () => {
      const m = serverDecisions(hexBytes("89 85 37fa213d 7f9f4d5158"), LIMITS);
      assert.deepEqual(m.outputs, [{ at: 10, bytes: hexBytes("8a 05 48656c6c6f") }]);
    });

    it("echoes a fragmented message once, when its last fragment ends, with a pong in between", () => {
      const key = "00000000";
      const stream = hexBytes(`01 83 ${key} 48656c  89 80 ${key}  80 82 ${key} 6c6f`);
      const m = serverDecisions(stream, LIMITS);
      assert.deepEqual(m.outputs, [
        { at: 14, bytes: hexBytes("8a 00") },
        { at: stream.length - 1, bytes: hexBytes("81 05 48656c6c6f") },
      ]);
    });

    it("uses the §5.7 length encodings for 256 bytes and 64 KiB", () => {
      assert.deepEqual(serverFrame(BINARY, Buffer.alloc(256)).subarray(0, 4), hexBytes("82 7e 0100"));
      assert.deepEqual(serverFrame(BINARY, Buffer.alloc(65536)).subarray(0, 10), hexBytes("82 7f 0000000000010000"));
    });

    const rules: [string, string, EndpointLimits, Decision, number, number][] = [
      ["RSV1 without an extension", "c1 80 00000000", LIMITS, "rsv-without-extension", 1002, 0],
      ["opcode 0xB", "8b 80 00000000", LIMITS, "reserved-opcode", 1002, 0],
      ["a ping without FIN", "09 80 00000000", LIMITS, "fragmented-control", 1002, 0],
      ["a continuation with no message", "80 80 00000000", LIMITS, "continuation-without-message", 1002, 0],
      ["a third fragment over max_fragments = 2", "01 80 00000000 00 80 00000000 80", { ...LIMITS, maxFragments: 2 }, "too-many-fragments", 1009, 12],
      ["a new message inside a fragmented one", "02 80 00000000 81", LIMITS, "data-inside-message", 1002, 6],
      ["an unmasked frame", "81 00", LIMITS, "unmasked", 1002, 1],
      ["a ping with a 16-bit length", "89 fe 0001", LIMITS, "control-too-long", 1002, 1],
      ["a 64-bit length with its top bit, judged at its first byte", "82 ff 8000000000000000", LIMITS, "length-top-bit", 1002, 2],
      ["a length over max_message_size, judged at the length field", "82 fe 0065", { ...LIMITS, maxMessageSize: 100 }, "message-too-big", 1009, 3],
      ["a 16-bit length whose first byte already exceeds max_message_size", "82 fe 0100", { ...LIMITS, maxMessageSize: 100 }, "message-too-big", 1009, 2],
      ["a 17 MiB length over 16 MiB, at the first byte that reveals it", "82 ff 0000000001100000", LIMITS, "message-too-big", 1009, 7],
      ["a 7-bit length over max_message_size, at the second byte", "81 8b", { ...LIMITS, maxMessageSize: 10 }, "message-too-big", 1009, 1],
      ["a surrogate in text, at its second byte", "81 83 00000000 eda080", LIMITS, "invalid-utf8-text", 1007, 7],
      ["text that ends inside a character", "81 82 00000000 e282", LIMITS, "invalid-utf8-text", 1007, 7],
      ["an empty close", "88 80 00000000", LIMITS, "close-empty", 1000, 5],
      ["a one-byte close", "88 81 00000000 03", LIMITS, "close-one-byte", 1002, 6],
      ["close code 1005", "88 82 00000000 03ed", LIMITS, "close-invalid-code", 1002, 7],
      ["a close reason that is not UTF-8", "88 83 00000000 03e8ff", LIMITS, "close-invalid-reason", 1007, 8],
      ["close code 4000 with a reason", "88 84 00000000 0fa06f6b", LIMITS, "close-echoed", 4000, 9],
    ];
    for (const [what, stream, limits, decision, code, at] of rules) {
      it(`closes with ${code} at byte ${at} for ${what}`, () => {
        const m = serverDecisions(hexBytes(stream + " 81 80 00000000"), limits); // nothing after the close
        assert.deepEqual([m.decision, m.closeCode, m.closedAt], [decision, code, at]);
        assert.deepEqual(m.outputs[m.outputs.length - 1], { at, bytes: closeFrame(code, FAILURE_REASONS[decision]) });
      });
    }

    const closeOf = (code: number) => `88 82 00000000 ${code.toString(16).padStart(4, "0")}`;
    const zeros = (n: number) => "00".repeat(n);
    const endings: [string, string, EndpointLimits, number, Ending][] = [
      ["when the client closed first, at its close frame", closeOf(1000), LIMITS, 7, "the client closed first"],
      ["after a 1002 for message order, at the client's close frame", `80 80 00000000 ${closeOf(1002)}`, LIMITS, 13, "the client answered our close"],
      ["after a 1009, skipping the declared payload, at the client's close frame",
        `82 fe 0004 00000000 61626364 89 80 00000000 ${closeOf(1009)}`, { ...LIMITS, maxMessageSize: 3 }, 25, "the client answered our close"],
      ["after a 1007, skipping the rest of the frame, at the client's close frame",
        `81 83 00000000 ff 88 80 ${closeOf(1007)}`, LIMITS, 16, "the client answered our close"],
      ["after a 1009, whatever the client's close frame carries", `82 81 00000000 00 88 81 00000000 03`, { ...LIMITS, maxMessageSize: 0 }, 13,
        "the client answered our close"],
      ["after RSV bits, skipping that frame's payload, at the client's close frame", `c1 82 00000000 6162 ${closeOf(1002)}`, LIMITS, 15,
        "the client answered our close"],
      ["after an unmasked frame, whose payload follows without a mask key, at the client's close frame", `81 02 6162 ${closeOf(1002)}`, LIMITS, 11,
        "the client answered our close"],
      ["after a reserved opcode with a 16-bit length, at the client's close frame", `83 fe 0003 00000000 616263 ${closeOf(1002)}`, LIMITS, 18,
        "the client answered our close"],
      ["at the end of a fragmented close frame, which was the client's close", `08 80 00000000 ${closeOf(1002)}`, LIMITS, 5,
        "the client answered our close"],
      ["at the end of a close frame over 125 bytes, which was the client's close",
        `88 fe 007e 00000000 ${zeros(126)} ${closeOf(1002)}`, LIMITS, 133, "the client answered our close"],
      ["after a 1002, at a close frame that itself breaks framing rules (RSV, no FIN, unmasked, 16-bit length)",
        `80 80 00000000 78 7e 0001 00`, LIMITS, 10, "the client answered our close"],
      ["after a 1002, over later frames that break framing rules, at the client's close frame",
        `80 80 00000000 81 00 f3 80 00000000 ${closeOf(1002)}`, LIMITS, 21, "the client answered our close"],
      ["at once for a 64-bit length with its top bit, right after our close frame", `82 ff 80 ${closeOf(1002)}`, LIMITS, 2,
        "frame boundaries lost"],
      ["at once for a 64-bit length with its top bit in a frame after ours", `c1 80 00000000 82 ff 80 ${closeOf(1002)}`, LIMITS, 8,
        "frame boundaries lost"],
      ["at once for a 64-bit length with its top bit in the frame that broke another rule first", `89 7f 80 ${closeOf(1002)}`, LIMITS, 2,
        "frame boundaries lost"],
      ["never when the declared payload has not all come", `82 fe 0010 00000000 ${closeOf(1009)}`, { ...LIMITS, maxMessageSize: 3 }, -1,
        "our close unanswered"],
      ["never when the client sends no close frame after a framing error", `c1 80 00000000 81 80 00000000`, LIMITS, -1, "our close unanswered"],
    ];
    for (const [what, stream, limits, endedAt, ending] of endings) {
      it(`ends ${what}${endedAt < 0 ? "" : ` (byte ${endedAt})`}`, () => {
        const m = serverDecisions(hexBytes(stream), limits);
        assert.deepEqual([m.endedAt, m.ending], [endedAt, ending]);
        assert.equal(m.outputs.length, 1, "only our close frame");
      });
    }

    it("sends nothing for what arrives after its close frame: no echo, no pong, no second close", () => {
      const m = serverDecisions(hexBytes(`c1 80 00000000 81 80 00000000 89 80 00000000 ${closeOf(1000)}`), LIMITS);
      assert.deepEqual(m.outputs, [{ at: 0, bytes: closeFrame(1002, FAILURE_REASONS["rsv-without-extension"]) }]);
    });

    it("agrees with a fatal TextDecoder on which byte strings are UTF-8", () => {
      const dice = new Dice(rng(7));
      for (let i = 0; i < 3000; i++) {
        const bytes = dice.chance(0.5) ? dice.bytes(dice.int(0, 8)) : textPayload(dice, dice.int(0, 12), 0.5);
        let decoded = true;
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          decoded = false;
        }
        assert.equal(isUtf8(bytes), decoded, bytes.toString("hex"));
      }
    });

    it("rejects text at the first byte after which no UTF-8 can follow", () => {
      const firstBad = (s: string) => {
        const p = new Utf8Prefix();
        return [...hexBytes(s)].findIndex((b) => !p.push(b));
      };
      assert.equal(firstBad("41 80"), 1);
      assert.equal(firstBad("c0"), 0);
      assert.equal(firstBad("e0 9f"), 1);
      assert.equal(firstBad("ed a0"), 1);
      assert.equal(firstBad("f4 90"), 1);
      assert.equal(firstBad("f5"), 0);
      assert.equal(firstBad("e2 82 41"), 2);
      assert.equal(firstBad("f0 9f 98 80 ce ba"), -1);
    });
  });

  describe("fuzz: random client streams against the reference model", () => {
    let report: FuzzReport;
    before(async () => {
      report = await runSupervised({ firstSeed: FIRST_SEED, cases: CASES, passes: PASSES });
    });

    it("sends what the model sends and ends where it ends, after every call, for every split", (t) => {
      t.diagnostic(`seeds ${FIRST_SEED}..${FIRST_SEED + CASES - 1}, ${PASSES} passes: ${report.cases} cases, ${report.connections} connections, ${report.calls} cs_data calls, ${report.bytes} bytes in, ${report.framesSent} frames out`);
      t.diagnostic(`decisions: ${JSON.stringify(report.decisions)}`);
      t.diagnostic(`endings: ${JSON.stringify(report.endings)}`);
      t.diagnostic(`memory after each pass: ${report.memoryAfterPass.join(", ")} bytes`);
      assert.equal(report.failure, undefined, report.failure);
    });

    it("never traps", () => {
      assert.equal(report.trapped, false, report.failure);
    });

    it("reaches every decision of the model", { skip: COVERAGE_SKIP }, () => {
      assert.equal(report.failure, undefined, "the fuzz stopped early");
      assert.deepEqual(ALL_DECISIONS.filter((d) => !report.decisions[d]), []);
    });

    it("reaches every way a connection ends, the client's close after ours included", { skip: COVERAGE_SKIP }, () => {
      assert.equal(report.failure, undefined, "the fuzz stopped early");
      assert.deepEqual(ALL_ENDINGS.filter((e) => !report.endings[e]), []);
    });

    it("stops growing memory once thousands of connections have come and gone (heap reuse)", () => {
      assert.equal(report.failure, undefined, "the fuzz stopped early");
      const [first, ...later] = report.memoryAfterPass;
      for (const bytes of later) assert.equal(bytes, first);
    });
  });
}
