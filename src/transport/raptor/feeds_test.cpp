// RAPTOR against the Connection Scan oracle on the real shared feeds (skipped when absent).
// Queries per feed: RIVERLINK_ORACLE_QUERIES (default 300, modest under ASan); seed:
// RIVERLINK_ORACLE_SEED. For a bigger run: RIVERLINK_ORACLE_QUERIES=5000 ./transport_feeds_test
#include <gtest/gtest.h>

#include <filesystem>

#include "transport/gtfs/csv.hpp"
#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/oracle.hpp"

using namespace riverlink::transport;
namespace fx = riverlink::transport::fixture;

namespace {

// The day with the most running trips.
std::int32_t busiest_day(const Timetable& tt) {
  std::vector<std::size_t> per_bitset(tt.n_bitsets(), 0);
  for (auto b : tt.trip_days) ++per_bitset[b];
  std::size_t best = 0;
  std::int32_t day = 0;
  for (std::int32_t d = 0; d < tt.n_days; ++d) {
    std::size_t n = 0;
    for (std::size_t b = 0; b < per_bitset.size(); ++b)
      if (per_bitset[b] && tt.active(static_cast<std::uint32_t>(b), d)) n += per_bitset[b];
    if (n > best) { best = n; day = d; }
  }
  return tt.first_day + day;
}

class SharedFeed : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(SharedFeed, RaptorAgreesWithConnectionScan) {
  auto dir = fx::shared_gtfs_dir();
  if (dir.empty()) GTEST_SKIP() << "shared GTFS feeds not found (set RIVERLINK_SHARED_DIR)";
  auto path = dir + "/" + GetParam() + ".zip";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto feed = gtfs::load_feed(path);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  std::vector<gtfs::Feed> feeds;
  feeds.push_back(std::move(*feed));
  auto tt = build_timetable(feeds, {});
  ASSERT_TRUE(tt.ok()) << tt.error().message;
  const int n = static_cast<int>(oracle::env_u64("RIVERLINK_ORACLE_QUERIES", 300));
  const auto seed = oracle::env_u64("RIVERLINK_ORACLE_SEED", 7);
  auto day = busiest_day(*tt);
  auto st = oracle::compare(*tt, day, n, seed, 4 * 3600, 26 * 3600);
  std::printf("%s (%s): %d queries, %d reachable\n", GetParam().c_str(), gtfs::format_date(day).c_str(), st.queries, st.reachable);
  EXPECT_GT(st.reachable, 0);
}

INSTANTIATE_TEST_SUITE_P(Feeds, SharedFeed,
                         ::testing::Values("sample_frequencies", "ferry_miyako_muroran", "china_hsr_xrl", "air_seaplane_harbour_air",
                                           "caltrain_2017", "trondheim_bus_latin1", "cairns_bus", "seattle_bus_rail_ferry",
                                           "bart_metro_2023", "cdmx_frequencies", "hart_tampa_full"));

TEST(SharedFeeds, LoadEdgeCases) {
  auto dir = fx::shared_gtfs_dir();
  if (dir.empty()) GTEST_SKIP() << "shared GTFS feeds not found (set RIVERLINK_SHARED_DIR)";
  // Latin-1 stops.txt is transcoded and reported.
  auto tr = gtfs::load_feed(dir + "/trondheim_bus_latin1.zip");
  ASSERT_TRUE(tr.ok());
  bool transcoded = false;
  for (const auto& f : tr->findings.items()) transcoded |= f.code == "invalid_character" && f.file == "stops.txt";
  EXPECT_TRUE(transcoded);
  for (const auto& s : tr->stops) {
    // No Latin-1 bytes left: every byte >= 0x80 is part of a UTF-8 sequence.
    std::string copy = s.name;
    riverlink::transport::gtfs::Findings f;
    EXPECT_FALSE(gtfs::normalise_encoding(copy, "x", f)) << s.name;
  }
  // Overnight ferry up to 30:00.
  auto fe = gtfs::load_feed(dir + "/ferry_miyako_muroran.zip");
  ASSERT_TRUE(fe.ok());
  std::int32_t mx = 0;
  for (const auto& st : fe->stop_times) mx = std::max(mx, st.arr);
  EXPECT_EQ(mx, 30 * 3600);
  // HSR: stop_timezone differs from the agency's.
  auto hsr = gtfs::load_feed(dir + "/china_hsr_xrl.zip");
  ASSERT_TRUE(hsr.ok());
  bool shanghai = false;
  for (const auto& s : hsr->stops) shanghai |= s.timezone == "Asia/Shanghai";
  EXPECT_TRUE(shanghai);
  EXPECT_EQ(hsr->timezone, "Asia/Hong_Kong");
  // Air: extended route type 1100.
  auto air = gtfs::load_feed(dir + "/air_seaplane_harbour_air.zip");
  ASSERT_TRUE(air.ok());
  EXPECT_EQ(mode_of_route_type(air->routes.at(0).type), Mode::air);
  // Cairns: empty intermediate times are interpolated (no trip dropped for it).
  auto cairns = gtfs::load_feed(dir + "/cairns_bus.zip");
  ASSERT_TRUE(cairns.ok());
  std::size_t usable = 0;
  for (const auto& t : cairns->trips) usable += t.usable;
  EXPECT_EQ(usable, cairns->trips.size());
  // Several feeds at once: namespaced ids.
  std::vector<gtfs::Feed> feeds;
  feeds.push_back(std::move(*fe));
  feeds.push_back(std::move(*hsr));
  auto tt = build_timetable(feeds, {});
  ASSERT_TRUE(tt.ok());
  std::size_t prefixed = 0;
  for (const auto& s : tt->stops) prefixed += s.id.rfind("ferry_miyako_muroran:", 0) == 0 || s.id.rfind("china_hsr_xrl:", 0) == 0;
  EXPECT_EQ(prefixed, tt->stops.size());
}
