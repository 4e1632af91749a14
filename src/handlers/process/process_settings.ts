// kind = process: the keys of its endpoint file.
//
//   command          the program and its arguments, as a JSON array of strings: `["python3", "-u", "bot.py"]`.
//                    Never parsed by a shell. A bare name is looked for in the endpoint file's folder, then
//                    on the server's PATH; a name with a folder part is relative to the endpoint file's folder.
//   shell            instead of `command`: one command line for the platform's shell (/bin/sh -c, cmd.exe /c).
//                    The shell must then be on the server's list of allowed programs.
//   directory        the working directory, relative to the endpoint file's folder (default: that folder).
//   environment      extra variables, as a JSON object of strings: `{"LANG": "C.UTF-8"}`.
//   mode             text (default): each text message is one line on stdin, each stdout line one text
//                    message; binary: message bytes go to stdin as they are, each stdout read is one binary
//                    message; raw: like text, but no newline is added (keystrokes), and output is sent as it comes.
//   stderr           log (default): each line goes to the server's log; drop; send: to the client (text mode:
//                    every message becomes {"stream": "stdout"|"stderr", "data": line}; binary mode: stderr
//                    lines arrive as text messages, stdout as binary).
//   max_line_length  the longest line sent as one message, in bytes (1 to 16777216, default 65536); a longer
//                    line is sent in pieces of at most that many bytes, cut between characters.
//   max_processes    programs of this endpoint running at once (1 to 65535, default 100); past it, 503.
// (idle_timeout is every kind's: endpoint/endpoint_config.ts. Output the program writes counts as activity.)

import { readStringArray, readStringObject, jsonError } from "../../text/json_read";
import { Settings } from "../../endpoint/settings";
import { KindSettings } from "../kinds";

export const enum ProcessMode {
  TEXT = 0,
  BINARY = 1,
  RAW = 2,
}

export const enum StderrPolicy {
  LOG = 0,
  DROP = 1,
  SEND = 2,
}

export class ProcessSettings extends KindSettings {
  program: string = "";
  arguments: string[] = [];
  shell: bool = false;
  directory: string = "";
  environment: string[][] = [];
  mode: ProcessMode = ProcessMode.TEXT;
  stderr: StderrPolicy = StderrPolicy.LOG;
  maxLineLength: u32 = 65536;
  maxProcesses: u32 = 100;
}

export function configureProcess(settings: Settings): KindSettings {
  const p = new ProcessSettings();
  const command = settings.take("command");
  const shell = settings.take("shell");
  if (command != null && shell != null) {
    settings.fail(shell.line, "`command` and `shell` cannot both be set: `command` runs a program, `shell` a command line.");
  } else if (command != null) {
    const words = readStringArray(command.value);
    if (words == null) settings.fail(command.line, "command must be a JSON array of strings, like [\"python3\", \"bot.py\"]: " + jsonError + ".");
    else if (words.length == 0 || words[0].length == 0) settings.fail(command.line, "command must name a program.");
    else {
      p.program = words[0];
      p.arguments = words.slice(1);
    }
  } else if (shell != null) {
    if (shell.value.length == 0) settings.fail(shell.line, "shell must be a command line.");
    p.shell = true;
    p.arguments = [shell.value];
  } else {
    settings.fail(0, "kind process needs `command` (a JSON array: the program and its arguments) or `shell`.");
  }
  const directory = settings.take("directory");
  if (directory != null) p.directory = directory.value;
  const environment = settings.take("environment");
  if (environment != null) {
    const pairs = readStringObject(environment.value);
    if (pairs == null) settings.fail(environment.line, "environment must be a JSON object of strings: " + jsonError + ".");
    else {
      for (let i = 0; i < pairs.length; i++) {
        const name = pairs[i][0];
        if (name.length == 0 || name.includes("=") || name.includes("\0") || pairs[i][1].includes("\0")) {
          settings.fail(environment.line, "`" + name + "` cannot be a variable's name.");
        }
      }
      p.environment = pairs;
    }
  }
  const mode = settings.take("mode");
  if (mode != null) {
    const m = mode.value.toLowerCase();
    if (m == "text") p.mode = ProcessMode.TEXT;
    else if (m == "binary") p.mode = ProcessMode.BINARY;
    else if (m == "raw") p.mode = ProcessMode.RAW;
    else settings.fail(mode.line, "mode must be text, binary or raw.");
  }
  const stderr = settings.take("stderr");
  if (stderr != null) {
    const s = stderr.value.toLowerCase();
    if (s == "log") p.stderr = StderrPolicy.LOG;
    else if (s == "drop") p.stderr = StderrPolicy.DROP;
    else if (s == "send") p.stderr = StderrPolicy.SEND;
    else settings.fail(stderr.line, "stderr must be log, drop or send.");
  }
  p.maxLineLength = settings.count("max_line_length", 1, 16 * 1024 * 1024, 65536, "bytes");
  p.maxProcesses = settings.count("max_processes", 1, 65535, 100, "");
  return p;
}
