// Passenger statistics on both store backends: the demo figures reproduce the published Jiangsu
// totals; series are never mixed; CSV errors name file, line and field and write nothing;
// imports are idempotent and audited; officers import only within their jurisdiction.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "store/testing.hpp"
#include "transport/stats/service.hpp"

using namespace riverlink;
using namespace riverlink::transport::stats;

namespace {
struct StatsTest : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::parse_utc("2026-06-15T02:00:00Z").value()};
  core::IdGenerator ids{clock, 7};
  std::unique_ptr<audit::CommandRunner> cmds;
  std::unique_ptr<Service> s;
  auth::Principal admin = auth::system_principal("test");
  int n = 0;
  audit::CommandContext key() { return {admin.actor(), "k" + std::to_string(++n)}; }
  void SetUp() override {
    std::vector<store::Migration> m = audit::migrations();
    for (auto& x : riverlink::transport_stats::migrations()) m.push_back(x);
    auto r = store::migrate(t.db(), m);
    ASSERT_TRUE(r.ok()) << r.error().message;
    cmds = std::make_unique<audit::CommandRunner>(t.db(), clock);
    s = std::make_unique<Service>(t.db(), *cmds, clock, ids);
  }
  std::int64_t count_values() {
    auto tx = t.db().begin(store::TxKind::read);
    return tx->query_one("SELECT COUNT(*) FROM transport_stat_values")->i64(0);
  }
  static const core::Json& mode(const core::Json& sum, const std::string& m) {
    for (const auto& x : sum["modes"]) if (x["mode"] == m) return x;
    static core::Json none;
    return none;
  }
};

TEST_F(StatsTest, DemoFiguresMatchPublishedJiangsuTotals) {
  auto seeded = s->seed_demo();
  ASSERT_TRUE(seeded.ok()) << seeded.error().message;
  EXPECT_TRUE((*seeded)["demo"].get<bool>());
  // Jan-Sep 2023: 5.3亿, +52.4%.
  auto sep = s->summary("commercial_passengers", "320000", 2023, 9);
  ASSERT_TRUE(sep.ok()) << sep.error().message;
  EXPECT_EQ((*sep)["total"]["ytd"].get<std::int64_t>(), 530'000'000);
  EXPECT_NEAR((*sep)["total"]["yoy"].get<double>(), 0.524, 0.0005);
  EXPECT_TRUE((*sep)["demo"].get<bool>());
  // Jan-Aug 2023: about 4.7亿, +55.0%; rail about 1.9亿, 2.4x 2022.
  auto aug = s->summary("commercial_passengers", "320000", 2023, 8);
  ASSERT_TRUE(aug.ok());
  EXPECT_EQ((*aug)["total"]["ytd"].get<std::int64_t>(), 470'000'000);
  EXPECT_NEAR((*aug)["total"]["yoy"].get<double>(), 0.550, 0.0005);
  const auto& rail = mode(*aug, "rail");
  EXPECT_NEAR(rail["ytd"].get<double>(), 190e6, 1e3);
  EXPECT_NEAR(rail["yoy"].get<double>(), 1.4, 0.001);  // 2.4x
  // Jan-Oct about 6亿; shares add to one; latest month by default.
  auto latest = s->summary("commercial_passengers", "320000", 2023, 0);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)["through_month"].get<int>(), 10);
  EXPECT_EQ((*latest)["total"]["ytd"].get<std::int64_t>(), 600'000'000);
  double shares = 0;
  for (const auto& m : (*latest)["modes"]) shares += m["share"].get<double>();
  EXPECT_NEAR(shares, 1.0, 1e-9);
  // Airport throughput: its own series, 5,482.1万 in 2023, +122.9%.
  auto air = s->summary("airport_throughput", "320000", 2023, 12);
  ASSERT_TRUE(air.ok());
  EXPECT_EQ((*air)["total"]["ytd"].get<std::int64_t>(), 54'821'000);
  EXPECT_NEAR((*air)["total"]["yoy"].get<double>(), 1.229, 0.0005);
  // Seeding again replays.
  auto again = s->seed_demo();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)["replayed"].get<bool>());
}

TEST_F(StatsTest, SeriesAreNeverMixed) {
  ASSERT_TRUE(s->seed_demo().ok());
  auto mixed = s->summary("commercial_passengers,airport_throughput", "320000", 2023, 9);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code, "transport.stats_mixed_series");
  EXPECT_EQ(mixed.error().fields.at(0).field, "series");
  EXPECT_FALSE(s->monthly("commercial_passengers,departures", "320000", 2023).ok());
  // The commercial series' air figure is departures, not the throughput series.
  auto cp = s->summary("commercial_passengers", "320000", 2023, 12);
  auto at = s->summary("airport_throughput", "320000", 2023, 12);
  EXPECT_LT(mode(*cp, "air")["ytd"].get<std::int64_t>(), (*at)["total"]["ytd"].get<std::int64_t>());
  // Monthly: twelve rows, prev-year values, nulls where absent.
  auto m = s->monthly("commercial_passengers", "320000", 2023);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ((*m)["rows"].size(), 12u);
  EXPECT_TRUE((*m)["rows"][11]["total"].is_null());
  EXPECT_EQ((*m)["rows"][11]["prev_total"].get<std::int64_t>(), 36'000'000);
}

