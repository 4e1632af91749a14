// Every kind of endpoint, in one table: its name in `kind = ...`, how it reads its own keys from the file,
// and the factory that makes one handler per connection. A kind exists only through its row here, so a
// name cannot be accepted without a handler behind it, and an unknown name is refused at the file.

import { Connection } from "../connection";
import { Settings } from "../endpoint/settings";
import { EchoHandler } from "./echo";
import { Handler } from "./handler";
import { ChatHandler } from "./chat/chat_handler";
import { ChatSettings, configureChat } from "./chat/chat_settings";
import { configureProcess, ProcessSettings } from "./process/process_settings";
import { ProcessHandler } from "./process/process_handler";
import { configureTest, TestHandler, TestSettings } from "./test_kind";

/** A kind's reading of its own keys; kinds without keys share the empty one. */
export class KindSettings {}

export class Kind {
  constructor(
    readonly name: string,
    /** Only offered when cs_init enabled TEST_HOOKS. */
    readonly testOnly: bool,
    /** Takes the kind's keys from the file; problems are recorded in `settings`. */
    readonly configure: (settings: Settings) => KindSettings,
    readonly create: (conn: Connection, settings: KindSettings) => Handler,
    /** max_rate when the file does not set it: a room member's every message goes to everyone. */
    readonly defaultMaxRate: u32 = 0,
    /** Sends one frame to many connections (a room), so a compressed frame cannot depend on one's context. */
    readonly sharesFrames: bool = false,
  ) {}
}

function noKeys(settings: Settings): KindSettings {
  return new KindSettings();
}

function createEcho(conn: Connection, settings: KindSettings): Handler {
  return new EchoHandler(conn);
}

function createChat(conn: Connection, settings: KindSettings): Handler {
  return new ChatHandler(conn, changetype<ChatSettings>(settings));
}

function createProcess(conn: Connection, settings: KindSettings): Handler {
  return new ProcessHandler(conn, changetype<ProcessSettings>(settings));
}

function createTest(conn: Connection, settings: KindSettings): Handler {
  return new TestHandler(conn, changetype<TestSettings>(settings));
}

const KINDS: Kind[] = [
  new Kind("echo", false, noKeys, createEcho),
  new Kind("chat", false, configureChat, createChat, 100, true),
  new Kind("process", false, configureProcess, createProcess),
  new Kind("test", true, configureTest, createTest),
];

export function kindNamed(name: string, testHooks: bool): Kind | null {
  for (let i = 0; i < KINDS.length; i++) {
    const kind = KINDS[i];
    if (kind.name == name && (testHooks || !kind.testOnly)) return kind;
  }
  return null;
}

/** The kinds a file may name, for error messages: "echo" or "echo or test". */
export function kindNames(testHooks: bool): string {
  const names = new Array<string>();
  for (let i = 0; i < KINDS.length; i++) if (testHooks || !KINDS[i].testOnly) names.push(KINDS[i].name);
  return names.join(" or ");
}
