// One handler instance per endpoint kind.

import { EndpointKind } from "../endpoint/endpoint_config";
import { EchoHandler } from "./echo";
import { Handler } from "./handler";
import { TestTrapHandler } from "./test_trap";

const echo = new EchoHandler();
const testTrap = new TestTrapHandler();

export function handlerForKind(kind: EndpointKind): Handler {
  return kind == EndpointKind.TEST_TRAP ? testTrap : echo;
}
