#include "connection_header.h"

#include <cstring>

namespace cs {

namespace {

constexpr char kConnection[] = "Connection";
constexpr USHORT kConnectionLength = sizeof(kConnection) - 1;

bool names_connection(const HTTP_UNKNOWN_HEADER& header) {
  if (header.NameLength != kConnectionLength || !header.pName) return false;
  for (USHORT i = 0; i < kConnectionLength; ++i) {
    char c = header.pName[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char want = kConnection[i];
    if (want >= 'A' && want <= 'Z') want = static_cast<char>(want - 'A' + 'a');
    if (c != want) return false;
  }
  return true;
}

}  // namespace

bool send_connection_header_verbatim(IHttpContext* context) {
  IHttpResponse* response = context->GetResponse();
  HTTP_RESPONSE* raw = response ? response->GetRawHttpResponse() : nullptr;
  if (!raw) return false;
  HTTP_RESPONSE_HEADERS& headers = raw->Headers;
  HTTP_KNOWN_HEADER& known = headers.KnownHeaders[HttpHeaderConnection];
  if (known.RawValueLength == 0 || !known.pRawValue) return true;

  bool present = false;
  for (USHORT i = 0; i < headers.UnknownHeaderCount; ++i)
    present = present || names_connection(headers.pUnknownHeaders[i]);
  if (!present) {
    USHORT count = headers.UnknownHeaderCount;
    if (count == 0xFFFF) return false;
    // Request memory: IIS reads the headers when it sends them, after this notification has returned.
    auto* grown =
        static_cast<HTTP_UNKNOWN_HEADER*>(context->AllocateRequestMemory(sizeof(HTTP_UNKNOWN_HEADER) * (count + 1u)));
    auto* value = static_cast<char*>(context->AllocateRequestMemory(known.RawValueLength));
    if (!grown || !value) return false;
    if (count) std::memcpy(grown, headers.pUnknownHeaders, sizeof(HTTP_UNKNOWN_HEADER) * count);
    std::memcpy(value, known.pRawValue, known.RawValueLength);
    grown[count].NameLength = kConnectionLength;
    grown[count].RawValueLength = known.RawValueLength;
    grown[count].pName = kConnection;
    grown[count].pRawValue = value;
    headers.pUnknownHeaders = grown;
    headers.UnknownHeaderCount = static_cast<USHORT>(count + 1);
  }
  known.RawValueLength = 0;
  known.pRawValue = nullptr;
  return true;
}

}  // namespace cs