TEST_F(StatsTest, BadCsvNamesFileLineFieldAndWritesNothing) {
  const std::string csv =
      "series,division_code,mode,month,value\n"
      "commercial_passengers,320000,rail,2024-01,100\n"
      "commercial_passengers,320000,rail,2024-13,100\n"
      "commercial_passengers,999999,road,2024-01,100\n"
      "airport_throughput,320000,rail,2024-01,100\n"
      "commercial_passengers,320000,water,2024-01,-5\n"
      "nonsense,320000,water,2024-01,5\n"
      "commercial_passengers,320000,rail,2024-01,7\n";
  auto r = s->import_csv(admin, key(), "bad.csv", csv, "test", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "transport.stats_csv");
  std::vector<std::string> f;
  for (const auto& e : r.error().fields) f.push_back(e.field);
  EXPECT_EQ(f, (std::vector<std::string>{"bad.csv:3:month", "bad.csv:4:division_code", "bad.csv:5:mode", "bad.csv:6:value",
                                         "bad.csv:7:series", "bad.csv:8:month"}));
  EXPECT_NE(r.error().message.find("bad.csv"), std::string::npos);
  EXPECT_EQ(count_values(), 0);
  auto cols = s->import_csv(admin, key(), "cols.csv", "series,division,mode,month,value\n", "", false);
  ASSERT_FALSE(cols.ok());
  EXPECT_EQ(cols.error().fields.at(0).field, "cols.csv:1:division_code");
  auto ragged = s->import_csv(admin, key(), "ragged.csv", "series,division_code,mode,month,value\ncommercial_passengers,320000,rail\n", "", false);
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.error().fields.at(0).field, "ragged.csv:2:(row)");
  EXPECT_EQ(count_values(), 0);
}

TEST_F(StatsTest, ImportIsIdempotentAuditedAndScoped) {
  const std::string csv = "\xEF\xBB\xBFseries,division_code,mode,month,value\r\ncommercial_passengers,320500,rail,2024-01,100\r\n"
                          "commercial_passengers,320500,road,2024-01,300\r\n";
  audit::CommandContext k{admin.actor(), "import-1"};
  auto a = s->import_csv(admin, k, "sz.csv", csv, "test", false);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ((*a)["rows"].get<int>(), 2);
  auto b = s->import_csv(admin, k, "sz.csv", csv, "test", false);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE((*b)["replayed"].get<bool>());
  EXPECT_EQ((*b)["import_id"], (*a)["import_id"]);
  auto c = s->import_csv(admin, k, "sz.csv", csv + "commercial_passengers,320500,air,2024-01,1\n", "test", false);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "idempotency.mismatch");
  EXPECT_EQ(count_values(), 2);
  {
    auto tx = t.db().begin(store::TxKind::read);
    EXPECT_EQ(tx->query_one("SELECT COUNT(*) FROM audit_log WHERE module = 'transport' AND command = 'stats.import'")->i64(0), 1);
  }
  // A re-import replaces values; the summary sees the new figure.
  ASSERT_TRUE(s->import_csv(admin, key(), "sz2.csv", "series,division_code,mode,month,value\ncommercial_passengers,320500,rail,2024-01,150\n", "", false).ok());
  auto sum = s->summary("commercial_passengers", "320500", 2024, 1);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ((*sum)["total"]["ytd"].get<int>(), 450);
  EXPECT_TRUE((*sum)["total"]["yoy"].is_null());  // no 2023 figures
  EXPECT_FALSE((*sum)["demo"].get<bool>());
  // A Shanghai officer cannot import Suzhou figures; nothing is written.
  auth::Principal sh;
  sh.user_id = "u-sh";
  sh.role = auth::Role::officer;
  sh.division_code = "310000";
  auto denied = s->import_csv(sh, {sh.actor(), "x"}, "sz3.csv", csv, "", false);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, ErrorKind::forbidden);
  EXPECT_EQ(denied.error().fields.at(0).field, "sz3.csv:2:division_code");
  auth::Principal ent;
  ent.user_id = "u-e";
  ent.role = auth::Role::enterprise;
  EXPECT_EQ(s->import_csv(ent, {ent.actor(), "y"}, "sz.csv", csv, "", false).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(count_values(), 2);
}

}  // namespace
