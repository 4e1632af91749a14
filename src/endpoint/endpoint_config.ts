// The keys every kind of endpoint has, with every limit at its default until the file says otherwise.
//
//   kind              required: which handler serves the endpoint (handlers/kinds.ts lists them).
//   max_message_size  the largest message accepted, in bytes, 0 to 1073741824; default 16777216 (16 MiB).
//                     A bigger message closes the connection with 1009 as soon as its length is known.
//   max_fragments     the most frames one message may be split into, 1 to 2147483647; default 1048576.
//                     More closes the connection with 1009.
//   protocols         the subprotocols the endpoint speaks, comma-separated, e.g. `protocols = v2.chat, v1.chat`.
//                     The server answers with the first one the client offers (in the client's order) that
//                     is listed here, or with none. Default: none.
//   close_timeout     how long to wait for the client to finish the closing handshake, in milliseconds,
//                     1 to 3600000; default 5000. After it the connection is dropped.
//   ping_interval     milliseconds between the server's pings, which keep proxies and NATs from dropping a
//                     quiet connection and find clients that are gone; 0 sends none. Default 30000.
//   pong_timeout      milliseconds a client has to answer a ping (any frame counts) before the connection is
//                     closed with 1001; default 10000.
//   idle_timeout      milliseconds without a message either way before the connection is closed with 1001;
//                     pings and pongs do not count, nor a chat room's messages from others. 0 (the default)
//                     never closes a connection for silence. Checked lazily: it closes after idle_timeout to
//                     twice that of silence.
//   max_connections   connections of this endpoint file open at once (over all its versions), 0 to 10000000;
//                     past it, 503 with Retry-After. Default 0: no cap of its own (the server's applies).
//   max_rate          messages a client may send per second, 0 to 100000 (0: no limit); past it, 1008. Default
//                     100 for chat, where every message goes to the whole room; 0 for the other kinds.
//   allowed_origins   the web pages that may open the endpoint, by their Origin (endpoint/origin_policy.ts);
//                     others get 403. Default: every origin.
//   log_closes        on: every close the server starts (its code and reason) is logged at info; off (the
//                     default): at debug, which CHATSOCKET_LOG_LEVEL=debug shows for every endpoint.
//   compression …     permessage-deflate and its parameters (endpoint/compression_config.ts).

import {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_PING_INTERVAL,
  DEFAULT_PONG_TIMEOUT,
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_MESSAGE_SIZE,
  MAX_CLOSE_TIMEOUT,
  MAX_MAX_FRAGMENTS,
  MAX_MAX_MESSAGE_SIZE,
  MAX_TIMEOUT,
} from "../protocol/limits";
import { DeflateConfig } from "../protocol/permessage_deflate";
import { compressionFrom } from "./compression_config";
import { OriginPolicy } from "./origin_policy";
import { Settings } from "./settings";

export class EndpointConfig {
  maxMessageSize: u32 = DEFAULT_MAX_MESSAGE_SIZE;
  maxFragments: u32 = DEFAULT_MAX_FRAGMENTS;
  closeTimeout: u32 = DEFAULT_CLOSE_TIMEOUT;
  protocols: string[] = [];
  pingInterval: u32 = DEFAULT_PING_INTERVAL;
  pongTimeout: u32 = DEFAULT_PONG_TIMEOUT;
  idleTimeout: u32 = DEFAULT_IDLE_TIMEOUT;
  maxConnections: u32 = 0; // 0: no cap of the endpoint's own
  maxRate: u32 = 0; // messages per second from the client; 0: no limit
  origins: OriginPolicy = OriginPolicy.parse([]);
  deflate: DeflateConfig = new DeflateConfig();
  logCloses: bool = false;

  /**
   * Takes the common keys from `settings`; problems are recorded there. `sharedFrames`: the kind sends one
   * frame to many connections (a chat room).
   */
  static from(settings: Settings, defaultMaxRate: u32, sharedFrames: bool): EndpointConfig {
    const config = new EndpointConfig();
    config.maxMessageSize = settings.count("max_message_size", 0, MAX_MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE, "bytes");
    config.maxFragments = settings.count("max_fragments", 1, MAX_MAX_FRAGMENTS, DEFAULT_MAX_FRAGMENTS, "");
    config.closeTimeout = settings.count("close_timeout", 1, MAX_CLOSE_TIMEOUT, DEFAULT_CLOSE_TIMEOUT, "milliseconds");
    config.pingInterval = settings.count("ping_interval", 0, MAX_TIMEOUT, DEFAULT_PING_INTERVAL, "milliseconds");
    config.pongTimeout = settings.count("pong_timeout", 1, MAX_TIMEOUT, DEFAULT_PONG_TIMEOUT, "milliseconds");
    config.maxRate = settings.count("max_rate", 0, 100000, defaultMaxRate, "messages per second");
    config.maxConnections = settings.count("max_connections", 0, 10000000, 0, "");
    config.idleTimeout = settings.count("idle_timeout", 0, MAX_TIMEOUT, DEFAULT_IDLE_TIMEOUT, "milliseconds");
    const origins = settings.take("allowed_origins");
    if (origins != null) {
      const entries = settings.list("allowed_origins");
      if (entries.length == 0) settings.fail(origins.line, "allowed_origins is empty: list the origins, or * for every one.");
      config.origins = OriginPolicy.parse(entries);
      if (config.origins.error.length > 0) settings.fail(origins.line, "allowed_origins: " + config.origins.error);
    }
    config.logCloses = settings.choice("log_closes", ["off", "on"], 0) == 1;
    config.deflate = compressionFrom(settings, sharedFrames);
    const protocols = settings.take("protocols");
    if (protocols != null) {
      const names = settings.list("protocols");
      for (let i = 0; i < names.length; i++) {
        if (!isToken(names[i])) settings.fail(protocols.line, "`" + names[i] + "` is not a valid subprotocol name.");
      }
      config.protocols = names;
    }
    return config;
  }
}

/** An HTTP token (RFC 9110 §5.6.2), as subprotocol and header names must be. */
export function isToken(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alnum && "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) < 0) return false;
  }
  return true;
}
