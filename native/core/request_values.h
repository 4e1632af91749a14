#pragma once
// The request behind a handshake, as the server offers it (native/iis over IHttpContext): headers and
// server variables by name. The module reads them during cs_open through host_request_value, so a handler
// can use any of them without a change here.
#include <string>
#include <string_view>

namespace cs {

class RequestValues {
 public:
  // The header's value (repeated headers joined with ", "); false when the request has none.
  virtual bool header(std::string_view name, std::string& value) = 0;
  // The server variable's value; false when the server has no such variable.
  virtual bool variable(std::string_view name, std::string& value) = 0;

 protected:
  ~RequestValues() = default;
};

}  // namespace cs
