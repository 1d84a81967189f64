#include <gtest/gtest.h>

#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/oracle.hpp"
#include "transport/raptor/raptor.hpp"
#include "transport/raptor/scenario.hpp"

using namespace riverlink::transport;
namespace fx = riverlink::transport::fixture;

namespace {

Timetable build(const fx::Files& files, const std::string& name, BuildOptions opts = {}) {
  auto f = gtfs::load_feed(fx::write_dir(fx::temp_dir(name), files));
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
  std::vector<gtfs::Feed> feeds;
  feeds.push_back(std::move(*f));
  auto tt = build_timetable(feeds, opts);
  EXPECT_TRUE(tt.ok());
  return std::move(*tt);
}

std::int32_t hms(int h, int m, int s = 0) { return h * 3600 + m * 60 + s; }

struct Fixture {
  Timetable tt;
  std::int32_t day = *gtfs::parse_date("20260302");
  std::optional<Journey> go(const std::string& from, const std::string& to, std::int32_t t, std::uint32_t modes = kAllModes,
                            std::int32_t on_day = 0) {
    Raptor r(tt);
    Query q{tt.resolve(from), tt.resolve(to), on_day ? on_day : day, t, modes};
    auto j = r.earliest(q);
    if (j) {
      EXPECT_TRUE(oracle::journey_ok(tt, q, *j)) << from << "->" << to;
      ConnectionScan csa(tt, q.day);
      EXPECT_EQ(csa.earliest(q.origins, q.targets, t, modes), j->arr);
    }
    return j;
  }
};

}  // namespace

TEST(Raptor, SameStopChangeNeedsMinTransferTime) {
  Fixture f{build(fx::scenario_feed(), "mtt")};
  auto j = f.go("A", "D", hms(8, 0));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(8, 40));  // T2 at 08:11 is 60 s after T1 arrives: too short; T3 at 08:12 is exactly 120 s
  EXPECT_EQ(j->transfers, 1);
  ASSERT_EQ(j->legs.size(), 2u);
  EXPECT_EQ(j->legs[1].dep, hms(8, 12));
  Fixture g{build(fx::scenario_feed(), "mtt60", BuildOptions{.min_transfer_s = 60})};
  EXPECT_EQ(g.go("A", "D", hms(8, 0))->arr, hms(8, 30));
  auto files = fx::scenario_feed();
  files["transfers.txt"] = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,2,0\n";
  Fixture h{build(files, "mtt_override")};
  EXPECT_EQ(h.go("A", "D", hms(8, 0))->arr, hms(8, 30));
}

TEST(Raptor, StayingOnTheTripNeedsNoTimeAndDirectHasZeroTransfers) {
  Fixture f{build(fx::scenario_feed(), "stay")};
  auto j = f.go("A", "C", hms(7, 30));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(8, 20));
  EXPECT_EQ(j->transfers, 0);
  EXPECT_EQ(j->trips, 1);
  // Departure boundary is inclusive.
  EXPECT_EQ(f.go("A", "C", hms(8, 0))->arr, hms(8, 20));
  EXPECT_EQ(f.go("A", "C", hms(8, 0, 1))->arr, hms(7, 20) + 86400);  // next day's T8
}

TEST(Raptor, GeneratedFootpathOneHopOnly) {
  Fixture f{build(fx::scenario_feed(), "walk")};
  const auto& c = f.tt.stops[f.tt.stop_index.at("C")];
  const auto& e = f.tt.stops[f.tt.stop_index.at("E")];
  auto walk = static_cast<std::int32_t>(std::ceil(haversine_m(c.lat, c.lon, e.lat, e.lon) / 1.2));
  ASSERT_GT(walk, 60);  // T4 at 08:21 is missed, T5 at 08:22 is caught
  auto j = f.go("A", "F", hms(8, 0));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(9, 0));
  ASSERT_EQ(j->legs.size(), 3u);
  EXPECT_TRUE(j->legs[1].walk);
  EXPECT_EQ(j->legs[2].dep, hms(8, 22));
  EXPECT_EQ(j->transfers, 1);
  // H needs C -> E -> G on foot (two hops): not allowed, unreachable that day.
  EXPECT_FALSE(f.go("A", "H", hms(8, 0)));
  // Walking only: origin footpath; zero transfers.
  auto w = f.go("C", "E", hms(10, 0));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->arr, hms(10, 0) + walk);
  EXPECT_EQ(w->transfers, 0);
  EXPECT_EQ(w->trips, 0);
}

