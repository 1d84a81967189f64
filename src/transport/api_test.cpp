#include <gtest/gtest.h>

#include "transport/api.hpp"
#include "transport/demo/yrd.hpp"
#include "transport/gtfs/fixture.hpp"

using namespace riverlink;
using namespace riverlink::transport;
namespace fx = riverlink::transport::fixture;

namespace {
struct Api {
  std::unique_ptr<TransitService> service;
  http::Router router;
  Api() {
    auto files = demo::yrd_feed({.start_date = "20260301", .days = 31});
    auto feed = gtfs::load_feed(fx::write_dir(fx::temp_dir("api"), fx::Files(files.begin(), files.end())));
    EXPECT_TRUE(feed.ok());
    std::vector<gtfs::Feed> feeds;
    feeds.push_back(std::move(*feed));
    service = std::make_unique<TransitService>(std::move(*build_timetable(feeds, {})));
    register_routes(router, *service);
  }
  http::Response get(const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.path = target.substr(0, target.find('?'));
    auto res = router.dispatch(r);
    EXPECT_TRUE(res.has_value());
    return *res;
  }
};
}  // namespace

TEST(TransitApi, FeedsStopsAndJourneys) {
  Api api;
  auto f = api.get("/api/v1/transit/feeds");
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(core::Json::parse(f.body)["first_service_date"], "20260301");
  auto s = api.get("/api/v1/transit/stops?q=nanjing&limit=10");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(core::Json::parse(s.body)["items"].size(), 3u);  // Nanjing station, Nanjing South, Zhongyangmen
  auto j = api.get("/api/v1/transit/journeys?from=SQBUS&to=SHHQ&at=2026-03-02%2006:00:00");
  ASSERT_EQ(j.status, 200) << j.body;
  auto body = core::Json::parse(j.body);
  ASSERT_EQ(body["journeys"].size(), 1u);
  EXPECT_EQ(body["journeys"][0]["transfers"], 1);
  EXPECT_EQ(body["journeys"][0]["legs"][0]["mode"], "coach");
  auto r = api.get("/api/v1/transit/journeys?from=SHHQ&to=NJ&at=2026-03-02%2007:00:00&range_min=120&modes=hsr");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(core::Json::parse(r.body)["journeys"].size(), 5u);  // every 30 min: 07:00..09:00
}

TEST(TransitApi, BadInputNamesTheField) {
  Api api;
  auto bad_at = api.get("/api/v1/transit/journeys?from=SQBUS&to=SHHQ&at=tomorrow");
  EXPECT_EQ(bad_at.status, 422);
  EXPECT_NE(bad_at.body.find("\"at\""), std::string::npos);
  auto unknown = api.get("/api/v1/transit/journeys?from=NOPE&to=SHHQ&at=2026-03-02%2006:00:00");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("from"), std::string::npos);
  auto mode = api.get("/api/v1/transit/journeys?from=SQBUS&to=SHHQ&at=2026-03-02%2006:00:00&modes=rocket");
  EXPECT_EQ(mode.status, 422);
  EXPECT_EQ(api.get("/api/v1/transit/stops?limit=0").status, 422);
  auto outside = api.get("/api/v1/transit/journeys?from=SQBUS&to=SHHQ&at=2027-03-02%2006:00:00");
  EXPECT_EQ(outside.status, 422);
  EXPECT_NE(outside.body.find("outside_service"), std::string::npos);
  EXPECT_EQ(api.get("/api/v1/transit/isochrone?from=SHHQ&at=2026-03-02%2008:00:00&max_min=0").status, 422);
  EXPECT_EQ(api.get("/api/v1/transit/isochrone?from=NOPE&at=2026-03-02%2008:00:00").status, 422);
}

TEST(TransitApi, StopSearchIgnoresCaseSpacesAndToneMarks) {
  Api api;
  auto n = [&](const std::string& q) { return core::Json::parse(api.get("/api/v1/transit/stops?limit=50&q=" + q).body)["items"].size(); };
  EXPECT_EQ(n("nanjing"), 3u);
  EXPECT_EQ(n("NAN%20JING"), 3u);
  EXPECT_EQ(n("N%C3%A1nj%C4%ABng"), 3u);          // Nánjīng
  EXPECT_EQ(n("%E5%8D%97%E4%BA%AC"), 3u);          // 南京
  EXPECT_EQ(n("%E7%93%9C%E6%B4%B2"), 1u);          // 瓜洲
  EXPECT_EQ(search_key("Guāzhōu Ferry"), "guazhouferry");
}

TEST(TransitApi, IsochroneFromShanghai) {
  Api api;
  auto r = api.get("/api/v1/transit/isochrone?from=SHHQ&at=2026-03-02%2008:00:00&max_min=180");
  ASSERT_EQ(r.status, 200) << r.body;
  auto items = core::Json::parse(r.body)["items"];
  std::map<std::string, int> minutes;
  for (const auto& x : items) minutes[x["stop_id"]] = x["minutes"];
  EXPECT_EQ(minutes.at("SHHQ"), 0);
  EXPECT_EQ(minutes.at("SZ"), 25);    // first HSR at 08:00, 25 min
  EXPECT_TRUE(minutes.count("HZD"));  // Hangzhou East within 3 h
  EXPECT_FALSE(minutes.count("TXN") && minutes.at("TXN") > 180);
  for (const auto& [id, m] : minutes) EXPECT_LE(m, 180) << id;
}
