#pragma once
// Our declaration of the IIS native module API (the SDK's httpserv.h) for compilers other than MSVC:
// g++ on Linux and mingw-w64. Every interface has all its slots in MSVC's vtable order.
// Include httpserv_select.h instead of this file to get the SDK's own header under MSVC.

#include "win32_types.h"
#include "httpserv_defs.h"
#include "httpserv_interfaces.h"
#include "httpserv_iids.h"
#include "ahadmin_compat.h"

// HttpGetExtendedInterface: IHttpServer -> IHttpServer2 (V2), then the GUID-keyed query.
template <class T1, class T2>
HRESULT cs_get_extended_interface(IHttpServer* server, T1* input, T2** output) {
  IHttpServer2* server2 = nullptr;
  HRESULT hr = server->GetExtendedInterface(HTTP_SERVER_INTERFACE_V2, reinterpret_cast<PVOID*>(&server2));
  if (FAILED(hr)) return hr;
  if (server2 == nullptr) return E_NOINTERFACE;
  return server2->GetExtendedInterface(cs_iid<T1>(), input, cs_iid<T2>(), reinterpret_cast<PVOID*>(output));
}
