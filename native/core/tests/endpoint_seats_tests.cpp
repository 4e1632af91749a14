#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "endpoint_seats.h"

namespace cs {

TEST_CASE("an endpoint file's seats: as many as its cap, given back when dropped, counted per path") {
  EndpointSeats seats;
  std::vector<std::unique_ptr<EndpointSeats::Seat>> held;
  held.push_back(seats.take("/site/a.chatsocket", 2));
  held.push_back(seats.take("/site/a.chatsocket", 2));
  CHECK(held[0] != nullptr);
  CHECK(held[1] != nullptr);
  CHECK(seats.take("/site/a.chatsocket", 2) == nullptr);
  CHECK(seats.held("/site/a.chatsocket") == 2);
  CHECK(seats.take("/site/b.chatsocket", 1) != nullptr);  // dropped at once: given back
  CHECK(seats.held("/site/b.chatsocket") == 0);
  CHECK(seats.take("/site/a.chatsocket", 3) != nullptr);  // a raised cap (a new version) counts the old seats
  held.pop_back();
  CHECK(seats.held("/site/a.chatsocket") == 1);
  CHECK(seats.take("/site/a.chatsocket", 2) != nullptr);
}

TEST_CASE("a seat outlives the seats it came from, and gives back nothing twice") {
  std::unique_ptr<EndpointSeats::Seat> seat;
  {
    EndpointSeats seats;
    seat = seats.take("/site/a.chatsocket", 1);
    REQUIRE(seat != nullptr);
  }
  seat.reset();  // the counts are shared with the seat: no use after free (ASan checks)
  EndpointSeats fresh;
  CHECK(fresh.take("/site/a.chatsocket", 1) != nullptr);
}

}  // namespace cs
