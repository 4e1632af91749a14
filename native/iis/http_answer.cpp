#include "http_answer.h"

namespace cs {

const char* reason_phrase(unsigned status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

void answer(IHttpResponse* response, unsigned status, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& headers) {
  response->Clear();
  // fTrySkipCustomErrors: the body says what was wrong; IIS's custom error pages would hide it.
  response->SetStatus(static_cast<USHORT>(status), reason_phrase(status), 0, S_OK, nullptr, TRUE);
  for (const auto& header : headers) {
    response->SetHeader(header.first.c_str(), header.second.c_str(), static_cast<USHORT>(header.second.size()), TRUE);
  }
  if (body.empty()) return;
  static const char content_type[] = "text/plain; charset=utf-8";
  response->SetHeader("Content-Type", content_type, static_cast<USHORT>(sizeof content_type - 1), TRUE);
  HTTP_DATA_CHUNK chunk;
  chunk.DataChunkType = HttpDataChunkFromMemory;
  chunk.FromMemory.pBuffer = const_cast<char*>(body.data());
  chunk.FromMemory.BufferLength = static_cast<ULONG>(body.size());
  DWORD sent = 0;
  response->WriteEntityChunks(&chunk, 1, FALSE, FALSE, &sent);
}

}  // namespace cs
