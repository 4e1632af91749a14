#include "iis_request_values.h"

namespace cs {

std::string server_variable(IHttpContext* context, const char* name) {
  PCSTR value = nullptr;
  DWORD length = 0;
  if (FAILED(context->GetServerVariable(name, &value, &length)) || !value) return {};
  return std::string(value, length);
}

bool IisRequestValues::header(std::string_view name, std::string& value) {
  name_.assign(name.data(), name.size());
  USHORT length = 0;
  PCSTR text = context_->GetRequest()->GetHeader(name_.c_str(), &length);
  if (!text) return false;
  value.assign(text, length);
  return true;
}

bool IisRequestValues::variable(std::string_view name, std::string& value) {
  name_.assign(name.data(), name.size());
  PCSTR text = nullptr;
  DWORD length = 0;
  if (FAILED(context_->GetServerVariable(name_.c_str(), &text, &length)) || !text) return false;
  // Should a length count the terminating NUL, it is not part of the value.
  while (length > 0 && text[length - 1] == '\0') --length;
  value.assign(text, length);
  return true;
}

}  // namespace cs
