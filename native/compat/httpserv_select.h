#pragma once
// One include for the IIS API everywhere: the SDK's httpserv.h under MSVC, our compat header otherwise.
// Both provide cs_iid<T>() and cs_get_extended_interface(server, in, &out).

#ifdef _MSC_VER

#include <windows.h>
#include <httpserv.h>

template <class T>
inline const GUID& cs_iid() {
  return __uuidof(T);
}

template <class T1, class T2>
HRESULT cs_get_extended_interface(IHttpServer* server, T1* input, T2** output) {
  return HttpGetExtendedInterface(server, input, output);
}

#else

#include "httpserv_compat.h"

#endif
