// kind = process: each connection gets its own run of a program (websocketd's model, inside the server).
// Messages go to the program's stdin, its stdout comes back as messages, stderr on a channel of its own
// (process_settings.ts has the keys). The native side runs the program (native/process) and ends its whole
// tree when the connection goes; this handler decides what the bytes mean.
//
// Backpressure both ways: a client that does not read its messages pauses the program's output (its pipe
// fills and the program blocks writing); a program that does not read its stdin pauses reading from the
// client. Nothing is queued without bound.
//
// The program exits: what is left of its output is sent, then a close frame: 1000 for exit code 0, 1011
// otherwise, with the exit code (or the signal) in the reason.

import { CloseCode, LogLevel, Status } from "../../abi_constants";
import { Connection } from "../../connection";
import { frameHeaderLength, Opcode } from "../../protocol/frame_encoder";
import { FRAME_HEADROOM } from "../../protocol/limits";
import { UTF8_BOUNDARY, utf8Validate } from "../../protocol/utf8";
import { Request } from "../../request";
import { jsonString } from "../../text/json";
import { repairUtf8, utf8Pending } from "../../text/utf8_repair";
import { log, pauseProcessOutput, startProcess, stopProcess } from "../../host";
import { Handler, Refusal } from "../handler";
import { cgiEnvironment } from "./cgi_environment";
import { LineSplitter } from "./line_splitter";
import { ProcessMode, ProcessSettings, StderrPolicy } from "./process_settings";
import { batchInput, flushInput } from "./stdin_batch";

const NEWLINE: usize = memory.data<u8>([0x0a]);
/** Room to move a raw-mode tail (at most 3 bytes) in and out of its u32 field; used only within a call. */
const TAIL_SCRATCH: usize = memory.data(4, 4);
/** A refused program's clients try again after this many seconds (Retry-After). */
const RETRY_AFTER_SECONDS: u32 = 5;

export class ProcessHandler extends Handler {
  private stdoutLines: LineSplitter;
  private stderrLines: LineSplitter;
  /** Output scratch: repaired text of one line or chunk (3 bytes per input byte at worst). */
  private scratch: usize = 0;
  private scratchSize: usize = 0;
  /** Raw mode: the start of a character whose other bytes have not come yet (up to 3 bytes). */
  private rawTail: u32 = 0;
  private rawTailLength: usize = 0;
  private outputPaused: bool = false;
  private label: string = "";

  constructor(
    conn: Connection,
    private settings: ProcessSettings,
  ) {
    super(conn);
    this.stdoutLines = new LineSplitter(settings.maxLineLength);
    this.stderrLines = new LineSplitter(settings.maxLineLength);
  }

  admit(request: Request): Refusal | null {
    this.label = request.path;
    const status = startProcess(this.conn.id, this.description(cgiEnvironment(request, this.conn.id)));
    if (status == Status.OK) return null;
    if (status == Status.FORBIDDEN) {
      return new Refusal(403, "This endpoint's program is not allowed to run on this server; the server's log says which setting allows it.");
    }
    if (status == Status.LIMIT_REACHED) {
      return new Refusal(503, "Too many programs are running; try again later.", RETRY_AFTER_SECONDS);
    }
    return new Refusal(500, "This endpoint's program could not be started; the server's log says why.");
  }

  /** host_process_start's fields (docs/ABI.md): flags, cap, program, folder, arguments, environment. */
  private description(cgi: string[]): ArrayBuffer {
    const s = this.settings;
    const fields = new Array<string>();
    fields.push(s.shell ? "1" : "0");
    fields.push(s.maxProcesses.toString());
    fields.push(s.program);
    fields.push(s.directory);
    fields.push(s.arguments.length.toString());
    for (let i = 0; i < s.arguments.length; i++) fields.push(s.arguments[i]);
    fields.push((s.environment.length + cgi.length).toString());
    // The endpoint's own variables first: the native side keeps the first of a name.
    for (let i = 0; i < s.environment.length; i++) fields.push(s.environment[i][0] + "=" + s.environment[i][1]);
    for (let i = 0; i < cgi.length; i++) fields.push(cgi[i]);
    let text = "";
    for (let i = 0; i < fields.length; i++) text += fields[i].replaceAll("\0", " ") + "\0";
    return String.UTF8.encode(text);
  }

  onMessage(opcode: u32, ptr: usize, len: u32): void {
    const mode = this.settings.mode;
    if (mode == ProcessMode.TEXT && opcode != Opcode.TEXT) {
      this.conn.closeWith(CloseCode.UNSUPPORTED_DATA, "this endpoint takes text messages");
      return;
    }
    let status = batchInput(this.conn.id, ptr, len);
    if (mode == ProcessMode.TEXT && status != Status.DROPPED) {
      const newline = batchInput(this.conn.id, NEWLINE, 1);
      if (newline != Status.OK) status = newline;
    }
    if (status == Status.BACKPRESSURE) this.conn.pauseReading(true);
  }

  onReceived(): void {
    if (flushInput(this.conn.id) == Status.BACKPRESSURE) this.conn.pauseReading(true);
  }

  onProcessStdinWritable(): void {
    this.conn.pauseReading(false);
  }

  onProcessOutput(stderr: bool, ptr: usize, len: u32): void {
    this.conn.markActive(); // output on either stream, sent or not: for idle_timeout, not idle
    if (stderr) this.stderrOutput(ptr, len);
    // The input region has FRAME_HEADROOM before it (cs_buffer): framed in place, one copy less.
    else if (this.settings.mode == ProcessMode.BINARY) this.track(this.conn.sendMessageInPlace(Opcode.BINARY, ptr, len));
    else if (this.settings.mode == ProcessMode.RAW) this.rawOutput(ptr, len);
    else {
      const lines = this.stdoutLines;
      lines.feed(ptr, len, FRAME_HEADROOM);
      while (lines.nextLine()) this.sendLine(false, lines.linePtr, lines.lineLength, lines.lineHeadroom);
    }
  }

