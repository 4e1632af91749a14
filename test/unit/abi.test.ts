import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Harness, wasmModule } from "./wasm_harness";

describe("ABI (docs/ABI.md, version 1)", () => {
  it("exports exactly the documented functions and memory", () => {
    const exports = WebAssembly.Module.exports(wasmModule()).map((e) => `${e.kind} ${e.name}`).sort();
    assert.deepEqual(exports, [
      "function cs_abi_version", "function cs_buffer", "function cs_closed", "function cs_data", "function cs_encode_close",
      "function cs_init", "function cs_open", "function cs_timer", "function cs_writable", "memory memory",
    ]);
  });

  it("imports only the documented functions from env", () => {
    const imports = WebAssembly.Module.imports(wasmModule()).map((i) => `${i.module}.${i.name} ${i.kind}`).sort();
    const allowed = ["abort", "host_body", "host_end", "host_header", "host_log", "host_pause", "host_send", "host_timer"];
    for (const i of imports) assert.ok(allowed.some((name) => i === `env.${name} function`), i);
    assert.ok(imports.includes("env.abort function"));
  });

  it("reports ABI version 1", () => {
    assert.equal(new Harness().exports.cs_abi_version(), 1);
  });

  it("gives an input region of at least the size asked for", () => {
    const h = new Harness();
    const p = h.exports.cs_buffer(3 << 20);
    assert.ok(p > 0 && p + (3 << 20) <= h.memoryBytes());
  });

  it("logs and ignores calls for an id it never opened", () => {
    const h = new Harness();
    h.writable(99);
    h.timer(99);
    h.closed(99);
    assert.equal(h.logs.filter((l) => /unknown connection id 99/.test(l.text)).length, 3);
    assert.equal(h.ends.size, 0);
  });

  it("refuses id 0 with 500", () => {
    assert.equal(new Harness().open(0, "GET / HTTP/1.1\r\n\r\n", "kind = echo").status, 500);
  });
});
