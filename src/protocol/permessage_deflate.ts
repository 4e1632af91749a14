// permessage-deflate's negotiation (RFC 7692 §5, §7.1): which of the client's offers we take, with which
// parameters, and the Sec-WebSocket-Extensions answer. The compressing itself is zlib's, on the native side
// (host_deflate, host_inflate); see protocol/message_deflate.ts.
//
// Offers are tried in the client's order; one with an unknown parameter, a repeated one or a bad value is
// declined (RFC 7692 §5.1), and so is one asking for a server window of 8 bits, which zlib cannot make
// without its own header. Declining every offer is no error: the connection goes on uncompressed.

import { commaList } from "../text/comma_list";

export const EXTENSION_NAME = "permessage-deflate";
export const MIN_WINDOW_BITS: u32 = 9;
export const MAX_WINDOW_BITS: u32 = 15;

/** What an endpoint allows (endpoint/compression_config.ts reads it from the file). */
export class DeflateConfig {
  enabled: bool = false;
  /** Ours: with takeover the connection keeps a compressor (about 256 KiB) for as long as it lives. */
  serverNoContextTakeover: bool = true;
  /** The client's: with takeover we keep an inflater (about 40 KiB) per connection between messages. */
  clientNoContextTakeover: bool = true;
  serverMaxWindowBits: u32 = MAX_WINDOW_BITS;
  clientMaxWindowBits: u32 = MAX_WINDOW_BITS;
  level: u32 = 6;
  memLevel: u32 = 8;
  /** Messages shorter than this go uncompressed. */
  threshold: u32 = 1024;
}

/** What one connection agreed on. */
export class DeflateAgreement {
  /** We compress with a window of at most this many bits. */
  serverWindowBits: u32 = MAX_WINDOW_BITS;
  /** We inflate with this window (the most the client may use). */
  clientWindowBits: u32 = MAX_WINDOW_BITS;
  serverContextTakeover: bool = false;
  clientContextTakeover: bool = false;
  /** The Sec-WebSocket-Extensions value to answer with. */
  response: string = "";
}

/** The first offer in `header` (null: none) we can take under `config`, or null to go on uncompressed. */
export function negotiateDeflate(header: string | null, config: DeflateConfig): DeflateAgreement | null {
  if (!config.enabled || header == null) return null;
  const offers = commaList(<string>header);
  for (let i = 0; i < offers.length; i++) {
    const agreement = acceptOffer(offers[i], config);
    if (agreement != null) return agreement;
  }
  return null;
}

class Offer {
  serverNoContextTakeover: bool = false;
  clientNoContextTakeover: bool = false;
  serverMaxWindowBits: i32 = -1; // -1: absent
  clientMaxWindowBits: i32 = -1; // -1: absent, 0: present without a value
}

function acceptOffer(element: string, config: DeflateConfig): DeflateAgreement | null {
  const parts = element.split(";");
  if (parts[0].trim().toLowerCase() != EXTENSION_NAME) return null;
  const offer = parseOffer(parts);
  if (offer == null) return null;
  const o = <Offer>offer;
  const a = new DeflateAgreement();
  let response = EXTENSION_NAME;

  const serverNoTakeover = o.serverNoContextTakeover || config.serverNoContextTakeover;
  a.serverContextTakeover = !serverNoTakeover;
  if (serverNoTakeover) response += "; server_no_context_takeover";
  const clientNoTakeover = config.clientNoContextTakeover; // the client's hint (its offer) binds nobody
  a.clientContextTakeover = !clientNoTakeover;
  if (clientNoTakeover) response += "; client_no_context_takeover";

  a.serverWindowBits = config.serverMaxWindowBits;
  if (o.serverMaxWindowBits >= 0) {
    a.serverWindowBits = min(a.serverWindowBits, <u32>o.serverMaxWindowBits);
    if (a.serverWindowBits < MIN_WINDOW_BITS) return null;
    response += "; server_max_window_bits=" + a.serverWindowBits.toString();
  }

  // Without the parameter in the offer the client may use any window and we may not say otherwise.
  a.clientWindowBits = MAX_WINDOW_BITS;
  if (o.clientMaxWindowBits >= 0) {
    const offered = o.clientMaxWindowBits == 0 ? MAX_WINDOW_BITS : <u32>o.clientMaxWindowBits;
    a.clientWindowBits = min(offered, config.clientMaxWindowBits);
    if (a.clientWindowBits < MAX_WINDOW_BITS) response += "; client_max_window_bits=" + a.clientWindowBits.toString();
  }
  a.response = response;
  return a;
}

/** The offer's parameters, or null when one is unknown, repeated or has a bad value. */
function parseOffer(parts: string[]): Offer | null {
  const o = new Offer();
  let seen: u32 = 0;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i].trim();
    if (part.length == 0) return null;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase();
    const value: string | null = eq < 0 ? null : unquote(part.substring(eq + 1).trim());
    let bit: u32 = 0;
    if (name == "server_no_context_takeover") {
      if (value != null) return null;
      o.serverNoContextTakeover = true;
      bit = 1;
    } else if (name == "client_no_context_takeover") {
      if (value != null) return null;
      o.clientNoContextTakeover = true;
      bit = 2;
    } else if (name == "server_max_window_bits") {
      if (value == null) return null;
      o.serverMaxWindowBits = windowBits(<string>value);
      if (o.serverMaxWindowBits < 0) return null;
      bit = 4;
    } else if (name == "client_max_window_bits") {
      o.clientMaxWindowBits = value == null ? 0 : windowBits(<string>value);
      if (o.clientMaxWindowBits < 0) return null;
      bit = 8;
    } else {
      return null;
    }
    if ((seen & bit) != 0) return null;
    seen |= bit;
  }
  return o;
}

/** A value as RFC 7692 writes it, token or quoted-string; a quoted one loses its quotes. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.substring(1, value.length - 1);
  return value;
}

/** 8 to 15 written without leading zeros (RFC 7692 §7.1.2.1), or -1. */
function windowBits(value: string): i32 {
  if (value.length == 1) {
    const c = value.charCodeAt(0);
    return c == 0x38 || c == 0x39 ? c - 0x30 : -1;
  }
  if (value.length == 2 && value.charCodeAt(0) == 0x31) {
    const c = value.charCodeAt(1);
    return c >= 0x30 && c <= 0x35 ? 10 + c - 0x30 : -1;
  }
  return -1;
}
