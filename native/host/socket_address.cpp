#include "socket_address.h"

#include <arpa/inet.h>

namespace cs::host {

std::string address_text(const SocketAddress& a) {
  char text[INET6_ADDRSTRLEN] = "";
  if (a.any.sa_family == AF_INET)
    inet_ntop(AF_INET, &a.v4.sin_addr, text, sizeof text);
  else if (a.any.sa_family == AF_INET6)
    inet_ntop(AF_INET6, &a.v6.sin6_addr, text, sizeof text);
  return text;
}

unsigned port_of(const SocketAddress& a) {
  if (a.any.sa_family == AF_INET) return ntohs(a.v4.sin_port);
  if (a.any.sa_family == AF_INET6) return ntohs(a.v6.sin6_port);
  return 0;
}

}  // namespace cs::host
