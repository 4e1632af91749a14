#pragma once
// The part of the SDK's ahadmin.h (IIS's configuration API, the IAppHost* COM interfaces) the module reads a
// configuration section with: IAppHostAdminManager -> IAppHostElement -> IAppHostPropertyCollection ->
// IAppHostProperty. Hand-written, not generated: each interface has all its slots in the SDK's order (MIDL
// declares them in IDL order, single inheritance from IUnknown), checked by tests/compat_slots_test.cpp.
// mingw-w64 has no ahadmin.h but has COM's basics (IUnknown, BSTR, VARIANT); Linux gets our own below.

#include "win32_types.h"

#ifdef _WIN32

#include <oleauto.h>
#include <unknwn.h>

#else  // not _WIN32: what COM and OLE Automation give on Windows, for our host and the module on Linux

#include <cstdlib>

#define STDMETHODCALLTYPE

typedef int64_t LONGLONG;
typedef WCHAR* BSTR;
typedef uint16_t VARTYPE;
typedef int16_t VARIANT_BOOL;
typedef GUID IID;
typedef const IID& REFIID;

constexpr VARIANT_BOOL VARIANT_TRUE = -1;
constexpr VARIANT_BOOL VARIANT_FALSE = 0;

enum VARENUM : VARTYPE {
  VT_EMPTY = 0,
  VT_I2 = 2,
  VT_I4 = 3,
  VT_BSTR = 8,
  VT_BOOL = 11,
  VT_I1 = 16,
  VT_UI1 = 17,
  VT_UI2 = 18,
  VT_UI4 = 19,
  VT_I8 = 20,
  VT_UI8 = 21,
  VT_INT = 22,
  VT_UINT = 23,
};

// Windows' layout: the type and three reserved words, then a 16-byte union.
struct VARIANT {
  VARTYPE vt;
  WORD wReserved1, wReserved2, wReserved3;
  union {
    LONGLONG llVal;
    ULONGLONG ullVal;
    LONG lVal;
    ULONG ulVal;
    int32_t intVal;
    uint32_t uintVal;
    int16_t iVal;
    USHORT uiVal;
    char cVal;
    BYTE bVal;
    VARIANT_BOOL boolVal;
    BSTR bstrVal;
    struct {
      void* pvRecord;
      void* pRecInfo;
    } record;
  };
};

struct IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;
};

// BSTR: the characters follow a 32-bit byte count and end with a NUL; the pointer is to the characters.
inline BSTR SysAllocStringLen(const WCHAR* chars, uint32_t length) {
  auto* block = static_cast<uint32_t*>(std::malloc(sizeof(uint32_t) + (length + 1) * sizeof(WCHAR)));
  if (!block) return nullptr;
  block[0] = length * sizeof(WCHAR);
  BSTR text = reinterpret_cast<BSTR>(block + 1);
  if (chars) std::memcpy(text, chars, length * sizeof(WCHAR));
  text[length] = 0;
  return text;
}
inline BSTR SysAllocString(const WCHAR* chars) {
  uint32_t length = 0;
  while (chars && chars[length]) ++length;
  return SysAllocStringLen(chars, length);
}
inline uint32_t SysStringLen(BSTR text) { return text ? reinterpret_cast<uint32_t*>(text)[-1] / sizeof(WCHAR) : 0; }
inline void SysFreeString(BSTR text) {
  if (text) std::free(reinterpret_cast<uint32_t*>(text) - 1);
}
inline void VariantInit(VARIANT* v) {
  std::memset(v, 0, sizeof *v);
  v->vt = VT_EMPTY;
}
inline HRESULT VariantClear(VARIANT* v) {
  if (v->vt == VT_BSTR) SysFreeString(v->bstrVal);
  VariantInit(v);
  return 0;
}

#endif  // _WIN32

struct IAppHostAdminManager;
struct IAppHostChildElementCollection;
struct IAppHostConfigManager;
struct IAppHostElement;
struct IAppHostElementCollection;
struct IAppHostElementSchema;
struct IAppHostMethodCollection;
struct IAppHostProperty;
struct IAppHostPropertyCollection;
struct IAppHostPropertyException;
struct IAppHostPropertySchema;

struct IAppHostAdminManager : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetAdminSection(BSTR bstrSectionName, BSTR bstrPath,
                                                    IAppHostElement** ppAdminSection) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMetadata(BSTR bstrMetadataName, VARIANT* pValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMetadata(BSTR bstrMetadataName, VARIANT value) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_ConfigManager(IAppHostConfigManager** ppConfigManager) = 0;
};

struct IAppHostElement : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE get_Name(BSTR* pbstrName) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Collection(IAppHostElementCollection** ppCollection) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Properties(IAppHostPropertyCollection** ppProperties) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_ChildElements(IAppHostChildElementCollection** ppElements) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMetadata(BSTR bstrMetadataType, VARIANT* pValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMetadata(BSTR bstrMetadataType, VARIANT value) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Schema(IAppHostElementSchema** ppSchema) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetElementByName(BSTR bstrSubName, IAppHostElement** ppElement) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetPropertyByName(BSTR bstrSubName, IAppHostProperty** ppProperty) = 0;
  virtual HRESULT STDMETHODCALLTYPE Clear() = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Methods(IAppHostMethodCollection** ppMethods) = 0;
};

struct IAppHostPropertyCollection : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE get_Count(DWORD* pcCount) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Item(VARIANT cIndex, IAppHostProperty** ppProperty) = 0;
};

struct IAppHostProperty : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE get_Name(BSTR* pbstrName) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Value(VARIANT* pVariant) = 0;
  virtual HRESULT STDMETHODCALLTYPE put_Value(VARIANT value) = 0;
  virtual HRESULT STDMETHODCALLTYPE Clear() = 0;
  virtual HRESULT STDMETHODCALLTYPE get_StringValue(BSTR* pbstrValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Exception(IAppHostPropertyException** ppException) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMetadata(BSTR bstrMetadataType, VARIANT* pValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMetadata(BSTR bstrMetadataType, VARIANT value) = 0;
  virtual HRESULT STDMETHODCALLTYPE get_Schema(IAppHostPropertySchema** ppSchema) = 0;
};

// The IIDs (MS-IISA), for QueryInterface on these objects.
constexpr GUID kIidAppHostAdminManager = {0x9be77978, 0x73ed, 0x4a9a, {0x87, 0xfd, 0x13, 0xf0, 0x9f, 0xec, 0x1b, 0x13}};
constexpr GUID kIidAppHostElement = {0x64ff8ccc, 0xb287, 0x4dae, {0xb0, 0x8a, 0xa7, 0x2c, 0xbf, 0x45, 0xf4, 0x53}};
constexpr GUID kIidAppHostPropertyCollection = {
    0x0191775e, 0xbcff, 0x445a, {0xb4, 0xf4, 0x3b, 0xdd, 0xa5, 0x4e, 0x28, 0x16}};
constexpr GUID kIidAppHostProperty = {0xed35f7a1, 0x5024, 0x4e7b, {0xa4, 0x4d, 0x07, 0xdd, 0xaf, 0x4b, 0x52, 0x4d}};
