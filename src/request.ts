// The request behind a handshake, as a handler sees it in Handler.admit. The request line comes from the
// head the native side passed to cs_open; any header and any server variable (REMOTE_ADDR, SERVER_PORT,
// HTTPS, ...) is asked of the native side by name, so reading another one needs no native change.
// Valid only during cs_open: the native side answers WRONG_STATE afterwards.

import { RequestSource } from "./abi_constants";
import { requestValue } from "./host";
import { RequestHead } from "./protocol/handshake";

export class Request {
  constructor(
    readonly id: u32,
    readonly head: RequestHead,
  ) {}

  get method(): string {
    return this.head.method;
  }

  /** The request target: path and, after `?`, the query string. */
  get target(): string {
    return this.head.target;
  }

  get path(): string {
    const q = this.head.target.indexOf("?");
    return q < 0 ? this.head.target : this.head.target.substring(0, q);
  }

  /** The query string without its `?`; "" when there is none. */
  get query(): string {
    const q = this.head.target.indexOf("?");
    return q < 0 ? "" : this.head.target.substring(q + 1);
  }

  /** A request header (repeated ones joined with ", "), or null. */
  header(name: string): string | null {
    return requestValue(this.id, RequestSource.HEADER, name);
  }

  /** A server variable, or null when the server has none of that name. */
  variable(name: string): string | null {
    return requestValue(this.id, RequestSource.VARIABLE, name);
  }
}
