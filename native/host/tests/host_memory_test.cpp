// Memory given back after a burst: the I/O threads are renewed, so their per-thread malloc caches return to
// the heaps (memory_return.h, io_threads.h), and the host serves on as before.
#include <doctest/doctest.h>

#include <dirent.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host.h"
#include "test_support.h"

using namespace cs::host;

namespace {

std::set<std::string> host_thread_ids() {
  std::set<std::string> ids;
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) return ids;
  while (dirent* entry = readdir(tasks)) {
    std::string id = entry->d_name;
    if (id == "." || id == "..") continue;
    std::ifstream comm("/proc/self/task/" + id + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == kPoolThreadName) ids.insert(id);
  }
  closedir(tasks);
  return ids;
}

}  // namespace

TEST_SUITE("host memory return") {
  TEST_CASE("after a burst of connections the I/O threads hand over to new ones and the host serves on") {
    TempSite site;
    HostOptions options = test_options(site, CompletionMode::kSync);  // sync: no hand-off pool threads
    options.threads = 2;
    Host host;
    std::string error;
    REQUIRE_MESSAGE(host.start(options, error), error);
    REQUIRE(eventually([&] { return host_thread_ids().size() == 2; }));
    const std::set<std::string> before = host_thread_ids();

    std::vector<std::unique_ptr<Client>> burst;
    for (int i = 0; i < 80; ++i) burst.push_back(std::make_unique<Client>(host.port()));
    CHECK(eventually([&] { return host.stats().open_connections == 80; }));
    burst.clear();
    CHECK(eventually([&] { return host.stats().open_connections == 0; }));

    CHECK(eventually([&] {
      std::set<std::string> now = host_thread_ids();
      for (const std::string& id : now)
        if (before.count(id)) return false;
      return now.size() == 2;
    }));
    CHECK(get(host.port(), "/hello.testmod").body == "hello from the module");
    CHECK(host.stats().violations == 0);
    host.stop();
    CHECK(eventually([] { return host_thread_ids().empty(); }));  // detached: each ends just after stop() saw it leave
  }
}
