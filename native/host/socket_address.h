#pragma once
// A TCP connection's address at either end, IPv4 or IPv6: what IIS hands a module as a SOCKADDR. Sized for
// those two (28 bytes) rather than as a sockaddr_storage (128), since every open WebSocket keeps two.
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

namespace cs::host {

union SocketAddress {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

std::string address_text(const SocketAddress& a);  // "127.0.0.1", "::1"; empty for another family
unsigned port_of(const SocketAddress& a);

}  // namespace cs::host
