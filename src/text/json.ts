// Writing JSON text: strings quoted and escaped (RFC 8259 §7), so any UTF-16 text becomes valid JSON.

const HEX = "0123456789abcdef";

export function jsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(start, i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    start = i + 1;
  }
  return out + s.substring(start) + '"';
}

/** A string, or null as JSON's null. */
export function jsonStringOrNull(s: string | null): string {
  return s == null ? "null" : jsonString(s);
}
