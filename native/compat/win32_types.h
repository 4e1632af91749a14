#pragma once
// The Win32 and http.h vocabulary the IIS interfaces are written in.
// Windows (mingw-w64): the system headers, plus the few names they lack.
// Elsewhere (Linux): our own definitions with the Windows x64 sizes (DWORD, ULONG and LONG are 32-bit).

#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <windows.h>
#include <http.h>

#else  // not _WIN32

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sys/socket.h>

typedef int BOOL;
typedef uint8_t BYTE, UCHAR, *PBYTE;
typedef uint16_t USHORT, WORD;
typedef uint32_t DWORD, ULONG, *PULONG;
typedef int32_t LONG, HRESULT;
typedef uint64_t ULONGLONG;
typedef char CHAR;
typedef char16_t WCHAR;  // UTF-16 like Windows' wchar_t
typedef const CHAR* PCSTR;
typedef CHAR* PSTR;
typedef const WCHAR* PCWSTR;
typedef const WCHAR* LPCWSTR;
typedef WCHAR* PWSTR;
typedef void VOID;
typedef void* PVOID;
typedef void* HANDLE;
typedef void* PSID;
typedef struct sockaddr SOCKADDR;
typedef SOCKADDR* PSOCKADDR;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#define WINAPI

struct GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
};
typedef const GUID* LPCGUID;
inline bool operator==(const GUID& a, const GUID& b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }
inline bool operator!=(const GUID& a, const GUID& b) { return !(a == b); }

struct FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
};
union ULARGE_INTEGER {
  struct {
    DWORD LowPart;
    DWORD HighPart;
  } u;
  ULONGLONG QuadPart;
};
struct OVERLAPPED;
typedef OVERLAPPED* LPOVERLAPPED;
typedef VOID(WINAPI* LPOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwErrorCode, DWORD dwNumberOfBytesTransfered,
                                                      LPOVERLAPPED lpOverlapped);

// HRESULTs and Win32 error codes
#define S_OK ((HRESULT)0)
#define S_FALSE ((HRESULT)1)
#define E_NOTIMPL ((HRESULT)0x80004001L)
#define E_NOINTERFACE ((HRESULT)0x80004002L)
#define E_POINTER ((HRESULT)0x80004003L)
#define E_FAIL ((HRESULT)0x80004005L)
#define E_UNEXPECTED ((HRESULT)0x8000FFFFL)
#define E_INVALIDARG ((HRESULT)0x80070057L)
#define E_OUTOFMEMORY ((HRESULT)0x8007000EL)
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#define FACILITY_WIN32 7
inline HRESULT HRESULT_FROM_WIN32(unsigned long x) {
  return (HRESULT)x <= 0 ? (HRESULT)x : (HRESULT)((x & 0x0000FFFF) | (FACILITY_WIN32 << 16) | 0x80000000);
}

#define ERROR_SUCCESS 0L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_INVALID_DATA 13L
#define ERROR_HANDLE_EOF 38L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_NETNAME_DELETED 64L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_ALREADY_EXISTS 183L
#define ERROR_MORE_DATA 234L
#define ERROR_OPERATION_ABORTED 995L
#define ERROR_IO_PENDING 997L
#define ERROR_NOT_FOUND 1168L
#define ERROR_CONNECTION_ABORTED 1236L
#define ERROR_INVALID_INDEX 1413L

// http.h subset
typedef ULONGLONG HTTP_OPAQUE_ID;

typedef enum _HTTP_HEADER_ID {
  HttpHeaderCacheControl = 0,
  HttpHeaderConnection = 1,
  HttpHeaderDate = 2,
  HttpHeaderKeepAlive = 3,
  HttpHeaderPragma = 4,
  HttpHeaderTrailer = 5,
  HttpHeaderTransferEncoding = 6,
  HttpHeaderUpgrade = 7,
  HttpHeaderVia = 8,
  HttpHeaderWarning = 9,
  HttpHeaderAllow = 10,
  HttpHeaderContentLength = 11,
  HttpHeaderContentType = 12,
  HttpHeaderContentEncoding = 13,
  HttpHeaderContentLanguage = 14,
  HttpHeaderContentLocation = 15,
  HttpHeaderContentMd5 = 16,
  HttpHeaderContentRange = 17,
  HttpHeaderExpires = 18,
  HttpHeaderLastModified = 19,
  HttpHeaderAccept = 20,
  HttpHeaderAcceptCharset = 21,
  HttpHeaderAcceptEncoding = 22,
  HttpHeaderAcceptLanguage = 23,
  HttpHeaderAuthorization = 24,
  HttpHeaderCookie = 25,
  HttpHeaderExpect = 26,
  HttpHeaderFrom = 27,
  HttpHeaderHost = 28,
  HttpHeaderIfMatch = 29,
  HttpHeaderIfModifiedSince = 30,
  HttpHeaderIfNoneMatch = 31,
  HttpHeaderIfRange = 32,
  HttpHeaderIfUnmodifiedSince = 33,
  HttpHeaderMaxForwards = 34,
  HttpHeaderProxyAuthorization = 35,
  HttpHeaderReferer = 36,
  HttpHeaderRange = 37,
  HttpHeaderTe = 38,
  HttpHeaderTranslate = 39,
  HttpHeaderUserAgent = 40,
  HttpHeaderRequestMaximum = 41,
  HttpHeaderAcceptRanges = 20,
  HttpHeaderAge = 21,
  HttpHeaderEtag = 22,
  HttpHeaderLocation = 23,
  HttpHeaderProxyAuthenticate = 24,
  HttpHeaderRetryAfter = 25,
  HttpHeaderServer = 26,
  HttpHeaderSetCookie = 27,
  HttpHeaderVary = 28,
  HttpHeaderWwwAuthenticate = 29,
  HttpHeaderResponseMaximum = 30,
  HttpHeaderMaximum = 41
} HTTP_HEADER_ID;

