#include "site_defaults.h"

#include <atomic>

#ifdef _WIN32
#include <oleauto.h>  // SysAllocString, VariantClear: WIN32_LEAN_AND_MEAN keeps them out of windows.h
#endif

#include "log.h"

namespace cs {
namespace {

constexpr const char* kSection = "system.webServer/chatsocket";

std::string narrow(const WCHAR* text, size_t length) {
  std::u16string wide(reinterpret_cast<const char16_t*>(text), length);
  return utf16_to_utf8(wide.c_str());
}

// Releases a COM object at the end of a scope.
template <class T>
struct Held {
  T* p = nullptr;
  Held() = default;
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() {
    if (p) p->Release();
  }
};

struct HeldString {
  BSTR s = nullptr;
  explicit HeldString(const WCHAR* text = nullptr) : s(text ? SysAllocString(text) : nullptr) {}
  HeldString(const HeldString&) = delete;
  HeldString& operator=(const HeldString&) = delete;
  ~HeldString() { SysFreeString(s); }
};

struct HeldVariant {
  VARIANT v;
  HeldVariant() { VariantInit(&v); }
  HeldVariant(const HeldVariant&) = delete;
  HeldVariant& operator=(const HeldVariant&) = delete;
  ~HeldVariant() { VariantClear(&v); }
};

// The value as the text an endpoint file would give it; false for a type the section's schema never has.
bool value_text(const VARIANT& v, std::string& out) {
  switch (v.vt) {
    case VT_BSTR: out = v.bstrVal ? narrow(v.bstrVal, SysStringLen(v.bstrVal)) : std::string(); return true;
    case VT_BOOL: out = v.boolVal ? "true" : "false"; return true;
    case VT_UI4:
    case VT_UINT: out = std::to_string(v.ulVal); return true;
    case VT_I4:
    case VT_INT: out = std::to_string(v.lVal); return true;
    case VT_UI8: out = std::to_string(v.ullVal); return true;
    case VT_I8: out = std::to_string(v.llVal); return true;
    case VT_UI2: out = std::to_string(v.uiVal); return true;
    case VT_I2: out = std::to_string(v.iVal); return true;
    case VT_EMPTY: out.clear(); return true;
    default: return false;
  }
}

void warn_once(const char* what, HRESULT hr) {
  static std::atomic<bool> warned{false};
  if (warned.exchange(true)) return;
  log(LogLevel::kWarning,
      "%s (0x%08x): endpoint files get no site defaults. Is the section's schema installed "
      "(windows/install.ps1 copies chatsocket_schema.xml)?",
      what, static_cast<unsigned>(hr));
}

}  // namespace

SiteDefaults read_site_defaults(IHttpServer* server, IHttpContext* context) {
  SiteDefaults site;
  IMetadataInfo* metadata = context->GetMetadata();
  PCWSTR config_path = metadata ? metadata->GetMetaPath() : nullptr;
  IAppHostAdminManager* admin = server->GetAdminManager();
  if (!config_path || !admin) {
    warn_once("IIS gives no configuration path or admin manager", E_NOTIMPL);
    return site;
  }
  std::u16string path16(reinterpret_cast<const char16_t*>(config_path));
  site.config_path = utf16_to_utf8(path16.c_str());

  HeldString section(CS_WIDE("system.webServer/chatsocket"));
  HeldString path(config_path);
  Held<IAppHostElement> element;
  HRESULT hr = admin->GetAdminSection(section.s, path.s, &element.p);
  if (FAILED(hr) || !element.p) {
    warn_once("IIS cannot read the <system.webServer><chatsocket> section", hr);
    return site;
  }
  Held<IAppHostPropertyCollection> properties;
  DWORD count = 0;
  if (FAILED(hr = element.p->get_Properties(&properties.p)) || !properties.p ||
      FAILED(hr = properties.p->get_Count(&count))) {
    log(LogLevel::kError, "reading the attributes of %s at %s failed (0x%08x)", kSection, site.config_path.c_str(),
        static_cast<unsigned>(hr));
    return site;
  }
  for (DWORD i = 0; i < count; ++i) {
    HeldVariant index;
    index.v.vt = VT_UI4;
    index.v.ulVal = i;
    Held<IAppHostProperty> property;
    HeldString name;
    HeldVariant value;
    std::string text;
    if (FAILED(properties.p->get_Item(index.v, &property.p)) || !property.p || FAILED(property.p->get_Name(&name.s)) ||
        !name.s || FAILED(property.p->get_Value(&value.v)) || !value_text(value.v, text)) {
      log(LogLevel::kError, "attribute %u of %s at %s cannot be read; it is left out", static_cast<unsigned>(i),
          kSection, site.config_path.c_str());
      continue;
    }
    for (char& c : text)
      if (c == '\n' || c == '\r') c = ' ';  // one line per attribute, whatever the XML held
    site.text += narrow(name.s, SysStringLen(name.s)) + " = " + text + "\n";
  }
  return site;
}

}  // namespace cs
