// open_backplane for builds without hiredis (the mingw-w64 cross build: Debian has no hiredis for it).
#include "backplane.h"

namespace cs {

std::unique_ptr<Backplane> open_backplane(const std::string&, const std::string&, BackplaneListener&,
                                          std::string& error) {
  error = "this build of chatsocket has no Redis client (it was built without hiredis)";
  return nullptr;
}

}  // namespace cs
