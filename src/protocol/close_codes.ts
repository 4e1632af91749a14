// Which close status codes (RFC 6455 §7.4) a peer may send us. The codes we send are CloseCode in
// abi_constants.ts (generated from src/abi.json), since the native side sends one of them too.

/**
 * True for a code a peer may put in a close frame: the registered codes 1000–1003 and 1007–1014, and the
 * ranges for libraries (3000–3999) and applications (4000–4999). 1004–1006 and 1015 are reserved or must
 * never be sent on the wire.
 */
export function isValidReceivedCloseCode(code: u32): bool {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}
