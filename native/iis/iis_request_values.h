#pragma once
// The request's headers and server variables as IIS gives them, for the module's handlers (RequestValues).
#include <string>
#include <string_view>

#include "iis_api.h"
#include "request_values.h"

namespace cs {

class IisRequestValues final : public RequestValues {
 public:
  explicit IisRequestValues(IHttpContext* context) : context_(context) {}

  bool header(std::string_view name, std::string& value) override;
  bool variable(std::string_view name, std::string& value) override;

 private:
  IHttpContext* const context_;
  std::string name_;  // NUL-terminated copy of the name asked for
};

// A server variable as text; "" when IIS has none.
std::string server_variable(IHttpContext* context, const char* name);

}  // namespace cs
