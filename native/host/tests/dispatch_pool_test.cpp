#include <doctest/doctest.h>

#include <sched.h>

#include <future>

#include "dispatch_pool.h"

using namespace cs::host;

TEST_SUITE("dispatch_pool") {
  TEST_CASE("its threads do not preempt the thread that hands them work") {
    Stats stats;
    DispatchPool pool(stats, 4);
    std::promise<int> policy;
    pool.submit([&] { policy.set_value(sched_getscheduler(0)); });
    CHECK(policy.get_future().get() == SCHED_BATCH);
    pool.stop();
  }
}
