// Small promise helpers around ws for the integration tests.
import WebSocket from "ws";

export function openWs(url: string, protocols?: string | string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { maxPayload: 64 * 1024 * 1024 });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

export interface Message {
  data: Buffer;
  isBinary: boolean;
}

export function messageOf(ws: WebSocket): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onClose = (code: number) => reject(new Error(`closed with ${code} before a message came`));
    ws.once("close", onClose);
    ws.once("message", (data: Buffer, isBinary: boolean) => {
      ws.off("close", onClose);
      resolve({ data, isBinary });
    });
  });
}

export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: -1, reason: "already closed" });
    ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    ws.on("error", () => {});
  });
}

/** Closes each socket with 1000 and waits until each has closed. */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map((ws) => {
      ws.close(1000);
      return closeOf(ws);
    }),
  );
}
