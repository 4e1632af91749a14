// A real client (the ws package) against the module, over a loopback socket with a minimal host in JS.
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { CLOSED_BY_MODULE, CLOSED_BY_PEER, Harness } from "./wasm_harness";

/**
 * Serves `endpoint` on a random port: HTTP head to cs_open, then bytes both ways. Like IIS, after
 * host_end(id, 0) nothing more is read and the socket is closed as soon as the queued bytes are written,
 * whether or not the client's bytes were all read (closing on unread bytes resets the connection).
 */
function serve(h: Harness, endpoint: string): Promise<net.Server> {
  let nextId = 1;
  const server = net.createServer((socket) => {
    const id = nextId++;
    let head = Buffer.alloc(0);
    let open = false;
    let ending = false;
    const flush = () => {
      const out = h.takeSent(id);
      if (out.length > 0) socket.write(out);
      const ends = h.ends.get(id);
      if (ends && ends.length > 0 && !ending) {
        ending = true;
        socket.pause(); // no read is issued after host_end
        if (ends[ends.length - 1] === 1) socket.destroy();
        else socket.end(() => socket.destroy());
      }
    };
    socket.on("data", (chunk) => {
      if (open) {
        h.data(id, chunk);
        return flush();
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const r = h.open(id, head.subarray(0, end + 4).toString("latin1"), endpoint);
      let response = `HTTP/1.1 ${r.status} ${r.status === 101 ? "Switching Protocols" : "Refused"}\r\n`;
      for (const [name, value] of r.headers) response += `${name}: ${value}\r\n`;
      if (r.status !== 101) {
        socket.end(response + `content-length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`);
        return;
      }
      socket.write(response + "\r\n");
      open = true;
      const rest = head.subarray(end + 4);
      if (rest.length > 0) h.data(id, rest);
      flush();
    });
    socket.on("close", () => {
      if (open) h.closed(id, h.ends.has(id) ? CLOSED_BY_MODULE : CLOSED_BY_PEER);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("with the ws client", () => {
  it("echoes text and binary, answers a ping and closes with the client's code", async () => {
    const h = new Harness();
    const server = await serve(h, "kind = echo\nprotocols = chat.v1");
    const port = (server.address() as net.AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/lobby.chatsocket`, ["chat.v2", "chat.v1"]);
    const received: [boolean, string][] = [];
    let pong = "";
    const closed = new Promise<[number, string]>((resolve) => ws.on("close", (code, reason) => resolve([code, reason.toString()])));
    await new Promise((resolve) => ws.on("open", resolve));
    assert.equal(ws.protocol, "chat.v1");
    ws.on("pong", (data) => (pong = data.toString()));
    ws.on("message", (data, isBinary) => {
      received.push([isBinary, data.toString()]);
      if (received.length === 3) ws.close(4000, "done");
    });
    ws.send("héllo");
    ws.ping("p");
    ws.send(Buffer.from("bin"), { binary: true });
    ws.send("x".repeat(200000));
    const [code, reason] = await closed;
    server.close();
    assert.deepEqual(received.slice(0, 2), [[false, "héllo"], [true, "bin"]]);
    assert.equal(received[2][1].length, 200000);
    assert.equal(pong, "p");
    assert.deepEqual([code, reason], [4000, ""]);
  });

  it("reports 1009 to a client sending 17 MiB to a 16 MiB endpoint, ending after its close frame, all bytes read", async () => {
    const h = new Harness();
    let bytesIn = 0;
    const feed = h.data.bind(h);
    h.data = (id, bytes) => {
      bytesIn += bytes.length;
      feed(id, bytes);
    };
    const server = await serve(h, "kind = echo");
    const port = (server.address() as net.AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/lobby.chatsocket`);
    ws.on("error", () => {}); // a reset shows as code 1006 below
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    await new Promise((resolve) => ws.on("open", resolve));
    ws.send(Buffer.alloc(17 * 1024 * 1024, 0x61));
    const code = await closed;
    server.close();
    assert.equal(code, 1009);
    assert.deepEqual(h.ends.get(1), [0], "ended gracefully, by the client's close frame");
    assert.ok(bytesIn > 17 * 1024 * 1024, `read ${bytesIn} bytes: the message and the close frame after it`);
  });

  it("is refused with 426 when the client speaks another version", async () => {
    const h = new Harness();
    const server = await serve(h, "kind = echo");
    const port = (server.address() as net.AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { protocolVersion: 8 });
    const status = await new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
    ws.on("error", () => {});
    ws.terminate();
    server.close();
    assert.equal(status, 426);
  });
});
