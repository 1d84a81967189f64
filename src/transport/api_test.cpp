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
}
