// kind = process in Wasm alone: what it asks the native side to run, how messages become stdin and output
// becomes messages, stderr, exits, backpressure both ways. The native side is the harness.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { LogLevel, Status } from "../support/abi_constants";
import { BINARY, clientFrame, parseServerFrames, TEXT } from "./frames";
import { handshakeHead, Harness, SEND_BACKPRESSURE } from "./wasm_harness";

const CAT = 'kind = process\ncommand = ["cat"]\n';

function opened(endpoint = CAT, extraHeaders: Record<string, string> = {}, target = "GET /bot.chatsocket?x=1 HTTP/1.1") {
  const h = new Harness();
  const r = h.open(1, handshakeHead(extraHeaders, target), endpoint);
  assert.equal(r.status, 101, r.body);
  return h;
}

function texts(h: Harness, id = 1): string[] {
  return parseServerFrames(h.takeSent(id)).map((f) => f.payload.toString());
}

function closeOf(h: Harness, id = 1): { code: number; reason: string } {
  const frame = parseServerFrames(h.takeSent(id)).find((f) => f.opcode === 8);
  assert.ok(frame, "a close frame");
  return { code: frame!.payload.readUInt16BE(0), reason: frame!.payload.subarray(2).toString() };
}

describe("kind = process: the program it asks for", () => {
  it("names the program, its arguments, the cap and the endpoint's variables before the request's", () => {
    const h = opened(
      'kind = process\ncommand = ["python3", "-u", "bot.py", "a b"]\ndirectory = bots\nmax_processes = 7\nenvironment = {"LANG": "C.UTF-8", "Q": "\\"quoted\\""}\n',
      { "X-Token": "t1" },
    );
    const [start] = h.processStarts;
    const [flags, cap, program, directory, argc, ...rest] = start.fields;
    assert.deepEqual([flags, cap, program, directory, argc], ["0", "7", "python3", "bots", "3"]);
    assert.deepEqual(rest.slice(0, 3), ["-u", "bot.py", "a b"]);
    const env = rest.slice(4);
    assert.equal(Number(rest[3]), env.length);
    assert.deepEqual(env.slice(0, 2), ["LANG=C.UTF-8", 'Q="quoted"']);
    for (const expected of [
      "GATEWAY_INTERFACE=CGI/1.1",
      "REQUEST_METHOD=GET",
      "SCRIPT_NAME=/bot.chatsocket",
      "QUERY_STRING=x=1",
      "REQUEST_URI=/bot.chatsocket?x=1",
      "REMOTE_ADDR=127.0.0.1",
      "REMOTE_PORT=50000",
      "SERVER_NAME=localhost",
      "SERVER_PORT=80",
      "HTTPS=off",
      "AUTH_TYPE=",
      "CONTENT_LENGTH=",
    ]) {
      assert.ok(env.includes(expected), `${expected} in ${env.join(" | ")}`);
    }
  });

  it("turns every request header into HTTP_NAME, repeated ones joined", () => {
    const h = new Harness();
    h.variables.set("ALL_RAW", "Host: example\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\nUser-Agent: test\r\n");
    h.open(1, handshakeHead(), CAT);
    const env = h.processStarts[0].fields;
    assert.ok(env.includes("HTTP_HOST=example"));
    assert.ok(env.includes("HTTP_X_FORWARDED_FOR=10.0.0.1, 10.0.0.2"));
    assert.ok(env.includes("HTTP_USER_AGENT=test"));
  });

  it("asks for a shell only when the file says `shell`", () => {
    const h = opened("kind = process\nshell = ls | wc -l\n");
    assert.deepEqual(h.processStarts[0].fields.slice(0, 6), ["1", "100", "", "", "1", "ls | wc -l"]);
  });

  for (const [status, http, body] of [
    [Status.FORBIDDEN, 403, /not allowed to run/],
    [Status.LIMIT_REACHED, 503, /Too many programs/],
    [Status.NOT_FOUND, 500, /could not be started/],
  ] as const) {
    it(`answers ${http} when the native side answers ${status}`, () => {
      const h = new Harness();
      h.processStartStatus = status;
      const r = h.open(1, handshakeHead(), CAT);
      assert.equal(r.status, http);
      assert.match(r.body, body);
      assert.equal(r.headers.get("retry-after"), http === 503 ? "5" : undefined);
      assert.equal(h.writable(1), Status.NOT_FOUND, "a refused connection holds nothing");
    });
  }

  const badFiles: [string, RegExp][] = [
    ["command = python3 bot.py", /JSON array/],
    ['command = ["a", 1]', /JSON array/],
    ["command = []", /must name a program/],
    ['command = ["a"]\nshell = b', /cannot both be set/],
    ["mode = fast", /text, binary or raw/],
    ["stderr = mail", /log, drop or send/],
    ['environment = {"A=B": "c"}', /cannot be a variable's name/],
    ["environment = [1]", /JSON object/],
    ["max_processes = 0", /max_processes/],
  ];
  for (const [line, problem] of badFiles) {
    it(`refuses an endpoint file with \`${line.split("\n").pop()}\``, () => {
      const h = new Harness();
      const text = line.startsWith("command") ? `kind = process\n${line}\n` : `${CAT}${line}\n`;
      const r = h.open(1, handshakeHead(), text);
      assert.equal(r.status, 500);
      assert.match(r.body, problem);
    });
  }

  it("refuses a file with neither command nor shell", () => {
    const r = new Harness().open(1, handshakeHead(), "kind = process\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /needs `command`/);
  });
});

describe("kind = process: messages and output", () => {
  it("text mode: a message is a line on stdin; a binary message closes with 1003", () => {
    const h = opened();
    h.data(1, clientFrame(TEXT, "hello"));
    assert.equal(h.takeProcessInput(1).toString(), "hello\n");
    h.data(1, clientFrame(BINARY, Buffer.from([1])));
    assert.equal(closeOf(h).code, 1003);
  });

  it("the messages of one read reach stdin in one write; one of 16 KiB or more goes on its own, in order", () => {
    const h = opened();
    const long = "L".repeat(16 * 1024);
    h.data(1, Buffer.concat(["a", "b", long, "c", "d"].map((line) => clientFrame(TEXT, line))));
    const writes = h.processInput.get(1)!.map(String);
    assert.deepEqual(writes, ["a\nb\n", long, "\nc\nd\n"]);
    h.data(1, clientFrame(TEXT, "e"));
    assert.equal(String(h.processInput.get(1)!.at(-1)), "e\n");
  });

  it("text mode: a newline at any place in the output ends its line", () => {
    const h = opened();
    const lines = Array.from({ length: 40 }, (_, n) => "x".repeat(n));
    h.processOutput(1, lines.map((line) => `${line}\n`).join(""));
    assert.deepEqual(texts(h), lines);
  });

  it("text mode: each output line is a message, \\r\\n and \\n alike, a partial line waits", () => {
    const h = opened();
    h.processOutput(1, "one\ntwo\r\nthr");
    assert.deepEqual(texts(h), ["one", "two"]);
    h.processOutput(1, "ee\n");
    assert.deepEqual(texts(h), ["three"]);
  });

  it("text mode: lines cut where the output lies and lines joined across reads come out alike", () => {
    const h = opened();
    const long = "L".repeat(300); // a 4-byte frame header, written over what came before it
    h.processOutput(1, `a\n${long}\nb`);
    assert.deepEqual(texts(h), ["a", long]);
    h.processOutput(1, "c");
    assert.deepEqual(texts(h), []);
    h.processOutput(1, `d\n\n${long}`);
    assert.deepEqual(texts(h), ["bcd", ""]);
    h.processOutput(1, "\r\nend\n");
    assert.deepEqual(texts(h), [long, "end"]);
  });

  it("text mode: a line longer than max_line_length comes in pieces cut between characters", () => {
    const h = opened(`${CAT}max_line_length = 5\n`);
    h.processOutput(1, "abcdéfghi\n"); // é is 2 bytes: the first piece stops before it
    assert.deepEqual(texts(h), ["abcd", "éfgh", "i"]); // 4 bytes, then 5 (é is 2), then the rest
  });

  it("text mode: output that is not UTF-8 is repaired, never sent as an invalid text frame", () => {
    const h = opened();
    h.processOutput(1, Buffer.from([0x6f, 0x6b, 0xff, 0xc3, 0x0a]));
    assert.deepEqual(texts(h), ["ok\ufffd\ufffd"]);
  });

  it("binary mode: bytes go both ways as they are", () => {
    const h = opened(`${CAT}mode = binary\n`);
    h.data(1, clientFrame(BINARY, Buffer.from([0, 1, 2])));
    h.data(1, clientFrame(TEXT, "t"));
    assert.deepEqual(h.takeProcessInput(1), Buffer.from([0, 1, 2, 0x74]));
    h.processOutput(1, Buffer.from([9, 8, 7]));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.deepEqual([frame.opcode, [...frame.payload]], [2, [9, 8, 7]]);
  });

  it("raw mode: no newline added; a character split between reads waits for its end", () => {
    const h = opened(`${CAT}mode = raw\n`);
    h.data(1, clientFrame(TEXT, "k"));
    assert.equal(h.takeProcessInput(1).toString(), "k");
    const euro = Buffer.from("€", "utf8");
    h.processOutput(1, Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]));
    h.processOutput(1, euro.subarray(2));
    assert.deepEqual(texts(h), ["a", "€"]);
  });

  it("stderr = log: each line goes to the log, naming the endpoint", () => {
    const h = opened();
    h.processOutput(1, "oops\n", true);
    assert.deepEqual(texts(h), []);
    const line = h.logs.find((l) => l.text.includes("oops"));
    assert.equal(line?.level, LogLevel.WARNING);
    assert.match(line!.text, /\/bot\.chatsocket/);
  });

  it("stderr = drop: nothing is sent or logged", () => {
    const h = opened(`${CAT}stderr = drop\n`);
    h.processOutput(1, "quiet\n", true);
    assert.deepEqual(texts(h), []);
    assert.ok(!h.logs.some((l) => l.text.includes("quiet")));
  });

  it("stderr = send in text mode: every message is {stream, data}", () => {
    const h = opened(`${CAT}stderr = send\n`);
    h.processOutput(1, "out\n");
    h.processOutput(1, 'err "x"\n', true);
    assert.deepEqual(texts(h).map((t) => JSON.parse(t)), [
      { stream: "stdout", data: "out" },
      { stream: "stderr", data: 'err "x"' },
    ]);
  });

  it("stderr = send in binary mode: stderr lines arrive as text, stdout as binary", () => {
    const h = opened(`${CAT}mode = binary\nstderr = send\n`);
    h.processOutput(1, "warning\n", true);
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.deepEqual([frame.opcode, frame.payload.toString()], [1, "warning"]);
  });
});

