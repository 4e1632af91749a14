#pragma once
// Constants, enums and callback types of the IIS native API (values as in the SDK's httpserv.h).

#include <cstdio>

// Request notifications (deterministic)
#define RQ_BEGIN_REQUEST 0x00000001
#define RQ_AUTHENTICATE_REQUEST 0x00000002
#define RQ_AUTHORIZE_REQUEST 0x00000004
#define RQ_RESOLVE_REQUEST_CACHE 0x00000008
#define RQ_MAP_REQUEST_HANDLER 0x00000010
#define RQ_ACQUIRE_REQUEST_STATE 0x00000020
#define RQ_PRE_EXECUTE_REQUEST_HANDLER 0x00000040
#define RQ_EXECUTE_REQUEST_HANDLER 0x00000080
#define RQ_RELEASE_REQUEST_STATE 0x00000100
#define RQ_UPDATE_REQUEST_CACHE 0x00000200
#define RQ_LOG_REQUEST 0x00000400
#define RQ_END_REQUEST 0x00000800
// Request notifications (non-deterministic)
#define RQ_SEND_RESPONSE_STATUS_AND_HEADERS 0x08000000
#define RQ_CUSTOM_NOTIFICATION 0x10000000
#define RQ_SEND_RESPONSE 0x20000000
#define RQ_READ_ENTITY 0x40000000
#define RQ_MAP_PATH 0x80000000

// Global notifications
#define GL_STOP_LISTENING 0x00000002
#define GL_CACHE_CLEANUP 0x00000004
#define GL_CACHE_OPERATION 0x00000010
#define GL_HEALTH_CHECK 0x00000020
#define GL_CONFIGURATION_CHANGE 0x00000040
#define GL_FILE_CHANGE 0x00000080
#define GL_PRE_BEGIN_REQUEST 0x00000100
#define GL_APPLICATION_START 0x00000200
#define GL_APPLICATION_RESOLVE_MODULES 0x00000400
#define GL_APPLICATION_STOP 0x00000800
#define GL_RSCA_QUERY 0x00001000
#define GL_TRACE_EVENT 0x00002000
#define GL_CUSTOM_NOTIFICATION 0x00004000
#define GL_THREAD_CLEANUP 0x00008000
#define GL_APPLICATION_PRELOAD 0x00010000
#define GL_SUSPEND_PROCESS 0x00020000

enum REQUEST_NOTIFICATION_STATUS { RQ_NOTIFICATION_CONTINUE, RQ_NOTIFICATION_PENDING, RQ_NOTIFICATION_FINISH_REQUEST };

enum GLOBAL_NOTIFICATION_STATUS { GL_NOTIFICATION_CONTINUE, GL_NOTIFICATION_HANDLED };

// Wide string literal in the platform's WCHAR (wchar_t on Windows, char16_t elsewhere).
#ifdef _WIN32
#define CS_WIDE(s) L##s
#else
#define CS_WIDE(s) u##s
#endif

#define PRIORITY_ALIAS_FIRST CS_WIDE("FIRST")
#define PRIORITY_ALIAS_HIGH CS_WIDE("HIGH")
#define PRIORITY_ALIAS_MEDIUM CS_WIDE("MEDIUM")
#define PRIORITY_ALIAS_LOW CS_WIDE("LOW")
#define PRIORITY_ALIAS_LAST CS_WIDE("LAST")

enum CACHE_OPERATION {
  CACHE_OPERATION_RETRIEVE,
  CACHE_OPERATION_ADD,
  CACHE_OPERATION_DELETE,
  CACHE_OPERATION_FLUSH_PREFIX,
  CACHE_OPERATION_ENUM
};

typedef VOID* HTTP_MODULE_ID;

// IHttpContext::CloneContext flags
#define CLONE_FLAG_BASICS 0x01
#define CLONE_FLAG_HEADERS 0x02
#define CLONE_FLAG_ENTITY 0x04
#define CLONE_FLAG_NO_PRECONDITION 0x08
#define CLONE_FLAG_NO_DAV 0x10
#define CLONE_FLAG_USER_CACHE_VARY_BY 0x20
#define CLONE_FLAG_SERVER_VARIABLE 0x40

// IHttpContext::ExecuteRequest flags
#define EXECUTE_FLAG_NO_HEADERS 0x01
#define EXECUTE_FLAG_IGNORE_CURRENT_INTERCEPTOR 0x02
#define EXECUTE_FLAG_IGNORE_APPPOOL 0x04
#define EXECUTE_FLAG_DISABLE_CUSTOM_ERROR 0x08
#define EXECUTE_FLAG_SAME_URL 0x10
#define EXECUTE_FLAG_BUFFER_RESPONSE 0x20
#define EXECUTE_FLAG_HTTP_CACHE_ELIGIBLE 0x40

// IHttpContext::GetExtendedInterface is deprecated; the SDK's enum has no values.
enum HTTP_CONTEXT_INTERFACE_VERSION {};

enum HTTP_SERVER_INTERFACE_VERSION { HTTP_SERVER_INTERFACE_V2, HTTP_SERVER_INTERFACE_V3 };

// Types from other SDK headers (ahadmin.h, httptrace.h, ...) that appear only as pointers.
struct IAppHostAdminManager;
struct IAppHostConfigException;
struct HTTP_TRACE_CONFIGURATION;
struct HTTP_TRACE_EVENT;
class IWorkerProcessFramework;
class IWpfSettings;

class IHttpContext3;
class IHttpCompletionInfo2;
class IHttpModuleRegistrationInfo;
class IHttpServer;
class IHttpApplicationProvider;
typedef IHttpApplicationProvider IHttpApplicationStartProvider;
typedef IHttpApplicationProvider IHttpApplicationStopProvider;

typedef REQUEST_NOTIFICATION_STATUS(WINAPI* PFN_ASYNC_COMPLETION)(IHttpContext3* pHttpContext,
                                                                  IHttpCompletionInfo2* pCompletionInfo,
                                                                  VOID* pvCompletionContext);

typedef HRESULT(WINAPI* PFN_REGISTERMODULE)(DWORD dwServerVersion, IHttpModuleRegistrationInfo* pModuleInfo,
                                            IHttpServer* pGlobalInfo);

#define MODULE_REGISTERMODULE "RegisterModule"

// The SDK's default handler bodies call DebugBreak(), which kills a worker without a debugger.
// Ours log and let the request continue.
inline void cs_compat_not_overridden(const char* method) {
  std::fprintf(stderr, "[compat] %s: subscribed but not overridden by the module\n", method);
}
