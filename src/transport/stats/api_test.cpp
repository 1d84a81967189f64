// Passenger statistics and the journey planner over real HTTP against the real App (seeded demo):
// the Jiangsu demo figures, the refusal to mix series, CSV import errors as problem+json naming
// file:line:column, idempotent imports, roles; reload refused while the demo network is served.
#include <gtest/gtest.h>

#include "app/testing.hpp"

using namespace riverlink;
using http::testing::Client;

namespace {
struct StatsApi : ::testing::Test {
  std::unique_ptr<app::testing::LiveApp> live;
  void SetUp() override { live = std::make_unique<app::testing::LiveApp>(); }
};
}  // namespace

TEST_F(StatsApi, DemoSummaryMixingImportAndRoles) {
  Client e = live->signed_in("enterprise");
  auto s = e.get("/api/v1/transit/stats/summary?series=commercial_passengers&division=320000&year=2023&through_month=9");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.json()["total"]["ytd"], 530'000'000);
  EXPECT_TRUE(s.json()["demo"].get<bool>());
  auto mixed = e.get("/api/v1/transit/stats/summary?series=commercial_passengers,airport_throughput&year=2023");
  EXPECT_EQ(mixed.status, 422);
  EXPECT_EQ(mixed.json()["code"], "transport.stats_mixed_series");
  EXPECT_EQ(mixed.json()["errors"][0]["field"], "series");
  EXPECT_EQ(e.get("/api/v1/transit/stats/summary?series=commercial_passengers&year=x").status, 422);
  auto series = e.get("/api/v1/transit/stats/series");
  ASSERT_EQ(series.status, 200);
  EXPECT_EQ(series.json()["items"].size(), 5u);
  // Enterprises cannot import; officers can, within their province.
  const core::Json body = {{"file_name", "js.csv"},
                           {"csv", "series,division_code,mode,month,value\ncommercial_passengers,320500,rail,2024-01,1000\n"}};
  EXPECT_EQ(e.post("/api/v1/transit/stats/imports", body, "e1").status, 403);
  Client o = live->signed_in("officer_js");
  auto ok = o.post("/api/v1/transit/stats/imports", body, "o1");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["rows"], 1);
  auto again = o.post("/api/v1/transit/stats/imports", body, "o1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json()["import_id"], ok.json()["import_id"]);
  auto bad = o.post("/api/v1/transit/stats/imports",
                    {{"file_name", "bad.csv"}, {"csv", "series,division_code,mode,month,value\ncommercial_passengers,320500,rail,2024-1,x\n"}}, "o2");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["errors"][0]["field"], "bad.csv:2:month");
  EXPECT_EQ(bad.json()["errors"][1]["field"], "bad.csv:2:value");
  Client sh = live->signed_in("officer_sh");
  EXPECT_EQ(sh.post("/api/v1/transit/stats/imports", body, "s1").status, 403);
  // The journey planner serves the demo network; reloading needs a configured feed set.
  auto j = e.get("/api/v1/transit/journeys?from=SHHQ&to=YZGZ&at=2026-06-01%2008:00:00");
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.json()["journeys"][0]["legs"][2]["mode"], "ferry");
  Client a = live->signed_in("admin");
  EXPECT_EQ(a.post("/api/v1/transit/reload", core::Json::object(), "r1").status, 409);
  EXPECT_EQ(o.post("/api/v1/transit/reload", core::Json::object(), "r2").status, 403);
}
