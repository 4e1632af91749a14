#include "request_factory.h"

#include <new>

#include "websocket_request.h"

namespace cs {

HRESULT RequestFactory::GetHttpModule(CHttpModule** module, IModuleAllocator* allocator) {
  if (!module || !allocator) return E_INVALIDARG;
  // Request-lifetime memory from IIS, freed with the request; Dispose runs the destructor without freeing it.
  void* memory = allocator->AllocateMemory(sizeof(WebSocketRequest));
  if (!memory) return E_OUTOFMEMORY;
  *module = new (memory) WebSocketRequest(*globals_);
  return S_OK;
}

VOID RequestFactory::Terminate() {
  forget_pool_for_stats();
  delete this;
}

}  // namespace cs
