// The environment a program gets from its request, as CGI (RFC 3875) and websocketd define it: the server's
// and the client's addresses, the request line, and every request header as HTTP_<NAME>. Variables a CGI
// program might otherwise inherit from the server (AUTH_TYPE, CONTENT_LENGTH, ...) are set, empty if need be,
// so nothing of the server's leaks in through them.

import { Request } from "../../request";

const SERVER_SOFTWARE = "chatsocket";

export function cgiEnvironment(request: Request, connectionId: u32): string[] {
  const env = new Array<string>();
  env.push("GATEWAY_INTERFACE=CGI/1.1");
  env.push("SERVER_SOFTWARE=" + SERVER_SOFTWARE);
  env.push("SERVER_PROTOCOL=" + orEmpty(request.variable("SERVER_PROTOCOL")));
  env.push("SERVER_NAME=" + orEmpty(request.variable("SERVER_NAME")));
  env.push("SERVER_PORT=" + orEmpty(request.variable("SERVER_PORT")));
  env.push("REQUEST_METHOD=" + request.method);
  env.push("REQUEST_URI=" + request.target);
  env.push("SCRIPT_NAME=" + request.path);
  env.push("PATH_INFO=");
  env.push("QUERY_STRING=" + request.query);
  const remote = orEmpty(request.variable("REMOTE_ADDR"));
  env.push("REMOTE_ADDR=" + remote);
  env.push("REMOTE_HOST=" + remote); // no reverse lookup: it costs a DNS query per connection
  env.push("REMOTE_PORT=" + orEmpty(request.variable("REMOTE_PORT")));
  const https = request.variable("HTTPS");
  env.push("HTTPS=" + (https != null && https.toLowerCase() == "on" ? "on" : "off"));
  env.push("UNIQUE_ID=" + connectionId.toString(16));
  // Set by IIS when it authenticated the client (Windows or Basic authentication); empty otherwise.
  env.push("AUTH_TYPE=" + orEmpty(request.variable("AUTH_TYPE")));
  env.push("REMOTE_USER=" + orEmpty(request.variable("REMOTE_USER")));
  env.push("REMOTE_IDENT=");
  env.push("CONTENT_LENGTH=");
  env.push("CONTENT_TYPE=");
  const raw = request.variable("ALL_RAW");
  if (raw != null) addHeaders(env, <string>raw);
  return env;
}

function orEmpty(value: string | null): string {
  return value == null ? "" : <string>value;
}

/** Every header of ALL_RAW ("Name: value" lines) as HTTP_NAME=value; repeated headers joined with ", ". */
function addHeaders(env: string[], raw: string): void {
  const names = new Array<string>();
  const values = new Array<string>();
  const lines = raw.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = "HTTP_" + line.substring(0, colon).trim().toUpperCase().replaceAll("-", "_");
    const value = line.substring(colon + 1).trim();
    const known = names.indexOf(name);
    if (known >= 0) values[known] = values[known] + ", " + value;
    else {
      names.push(name);
      values.push(value);
    }
  }
  for (let i = 0; i < names.length; i++) env.push(names[i] + "=" + values[i]);
}
