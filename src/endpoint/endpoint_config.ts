// What one endpoint file asks for, with every limit at its default until the file says otherwise.

import {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_MESSAGE_SIZE,
} from "../protocol/limits";

export const enum EndpointKind {
  NONE = 0,
  ECHO = 1,
  TEST_TRAP = 2,
}

export class EndpointConfig {
  kind: EndpointKind = EndpointKind.NONE;
  maxMessageSize: u32 = DEFAULT_MAX_MESSAGE_SIZE;
  maxFragments: u32 = DEFAULT_MAX_FRAGMENTS;
  closeTimeout: u32 = DEFAULT_CLOSE_TIMEOUT;
  protocols: string[] = [];
}
