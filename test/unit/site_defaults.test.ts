// The site's defaults under an endpoint file (cs_endpoint_create_in_site): the lines the native side makes of
// the <system.webServer><chatsocket> section, one per attribute of windows/chatsocket_schema.xml.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

import { EndpointError, Status } from "../support/abi_constants";
import { REPO_ROOT } from "../support/paths";
import { handshakeHead, Harness, INIT_TEST_HOOKS } from "./wasm_harness";

/** Every attribute of the schema file with its default, as IIS gives them when web.config sets none. */
function schemaDefaults(): string {
  const schema = readFileSync(path.join(REPO_ROOT, "windows", "chatsocket_schema.xml"), "utf8");
  const lines = [...schema.matchAll(/<attribute name="(\w+)" type="\w+" defaultValue="([^"]*)"/g)].map(
    ([, name, value]) => `${name} = ${value}\n`,
  );
  assert.ok(lines.length >= 10, "the schema's attributes are found");
  return lines.join("");
}

describe("site defaults", () => {
  it("take every attribute of the schema with its default, for every kind", () => {
    const defaults = schemaDefaults();
    for (const file of ["kind = echo\n", "kind = chat\n", "kind = test\n"]) {
      const h = new Harness(INIT_TEST_HOOKS);
      const created = h.endpointInSite(defaults, file);
      assert.equal(created.status, Status.OK, `${file}: ${created.error?.text}`);
      assert.equal(h.openOn(1, created.id, handshakeHead()).status, 101);
    }
  });

  it("refuse a key that is not for a whole site, at SITE_DEFAULTS", () => {
    for (const line of ["kind = echo\n", "protocols = chat\n", "history = 5\n", "program = /bin/cat\n"]) {
      const created = new Harness().endpointInSite(line, "kind = echo\n");
      assert.equal(created.status, Status.BAD_ARGUMENT, line);
      assert.equal(created.error?.line, EndpointError.SITE_DEFAULTS, line);
      assert.match(created.error!.text, /cannot be set for a whole site/, line);
    }
  });

  it("report a bad value at SITE_DEFAULTS, unless the file sets the key itself", () => {
    const bad = new Harness().endpointInSite("max_rate = lots\n", "kind = echo\n");
    assert.equal(bad.status, Status.BAD_ARGUMENT);
    assert.equal(bad.error?.line, EndpointError.SITE_DEFAULTS);
    assert.match(bad.error!.text, /^max_rate must be/);
    assert.equal(new Harness().endpointInSite("max_rate = lots\n", "kind = echo\nmax_rate = 5\n").status, Status.OK);
  });

  it("report the file's own problem before a default's", () => {
    const both = new Harness().endpointInSite("max_rate = lots\n", "kind = echo\ncolour = blue\n");
    assert.equal(both.error?.line, 2);
  });

  it("let an empty value keep the endpoint's own default", () => {
    assert.equal(new Harness().endpointInSite("max_rate = \nallowed_origins =\n", "kind = chat\n").status, Status.OK);
  });

  it("leave a room its shared compressed frames when the site turns server_no_context_takeover off", () => {
    const site = "compression = permessage-deflate\nserver_no_context_takeover = false\n";
    assert.equal(new Harness().endpointInSite(site, "kind = chat\n").status, Status.OK);
    assert.equal(new Harness().endpointInSite(site, "kind = echo\n").status, Status.OK);
    const own = new Harness().endpointInSite("", "kind = chat\nserver_no_context_takeover = false\n");
    assert.equal(own.status, Status.BAD_ARGUMENT, "in a room's own file it is still an error");
  });
});
