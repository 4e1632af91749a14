// The site's defaults for endpoint files: the <system.webServer><chatsocket> section of the site's
// web.config (or applicationHost.config), which the native side reads through IIS's configuration API and
// hands over as `key = value` lines, one per attribute of the section (windows/chatsocket_schema.xml).
//
// Only the keys every kind has and that make sense for a whole site may be defaults: limits, timeouts,
// allowed_origins, compression and log_closes (a site's closes in the log). `kind` and `protocols` say what one endpoint is, and a kind's own keys
// (a room's, a program's) belong to its file. An empty value is no default: the key keeps the endpoint's
// own default (max_rate's differs by kind, allowed_origins' is every origin).

import { UTF8_BOUNDARY, utf8Validate } from "../protocol/utf8";
import { SITE_DEFAULTS_LINE, Settings } from "./settings";

export const SITE_KEYS: string[] = [
  "max_message_size",
  "max_fragments",
  "close_timeout",
  "ping_interval",
  "pong_timeout",
  "idle_timeout",
  "max_connections",
  "max_rate",
  "allowed_origins",
  "compression",
  "compression_level",
  "compression_threshold",
  "server_no_context_takeover",
  "client_no_context_takeover",
  "server_max_window_bits",
  "client_max_window_bits",
  "log_closes",
];

/** Adds the defaults at `ptr` under `settings`; a problem is recorded there at SITE_DEFAULTS_LINE. */
export function readSiteDefaults(settings: Settings, ptr: usize, len: usize): void {
  if (len == 0) return;
  if (utf8Validate(UTF8_BOUNDARY, ptr, len) != UTF8_BOUNDARY) {
    settings.fail(SITE_DEFAULTS_LINE, "the site's settings are not UTF-8 text.");
    return;
  }
  const lines = String.UTF8.decodeUnsafe(ptr, len).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length == 0) continue;
    const equals = line.indexOf("=");
    const key = equals < 0 ? line.toLowerCase() : line.substring(0, equals).trim().toLowerCase();
    if (equals < 0 || !SITE_KEYS.includes(key)) {
      settings.fail(SITE_DEFAULTS_LINE, "`" + key + "` cannot be set for a whole site (only " + SITE_KEYS.join(", ") + ").");
      return;
    }
    const value = line.substring(equals + 1).trim();
    if (value.length > 0) settings.addDefault(key, value);
  }
}
