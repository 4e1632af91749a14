#include "admin_manager.h"

#include <string>

#include "utf16.h"

namespace cs::host {
namespace {

constexpr GUID kIidUnknown = {0x00000000, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
constexpr HRESULT kNotFound = static_cast<HRESULT>(0x80070490);      // HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
constexpr HRESULT kInvalidIndex = static_cast<HRESULT>(0x80070585);  // HRESULT_FROM_WIN32(ERROR_INVALID_INDEX)
constexpr HRESULT kInvalidData = static_cast<HRESULT>(0x8007000D);   // HRESULT_FROM_WIN32(ERROR_INVALID_DATA)

BSTR to_bstr(const std::string& utf8) {
  std::u16string wide = utf8_to_utf16(utf8);
  return SysAllocStringLen(wide.data(), static_cast<uint32_t>(wide.size()));
}

// The reference count and QueryInterface every object here shares.
template <class Interface>
class Counted : public Interface {
 public:
  explicit Counted(const GUID& iid) : iid_(iid) {}
  virtual ~Counted() = default;
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** object) override {
    if (!object) return E_POINTER;
    if (riid != iid_ && riid != kIidUnknown) {
      *object = nullptr;
      return E_NOINTERFACE;
    }
    AddRef();
    *object = static_cast<Interface*>(this);
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++count_; }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG left = --count_;
    if (left == 0) delete this;
    return left;
  }

 private:
  const GUID iid_;
  std::atomic<ULONG> count_{1};
};

class Property final : public Counted<IAppHostProperty> {
 public:
  explicit Property(SectionValue value) : Counted(kIidAppHostProperty), value_(std::move(value)) {}
  HRESULT STDMETHODCALLTYPE get_Name(BSTR* name) override {
    if (!name) return E_POINTER;
    *name = to_bstr(value_.name);
    return *name ? S_OK : E_OUTOFMEMORY;
  }
  // As IIS types them: uint VT_UI4, int VT_I4, bool VT_BOOL, string VT_BSTR.
  HRESULT STDMETHODCALLTYPE get_Value(VARIANT* out) override {
    if (!out) return E_POINTER;
    VariantInit(out);
    if (value_.type == "uint") {
      out->vt = VT_UI4;
      out->ulVal = static_cast<ULONG>(std::stoul(value_.value));
    } else if (value_.type == "int") {
      out->vt = VT_I4;
      out->lVal = static_cast<LONG>(std::stol(value_.value));
    } else if (value_.type == "bool") {
      out->vt = VT_BOOL;
      out->boolVal = value_.value == "true" ? VARIANT_TRUE : VARIANT_FALSE;
    } else {
      out->vt = VT_BSTR;
      out->bstrVal = to_bstr(value_.value);
      if (!out->bstrVal) return E_OUTOFMEMORY;
    }
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE get_StringValue(BSTR* text) override {
    if (!text) return E_POINTER;
    *text = to_bstr(value_.value);
    return *text ? S_OK : E_OUTOFMEMORY;
  }
  HRESULT STDMETHODCALLTYPE put_Value(VARIANT) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE Clear() override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE get_Exception(IAppHostPropertyException**) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE GetMetadata(BSTR, VARIANT*) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE SetMetadata(BSTR, VARIANT) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE get_Schema(IAppHostPropertySchema**) override { return E_NOTIMPL; }

 private:
  const SectionValue value_;
};

class Properties final : public Counted<IAppHostPropertyCollection> {
 public:
  explicit Properties(SectionValues values) : Counted(kIidAppHostPropertyCollection), values_(std::move(values)) {}
  HRESULT STDMETHODCALLTYPE get_Count(DWORD* count) override {
    if (!count) return E_POINTER;
    *count = static_cast<DWORD>(values_.size());
    return S_OK;
  }
  // By position (an integer VARIANT) or by name (VT_BSTR), as IIS's collection takes either.
  HRESULT STDMETHODCALLTYPE get_Item(VARIANT index, IAppHostProperty** property) override {
    if (!property) return E_POINTER;
    *property = nullptr;
    size_t at = values_.size();
    if (index.vt == VT_UI4 || index.vt == VT_UINT) at = index.ulVal;
    if (index.vt == VT_I4 || index.vt == VT_INT) at = index.lVal < 0 ? values_.size() : index.lVal;
    if (index.vt == VT_BSTR && index.bstrVal) {
      std::u16string name(index.bstrVal, SysStringLen(index.bstrVal));
      for (at = 0; at < values_.size() && utf8_to_utf16(values_[at].name) != name; ++at) {
      }
    }
    if (at >= values_.size()) return kInvalidIndex;
    *property = new Property(values_[at]);
    return S_OK;
  }

