// The `key = value` lines of an endpoint file, before anyone gives them a meaning. The common keys and
// each kind's own keys are taken from here by name; a key that nobody takes is an error, so a typo never
// passes silently. Of several problems, the one on the earliest line is reported, with its line.

import { commaList } from "../text/comma_list";

export class Setting {
  taken: bool = false;
  constructor(
    readonly key: string,
    readonly value: string,
    readonly line: i32,
  ) {}
}

export class Settings {
  private entries: Setting[] = [];
  /** The line of the first problem (0: the file as a whole), or -1 while there is none. */
  errorLine: i32 = -1;
  errorText: string = "";

  get failed(): bool {
    return this.errorLine >= 0;
  }

  fail(line: i32, text: string): void {
    if (this.failed && this.errorLine <= line) return;
    this.errorLine = line;
    this.errorText = text;
  }

  /** Adds a line's setting; a key given twice is an error at its second line. */
  add(key: string, value: string, line: i32): void {
    if (this.find(key) != null) {
      this.fail(line, "`" + key + "` is set twice.");
      return;
    }
    this.entries.push(new Setting(key, value, line));
  }

  private find(key: string): Setting | null {
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i].key == key) return this.entries[i];
    return null;
  }

  /** The setting for `key`, now counted as understood, or null when the file does not set it. */
  take(key: string): Setting | null {
    const setting = this.find(key);
    if (setting != null) setting.taken = true;
    return setting;
  }

  /** A whole number in [lowest, highest], or `fallback` when the key is absent. */
  count(key: string, lowest: u32, highest: u32, fallback: u32, unit: string): u32 {
    const setting = this.take(key);
    if (setting == null) return fallback;
    const n = parseCount(setting.value, lowest, highest);
    if (n < 0) {
      const what = unit.length > 0 ? "a whole number of " + unit : "a whole number";
      this.fail(setting.line, key + " must be " + what + " from " + lowest.toString() + " to " + highest.toString() + ".");
      return fallback;
    }
    return <u32>n;
  }

  /** The index of the value among `options` (lowercase), or `fallback` when the key is absent. */
  choice(key: string, options: string[], fallback: i32): i32 {
    const setting = this.take(key);
    if (setting == null) return fallback;
    const index = options.indexOf(setting.value.toLowerCase());
    if (index < 0) this.fail(setting.line, key + " must be " + options.join(" or ") + ".");
    return index < 0 ? fallback : index;
  }

  /** A comma-separated list, empty when the key is absent. */
  list(key: string): string[] {
    const setting = this.take(key);
    return setting == null ? [] : commaList(setting.value);
  }

  /** After every reader has taken its keys: the first key left over is unknown to `kindName`. */
  rejectUntaken(kindName: string): void {
    for (let i = 0; i < this.entries.length; i++) {
      const setting = this.entries[i];
      if (!setting.taken) this.fail(setting.line, "unknown key `" + setting.key + "` for kind " + kindName + ".");
    }
  }
}

/** A decimal number within [lowest, highest], or -1. */
function parseCount(value: string, lowest: u32, highest: u32): i64 {
  if (value.length == 0 || value.length > 10) return -1;
  let n: i64 = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n < <i64>lowest || n > <i64>highest ? -1 : n;
}
