#include <gtest/gtest.h>

#include "transport/demo/yrd.hpp"
#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/raptor.hpp"

using namespace riverlink::transport;
namespace fx = riverlink::transport::fixture;

TEST(YrdDemo, FeedIsCleanAndPlansMultimodalJourneys) {
  auto files = demo::yrd_feed({.start_date = "20260301", .days = 31});
  fx::Files copy(files.begin(), files.end());
  auto feed = gtfs::load_feed(fx::write_dir(fx::temp_dir("yrd"), copy));
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  EXPECT_EQ(feed->findings.errors(), 0u) << feed->findings.to_text();
  EXPECT_NE(files["agency.txt"].find("DEMO"), std::string::npos);
  std::vector<gtfs::Feed> feeds;
  feeds.push_back(std::move(*feed));
  auto tt = build_timetable(feeds, {});
  ASSERT_TRUE(tt.ok());
  std::uint32_t seen = 0;
  for (const auto& r : tt->routes) seen |= 1u << static_cast<int>(r.mode);
  for (Mode m : {Mode::hsr, Mode::rail, Mode::coach, Mode::ferry, Mode::air})
    EXPECT_TRUE(seen & (1u << static_cast<int>(m))) << mode_name(m);
  Raptor raptor(*tt);
  auto day = *gtfs::parse_date("20260302");
  // Suqian by coach to Nanjing, walk to Nanjing station, intercity HSR to Shanghai Hongqiao.
  auto j = raptor.earliest(Query{tt->resolve("SQBUS"), tt->resolve("SHHQ"), day, 6 * 3600});
  ASSERT_TRUE(j);
  ASSERT_EQ(j->legs.size(), 3u);
  EXPECT_EQ(mode_name(tt->routes[j->legs[0].route].mode), std::string("coach"));
  EXPECT_TRUE(j->legs[1].walk);
  EXPECT_EQ(mode_name(tt->routes[j->legs[2].route].mode), std::string("hsr"));
  EXPECT_EQ(j->transfers, 1);
  // Across the Yangtze by ferry from Zhenjiang station.
  auto k = raptor.earliest(Query{tt->resolve("SZ"), tt->resolve("YZGZ"), day, 8 * 3600});
  ASSERT_TRUE(k);
  EXPECT_EQ(mode_name(tt->routes[k->legs.back().route].mode), std::string("ferry"));
  // High-speed rail to Zhenjiang, walk to the Xijin ferry pier, ferry to Guazhou: the legs carry
  // the real coordinates the map draws.
  auto h = raptor.earliest(Query{tt->resolve("SHHQ"), tt->resolve("YZGZ"), day, 8 * 3600});
  ASSERT_TRUE(h);
  auto hj = journey_json(*tt, *h);
  ASSERT_EQ(hj["legs"].size(), 3u) << hj.dump();
  EXPECT_EQ(hj["legs"][0]["mode"], "hsr");
  EXPECT_EQ(hj["legs"][1]["mode"], "walk");
  EXPECT_EQ(hj["legs"][2]["mode"], "ferry");
  EXPECT_NEAR(hj["legs"][2]["to"]["lat"].get<double>(), 32.253, 1e-3);
  EXPECT_NEAR(hj["legs"][0]["stops"][0]["lon"].get<double>(), 121.3203, 1e-3);
  // Flight with the airport check-in buffer as its minimum transfer time.
  EXPECT_EQ(tt->mtt[tt->stop_index.at("SHA")], 2700);
}