describe("kind = process: the end", () => {
  it("sends the last partial line, then 1000 for exit code 0", () => {
    const h = opened();
    h.processOutput(1, "no newline");
    h.processExited(1, 0);
    const frames = parseServerFrames(h.takeSent(1));
    assert.equal(frames[0].payload.toString(), "no newline");
    assert.equal(frames[1].payload.readUInt16BE(0), 1000);
    assert.equal(frames[1].payload.subarray(2).toString(), "exit code 0");
  });

  it("closes with 1011 and the exit code, or the signal, otherwise", () => {
    const h = opened();
    h.processExited(1, 2);
    assert.deepEqual(closeOf(h), { code: 1011, reason: "exit code 2" });
    const k = opened();
    k.processExited(1, 0, 9);
    assert.deepEqual(closeOf(k), { code: 1011, reason: "killed by signal 9" });
  });

  it("a close frame from the client stops the program at once, before TCP closes", () => {
    const h = opened();
    h.data(1, clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    assert.deepEqual(h.processCalls.get(1), ["stop"]);
    assert.deepEqual(closeOf(h), { code: 1000, reason: "" });
  });

  it("idle_timeout: the program's output keeps the connection from being idle; silence closes it with 1001", () => {
    const h = opened(`${CAT}idle_timeout = 3000\n`);
    const IDLE_SLOT = 7; // every kind's idle timer: the last slot (src/connection.ts)
    assert.equal(h.timerSlots.get(`1/${IDLE_SLOT}`), 3000);
    h.processOutput(1, "still working\n");
    h.takeSent(1);
    h.timer(1, IDLE_SLOT); // active since armed: armed again, not closed
    assert.ok(!parseServerFrames(h.takeSent(1)).some((f) => f.opcode === 8), "no close while the program talks");
    h.timer(1, IDLE_SLOT);
    assert.deepEqual(closeOf(h), { code: 1001, reason: "idle for 3000 ms" });
  });
});

describe("kind = process: backpressure", () => {
  it("a client that does not read pauses the program's output until its queue drains", () => {
    const h = opened();
    h.sendStatus = SEND_BACKPRESSURE;
    h.processOutput(1, "a\nb\n");
    assert.deepEqual(h.processCalls.get(1), ["pause"]);
    h.sendStatus = Status.OK;
    h.writable(1);
    assert.deepEqual(h.processCalls.get(1), ["pause", "resume"]);
  });

  it("a program that does not read pauses the client's reads until its stdin drains", () => {
    const h = opened();
    h.processWriteStatus = Status.BACKPRESSURE;
    h.data(1, clientFrame(TEXT, "x"));
    assert.equal(h.paused.get(1), true);
    h.processStdinWritable(1);
    assert.equal(h.paused.get(1), false);
  });
});
