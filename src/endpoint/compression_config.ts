// The permessage-deflate keys of an endpoint file (any kind):
//
//   compression                 none (default) or permessage-deflate: take a client's offer (RFC 7692).
//   compression_level           zlib's level, 0 (store) to 9 (smallest); default 6, as zlib's and ws's.
//   compression_threshold       messages shorter than this many bytes go uncompressed; default 1024.
//   server_no_context_takeover  true (default): every message we send is compressed on its own, so a
//                               connection keeps no compressor between messages. false lets a message refer
//                               to the ones before it (smaller) at about 256 KiB of zlib memory per
//                               connection; a chat room shares one compressed frame among its members, so
//                               for kind = chat it must stay true.
//   client_no_context_takeover  true (default): we ask the client to compress every message on its own, so we
//                               keep no inflater between messages. false lets it refer back, at about 40 KiB
//                               per connection.
//   server_max_window_bits      9 to 15 (default 15): the largest LZ77 window we compress with.
//   client_max_window_bits      9 to 15 (default 15): the largest we let a client use, when its offer lets us say.

import { DeflateConfig, MAX_WINDOW_BITS, MIN_WINDOW_BITS } from "../protocol/permessage_deflate";
import { isSiteDefault, Settings } from "./settings";

/** Reads the compression keys; `sharedFrames`: the kind sends one frame to many (a chat room). */
export function compressionFrom(settings: Settings, sharedFrames: bool): DeflateConfig {
  const c = new DeflateConfig();
  c.enabled = settings.choice("compression", ["none", "permessage-deflate"], 0) == 1;
  c.level = settings.count("compression_level", 0, 9, c.level, "");
  c.threshold = settings.count("compression_threshold", 0, 1 << 30, c.threshold, "bytes");
  const serverTakeover = settings.take("server_no_context_takeover");
  c.serverNoContextTakeover = settings.choice("server_no_context_takeover", ["false", "true"], 1) == 1;
  if (sharedFrames && !c.serverNoContextTakeover && serverTakeover != null) {
    // A site-wide false is for the kinds that can use it; a room keeps true.
    if (isSiteDefault(serverTakeover)) c.serverNoContextTakeover = true;
    else settings.fail(serverTakeover.line, "server_no_context_takeover must be true for a room: its members share one compressed frame.");
  }
  c.clientNoContextTakeover = settings.choice("client_no_context_takeover", ["false", "true"], 1) == 1;
  c.serverMaxWindowBits = settings.count("server_max_window_bits", MIN_WINDOW_BITS, MAX_WINDOW_BITS, MAX_WINDOW_BITS, "bits");
  c.clientMaxWindowBits = settings.count("client_max_window_bits", MIN_WINDOW_BITS, MAX_WINDOW_BITS, MAX_WINDOW_BITS, "bits");
  return c;
}
