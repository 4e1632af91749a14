#include "raw_response.h"

#include "http_head.h"
#include "request_interfaces.h"

namespace cs::host {

namespace {

int known_response_header(std::string_view name) {
  for (int id = 0; id < HttpHeaderResponseMaximum; ++id)
    if (iequals(name, response_header_name(static_cast<HTTP_HEADER_ID>(id)))) return id;
  return -1;
}

USHORT clamp16(size_t n) { return static_cast<USHORT>(n < 0xFFFF ? n : 0xFFFF); }

std::string_view text(PCSTR p, USHORT length) { return p ? std::string_view(p, length) : std::string_view(); }

}  // namespace

RawResponse::RawResponse(USHORT status, const std::string& reason, const HeaderList& headers) {
  raw_.Version.MajorVersion = 1;
  raw_.Version.MinorVersion = 1;
  raw_.StatusCode = status;
  raw_.pReason = keep(reason);
  raw_.ReasonLength = clamp16(reason.size());
  for (HeaderList::Header header : headers) {
    int id = known_response_header(header.name);
    if (id >= 0) {
      raw_.Headers.KnownHeaders[id].pRawValue = keep(header.value);
      raw_.Headers.KnownHeaders[id].RawValueLength = clamp16(header.value.size());
      continue;
    }
    HTTP_UNKNOWN_HEADER unknown{};
    unknown.pName = keep(header.name);
    unknown.NameLength = clamp16(header.name.size());
    unknown.pRawValue = keep(header.value);
    unknown.RawValueLength = clamp16(header.value.size());
    unknown_.push_back(unknown);
  }
  raw_.Headers.UnknownHeaderCount = clamp16(unknown_.size());
  raw_.Headers.pUnknownHeaders = unknown_.empty() ? nullptr : unknown_.data();
}

PCSTR RawResponse::keep(std::string_view text) {
  strings_.emplace_back(text);
  return strings_.back().c_str();
}

void RawResponse::read_back(USHORT& status, std::string& reason, HeaderList& headers,
                            bool drop_known_connection) const {
  status = raw_.StatusCode;
  reason = text(raw_.pReason, raw_.ReasonLength);
  headers.clear();
  for (int id = 0; id < HttpHeaderResponseMaximum; ++id) {
    const HTTP_KNOWN_HEADER& known = raw_.Headers.KnownHeaders[id];
    if (!known.pRawValue || known.RawValueLength == 0) continue;
    if (drop_known_connection && id == HttpHeaderConnection) continue;
    headers.add(response_header_name(static_cast<HTTP_HEADER_ID>(id)), text(known.pRawValue, known.RawValueLength));
  }
  if (!raw_.Headers.pUnknownHeaders) return;
  for (USHORT i = 0; i < raw_.Headers.UnknownHeaderCount; ++i) {
    const HTTP_UNKNOWN_HEADER& unknown = raw_.Headers.pUnknownHeaders[i];
    if (!unknown.pName || unknown.NameLength == 0) continue;
    headers.add(text(unknown.pName, unknown.NameLength), text(unknown.pRawValue, unknown.RawValueLength));
  }
}

}  // namespace cs::host