typedef enum _HTTP_DATA_CHUNK_TYPE {
  HttpDataChunkFromMemory = 0,
  HttpDataChunkFromFileHandle,
  HttpDataChunkFromFragmentCache,
  HttpDataChunkFromFragmentCacheEx,
  HttpDataChunkMaximum
} HTTP_DATA_CHUNK_TYPE;

typedef struct _HTTP_BYTE_RANGE {
  ULARGE_INTEGER StartingOffset;
  ULARGE_INTEGER Length;
} HTTP_BYTE_RANGE;

typedef struct _HTTP_DATA_CHUNK {
  HTTP_DATA_CHUNK_TYPE DataChunkType;
  union {
    struct {
      PVOID pBuffer;
      ULONG BufferLength;
    } FromMemory;
    struct {
      HTTP_BYTE_RANGE ByteRange;
      HANDLE FileHandle;
    } FromFileHandle;
    struct {
      USHORT FragmentNameLength;
      PCWSTR pFragmentName;
    } FromFragmentCache;
    struct {
      HTTP_BYTE_RANGE ByteRange;
      PCWSTR pFragmentName;
    } FromFragmentCacheEx;
  };
} HTTP_DATA_CHUNK, *PHTTP_DATA_CHUNK;

typedef struct _HTTP_VERSION {
  USHORT MajorVersion;
  USHORT MinorVersion;
} HTTP_VERSION;

typedef struct _HTTP_KNOWN_HEADER {
  USHORT RawValueLength;
  PCSTR pRawValue;
} HTTP_KNOWN_HEADER, *PHTTP_KNOWN_HEADER;

typedef struct _HTTP_UNKNOWN_HEADER {
  USHORT NameLength;
  USHORT RawValueLength;
  PCSTR pName;
  PCSTR pRawValue;
} HTTP_UNKNOWN_HEADER, *PHTTP_UNKNOWN_HEADER;

typedef struct _HTTP_RESPONSE_HEADERS {
  USHORT UnknownHeaderCount;
  PHTTP_UNKNOWN_HEADER pUnknownHeaders;
  USHORT TrailerCount;
  PHTTP_UNKNOWN_HEADER pTrailers;
  HTTP_KNOWN_HEADER KnownHeaders[HttpHeaderResponseMaximum];
} HTTP_RESPONSE_HEADERS;

struct _HTTP_RESPONSE_INFO;
typedef struct _HTTP_RESPONSE_INFO HTTP_RESPONSE_INFO, *PHTTP_RESPONSE_INFO;

// http.h's HTTP_RESPONSE is HTTP_RESPONSE_V2 since Vista: the V1 fields, then the response info.
typedef struct _HTTP_RESPONSE {
  ULONG Flags;
  HTTP_VERSION Version;
  USHORT StatusCode;
  USHORT ReasonLength;
  PCSTR pReason;
  HTTP_RESPONSE_HEADERS Headers;
  USHORT EntityChunkCount;
  PHTTP_DATA_CHUNK pEntityChunks;
  USHORT ResponseInfoCount;
  PHTTP_RESPONSE_INFO pResponseInfo;
} HTTP_RESPONSE;

// Only ever passed by pointer through the interfaces we declare; the Linux host returns NULL for them.
struct _HTTP_REQUEST;
typedef struct _HTTP_REQUEST HTTP_REQUEST;
struct _HTTP_CACHE_POLICY;
typedef struct _HTTP_CACHE_POLICY HTTP_CACHE_POLICY;
struct _HTTP_LOG_DATA;
typedef struct _HTTP_LOG_DATA HTTP_LOG_DATA;
struct _HTTP_SSL_CLIENT_CERT_INFO;
typedef struct _HTTP_SSL_CLIENT_CERT_INFO HTTP_SSL_CLIENT_CERT_INFO;

#define HTTP_SEND_RESPONSE_FLAG_DISCONNECT 0x00000001
#define HTTP_SEND_RESPONSE_FLAG_MORE_DATA 0x00000002
#define HTTP_SEND_RESPONSE_FLAG_BUFFER_DATA 0x00000004

#endif  // _WIN32

// Absent from mingw-w64's http.h as well.
#ifndef HTTP_SEND_RESPONSE_FLAG_ENABLE_NAGLING
#define HTTP_SEND_RESPONSE_FLAG_ENABLE_NAGLING 0x00000008
#endif
#ifndef HTTP_SEND_RESPONSE_FLAG_PROCESS_RANGES
#define HTTP_SEND_RESPONSE_FLAG_PROCESS_RANGES 0x00000020
#endif
#ifndef HTTP_SEND_RESPONSE_FLAG_OPAQUE
#define HTTP_SEND_RESPONSE_FLAG_OPAQUE 0x00000040
#endif
#ifndef HTTP_SEND_RESPONSE_FLAG_GOAWAY
#define HTTP_SEND_RESPONSE_FLAG_GOAWAY 0x00000100
#endif

// Only the type matters here (IHttpServer3::QueryRequestProperty); values as in http.h.
enum HTTP_REQUEST_PROPERTY { HttpRequestPropertyIsb, HttpRequestPropertyTcpInfoV0 };