TEST(Raptor, ServiceDaysAndTimesPastMidnight) {
  Fixture f{build(fx::scenario_feed(), "night")};
  auto mar3 = *gtfs::parse_date("20260303");
  // Yesterday's 25:00 trip runs at 01:00 today.
  auto j = f.go("D", "A", hms(0, 30), kAllModes, mar3);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(1, 30));
  EXPECT_EQ(j->legs[0].day_offset, -1);
  // A query time past 24:00 counts from midnight of the query date.
  EXPECT_EQ(f.go("D", "A", hms(25, 0))->arr, hms(25, 30));
  // Horizon: 24 h, end inclusive.
  EXPECT_EQ(f.go("D", "A", hms(1, 30), kAllModes, mar3)->arr, hms(25, 30));
  // From 01:30:01 the next arrival (25:30 today) is 23:59:59 away: still inside.
  EXPECT_EQ(f.go("D", "A", hms(1, 30, 1), kAllModes, mar3)->arr, hms(25, 30));
  // From 01:29:59 yesterday's trip is gone and today's arrives at 25:30 = 24 h + 1 s later.
  EXPECT_FALSE(f.go("D", "A", hms(1, 29, 59), kAllModes, mar3));
  // Outside the calendar: nothing runs on 2026-04-05, and 2026-04-01 only has 31 March's 25:00.
  EXPECT_FALSE(f.go("A", "C", hms(6, 0), kAllModes, *gtfs::parse_date("20260405")));
  EXPECT_EQ(f.go("D", "A", hms(0, 0), kAllModes, *gtfs::parse_date("20260401"))->arr, hms(1, 30));
}

TEST(Raptor, HorizonIsTwentyFourHours) {
  auto files = fx::scenario_feed();
  // Only a weekly service: from Monday 09:00, the next B->D on Tuesday 08:11 is within 24 h,
  // but from Monday 08:12 the next is Tuesday 08:11... pin with a Monday-only trip.
  files["calendar.txt"] += "MON,1,0,0,0,0,0,0,20260301,20260331\n";
  files["routes.txt"] += "WEEK,A,W,Weekly,3\n";
  files["trips.txt"] += "WEEK,MON,W1\n";
  files["stop_times.txt"] += "W1,10:00:00,10:00:00,H,1,,\nW1,11:00:00,11:00:00,F,2,,\n";
  Fixture f{build(files, "horizon")};
  EXPECT_EQ(f.go("H", "F", hms(10, 0))->arr, hms(11, 0));
  EXPECT_FALSE(f.go("H", "F", hms(10, 0, 1)));  // next Monday is a week away
}

TEST(Raptor, PickupAndDropOffRestrictions) {
  Fixture f{build(fx::scenario_feed(), "pudo")};
  // T8 does not let passengers off at B: the 07:00 departure only helps for C.
  EXPECT_EQ(f.go("A", "B", hms(6, 59))->arr, hms(8, 10));
  EXPECT_EQ(f.go("A", "C", hms(6, 59))->arr, hms(7, 20));
}

TEST(Raptor, StationEndpointsAndParentStationFootpaths) {
  Fixture f{build(fx::scenario_feed(), "station")};
  EXPECT_EQ(f.go("ST", "A", hms(7, 55))->arr, hms(8, 30));
  auto j = f.go("A", "ST", hms(8, 0));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(8, 50));
  EXPECT_EQ(j->transfers, 1);
  auto p = f.go("P2", "A", hms(7, 55));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->arr, hms(8, 30));
  ASSERT_EQ(p->legs.size(), 2u);
  EXPECT_TRUE(p->legs[0].walk);
  EXPECT_EQ(p->legs[0].arr - p->legs[0].dep, 120);
  EXPECT_EQ(p->transfers, 0);
}

