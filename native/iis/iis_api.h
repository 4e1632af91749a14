#pragma once
// The IIS native API as this module sees it: the SDK's httpserv.h under MSVC, native/compat otherwise.
#include "httpserv_select.h"

#ifndef HTTP_SEND_RESPONSE_FLAG_OPAQUE
#define HTTP_SEND_RESPONSE_FLAG_OPAQUE 0x00000040
#endif

#ifndef CS_WIDE  // the SDK's header has no such macro
#define CS_WIDE(s) L##s
#endif

#ifdef _WIN32
#define CS_EXPORT extern "C"
#else
#define CS_EXPORT extern "C" __attribute__((visibility("default")))
#endif
