// The `key = value` lines of an endpoint file, before anyone gives them a meaning. The common keys and
// each kind's own keys are taken from here by name; a key that nobody takes is an error, so a typo never
// passes silently. Of several problems, the one on the earliest line is reported, with its line.
//
// Under the file's lines lie the site's defaults (the <system.webServer><chatsocket> section): a key the
// file does not set is taken from them. A problem with a default is reported at SITE_DEFAULTS, after every
// line of the file; a default nobody takes is no error (its schema already checked its name, and a key
// one kind does not have is no typo).

import { EndpointError } from "../abi_constants";
import { commaList } from "../text/comma_list";

/** The line of a problem in the site's defaults. */
export const SITE_DEFAULTS_LINE: i32 = <i32>EndpointError.SITE_DEFAULTS;

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
  private defaults: Setting[] = [];
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

  /** Adds one of the site's defaults; the file's own setting of the key, if any, wins over it. */
  addDefault(key: string, value: string): void {
    if (findIn(this.defaults, key) == null) this.defaults.push(new Setting(key, value, SITE_DEFAULTS_LINE));
  }

  private find(key: string): Setting | null {
    return findIn(this.entries, key);
  }

  /** The setting for `key`, now counted as understood, or null when neither the file nor the site sets it. */
  take(key: string): Setting | null {
    let setting = this.find(key);
    if (setting == null) setting = findIn(this.defaults, key);
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

function findIn(list: Setting[], key: string): Setting | null {
  for (let i = 0; i < list.length; i++) if (list[i].key == key) return list[i];
  return null;
}

/** True when the setting came from the site's defaults rather than the endpoint file. */
export function isSiteDefault(setting: Setting): bool {
  return setting.line == SITE_DEFAULTS_LINE;
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