TEST(Raptor, OriginIsDestinationAndUnknownStops) {
  Fixture f{build(fx::scenario_feed(), "same")};
  auto j = f.go("A", "A", hms(9, 0));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->arr, hms(9, 0));
  EXPECT_EQ(j->transfers, 0);
  Raptor r(f.tt);
  EXPECT_FALSE(r.earliest(Query{f.tt.resolve("nope"), f.tt.resolve("A"), f.day, hms(9, 0)}));
}

TEST(Raptor, ModeFilter) {
  Fixture f{build(fx::scenario_feed(), "modes")};
  std::uint32_t mask = 0;
  std::string bad;
  ASSERT_TRUE(parse_mode_mask("road,rail,hsr", mask, bad));
  EXPECT_FALSE(f.go("A", "D", hms(8, 0), mask));  // the ferry T3 is excluded; T2 cannot be caught
  ASSERT_TRUE(parse_mode_mask("road,water", mask, bad));
  EXPECT_EQ(f.go("A", "D", hms(8, 0), mask)->arr, hms(8, 40));
  auto j = f.go("A", "D", hms(8, 0));
  EXPECT_STREQ(mode_name(f.tt.routes[j->legs[1].route].mode), "ferry");
  EXPECT_FALSE(parse_mode_mask("spaceship", mask, bad));
  EXPECT_EQ(bad, "spaceship");
}

TEST(Raptor, RangeQueryGivesParetoSet) {
  Fixture f{build(fx::scenario_feed(), "range")};
  Raptor r(f.tt);
  Query q{f.tt.resolve("A"), f.tt.resolve("C"), f.day, hms(6, 30)};
  auto js = r.range(q, hms(8, 30));
  ASSERT_EQ(js.size(), 2u);
  EXPECT_EQ(js[0].dep, hms(7, 0));
  EXPECT_EQ(js[0].arr, hms(7, 20));
  EXPECT_EQ(js[1].dep, hms(8, 0));
  EXPECT_EQ(js[1].arr, hms(8, 20));
  // Each one is the earliest arrival for its departure.
  for (const auto& j : js) EXPECT_EQ(r.earliest(Query{q.origins, q.targets, f.day, j.dep})->arr, j.arr);
  auto json = journey_json(f.tt, js[0]);
  EXPECT_EQ(json["arrival"], "07:20:00");
  EXPECT_EQ(json["legs"][0]["mode"], "bus");
  EXPECT_EQ(json["legs"][0]["stops"].size(), 3u);
}

TEST(RaptorOracle, AgreesWithConnectionScanOnRandomFeeds) {
  // Seeds are fixed; override with RIVERLINK_ORACLE_SEED / RIVERLINK_ORACLE_QUERIES.
  const auto seed0 = oracle::env_u64("RIVERLINK_ORACLE_SEED", 20260301);
  const int per_feed = static_cast<int>(oracle::env_u64("RIVERLINK_ORACLE_QUERIES", 400));
  int reachable = 0, total = 0;
  for (std::uint64_t k = 0; k < 6; ++k) {
    auto files = fx::random_feed(seed0 + k, {.stops = 30 + static_cast<int>(k) * 10, .stations = 3, .routes = 10 + static_cast<int>(k) * 4});
    for (int walk : {200, 0}) {
      auto tt = build(files, "oracle" + std::to_string(k) + "_" + std::to_string(walk),
                      BuildOptions{.min_transfer_s = walk ? 120 : 60, .walk_radius_m = static_cast<double>(walk)});
      for (auto date : {"20260302", "20260307", "20260310"}) {
        auto st = oracle::compare(tt, *gtfs::parse_date(date), per_feed / 6, seed0 * 31 + k, 0, 30 * 3600);
        reachable += st.reachable;
        total += st.queries;
      }
    }
  }
  EXPECT_GT(reachable, total / 10) << "too few reachable queries to mean anything";
  std::printf("oracle: %d queries, %d reachable\n", total, reachable);
}
