#include <doctest/doctest.h>

#include "http_head.h"

using namespace cs::host;

TEST_SUITE("http_head") {
  TEST_CASE("a complete head is found only with its blank line") {
    size_t len = 0;
    CHECK(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n", len) == HeadStatus::kIncomplete);
    CHECK(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest", len) == HeadStatus::kComplete);
    CHECK(len == 27);
  }

  TEST_CASE("a head longer than 8 KiB is too large") {
    size_t len = 0;
    std::string big = "GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes, 'a');
    CHECK(find_head_end(big, len) == HeadStatus::kTooLarge);
  }

  TEST_CASE("bytes that cannot begin a request line are not HTTP, before any CRLF arrives") {
    size_t len = 0;
    CHECK(find_head_end(std::string("\x16\x03\x01\x00\xc4", 5), len) == HeadStatus::kNotHttp);  // TLS
    CHECK(find_head_end("GE", len) == HeadStatus::kIncomplete);
    CHECK(find_head_end("GET /\x01", len) == HeadStatus::kIncomplete);  // past the method: judged whole
  }

  TEST_CASE("empty lines before a request line are counted, a lone CR or LF is not") {
    CHECK(leading_empty_lines("GET / HTTP/1.1\r\n") == 0);
    CHECK(leading_empty_lines("\r\n\r\nGET / HTTP/1.1\r\n") == 4);
    CHECK(leading_empty_lines("\r\n\r") == 2);
    CHECK(leading_empty_lines("\nGET") == 0);
  }

  TEST_CASE("request line, query and headers are parsed; duplicates are joined with a comma") {
    RequestHead h;
    REQUIRE(parse_request_head("GET /a/b.x?q=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n", h) == 0);
    CHECK(h.method() == "GET");
    CHECK(h.path() == "/a/b.x");
    CHECK(h.query() == "q=1");
    REQUIRE(h.header("X-A"));
    CHECK(*h.header("x-a") == "1, 2");
    CHECK(*h.header("host") == "h");
    REQUIRE(h.repeated_count() == 1);  // only names sent more than once get a joined copy
    CHECK(h.header_count() == 3);
    CHECK_FALSE(h.header("Missing"));
    CHECK(h.keep_alive);
  }

  TEST_CASE("method, target and header values end with a NUL, as IIS hands them out as PCSTR") {
    RequestHead h;
    REQUIRE(parse_request_head("GET /x HTTP/1.1\r\nHost: h\r\nEmpty:\r\nA: 1\r\na: 2\r\n\r\n", h) == 0);
    CHECK(h.path() == "/x");
    CHECK(h.query().empty());
    for (std::string_view v : {h.method(), h.target(), *h.header("Empty"), *h.header("a"), *h.header("host")})
      CHECK(v.data()[v.size()] == '\0');
    CHECK(*h.header("Empty") == "");
    CHECK(*h.header("A") == "1, 2");
    CHECK(h.header_value(1).empty());
  }

  TEST_CASE("keep-alive follows the version and the Connection token list") {
    RequestHead a, b, c;
    REQUIRE(parse_request_head("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n", a) == 0);
    CHECK_FALSE(a.keep_alive);
    REQUIRE(parse_request_head("GET / HTTP/1.0\r\n\r\n", b) == 0);
    CHECK_FALSE(b.keep_alive);
    REQUIRE(parse_request_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", c) == 0);
    CHECK(c.keep_alive);
  }

  TEST_CASE("malformed heads get 400, other versions 505, chunked bodies 501") {
    RequestHead h;
    CHECK(parse_request_head("GET /\r\n\r\n", h) == 400);
    CHECK(parse_request_head("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", h) == 400);
    CHECK(parse_request_head("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", h) == 400);
    CHECK(parse_request_head("GET x HTTP/1.1\r\nHost: h\r\n\r\n", h) == 400);
    RequestHead h2;
    CHECK(parse_request_head("GET / HTTP/1.1\r\n\r\n", h2) == 400);  // no Host
    RequestHead h3;
    CHECK(parse_request_head("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", h3) == 400);
    RequestHead h4;
    CHECK(parse_request_head("GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n", h4) == 400);
    RequestHead h5;
    CHECK(parse_request_head("GET / HTTP/2.0\r\nHost: h\r\n\r\n", h5) == 505);
    RequestHead h6;
    CHECK(parse_request_head("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", h6) == 501);
    RequestHead h7;
    CHECK(parse_request_head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", h7) ==
          400);
    RequestHead h8;
    CHECK(parse_request_head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", h8) == 400);
  }

  TEST_CASE("Content-Length is read") {
    RequestHead h;
    REQUIRE(parse_request_head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n", h) == 0);
    CHECK(h.content_length == 12);
  }
}
