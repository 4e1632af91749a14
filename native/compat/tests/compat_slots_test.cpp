// Checks that g++ lays out our interfaces in MSVC's slot order (the order IIS calls them in).
// Itanium ABI: a pointer to a virtual member function holds 1 + the byte offset in the vtable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "expected_slots.h"
#include "httpserv_select.h"

namespace {

template <class MemberPointer>
long vtable_slot(MemberPointer p) {
  static_assert(sizeof(MemberPointer) == 2 * sizeof(std::ptrdiff_t), "Itanium member pointer");
  std::ptrdiff_t raw[2];
  std::memcpy(raw, &p, sizeof raw);
  if ((raw[0] & 1) == 0) return -1;  // not virtual
  return static_cast<long>((raw[0] - 1) / static_cast<std::ptrdiff_t>(sizeof(void*)));
}

long expected_slot(const char* cls, const char* name, const char* params, bool is_const) {
  for (const ExpectedSlot& e : kExpectedSlots) {
    if (std::strcmp(e.cls, cls) == 0 && std::strcmp(e.name, name) == 0 && std::strcmp(e.params, params) == 0 &&
        e.is_const == is_const)
      return e.slot;
  }
  return -2;  // not in the table
}

}  // namespace

#define SLOT_OF(Class, Ret, Name, Params, Const) vtable_slot(static_cast<Ret(Class::*) Params Const>(&Class::Name))
#define SLOT_NAME(Class, Name) #Class "::" #Name
#define CHECK_SLOT(Class, Ret, Name, Params, Sig) \
  CHECK_MESSAGE(SLOT_OF(Class, Ret, Name, Params, ) == expected_slot(#Class, #Name, Sig, false), SLOT_NAME(Class, Name))
#define CHECK_CONST_SLOT(Class, Ret, Name, Params, Sig)                                              \
  CHECK_MESSAGE(SLOT_OF(Class, Ret, Name, Params, const) == expected_slot(#Class, #Name, Sig, true), \
                SLOT_NAME(Class, Name))

TEST_CASE("the methods the module and host call sit in their MSVC slots") {
  CHECK_SLOT(IHttpModuleRegistrationInfo, HRESULT, SetRequestNotifications, (IHttpModuleFactory*, DWORD, DWORD),
             "IHttpModuleFactory *, DWORD, DWORD");
  CHECK_CONST_SLOT(IHttpModuleRegistrationInfo, HTTP_MODULE_ID, GetId, (), "");
  CHECK_CONST_SLOT(IHttpModuleRegistrationInfo, PCWSTR, GetName, (), "");
  CHECK_SLOT(IHttpModuleFactory, HRESULT, GetHttpModule, (CHttpModule**, IModuleAllocator*),
             "CHttpModule **, IModuleAllocator *");
  CHECK_SLOT(IHttpModuleFactory, VOID, Terminate, (), "");
  CHECK_SLOT(IModuleAllocator, VOID*, AllocateMemory, (DWORD), "DWORD");

  CHECK_SLOT(CHttpModule, REQUEST_NOTIFICATION_STATUS, OnExecuteRequestHandler, (IHttpContext*, IHttpEventProvider*),
             "IHttpContext *, IHttpEventProvider *");
  CHECK_SLOT(CHttpModule, REQUEST_NOTIFICATION_STATUS, OnSendResponse, (IHttpContext*, ISendResponseProvider*),
             "IHttpContext *, ISendResponseProvider *");
  CHECK_SLOT(CHttpModule, REQUEST_NOTIFICATION_STATUS, OnAsyncCompletion,
             (IHttpContext*, DWORD, BOOL, IHttpEventProvider*, IHttpCompletionInfo*),
             "IHttpContext *, DWORD, BOOL, IHttpEventProvider *, IHttpCompletionInfo *");
  CHECK_SLOT(CHttpModule, VOID, Dispose, (), "");
  CHECK(SLOT_OF(CHttpModule, REQUEST_NOTIFICATION_STATUS, OnExecuteRequestHandler,
                (IHttpContext*, IHttpEventProvider*), ) == 14);
  CHECK(SLOT_OF(CHttpModule, REQUEST_NOTIFICATION_STATUS, OnSendResponse, (IHttpContext*, ISendResponseProvider*), ) ==
        24);
  CHECK(SLOT_OF(CHttpModule, VOID, Dispose, (), ) == 29);

  CHECK_SLOT(IHttpServer, HRESULT, GetExtendedInterface, (HTTP_SERVER_INTERFACE_VERSION, PVOID*),
             "HTTP_SERVER_INTERFACE_VERSION, PVOID *");
  CHECK_SLOT(IHttpServer2, HRESULT, GetExtendedInterface, (const GUID&, PVOID, const GUID&, PVOID*),
             "const GUID &, PVOID, const GUID &, PVOID *");

  CHECK_SLOT(IHttpContext, IHttpRequest*, GetRequest, (), "");
  CHECK_SLOT(IHttpContext, IHttpResponse*, GetResponse, (), "");
  CHECK_SLOT(IHttpContext, IHttpConnection*, GetConnection, (), "");
  CHECK_SLOT(IHttpContext, VOID, IndicateCompletion, (REQUEST_NOTIFICATION_STATUS), "REQUEST_NOTIFICATION_STATUS");
  CHECK_SLOT(IHttpContext, HRESULT, PostCompletion, (DWORD), "DWORD");
  CHECK_SLOT(IHttpContext, HRESULT, GetServerVariable, (PCSTR, PCSTR*, DWORD*), "PCSTR, PCSTR *, DWORD *");
  CHECK_SLOT(IHttpContext, HRESULT, GetServerVariable, (PCSTR, PCWSTR*, DWORD*), "PCSTR, PCWSTR *, DWORD *");
  CHECK_SLOT(IHttpContext, PCWSTR, GetScriptTranslated, (DWORD*), "DWORD *");
  CHECK_SLOT(IHttpContext, VOID, SetRequestHandled, (), "");
  CHECK_SLOT(IHttpContext3, VOID, EnableFullDuplex, (), "");
  CHECK_SLOT(IHttpContext3, HRESULT, PostCompletion, (DWORD, LPOVERLAPPED_COMPLETION_ROUTINE, VOID*),
             "DWORD, LPOVERLAPPED_COMPLETION_ROUTINE, VOID *");

  CHECK_CONST_SLOT(IHttpRequest, PCSTR, GetHeader, (PCSTR, USHORT*), "PCSTR, USHORT *");
  CHECK_CONST_SLOT(IHttpRequest, PCSTR, GetHeader, (HTTP_HEADER_ID, USHORT*), "HTTP_HEADER_ID, USHORT *");
  CHECK_CONST_SLOT(IHttpRequest, PCSTR, GetHttpMethod, (), "");
  CHECK_CONST_SLOT(IHttpRequest, VOID, GetHttpVersion, (USHORT*, USHORT*), "USHORT *, USHORT *");
  CHECK_CONST_SLOT(IHttpRequest, PSOCKADDR, GetRemoteAddress, (), "");
  CHECK_SLOT(IHttpRequest3, HRESULT, ReadEntityBody, (VOID*, DWORD, BOOL, PFN_ASYNC_COMPLETION, VOID*, DWORD*, BOOL*),
             "VOID *, DWORD, BOOL, PFN_ASYNC_COMPLETION, VOID *, DWORD *, BOOL *");

  CHECK_SLOT(IHttpResponse, VOID, Clear, (), "");
  CHECK_SLOT(IHttpResponse, HRESULT, SetStatus, (USHORT, PCSTR, USHORT, HRESULT, IAppHostConfigException*, BOOL),
             "USHORT, PCSTR, USHORT, HRESULT, IAppHostConfigException *, BOOL");
  CHECK_SLOT(IHttpResponse, HRESULT, SetHeader, (PCSTR, PCSTR, USHORT, BOOL), "PCSTR, PCSTR, USHORT, BOOL");
  CHECK_SLOT(IHttpResponse, HRESULT, SetHeader, (HTTP_HEADER_ID, PCSTR, USHORT, BOOL),
             "HTTP_HEADER_ID, PCSTR, USHORT, BOOL");
  CHECK_SLOT(IHttpResponse, VOID, DisableKernelCache, (ULONG), "ULONG");
  CHECK_SLOT(IHttpResponse, VOID, DisableBuffering, (), "");
  CHECK_SLOT(IHttpResponse, HRESULT, WriteEntityChunks, (HTTP_DATA_CHUNK*, DWORD, BOOL, BOOL, DWORD*, BOOL*),
             "HTTP_DATA_CHUNK *, DWORD, BOOL, BOOL, DWORD *, BOOL *");
  CHECK_SLOT(IHttpResponse, HRESULT, Flush, (BOOL, BOOL, DWORD*, BOOL*), "BOOL, BOOL, DWORD *, BOOL *");
  CHECK_SLOT(IHttpResponse, VOID, SetNeedDisconnect, (), "");
  CHECK_SLOT(IHttpResponse, VOID, CloseConnection, (), "");
  CHECK_SLOT(IHttpResponse2, HRESULT, WriteEntityChunks,
             (HTTP_DATA_CHUNK*, DWORD, BOOL, BOOL, PFN_ASYNC_COMPLETION, VOID*, DWORD*, BOOL*),
             "HTTP_DATA_CHUNK *, DWORD, BOOL, BOOL, PFN_ASYNC_COMPLETION, VOID *, DWORD *, BOOL *");
  CHECK_SLOT(IHttpResponse2, HRESULT, Flush, (BOOL, BOOL, PFN_ASYNC_COMPLETION, VOID*, DWORD*, BOOL*),
             "BOOL, BOOL, PFN_ASYNC_COMPLETION, VOID *, DWORD *, BOOL *");

  CHECK_CONST_SLOT(IHttpCompletionInfo2, DWORD, GetCompletionBytes, (), "");
  CHECK_CONST_SLOT(IHttpCompletionInfo2, HRESULT, GetCompletionStatus, (), "");
  CHECK_CONST_SLOT(IHttpCompletionInfo2, DWORD, GetCompletedOperation, (), "");
  CHECK_CONST_SLOT(ISendResponseProvider, DWORD, GetFlags, (), "");
  CHECK_SLOT(ISendResponseProvider, VOID, SetFlags, (DWORD), "DWORD");
  CHECK_CONST_SLOT(IHttpConnection, BOOL, IsConnected, (), "");
}

// ahadmin.h is not in the table: the SDK's IDL order, IUnknown's three slots first.
TEST_CASE("the IAppHost methods the module and host call sit in ahadmin.h's slots") {
  CHECK(SLOT_OF(IAppHostAdminManager, HRESULT, GetAdminSection, (BSTR, BSTR, IAppHostElement**), ) == 3);
  CHECK(SLOT_OF(IAppHostAdminManager, HRESULT, get_ConfigManager, (IAppHostConfigManager**), ) == 6);
  CHECK(SLOT_OF(IAppHostElement, HRESULT, get_Properties, (IAppHostPropertyCollection**), ) == 5);
  CHECK(SLOT_OF(IAppHostElement, HRESULT, GetPropertyByName, (BSTR, IAppHostProperty**), ) == 11);
  CHECK(SLOT_OF(IAppHostElement, HRESULT, get_Methods, (IAppHostMethodCollection**), ) == 13);
  CHECK(SLOT_OF(IAppHostPropertyCollection, HRESULT, get_Count, (DWORD*), ) == 3);
  CHECK(SLOT_OF(IAppHostPropertyCollection, HRESULT, get_Item, (VARIANT, IAppHostProperty**), ) == 4);
  CHECK(SLOT_OF(IAppHostProperty, HRESULT, get_Name, (BSTR*), ) == 3);
  CHECK(SLOT_OF(IAppHostProperty, HRESULT, get_Value, (VARIANT*), ) == 4);
  CHECK(SLOT_OF(IAppHostProperty, HRESULT, get_Schema, (IAppHostPropertySchema**), ) == 11);
}

TEST_CASE("every method each interface declares sits in the slot the table gives it") {
  int checked = 0;
#define CS_OWN_SLOT(Class, slot, name, pointer)                  \
  CHECK_MESSAGE(vtable_slot(pointer) == slot, #Class "::" name); \
  ++checked;
#include "own_slots.inc"
#undef CS_OWN_SLOT
  CHECK(checked == 351);  // the own (non-inherited) methods of all 67 classes, destructor excepted
}

TEST_CASE("extended interfaces are found by IID, not by cast") {
  const GUID& a = cs_iid<IHttpContext3>();
  CHECK(a.Data1 == 0xbf53c022u);
  CHECK(a.Data4[7] == 0xfb);
  CHECK(!(cs_iid<IHttpResponse2>() == cs_iid<IHttpRequest3>()));
  CHECK(HRESULT_FROM_WIN32(ERROR_HANDLE_EOF) == static_cast<HRESULT>(0x80070026));
  CHECK(sizeof(DWORD) == 4);
  CHECK(sizeof(ULONG) == 4);
  CHECK(offsetof(HTTP_DATA_CHUNK, FromMemory) == 8);
  CHECK(sizeof(HTTP_DATA_CHUNK) == 32);  // as http.h on x64: type, padding, 24-byte union
}
