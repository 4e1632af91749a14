// HTTP_RESPONSE as http.h lays it out on x64 Windows (HTTP_RESPONSE_V2): the module reaches into it through
// GetRawHttpResponse, so our Linux declaration must put every field where IIS does.
#include <doctest/doctest.h>

#include <cstddef>

#include "httpserv_select.h"

TEST_CASE("HTTP_RESPONSE has http.h's x64 layout") {
  if (sizeof(void*) != 8) return;
  CHECK(offsetof(HTTP_RESPONSE, StatusCode) == 8);
  CHECK(offsetof(HTTP_RESPONSE, pReason) == 16);
  CHECK(offsetof(HTTP_RESPONSE, Headers) == 24);
  CHECK(offsetof(HTTP_RESPONSE_HEADERS, pUnknownHeaders) == 8);
  CHECK(offsetof(HTTP_RESPONSE_HEADERS, pTrailers) == 24);
  CHECK(offsetof(HTTP_RESPONSE_HEADERS, KnownHeaders) == 32);
  CHECK(sizeof(HTTP_KNOWN_HEADER) == 16);
  CHECK(sizeof(HTTP_UNKNOWN_HEADER) == 24);
  CHECK(offsetof(HTTP_RESPONSE, EntityChunkCount) == 536);
  CHECK(offsetof(HTTP_RESPONSE, pResponseInfo) == 560);
  CHECK(sizeof(HTTP_RESPONSE) == 568);
}
