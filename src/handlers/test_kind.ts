// kind = test (only when cs_init enabled TEST_HOOKS): an echo that also obeys commands sent as text, so
// integration tests can reach what no production kind exposes on demand:
//   trap            the handler aborts: the instance traps (its connections get 1011)
//   request         answers with a JSON object of what the handler read from the request at the handshake
//   timer SLOT MS   (re)arms timer SLOT; when it fires the handler sends `timer SLOT fired`;
//                   a refused slot answers `timer SLOT refused`
// Its own key: `report_headers`, the request headers `request` reports (comma-separated names).

import { Status } from "../abi_constants";
import { Connection } from "../connection";
import { isToken } from "../endpoint/endpoint_config";
import { Settings } from "../endpoint/settings";
import { Opcode } from "../protocol/frame_encoder";
import { Request } from "../request";
import { jsonString, jsonStringOrNull } from "../text/json";
import { EchoHandler } from "./echo";
import { Refusal } from "./handler";
import { KindSettings } from "./kinds";

export class TestSettings extends KindSettings {
  reportHeaders: string[] = [];
}

export function configureTest(settings: Settings): KindSettings {
  const test = new TestSettings();
  const names = settings.take("report_headers");
  if (names != null) {
    test.reportHeaders = settings.list("report_headers");
    for (let i = 0; i < test.reportHeaders.length; i++) {
      if (!isToken(test.reportHeaders[i])) settings.fail(names.line, "`" + test.reportHeaders[i] + "` is not a header name.");
    }
  }
  return test;
}

const REPORTED_VARIABLES = ["REMOTE_ADDR", "REMOTE_PORT", "SERVER_NAME", "SERVER_PORT", "HTTPS"];

export class TestHandler extends EchoHandler {
  private report: string = "";

  constructor(
    conn: Connection,
    private settings: TestSettings,
  ) {
    super(conn);
  }

  admit(request: Request): Refusal | null {
    let json = '{"path":' + jsonString(request.path) + ',"query":' + jsonString(request.query);
    for (let i = 0; i < REPORTED_VARIABLES.length; i++) {
      json += "," + jsonString(REPORTED_VARIABLES[i]) + ":" + jsonStringOrNull(request.variable(REPORTED_VARIABLES[i]));
    }
    json += ',"headers":{';
    for (let i = 0; i < this.settings.reportHeaders.length; i++) {
      const name = this.settings.reportHeaders[i];
      json += (i > 0 ? "," : "") + jsonString(name) + ":" + jsonStringOrNull(request.header(name));
    }
    this.report = json + "}}";
    return null;
  }

  onMessage(opcode: u32, ptr: usize, len: u32): void {
    if (opcode == Opcode.TEXT) {
      const text = String.UTF8.decodeUnsafe(ptr, len);
      if (text == "trap") abort("test handler: trap requested by the client");
      if (text == "request") {
        this.conn.sendText(this.report);
        return;
      }
      if (text.startsWith("timer ")) {
        this.timerCommand(text.substring(6));
        return;
      }
    }
    super.onMessage(opcode, ptr, len);
  }

  private timerCommand(args: string): void {
    const parts = args.split(" ");
    const slot = parts.length == 2 ? U32.parseInt(parts[0]) : 0;
    const ms = parts.length == 2 ? U32.parseInt(parts[1]) : 0;
    if (this.conn.setTimer(slot, ms) != Status.OK) this.conn.sendText("timer " + parts[0] + " refused");
  }

  onTimer(slot: u32): void {
    this.conn.sendText("timer " + slot.toString() + " fired");
  }
}
