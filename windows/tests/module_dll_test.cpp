// chatsocket.dll as Windows sees it. Loaded the way IIS does (LoadLibrary, then the undecorated
// "RegisterModule") and registered against fakes: the imports resolve on a Windows loader, static start-up
// and the Wasm instances work inside a DLL, unloading is clean. Its resources: the message table the Event
// Viewer formats events 1000-1002 with, and the version block. Runs under Wine in CI.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "httpserv_stubs.h"

namespace {

// Any call the test did not plan for is a failure: RegisterModule must use only what it needs.
struct Strict {
  void not_implemented(const char* method) const { FAIL("unexpected call to " << method); }
};

struct FakeRegistration : CsStubIHttpModuleRegistrationInfo<FakeRegistration>, Strict {
  int module_id_storage = 0;
  IHttpModuleFactory* factory = nullptr;
  DWORD notifications = 0;
  DWORD post_notifications = 0;
  int registrations = 0;

  CGlobalModule* global_module = nullptr;
  DWORD global_notifications = 0;

  PCWSTR GetName() const override { return L"ChatSocketModule"; }
  HTTP_MODULE_ID GetId() const override { return const_cast<int*>(&module_id_storage); }
  HRESULT SetRequestNotifications(IHttpModuleFactory* module_factory, DWORD request, DWORD post) override {
    ++registrations;
    factory = module_factory;
    notifications = request;
    post_notifications = post;
    return S_OK;
  }
  HRESULT SetGlobalNotifications(CGlobalModule* module, DWORD global) override {
    global_module = module;
    global_notifications = global;
    return S_OK;
  }
  // What IIS does before it unloads the DLL: both objects are told, in either order.
  void terminate() {
    if (factory) factory->Terminate();
    if (global_module) global_module->Terminate();
  }
};

struct FakeStopListening : CsStubIGlobalStopListeningProvider<FakeStopListening>, Strict {
  BOOL DrainRequestsGracefully() const override { return TRUE; }
};

struct FakeServer : CsStubIHttpServer<FakeServer>, Strict {};

// Request memory, freed when the fake "request" ends, as IIS does.
struct FakeAllocator : CsStubIModuleAllocator<FakeAllocator>, Strict {
  std::vector<std::unique_ptr<std::max_align_t[]>> blocks;
  VOID* AllocateMemory(DWORD bytes) override {
    blocks.emplace_back(new std::max_align_t[bytes / sizeof(std::max_align_t) + 1]);
    return blocks.back().get();
  }
};

std::wstring dll_path() {
  // ctest runs this test in the folder of chatsocket.dll.
  wchar_t folder[MAX_PATH];
  DWORD length = GetCurrentDirectoryW(MAX_PATH, folder);
  REQUIRE(length > 0);
  return std::wstring(folder, length) + L"\\chatsocket.dll";
}

struct LoadedModule {
  HMODULE handle = LoadLibraryW(dll_path().c_str());
  ~LoadedModule() {
    if (handle) FreeLibrary(handle);
  }
  PFN_REGISTERMODULE register_module() const {
    return reinterpret_cast<PFN_REGISTERMODULE>(reinterpret_cast<void*>(GetProcAddress(handle, "RegisterModule")));
  }
};

}  // namespace

TEST_CASE("chatsocket.dll loads and exports RegisterModule undecorated") {
  LoadedModule module;
  REQUIRE_MESSAGE(module.handle != nullptr, "LoadLibrary failed with error " << GetLastError());
  const bool register_module_exported = module.register_module() != nullptr;
  CHECK(register_module_exported);
  const bool stats_exported = GetProcAddress(module.handle, "ChatSocketGetStats") != nullptr;
  CHECK_FALSE(stats_exported);  // only the names in chatsocket.def leave the DLL
}

TEST_CASE("RegisterModule asks for execute-handler, send-response and stop-listening, and nothing else") {
  LoadedModule module;
  REQUIRE(module.handle != nullptr);
  FakeRegistration registration;
  FakeServer server;

  HRESULT hr = module.register_module()(10, &registration, &server);

  REQUIRE(hr == S_OK);
  CHECK(registration.registrations == 1);
  REQUIRE(registration.factory != nullptr);
  CHECK(registration.notifications == (RQ_EXECUTE_REQUEST_HANDLER | RQ_SEND_RESPONSE));
  CHECK(registration.post_notifications == 0u);
  REQUIRE(registration.global_module != nullptr);
  CHECK(registration.global_notifications == static_cast<DWORD>(GL_STOP_LISTENING));
  registration.terminate();
}

