#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/scenario.hpp"
#include "transport/timetable/timetable.hpp"

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

std::int32_t footpath(const Timetable& tt, const std::string& a, const std::string& b) {
  auto s = tt.stop_index.at(a), t = tt.stop_index.at(b);
  for (auto e = tt.fp_begin[s]; e < tt.fp_begin[s + 1]; ++e)
    if (tt.fp_to[e] == t) return tt.fp_dur[e];
  return -1;
}
}  // namespace

TEST(Timetable, RoutesAreFifoAndSplitWhenTripsOvertake) {
  auto files = fx::scenario_feed();
  files["trips.txt"] += "BUS,S,SLOW\nBUS,S,FAST\nBUS,S,LATER\n";
  // SLOW leaves A first but FAST overtakes it: they must be in different routes.
  files["stop_times.txt"] +=
      "SLOW,12:00:00,12:00:00,A,1,,\nSLOW,12:10:00,12:10:00,B,2,,\nSLOW,13:00:00,13:00:00,C,3,,\n"
      "FAST,12:05:00,12:05:00,A,1,,\nFAST,12:08:00,12:08:00,B,2,,\nFAST,12:20:00,12:20:00,C,3,,\n"
      "LATER,14:00:00,14:00:00,A,1,,\nLATER,14:10:00,14:10:00,B,2,,\nLATER,14:20:00,14:20:00,C,3,,\n";
  auto tt = build(files, "fifo");
  std::size_t abc_routes = 0, trips = 0;
  for (const auto& r : tt.routes) {
    if (r.n_stops != 3 || tt.route_stops[r.stop_begin] != tt.stop_index.at("A") || tt.route_flags[r.stop_begin + 1]) continue;
    ++abc_routes;
    trips += r.n_trips;
    for (std::uint32_t i = 0; i < r.n_stops; ++i)
      for (std::uint32_t t = 1; t < r.n_trips; ++t) {
        auto ix = r.time_begin + i * r.n_trips + t;
        EXPECT_LE(tt.dep[ix - 1], tt.dep[ix]);
        EXPECT_LE(tt.arr[ix - 1], tt.arr[ix]);
      }
  }
  EXPECT_EQ(abc_routes, 2u);
  EXPECT_EQ(trips, 4u);  // T1, SLOW, FAST, LATER (T8 has a drop-off restriction: own route)
}

TEST(Timetable, FootpathsTransfersAndServiceDays) {
  auto files = fx::scenario_feed();
  files["transfers.txt"] = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,2,0\nA,H,0,600\nA,F,3,\nST,ST,2,45\n";
  auto tt = build(files, "footpaths");
  EXPECT_EQ(tt.mtt[tt.stop_index.at("B")], 0);
  EXPECT_EQ(tt.mtt[tt.stop_index.at("A")], 120);
  EXPECT_EQ(tt.mtt[tt.stop_index.at("P1")], 45);  // station row applies to its children
  EXPECT_EQ(footpath(tt, "A", "H"), 600);
  EXPECT_EQ(footpath(tt, "H", "A"), -1);  // one-way
  EXPECT_EQ(footpath(tt, "A", "F"), -1);  // type 3 is not a footpath
  EXPECT_EQ(footpath(tt, "P1", "P2"), 45);  // parent station: its own transfer time
  const auto& c = tt.stops[tt.stop_index.at("C")];
  const auto& e = tt.stops[tt.stop_index.at("E")];
  auto d = haversine_m(c.lat, c.lon, e.lat, e.lon);
  EXPECT_NEAR(d, 100, 1);
  EXPECT_EQ(footpath(tt, "C", "E"), static_cast<std::int32_t>(std::ceil(d / 1.2)));
  EXPECT_EQ(footpath(tt, "C", "G"), -1);  // ~250 m: beyond the radius
  auto tt0 = build(files, "footpaths0", BuildOptions{.min_transfer_s = 90, .walk_radius_m = 0});
  EXPECT_EQ(footpath(tt0, "C", "E"), -1);
  EXPECT_EQ(tt0.mtt[tt0.stop_index.at("A")], 90);
  // Service days: March 2026, deduplicated bitsets.
  EXPECT_EQ(tt.first_day, *gtfs::parse_date("20260301"));
  EXPECT_EQ(tt.n_days, 31);
  EXPECT_EQ(tt.n_bitsets(), 1u);
  EXPECT_TRUE(tt.active(0, 0));
  EXPECT_FALSE(tt.active(0, 31));
  EXPECT_FALSE(tt.active(0, -1));
  EXPECT_EQ(tt.resolve("ST").size(), 2u);
  EXPECT_TRUE(tt.resolve("nope").empty());
}

