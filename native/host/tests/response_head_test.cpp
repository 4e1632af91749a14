#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "response_head.h"

using namespace cs::host;

namespace {

std::vector<std::string> lines(const HeaderList& headers) {
  std::vector<std::string> out;
  for (HeaderList::Header h : headers) out.push_back(std::string(h.name) + ": " + std::string(h.value));
  return out;
}

}  // namespace

TEST_SUITE("response_head") {
  TEST_CASE("headers keep their order; found by name in any case, values NUL-terminated") {
    HeaderList headers{{"Upgrade", "websocket"}, {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}};
    headers.add("Connection", "Upgrade");
    CHECK(lines(headers) ==
          std::vector<std::string>{"Upgrade: websocket",
                                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Connection: Upgrade"});
    auto accept = headers.find("sec-websocket-ACCEPT");
    REQUIRE(accept);
    CHECK(*accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(accept->data()[accept->size()] == '\0');
    CHECK_FALSE(headers.find("Content-Length"));
  }

  TEST_CASE("set replaces or appends to the first of the name, or adds; remove drops every one of the name") {
    HeaderList headers{{"Vary", "Origin"}, {"X-One", "1"}, {"vary", "Cookie"}};
    CHECK(headers.set("VARY", "Accept", false));
    CHECK(headers.set("X-One", "one", true));
    CHECK(headers.set("X-Two", "2", true));
    CHECK(lines(headers) == std::vector<std::string>{"Vary: Origin, Accept", "X-One: one", "vary: Cookie", "X-Two: 2"});
    headers.remove("Vary");
    CHECK(lines(headers) == std::vector<std::string>{"X-One: one", "X-Two: 2"});
    headers.clear();
    CHECK(headers.empty());
  }

  TEST_CASE("a value IIS could not count in 16 bits is refused, and the list is left as it was") {
    HeaderList headers{{"X-Big", std::string(HeaderList::kMaxLength - 1, 'a')}};
    HeaderList before = headers;
    CHECK_FALSE(headers.set("X-Big", "bb", false));
    CHECK_FALSE(headers.set("X-New", std::string(HeaderList::kMaxLength + 1, 'c'), true));
    CHECK((headers == before));
    CHECK(headers.set("X-Big", std::string(HeaderList::kMaxLength, 'd'), true));
    CHECK(headers.find("x-big")->size() == HeaderList::kMaxLength);
  }

  TEST_CASE("the head: status line, headers as set, Server and Date unless the module set them") {
    std::string head =
        format_head(101, "Switching Protocols", HeaderList{{"Upgrade", "websocket"}, {"Server", "mine"}});
    CHECK(head.rfind("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nServer: mine\r\nDate: ", 0) == 0);
    CHECK(head.find("chatsocket-host") == std::string::npos);
    CHECK(head.size() >= 4);
    CHECK(head.compare(head.size() - 4, 4, "\r\n\r\n") == 0);
  }
}
