// The Event Log's budget: 60 lines a minute, the first line past it announced, and the first line of a
// later minute told how many were left out.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "event_budget.h"

using cs::EventAdmission;
using cs::EventBudget;

namespace {
constexpr uint64_t kSecond = 1000;
}

TEST_CASE("60 lines a minute are written; the 61st is the one that announces the limit; later ones are not") {
  EventBudget budget(60);
  for (int line = 0; line < 60; ++line) {
    EventAdmission admission = budget.admit(1000 + line);
    CHECK(admission.write);
    CHECK_FALSE(admission.limit_reached);
    CHECK(admission.left_out_before == 0);
  }
  EventAdmission first_out = budget.admit(2000);
  CHECK_FALSE(first_out.write);
  CHECK(first_out.limit_reached);
  for (int line = 0; line < 9; ++line) {
    EventAdmission later = budget.admit(3000);
    CHECK_FALSE(later.write);
    CHECK_FALSE(later.limit_reached);
  }
}

TEST_CASE("the first line of a later minute is written and counts what was left out") {
  EventBudget budget(60);
  const uint64_t start = 5 * kSecond;
  for (int line = 0; line < 70; ++line) budget.admit(start);  // 10 left out
  CHECK_FALSE(budget.admit(start + 59 * kSecond).write);      // 11: the minute is not over yet
  EventAdmission next = budget.admit(start + 60 * kSecond);
  CHECK(next.write);
  CHECK(next.left_out_before == 11);
  CHECK(budget.admit(start + 61 * kSecond).left_out_before == 0);  // counted once
}

TEST_CASE("a minute that left nothing out reports nothing") {
  EventBudget budget(60);
  budget.admit(0);
  EventAdmission next = budget.admit(120 * kSecond);
  CHECK(next.write);
  CHECK(next.left_out_before == 0);
}
