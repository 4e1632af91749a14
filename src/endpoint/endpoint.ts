// An endpoint context: one version of one endpoint file, parsed once per instance (cs_endpoint_create) and
// shared by every connection opened under it. Connections keep their endpoint alive after the native side
// has moved on to a newer version of the file (cs_endpoint_done), so they keep the settings they started with.

import { Connection } from "../connection";
import { Handler } from "../handlers/handler";
import { Kind, kindNamed, kindNames, KindSettings } from "../handlers/kinds";
import { EndpointConfig } from "./endpoint_config";
import { readEndpointFile } from "./endpoint_file";
import { Settings } from "./settings";
import { readSiteDefaults } from "./site_defaults";

export class Endpoint {
  constructor(
    readonly id: u32,
    readonly config: EndpointConfig,
    readonly kind: Kind,
    readonly kindSettings: KindSettings,
  ) {}

  /** The handler that will own `conn`'s state, made by this endpoint's kind. */
  createHandler(conn: Connection): Handler {
    return this.kind.create(conn, this.kindSettings);
  }
}

/** Why the last parseEndpoint returned null: a line (0 for the whole file) and the problem. */
export let endpointErrorLine: i32 = 0;
export let endpointErrorText: string = "";

/**
 * Parses the file text at `ptr` over the site's defaults at `defaults` (`key = value` lines; length 0: none);
 * null (with endpointError*) when it is not a valid endpoint.
 */
export function parseEndpoint(id: u32, defaults: usize, defaultsLen: usize, ptr: usize, len: usize, testHooks: bool): Endpoint | null {
  const settings = readEndpointFile(ptr, len);
  if (settings.failed) return failed(settings);
  readSiteDefaults(settings, defaults, defaultsLen);
  if (settings.failed) return failed(settings);
  const kindSetting = settings.take("kind");
  if (kindSetting == null) {
    settings.fail(0, "`kind` is missing (for example `kind = echo`).");
    return failed(settings);
  }
  const kindName = kindSetting.value.toLowerCase();
  const kind = kindNamed(kindName, testHooks);
  if (kind == null) {
    settings.fail(kindSetting.line, "unknown kind `" + kindSetting.value + "` (expected " + kindNames(testHooks) + ").");
    return failed(settings);
  }
  const config = EndpointConfig.from(settings, kind.defaultMaxRate, kind.sharesFrames);
  const kindSettings = kind.configure(settings);
  settings.rejectUntaken(kind.name);
  if (settings.failed) return failed(settings);
  return new Endpoint(id, config, kind, kindSettings);
}

function failed(settings: Settings): Endpoint | null {
  endpointErrorLine = settings.errorLine;
  endpointErrorText = settings.errorText;
  return null;
}
