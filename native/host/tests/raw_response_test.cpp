#include <doctest/doctest.h>

#include "raw_response.h"

using namespace cs::host;

namespace {

HeaderList upgrade_headers() {
  return {
      {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, {"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
}

size_t count(const HeaderList& headers, const std::string& name) {
  size_t n = 0;
  for (HeaderList::Header header : headers) n += header.name == name ? 1 : 0;
  return n;
}

}  // namespace

TEST_SUITE("raw_response") {
  TEST_CASE("headers with a response id are known, the rest unknown; read back, known ones come first") {
    RawResponse raw(101, "Switching Protocols", upgrade_headers());
    HTTP_RESPONSE* r = raw.get();
    CHECK(r->StatusCode == 101);
    CHECK(std::string(r->Headers.KnownHeaders[HttpHeaderConnection].pRawValue) == "Upgrade");
    CHECK(std::string(r->Headers.KnownHeaders[HttpHeaderUpgrade].pRawValue) == "websocket");
    REQUIRE(r->Headers.UnknownHeaderCount == 1);
    CHECK(std::string(r->Headers.pUnknownHeaders[0].pName, r->Headers.pUnknownHeaders[0].NameLength) ==
          "Sec-WebSocket-Accept");

    USHORT status = 0;
    std::string reason;
    HeaderList headers;
    raw.read_back(status, reason, headers, false);
    CHECK(status == 101);
    CHECK(reason == "Switching Protocols");
    CHECK(headers == HeaderList{{"Connection", "Upgrade"},
                                {"Upgrade", "websocket"},
                                {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}});
  }

  TEST_CASE("dropping the known Connection header keeps an unknown one of that name") {
    RawResponse raw(101, "Switching Protocols", upgrade_headers());
    USHORT status = 0;
    std::string reason;
    HeaderList headers;
    raw.read_back(status, reason, headers, true);
    CHECK(count(headers, "Connection") == 0);

    HTTP_RESPONSE* r = raw.get();
    HTTP_UNKNOWN_HEADER moved[2] = {r->Headers.pUnknownHeaders[0], {10, 7, "Connection", "Upgrade"}};
    r->Headers.pUnknownHeaders = moved;
    r->Headers.UnknownHeaderCount = 2;
    r->Headers.KnownHeaders[HttpHeaderConnection] = {0, nullptr};
    raw.read_back(status, reason, headers, true);
    CHECK(count(headers, "Connection") == 1);
    CHECK(count(headers, "Upgrade") == 1);
  }
}
