// What the module writes to the Windows Event Log (native/iis/event_log.cpp), seen through Wine: its
// ReportEventW traces each event's type and ID (fixme:advapi) and its text (the eventlog channel).
// cs_event_log_probe writes info, warning, error (with non-ASCII text), debug, then 100 warnings.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe } from "node:test";

import { EVENT_LOG_PROBE, SKIP_WINDOWS, buildMingw, wineBinary, wineEnvironment, windowsTest } from "./mingw";

const EVENTLOG_ERROR_TYPE = 1;
const EVENTLOG_WARNING_TYPE = 2;
const EVENTLOG_INFORMATION_TYPE = 4;

interface Event {
  type: number;
  id: number;
  text: string;
}

// Wine's debugstr_w: \XXXX (4 hex digits) for a non-ASCII UTF-16 unit, C escapes for the rest.
function unescapeWine(quoted: string): string {
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
  let out = "";
  for (let i = 0; i < quoted.length; i++) {
    if (quoted[i] !== "\\") {
      out += quoted[i];
    } else if (/^[0-9a-f]{4}$/i.test(quoted.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(quoted.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += escapes[quoted[i + 1]] ?? quoted[i + 1];
      i += 1;
    }
  }
  return out;
}

function parseEvents(trace: string): Event[] {
  const events: Event[] = [];
  let pending: { type: number; id: number } | undefined;
  for (const line of trace.split("\n")) {
    const call = /:ReportEventW \([0-9A-F]+,0x([0-9a-f]+),0x[0-9a-f]+,0x([0-9a-f]+),/i.exec(line);
    if (call) {
      pending = { type: parseInt(call[1], 16), id: parseInt(call[2], 16) };
      continue;
    }
    const text = /:eventlog:ReportEventW L"(.*)"$/.exec(line);
    if (text && pending) {
      events.push({ ...pending, text: unescapeWine(text[1]) });
      pending = undefined;
    }
  }
  return events;
}

describe("the Event Log sink", () => {
  let events: Event[];
  before(() => {
    if (SKIP_WINDOWS) return;
    buildMingw();
    const probe = spawnSync(wineBinary(), [EVENT_LOG_PROBE], {
      encoding: "utf8",
      env: wineEnvironment("-all,+eventlog,fixme+advapi"),
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(probe.status, 0, probe.stderr);
    events = parseEvents(probe.stderr);
  });

  windowsTest("writes error, warning and info lines as events 1000, 1001 and 1002 of the matching type", () => {
    assert.deepEqual(events.slice(0, 3), [
      { type: EVENTLOG_INFORMATION_TYPE, id: 1002, text: "probe info" },
      { type: EVENTLOG_WARNING_TYPE, id: 1001, text: "probe warning" },
      { type: EVENTLOG_ERROR_TYPE, id: 1000, text: "probe error: café €" },
    ]);
  });

  windowsTest("leaves debug lines out", () => {
    assert.ok(!events.some((event) => event.text.includes("probe debug")));
  });

  windowsTest("writes at most 60 events a minute, then one warning saying the rest go to the debugger only", () => {
    const floods = events.filter((event) => event.text.startsWith("probe flood"));
    assert.equal(floods.length, 57);
    assert.equal(floods.at(-1)?.text, "probe flood 56");
    assert.equal(events.length, 61);
    const notice = events[60];
    assert.equal(notice.type, EVENTLOG_WARNING_TYPE);
    assert.equal(notice.id, 1001);
    assert.match(notice.text, /More than 60 chatsocket messages in a minute/);
  });
});
