// kind = chat: the keys of its endpoint file.
//
//   rooms            single (default): everyone on this file is in one room; query: `?room=NAME` picks a
//                    sub-room (1 to 64 characters: letters, digits, `.`, `_`, `-`; none: the main room).
//   max_rooms        sub-rooms of this file at once (1 to 100000, default 1000); past it, 503.
//   format           json (default): a text message is sent to the others in a JSON envelope, and members
//                    hear who joins and leaves; raw: messages pass through untouched (text stays text, binary
//                    binary), and there is no presence.
//   echo_self        true (default): the sender gets its own message back too (json: with its timestamp);
//                    false: only the others do.
//   history          how many of the last messages a newcomer gets (0 to 10000, default 0).
//   history_bytes    the most bytes they may take together (0 to 64 MiB, default 1 MiB).
//   max_members      members of one room at once (1 to 1000000, default 10000); past it, 503.
//   max_backlog      bytes waiting for one member before it counts as too slow (4096 to 256 MiB, default
//                    1 MiB); then on_backlog decides.
//   on_backlog       close (default): the member is closed with 1008; drop: it misses messages (counted).
//   backplane        on (default): when the server has a Redis backplane (CHATSOCKET_REDIS), the room is one
//                    room across the servers of the farm; off: it stays on each server; a redis:// URL: this
//                    endpoint's rooms share through that Redis instead of the server's.
// (max_rate is every kind's, endpoint/endpoint_config.ts; a room's default is 100 a second.)

import { Settings } from "../../endpoint/settings";
import { KindSettings } from "../kinds";

export class ChatSettings extends KindSettings {
  roomsByQuery: bool = false;
  maxRooms: u32 = 1000;
  raw: bool = false;
  echoSelf: bool = true;
  history: u32 = 0;
  historyBytes: u32 = 1024 * 1024;
  maxMembers: u32 = 10000;
  maxBacklog: u32 = 1024 * 1024;
  dropOnBacklog: bool = false;
  backplane: bool = true;
  /** A Redis of the endpoint's own ("": the server's, CHATSOCKET_REDIS). */
  backplaneUrl: string = "";
}

export function configureChat(settings: Settings): KindSettings {
  const c = new ChatSettings();
  c.roomsByQuery = settings.choice("rooms", ["single", "query"], 0) == 1;
  c.maxRooms = settings.count("max_rooms", 1, 100000, c.maxRooms, "");
  c.raw = settings.choice("format", ["json", "raw"], 0) == 1;
  c.echoSelf = settings.choice("echo_self", ["false", "true"], 1) == 1;
  c.history = settings.count("history", 0, 10000, c.history, "messages");
  c.historyBytes = settings.count("history_bytes", 0, 64 * 1024 * 1024, c.historyBytes, "bytes");
  c.maxMembers = settings.count("max_members", 1, 1000000, c.maxMembers, "");
  c.maxBacklog = settings.count("max_backlog", 4096, 256 * 1024 * 1024, c.maxBacklog, "bytes");
  c.dropOnBacklog = settings.choice("on_backlog", ["close", "drop"], 0) == 1;
  const backplane = settings.take("backplane");
  if (backplane != null) {
    const value = backplane.value;
    if (value.toLowerCase() == "off") c.backplane = false;
    else if (value.startsWith("redis://")) c.backplaneUrl = value;
    else if (value.toLowerCase() != "on") settings.fail(backplane.line, "backplane must be on, off or a redis:// URL.");
  }
  return c;
}