  private stderrOutput(ptr: usize, len: u32): void {
    if (this.settings.stderr == StderrPolicy.DROP) return;
    this.stderrLines.feed(ptr, len);
    while (this.stderrLines.nextLine()) this.stderrLine(this.stderrLines.linePtr, this.stderrLines.lineLength);
  }

  private stderrLine(ptr: usize, len: usize): void {
    if (this.settings.stderr == StderrPolicy.LOG) {
      const text = String.UTF8.decodeUnsafe(this.repaired(ptr, len, true), this.repairedLength);
      log(LogLevel.WARNING, "program of " + this.label + " (connection " + this.conn.id.toString() + "), stderr: " + text);
    } else {
      this.sendLine(true, ptr, len, 0);
    }
  }

  /**
   * One line as one text message: as it is, or in the {"stream", "data"} envelope when stderr is sent too. A
   * valid line with room for a frame header before it (`headroom` bytes) goes out from where it lies.
   */
  private sendLine(stderr: bool, ptr: usize, len: usize, headroom: usize): void {
    const plain = this.settings.stderr != StderrPolicy.SEND || this.settings.mode == ProcessMode.BINARY;
    if (plain && headroom >= frameHeaderLength(len) && utf8Validate(UTF8_BOUNDARY, ptr, len) == UTF8_BOUNDARY) {
      this.track(this.conn.sendMessageInPlace(Opcode.TEXT, ptr, len));
      return;
    }
    const text = this.repaired(ptr, len, true);
    const textLength = this.repairedLength;
    if (plain) {
      this.track(this.conn.sendMessageInPlace(Opcode.TEXT, text, textLength));
      return;
    }
    const data = String.UTF8.decodeUnsafe(text, textLength);
    this.track(this.conn.sendText('{"stream":"' + (stderr ? "stderr" : "stdout") + '","data":' + jsonString(data) + "}"));
  }

  /** Raw mode: output as it comes, each chunk one text message; a character split between chunks waits. */
  private rawOutput(ptr: usize, len: u32): void {
    let from = ptr;
    let count: usize = len;
    if (this.rawTailLength > 0) {
      const joined = heap.alloc(this.rawTailLength + count);
      store<u32>(TAIL_SCRATCH, this.rawTail);
      memory.copy(joined, TAIL_SCRATCH, this.rawTailLength);
      memory.copy(joined + this.rawTailLength, ptr, count);
      count += this.rawTailLength;
      from = joined;
    }
    const text = this.repaired(from, count, false);
    const textLength = this.repairedLength;
    const pending = utf8Pending;
    memory.copy(TAIL_SCRATCH, from + count - pending, pending);
    this.rawTail = load<u32>(TAIL_SCRATCH);
    if (this.rawTailLength > 0) heap.free(from);
    this.rawTailLength = pending;
    if (textLength > 0) this.track(this.conn.sendMessageInPlace(Opcode.TEXT, text, textLength));
  }

  private repairedLength: usize = 0;

  /**
   * `len` bytes at `ptr` as valid UTF-8 in the scratch buffer (see text/utf8_repair.ts), with FRAME_HEADROOM
   * free bytes before it so the message can be framed in place.
   */
  private repaired(ptr: usize, len: usize, final: bool): usize {
    const needed = FRAME_HEADROOM + len * 3;
    if (needed > this.scratchSize) {
      if (this.scratch != 0) heap.free(this.scratch);
      this.scratchSize = max<usize>(needed, 256);
      this.scratch = heap.alloc(this.scratchSize);
    }
    this.repairedLength = repairUtf8(ptr, len, this.scratch + FRAME_HEADROOM, final);
    return this.scratch + FRAME_HEADROOM;
  }

  /** A client that stops reading stops the program's output, until its queue drains (onWritable). */
  private track(status: Status): void {
    if (status == Status.BACKPRESSURE && !this.outputPaused) {
      this.outputPaused = true;
      pauseProcessOutput(this.conn.id, true);
    }
  }

  onWritable(): void {
    if (!this.outputPaused) return;
    this.outputPaused = false;
    pauseProcessOutput(this.conn.id, false);
  }

  onProcessExit(code: u32, signal: u32): void {
    const lines = this.stdoutLines;
    while (lines.lastLine()) this.sendLine(false, lines.linePtr, lines.lineLength, lines.lineHeadroom);
    while (this.stderrLines.lastLine()) this.stderrLine(this.stderrLines.linePtr, this.stderrLines.lineLength);
    if (this.rawTailLength > 0) {
      store<u32>(TAIL_SCRATCH, this.rawTail);
      const text = this.repaired(TAIL_SCRATCH, this.rawTailLength, true);
      this.conn.sendMessage(Opcode.TEXT, text, this.repairedLength);
      this.rawTailLength = 0;
    }
    if (signal != 0) this.conn.closeWith(CloseCode.INTERNAL_ERROR, "killed by signal " + signal.toString());
    else if (code != 0) this.conn.closeWith(CloseCode.INTERNAL_ERROR, "exit code " + code.toString());
    else this.conn.closeWith(CloseCode.NORMAL, "exit code 0");
  }

  /** The connection is closing, whoever began: the program ends now rather than when TCP does. */
  onClosing(): void {
    flushInput(this.conn.id); // the messages before the close reach the program before its stdin closes
    stopProcess(this.conn.id);
  }

  onClose(): void {
    this.stdoutLines.free();
    this.stderrLines.free();
    if (this.scratch != 0) heap.free(this.scratch);
    this.scratch = this.scratchSize = 0;
  }
}
