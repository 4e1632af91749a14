// A WebSocket client on a bare TCP socket, for what ws will not do: malformed handshakes, frames split
// byte by byte, and vanishing mid-message.
import net from "node:net";

import { ServerFrame, parseServerFrames } from "../unit/frames";

export interface HttpAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

export function upgradeRequest(path: string, extra: Record<string, string | undefined> = {}, method = "GET"): string {
  const headers: Record<string, string | undefined> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) head += `${name}: ${value}\r\n`;
  return head + "\r\n";
}

export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.ended = true;
        this.notify();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  // Writes one byte per write call, each flushed before the next, so the server sees every split.
  async writeByteByByte(bytes: Buffer): Promise<void> {
    this.socket.setNoDelay(true);
    for (let i = 0; i < bytes.length; i++) await this.write(bytes.subarray(i, i + 1));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until<T>(take: () => T | undefined, what: string, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.ended) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  // The response head; for a refusal, the body too (Content-Length, or up to the close).
  async readAnswer(): Promise<HttpAnswer> {
    const headEnd = await this.until(() => {
      const at = this.buffered.indexOf("\r\n\r\n");
      return at < 0 ? undefined : at;
    }, "a response head");
    const lines = this.buffered.subarray(0, headEnd).toString("latin1").split("\r\n");
    this.buffered = this.buffered.subarray(headEnd + 4);
    const status = Number(lines[0].split(" ")[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    let body = "";
    if (status !== 101) {
      const length = headers.has("content-length") ? Number(headers.get("content-length")) : undefined;
      if (length !== undefined) {
        await this.until(() => (this.buffered.length >= length ? true : undefined), "the response body");
        body = this.buffered.subarray(0, length).toString("utf8");
        this.buffered = this.buffered.subarray(length);
      } else {
        await this.closed;
        body = this.buffered.toString("utf8");
      }
    }
    return { status, headers, body };
  }

  // The next complete server frame.
  async readFrame(timeoutMs?: number): Promise<ServerFrame> {
    return this.until(() => {
      const length = completeFrameLength(this.buffered);
      if (length === undefined) return undefined;
      const [frame] = parseServerFrames(Buffer.from(this.buffered.subarray(0, length)));
      this.buffered = this.buffered.subarray(length);
      return frame;
    }, "a frame", timeoutMs);
  }

  /** Bytes received and not yet read as an answer or a frame. */
  get unreadBytes(): number {
    return this.buffered.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function completeFrameLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined;
  let length = bytes[1] & 0x7f;
  let at = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    at = 10;
  }
  if (bytes[1] & 0x80) at += 4;
  return bytes.length >= at + length ? at + length : undefined;
}

export async function httpExchange(port: number, request: string): Promise<HttpAnswer> {
  const client = await RawClient.connect(port);
  try {
    await client.write(request);
    return await client.readAnswer();
  } finally {
    client.destroy();
  }
}
