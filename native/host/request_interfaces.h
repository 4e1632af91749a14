#pragma once
// The objects a module sees for one request. Each is a thin face of its Request (request.h): the
// state, the locking and the strictness checks live there. Unimplemented slots report through
// Request::not_implemented (counted; a violation if the request is already finished).
#include "httpserv_stubs.h"

namespace cs::host {

class Request;

// IHttpServer2::GetExtendedInterface for request objects: IHttpContext -> 2/3, IHttpRequest -> 2/3,
// IHttpResponse -> 2, IHttpCompletionInfo -> 2.
HRESULT query_request_interface(const GUID& from, void* input, const GUID& to, void** output);

void report_not_implemented(const Request& r, const char* method);
// The name of a response header id (http.h: 0-19 shared with requests, 20-29 response only); null past them.
const char* response_header_name(HTTP_HEADER_ID id);

// Common base of the faces: the owning request, and where unimplemented slots report.
template <template <class> class Stub, class Derived>
class RequestFace : public Stub<Derived> {
 public:
  explicit RequestFace(Request& r) : r_(r) {}
  void not_implemented(const char* method) const { report_not_implemented(r_, method); }
  Request& request() const { return r_; }

 protected:
  Request& r_;
};

class HostContext final : public RequestFace<CsStubIHttpContext3, HostContext> {
 public:
  using RequestFace::RequestFace;
  IHttpSite* GetSite() override { return nullptr; }
  IHttpApplication* GetApplication() override { return nullptr; }
  IHttpConnection* GetConnection() override;
  IHttpRequest* GetRequest() override;
  IHttpResponse* GetResponse() override;
  BOOL GetResponseHeadersSent() const override;
  IHttpUser* GetUser() const override { return nullptr; }
  VOID IndicateCompletion(REQUEST_NOTIFICATION_STATUS notificationStatus) override;
  HRESULT PostCompletion(DWORD cbBytes) override;
  HRESULT GetServerVariable(PCSTR pszVariableName, PCSTR* ppszValue, DWORD* pcchValueLength) override;
  HRESULT GetServerVariable(PCSTR pszVariableName, PCWSTR* ppszValue, DWORD* pcchValueLength) override;
  PCWSTR GetPhysicalPath(DWORD* pcchPhysicalPath) override;
  PCWSTR GetScriptTranslated(DWORD* pcchScriptTranslated) override;
  VOID SetRequestHandled() override;
  HRESULT CancelIo() override;
  VOID EnableFullDuplex() override;
  VOID* AllocateRequestMemory(DWORD cbAllocation) override;
  IMetadataInfo* GetMetadata() override;
};

class HostHttpRequest final : public RequestFace<CsStubIHttpRequest3, HostHttpRequest> {
 public:
  using RequestFace::RequestFace;
  HTTP_REQUEST* GetRawHttpRequest() override;
  const HTTP_REQUEST* GetRawHttpRequest() const override;
  PCSTR GetHeader(HTTP_HEADER_ID ulHeaderIndex, USHORT* pcchHeaderValue) const override;
  PCSTR GetHeader(PCSTR pszHeaderName, USHORT* pcchHeaderValue) const override;
  PCSTR GetHttpMethod() const override;
  PSOCKADDR GetLocalAddress() const override;
  PSOCKADDR GetRemoteAddress() const override;
  HRESULT ReadEntityBody(VOID* pvBuffer, DWORD cbBuffer, BOOL fAsync, DWORD* pcbBytesReceived,
                         BOOL* pfCompletionPending) override;
  DWORD GetRemainingEntityBytes() override;
  VOID GetHttpVersion(USHORT* pMajorVersion, USHORT* pMinorVersion) const override;
  HRESULT ReadEntityBody(VOID* pvBuffer, DWORD cbBuffer, BOOL fAsync, PFN_ASYNC_COMPLETION pfnCompletionCallback,
                         VOID* pvCompletionContext, DWORD* pcbBytesReceived, BOOL* pfCompletionPending) override;
};

class HostHttpResponse final : public RequestFace<CsStubIHttpResponse2, HostHttpResponse> {
 public:
  using RequestFace::RequestFace;
  HTTP_RESPONSE* GetRawHttpResponse() override;
  const HTTP_RESPONSE* GetRawHttpResponse() const override;
  HRESULT SetStatus(USHORT statusCode, PCSTR pszReason, USHORT uSubStatus, HRESULT hrErrorToReport,
                    IAppHostConfigException* pException, BOOL fTrySkipCustomErrors) override;
  HRESULT SetHeader(HTTP_HEADER_ID ulHeaderIndex, PCSTR pszHeaderValue, USHORT cchHeaderValue, BOOL fReplace) override;
  HRESULT SetHeader(PCSTR pszHeaderName, PCSTR pszHeaderValue, USHORT cchHeaderValue, BOOL fReplace) override;
  HRESULT DeleteHeader(HTTP_HEADER_ID ulHeaderIndex) override;
  HRESULT DeleteHeader(PCSTR pszHeaderName) override;
  PCSTR GetHeader(HTTP_HEADER_ID ulHeaderIndex, USHORT* pcchHeaderValue) const override;
  PCSTR GetHeader(PCSTR pszHeaderName, USHORT* pcchHeaderValue) const override;
  VOID Clear() override;
  VOID ClearHeaders() override;
  VOID SetNeedDisconnect() override;
  VOID ResetConnection() override;
  VOID DisableKernelCache(ULONG reason) override;
  BOOL GetKernelCacheEnabled() const override;
  HRESULT Flush(BOOL fAsync, BOOL fMoreData, DWORD* pcbSent, BOOL* pfCompletionExpected) override;
  HRESULT WriteEntityChunks(HTTP_DATA_CHUNK* pDataChunks, DWORD nChunks, BOOL fAsync, BOOL fMoreData, DWORD* pcbSent,
                            BOOL* pfCompletionExpected) override;
  VOID DisableBuffering() override;
  VOID GetStatus(USHORT* pStatusCode, USHORT* pSubStatus, PCSTR* ppszReason, USHORT* pcchReason,
                 HRESULT* phrErrorToReport, PCWSTR* ppszModule, DWORD* pdwNotification,
                 IAppHostConfigException** ppException, BOOL* pfTrySkipCustomErrors) override;
  VOID CloseConnection() override;
  HRESULT WriteEntityChunks(HTTP_DATA_CHUNK* pDataChunks, DWORD nChunks, BOOL fAsync, BOOL fMoreData,
                            PFN_ASYNC_COMPLETION pfnCompletionCallback, VOID* pvCompletionContext, DWORD* pcbSent,
                            BOOL* pfCompletionExpected) override;
  HRESULT Flush(BOOL fAsync, BOOL fMoreData, PFN_ASYNC_COMPLETION pfnCompletionCallback, VOID* pvCompletionContext,
                DWORD* pcbSent, BOOL* pfCompletionExpected) override;
};

class HostConnection final : public RequestFace<CsStubIHttpConnection, HostConnection> {
 public:
  using RequestFace::RequestFace;
  BOOL IsConnected() const override;
  VOID* AllocateMemory(DWORD cbAllocation) override;
};

class HostEventProvider final : public RequestFace<CsStubIHttpEventProvider, HostEventProvider> {
 public:
  using RequestFace::RequestFace;
  VOID SetErrorStatus(HRESULT hrError) override;
};

class HostSendResponseProvider final : public RequestFace<CsStubISendResponseProvider, HostSendResponseProvider> {
 public:
  using RequestFace::RequestFace;
  VOID SetErrorStatus(HRESULT hrError) override;
  BOOL GetHeadersBeingSent() const override { return TRUE; }
  DWORD GetFlags() const override;
  VOID SetFlags(DWORD dwFlags) override;
};

class HostAllocator final : public RequestFace<CsStubIModuleAllocator, HostAllocator> {
 public:
  using RequestFace::RequestFace;
  VOID* AllocateMemory(DWORD cbAllocation) override;
};

// Completion data handed to a callback or OnAsyncCompletion; lives as long as its operation.
class HostCompletionInfo final : public CsStubIHttpCompletionInfo2<HostCompletionInfo> {
 public:
  explicit HostCompletionInfo(Request& r) : r_(r) {}
  void not_implemented(const char* method) const { report_not_implemented(r_, method); }
  void set(DWORD bytes, HRESULT status, DWORD operation) {
    bytes_ = bytes;
    status_ = status;
    operation_ = operation;
  }
  DWORD GetCompletionBytes() const override { return bytes_; }
  HRESULT GetCompletionStatus() const override { return status_; }
  DWORD GetCompletedOperation() const override { return operation_; }

 private:
  Request& r_;
  DWORD bytes_ = 0;
  HRESULT status_ = S_OK;
  DWORD operation_ = 0;
};

// GetCompletedOperation values. IIS does not document them; 1 is what existing modules read as "read". Ours:
constexpr DWORD kCompletedPost = 0, kCompletedRead = 1, kCompletedWrite = 2, kCompletedFlush = 3;

}  // namespace cs::host
