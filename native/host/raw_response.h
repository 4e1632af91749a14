#pragma once
// IHttpResponse::GetRawHttpResponse: the response as http.h's HTTP_RESPONSE, which a module may edit in place
// (IIS keeps the response in that form). Built from the status and headers when the module asks for it, and
// read back when the head is serialized or when the module changes the response through the interface again:
// a pointer from GetRawHttpResponse shows the calls made before it, and edits to it count until the next such
// change. Headers with a name of http.h's response ids are known headers, the rest unknown ones, as IIS files
// headers set by name; read back, the known ones come first, in id order.
#include <deque>
#include <string>
#include <vector>

#include "httpserv_select.h"
#include "response_head.h"

namespace cs::host {

class RawResponse {
 public:
  RawResponse(USHORT status, const std::string& reason, const HeaderList& headers);
  RawResponse(const RawResponse&) = delete;
  RawResponse& operator=(const RawResponse&) = delete;

  HTTP_RESPONSE* get() { return &raw_; }
  // What the module left in it. With drop_known_connection the known Connection header is left out (http.sys
  // on a 101, imitated); an unknown header of that name stays.
  void read_back(USHORT& status, std::string& reason, HeaderList& headers, bool drop_known_connection) const;

 private:
  PCSTR keep(std::string_view text);

  HTTP_RESPONSE raw_{};
  std::deque<std::string> strings_;  // a deque: what raw_ points into never moves
  std::vector<HTTP_UNKNOWN_HEADER> unknown_;
};

}  // namespace cs::host
