/** Splits a comma-separated value (a header's token list, a list in an endpoint file) into trimmed, non-empty elements. */
export function commaList(value: string): string[] {
  const out = new Array<string>();
  const parts = value.split(",");
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i].trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}
