// `allowed_origins`: which web pages may open the endpoint, by the Origin header browsers send with every
// WebSocket handshake (RFC 6455 §4.1, §10.2). The defence against cross-site WebSocket hijacking: a page on
// another site cannot make a visitor's browser talk to the endpoint with the visitor's cookies.
//
//   https://chat.example.com      that scheme, host and port (the scheme's default port when none is given)
//   chat.example.com              that host, over http or https, any port
//   *.example.com                 any subdomain of example.com (not example.com itself), http or https, any port
//   https://*.example.com         the same with that scheme only, and its default port unless one is given
//   null                          the Origin `null` (sandboxed frames, file: pages), refused unless listed
//   *                             every origin (the default when the key is absent)
//
// A request without an Origin header is not from a browser (browsers always send one), so it cannot be the
// attack this guards against: it is allowed.

class OriginPattern {
  scheme: string = ""; // "" for http or https
  host: string = ""; // lower case; for a wildcard, the suffix after "*"
  port: i32 = -1; // -1: any port
  wildcard: bool = false;
}

export class OriginPolicy {
  private patterns: OriginPattern[] = [];
  private allowsNull: bool = false;
  private allowsAll: bool = true;
  /** Why an entry could not be read ("" when every entry could). */
  error: string = "";

  /** The policy for the entries of `allowed_origins` (none: every origin). */
  static parse(entries: string[]): OriginPolicy {
    const policy = new OriginPolicy();
    policy.allowsAll = entries.length == 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i].toLowerCase();
      if (entry == "*") policy.allowsAll = true;
      else if (entry == "null") policy.allowsNull = true;
      else {
        const pattern = parsePattern(entry);
        if (pattern == null) {
          policy.error = "`" + entries[i] + "` is not an origin (https://host[:port]), a host (host or *.host), null or *.";
          return policy;
        }
        policy.patterns.push(<OriginPattern>pattern);
      }
    }
    return policy;
  }

  /** Whether a handshake with this Origin header (null: none) may go on. */
  allows(origin: string | null): bool {
    if (origin == null || this.allowsAll) return true;
    const value = origin.trim().toLowerCase();
    if (value == "null") return this.allowsNull;
    const parsed = parsePattern(value);
    if (parsed == null) return false;
    const given = <OriginPattern>parsed;
    if (given.wildcard || given.scheme.length == 0) return false; // a scheme parses only as http or https
    const port = given.port >= 0 ? given.port : defaultPort(given.scheme);
    for (let i = 0; i < this.patterns.length; i++) {
      const p = this.patterns[i];
      if (p.scheme.length > 0 && p.scheme != given.scheme) continue;
      if (p.port >= 0 && p.port != port) continue;
      if (p.scheme.length > 0 && p.port < 0 && port != defaultPort(p.scheme)) continue;
      if (p.wildcard ? given.host.endsWith(p.host) && given.host.length > p.host.length : given.host == p.host) return true;
    }
    return false;
  }
}

function defaultPort(scheme: string): i32 {
  return scheme == "https" ? 443 : scheme == "http" ? 80 : -1;
}

/** `[scheme://]host[:port]` or `[scheme://]*.suffix[:port]`, lower case; null when it is neither. */
function parsePattern(text: string): OriginPattern | null {
  const p = new OriginPattern();
  let rest = text;
  const schemeEnd = rest.indexOf("://");
  if (schemeEnd >= 0) {
    p.scheme = rest.substring(0, schemeEnd);
    if (p.scheme != "http" && p.scheme != "https") return null;
    rest = rest.substring(schemeEnd + 3);
  }
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    const port = rest.substring(colon + 1);
    if (port.length == 0 || port.length > 5 || !isDigits(port)) return null;
    p.port = I32.parseInt(port);
    if (p.port > 65535) return null;
    rest = rest.substring(0, colon);
  }
  if (rest.startsWith("*.")) {
    p.wildcard = true;
    rest = rest.substring(1); // keeps the dot: ".example.com"
  }
  if (!isHostName(p.wildcard ? rest.substring(1) : rest)) return null;
  p.host = rest;
  return p;
}

function isDigits(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Dot-separated labels of letters, digits and hyphens (IDNs come as punycode in an Origin). */
function isHostName(text: string): bool {
  if (text.length == 0 || text.length > 253) return false;
  const labels = text.split(".");
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label.length == 0 || label.length > 63) return false;
    for (let j = 0; j < label.length; j++) {
      const c = label.charCodeAt(j);
      const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d;
      if (!ok) return false;
    }
  }
  return true;
}