TEST_CASE("GL_STOP_LISTENING returns at once with CONTINUE, and the objects terminate in either order") {
  for (bool factory_first : {true, false}) {
    LoadedModule module;
    REQUIRE(module.handle != nullptr);
    FakeRegistration registration;
    FakeServer server;
    REQUIRE(module.register_module()(10, &registration, &server) == S_OK);
    REQUIRE(registration.global_module != nullptr);
    FakeStopListening provider;
    CHECK(registration.global_module->OnGlobalStopListening(&provider) == GL_NOTIFICATION_CONTINUE);
    if (factory_first) {
      registration.terminate();
    } else {
      registration.global_module->Terminate();
      registration.factory->Terminate();
    }
  }
}

TEST_CASE("the factory hands out request modules in IIS's request memory and Terminate frees the module") {
  LoadedModule module;
  REQUIRE(module.handle != nullptr);
  FakeRegistration registration;
  FakeServer server;
  REQUIRE(module.register_module()(10, &registration, &server) == S_OK);

  for (int request = 0; request < 3; ++request) {
    FakeAllocator allocator;
    CHttpModule* http_module = nullptr;
    REQUIRE(registration.factory->GetHttpModule(&http_module, &allocator) == S_OK);
    REQUIRE(http_module != nullptr);
    CHECK(allocator.blocks.size() == 1u);
    http_module->Dispose();
  }
  registration.terminate();
}

TEST_CASE("the module can be registered again after IIS unloaded and reloaded it") {
  for (int load = 0; load < 2; ++load) {
    LoadedModule module;
    REQUIRE(module.handle != nullptr);
    FakeRegistration registration;
    FakeServer server;
    REQUIRE(module.register_module()(10, &registration, &server) == S_OK);
    registration.terminate();
  }
}

TEST_CASE("the message table shows events 1000, 1001 and 1002 as the module's own line") {
  HMODULE resources = LoadLibraryExW(dll_path().c_str(), nullptr, LOAD_LIBRARY_AS_DATAFILE);
  REQUIRE(resources != nullptr);
  for (DWORD id : {1000u, 1001u, 1002u}) {
    const wchar_t* line = L"endpoint file C:\\inetpub\\wwwroot\\caf\u00e9.chatsocket cannot be read";
    DWORD_PTR inserts[] = {reinterpret_cast<DWORD_PTR>(line)};
    wchar_t text[256] = {};
    DWORD length = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, resources, id, 0, text,
                                  256, reinterpret_cast<va_list*>(inserts));
    CAPTURE(id);
    REQUIRE_MESSAGE(length > 0, "FormatMessage failed with error " << GetLastError());
    CHECK(std::wstring(text) == std::wstring(line) + L"\r\n");
  }
  const bool other_ids_unknown = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_IGNORE_INSERTS, resources,
                                                999, 0, nullptr, 0, nullptr) == 0;
  CHECK(other_ids_unknown);
  FreeLibrary(resources);
}

TEST_CASE("the version block names the file and its bitness") {
  std::wstring path = dll_path();
  DWORD ignored = 0;
  DWORD size = GetFileVersionInfoSizeW(path.c_str(), &ignored);
  REQUIRE(size > 0);
  std::vector<std::uint8_t> block(size);
  REQUIRE(GetFileVersionInfoW(path.c_str(), 0, size, block.data()));
  auto value = [&](const wchar_t* name) {
    void* text = nullptr;
    UINT length = 0;
    std::wstring query = std::wstring(L"\\StringFileInfo\\000004b0\\") + name;
    if (!VerQueryValueW(block.data(), query.c_str(), &text, &length) || !text) return std::wstring();
    return std::wstring(static_cast<const wchar_t*>(text));
  };
  CHECK(value(L"OriginalFilename") == L"chatsocket.dll");
  CHECK(value(L"FileDescription").find(sizeof(void*) == 8 ? L"(x64)" : L"(x86)") != std::wstring::npos);
  CHECK_FALSE(value(L"ProductVersion").empty());
}