TEST(Timetable, FrequenciesExpandStrictlyBeforeEnd) {
  auto files = fx::scenario_feed();
  files["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs,exact_times\nT6,06:00:00,07:00:00,600,0\nT6,07:00:00,07:30:00,900,1\n";
  auto tt = build(files, "freq");
  auto g = tt.stop_index.at("G");
  std::vector<std::int32_t> deps;
  for (const auto& r : tt.routes)
    if (tt.route_stops[r.stop_begin] == g)
      for (std::uint32_t t = 0; t < r.n_trips; ++t) deps.push_back(tt.dep[r.time_begin + t]);
  std::sort(deps.begin(), deps.end());
  // 06:00..06:50 every 10 min (6), 07:00 and 07:15 (2); the template itself does not run.
  ASSERT_EQ(deps.size(), 8u);
  EXPECT_EQ(deps.front(), 6 * 3600);
  EXPECT_EQ(deps.back(), 7 * 3600 + 15 * 60);
}

TEST(Timetable, SavesAndLoadsWithCheckedHeader) {
  auto tt = build(fx::random_feed(7), "save");
  auto dir = fx::temp_dir("savebin");
  auto path = dir + "/tt.bin";
  ASSERT_TRUE(tt.save(path).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto back = Timetable::load(path);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_LT(ms, 500);
  EXPECT_EQ(back->stops.size(), tt.stops.size());
  EXPECT_EQ(back->arr, tt.arr);
  EXPECT_EQ(back->dep, tt.dep);
  EXPECT_EQ(back->fp_to, tt.fp_to);
  EXPECT_EQ(back->bitsets, tt.bitsets);
  EXPECT_EQ(back->infos.size(), tt.infos.size());
  EXPECT_EQ(back->stop_index.size(), tt.stop_index.size());
  // Corruptions are detected.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) { std::ofstream(path, std::ios::binary | std::ios::trunc) << b; };
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x5A;
  write(flipped);
  auto bad = Timetable::load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("checksum"), std::string::npos);
  write(bytes.substr(0, bytes.size() - 10));
  EXPECT_FALSE(Timetable::load(path).ok());
  auto vers = bytes;
  vers[8] = 99;
  write(vers);
  auto v = Timetable::load(path);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("version"), std::string::npos);
  write("garbage");
  EXPECT_FALSE(Timetable::load(path).ok());
}

TEST(Timetable, SeveralFeedsGetNamespacedIds) {
  auto d1 = fx::write_dir(fx::temp_dir("multi") + "/north", fx::scenario_feed());
  auto d2 = fx::write_dir(fx::temp_dir("multi2") + "/south", fx::scenario_feed());
  std::vector<gtfs::Feed> feeds;
  for (const auto& d : {d1, d2}) {
    auto f = gtfs::load_feed(d);
    ASSERT_TRUE(f.ok());
    feeds.push_back(std::move(*f));
  }
  auto tt = build_timetable(feeds, {});
  ASSERT_TRUE(tt.ok());
  EXPECT_TRUE(tt->stop_index.count("north:A"));
  EXPECT_TRUE(tt->stop_index.count("south:A"));
  EXPECT_FALSE(tt->stop_index.count("A"));
  // Identical coordinates across feeds: generated footpaths join them.
  EXPECT_EQ(footpath(*tt, "north:A", "south:A"), 0);
  EXPECT_EQ(tt->resolve("south:ST").size(), 2u);
}
