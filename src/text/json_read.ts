// Reading the two JSON shapes endpoint files use (RFC 8259): an array of strings (`command = ["a", "b"]`)
// and an object whose values are strings (`environment = {"LANG": "C.UTF-8"}`). Anything else is an error
// with a position, so a typo in a command never runs something else.

/** Why the last read failed; "" after a success. */
export let jsonError: string = "";

class Reader {
  at: i32 = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.at++;
    }
  }

  /** Consumes `c` (after white space); false, with jsonError set, when something else is there. */
  expect(c: i32, what: string): bool {
    this.skipSpace();
    if (this.at < this.text.length && this.text.charCodeAt(this.at) == c) {
      this.at++;
      return true;
    }
    return this.fail("expected " + what);
  }

  peek(): i32 {
    this.skipSpace();
    return this.at < this.text.length ? this.text.charCodeAt(this.at) : -1;
  }

  fail(what: string): bool {
    if (jsonError.length == 0) jsonError = what + " at character " + (this.at + 1).toString();
    return false;
  }

  /** A JSON string; null (jsonError set) if there is none here. */
  string(): string | null {
    if (!this.expect(0x22, "a string in double quotes")) return null;
    let out = "";
    let start = this.at;
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c == 0x22) {
        out += this.text.substring(start, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) {
        this.fail("a control character inside a string");
        return null;
      }
      if (c != 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.substring(start, this.at);
      const e = this.at + 1 < this.text.length ? this.text.charCodeAt(this.at + 1) : -1;
      this.at += 2;
      if (e == 0x22) out += '"';
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        const unit = this.hex4();
        if (unit < 0) return null;
        out += String.fromCharCode(unit); // surrogate pairs arrive as two escapes, joined by UTF-16 itself
      } else {
        this.at -= 1;
        this.fail("an unknown escape");
        return null;
      }
      start = this.at;
    }
    this.fail("an unterminated string");
    return null;
  }

  private hex4(): i32 {
    if (this.at + 4 > this.text.length) {
      this.fail("a \\u escape without four hex digits");
      return -1;
    }
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.text.charCodeAt(this.at + i);
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (digit < 0) {
        this.fail("a \\u escape without four hex digits");
        return -1;
      }
      value = (value << 4) | digit;
    }
    this.at += 4;
    return value;
  }

  end(): bool {
    this.skipSpace();
    return this.at == this.text.length || this.fail("something after the end");
  }
}

/** `["a", "b"]` as strings; null (with jsonError) for anything else. */
export function readStringArray(text: string): string[] | null {
  jsonError = "";
  const r = new Reader(text);
  if (!r.expect(0x5b, "[")) return null;
  const out = new Array<string>();
  if (r.peek() == 0x5d) {
    r.at++;
    return r.end() ? out : null;
  }
  while (true) {
    const item = r.string();
    if (item == null) return null;
    out.push(item);
    if (r.peek() == 0x2c) {
      r.at++;
      continue;
    }
    if (!r.expect(0x5d, ", or ]")) return null;
    return r.end() ? out : null;
  }
}

/** `{"A": "1"}` as [name, value] pairs in their order; null (with jsonError) for anything else. */
export function readStringObject(text: string): string[][] | null {
  jsonError = "";
  const r = new Reader(text);
  if (!r.expect(0x7b, "{")) return null;
  const out = new Array<string[]>();
  if (r.peek() == 0x7d) {
    r.at++;
    return r.end() ? out : null;
  }
  while (true) {
    const name = r.string();
    if (name == null || !r.expect(0x3a, ":")) return null;
    const value = r.string();
    if (value == null) return null;
    out.push([<string>name, <string>value]);
    if (r.peek() == 0x2c) {
      r.at++;
      continue;
    }
    if (!r.expect(0x7d, ", or }")) return null;
    return r.end() ? out : null;
  }
}