 private:
  const SectionValues values_;
};

class Section final : public Counted<IAppHostElement> {
 public:
  explicit Section(SectionValues values) : Counted(kIidAppHostElement), values_(std::move(values)) {}
  HRESULT STDMETHODCALLTYPE get_Name(BSTR* name) override {
    if (!name) return E_POINTER;
    *name = to_bstr(kChatsocketSection);
    return *name ? S_OK : E_OUTOFMEMORY;
  }
  HRESULT STDMETHODCALLTYPE get_Properties(IAppHostPropertyCollection** properties) override {
    if (!properties) return E_POINTER;
    *properties = new Properties(values_);
    return S_OK;
  }
  HRESULT STDMETHODCALLTYPE GetPropertyByName(BSTR name, IAppHostProperty** property) override {
    if (!property) return E_POINTER;
    VARIANT index;
    VariantInit(&index);
    index.vt = VT_BSTR;
    index.bstrVal = name;
    Properties all(values_);
    HRESULT hr = all.get_Item(index, property);
    return hr == kInvalidIndex ? kNotFound : hr;
  }
  HRESULT STDMETHODCALLTYPE get_Collection(IAppHostElementCollection**) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE get_ChildElements(IAppHostChildElementCollection**) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE GetMetadata(BSTR, VARIANT*) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE SetMetadata(BSTR, VARIANT) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE get_Schema(IAppHostElementSchema**) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE GetElementByName(BSTR, IAppHostElement**) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE Clear() override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE get_Methods(IAppHostMethodCollection**) override { return E_NOTIMPL; }

 private:
  const SectionValues values_;
};

}  // namespace

HRESULT HostAdminManager::QueryInterface(REFIID riid, void** object) {
  if (!object) return E_POINTER;
  if (riid != kIidAppHostAdminManager && riid != kIidUnknown) {
    *object = nullptr;
    return E_NOINTERFACE;
  }
  *object = static_cast<IAppHostAdminManager*>(this);
  return S_OK;
}

HostMetadata::HostMetadata(Stats& stats, const std::string& url_path)
    : stats_(stats), path_(kSiteConfigPath + utf8_to_utf16(url_path == "/" ? "" : url_path)) {}

HRESULT HostAdminManager::GetAdminSection(BSTR section, BSTR path, IAppHostElement** element) {
  if (!element) return E_POINTER;
  *element = nullptr;
  if (!section || !path) return E_INVALIDARG;
  std::u16string name(section, SysStringLen(section)), config_path(path, SysStringLen(path));
  if (!site_ || !site_->has_chatsocket_schema || name != utf8_to_utf16(kChatsocketSection)) return kNotFound;
  std::u16string site_path(kSiteConfigPath);
  if (config_path.compare(0, site_path.size(), site_path) != 0) return kNotFound;
  std::string url = utf16_to_utf8(config_path.substr(site_path.size()));
  if (url.empty() || url[0] != '/') url = "/" + url;
  SectionValues values;
  std::string error;
  if (!chatsocket_for_url(site_dir_, *site_, url, values, error)) return kInvalidData;  // IIS: 500.19 first
  *element = new Section(std::move(values));
  return S_OK;
}

HRESULT HostAdminManager::not_implemented(const char* method) {
  stats_.not_implemented((std::string("IAppHostAdminManager::") + method).c_str());
  return E_NOTIMPL;
}

}  // namespace cs::host
