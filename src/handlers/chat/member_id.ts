// A chat member's id as the others see it: its connection's id, set apart from other servers' members in a web
// farm by this server's tag (cs_init's serverTag, 0 without a backplane), as a whole number JSON carries exactly
// (below 2^53).

let serverTag: u64 = 0;

export function setServerTag(tag: u32): void {
  serverTag = <u64>(tag & 0x1fffff);
}

export function memberId(connectionId: u32): string {
  return ((serverTag << 32) | <u64>connectionId).toString();
}
