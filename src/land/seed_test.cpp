// The demo seed runs on an empty database, leaves cases in the intended states and is idempotent.
#include "land/seed.hpp"

#include <gtest/gtest.h>

#include "land/service.hpp"
#include "store/testing.hpp"

namespace riverlink::land {
namespace {

TEST(LandSeed, CasesInSeveralStatesAndACompletedTimedListing) {
  store::testdb::TestDb t;
  ASSERT_TRUE(store::migrate(t.db(), all_migrations()).ok());
  core::ManualClock clock(*core::parse_utc("2026-11-27T08:00:00Z"));
  audit::CommandRunner runner(t.db(), clock);
  ledger::Service ledger(t.db(), clock);
  auto r = seed_demo(t.db(), runner, ledger, clock, {.bidder_user_id = "demo-user"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  Service svc(t.db(), runner, ledger, clock, WorkCalendar::bundled());
  auto officer = auth::system_principal("test");
  auto done = svc.get_case(officer, (*r)["completed_case"]);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ((*done)["state"], "registered");
  EXPECT_EQ((*done)["doc"]["result"]["reason"], "timed_bidding");
  EXPECT_EQ((*done)["doc"]["result"]["price_fen"], 950'000'000);
  auto st = svc.statements(officer, (*r)["completed_case"]);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ((*st)["items"].size(), 12u);
  auto lot = svc.lots().get((*r)["completed_lot"], true);
  EXPECT_EQ((*lot)["outcome"]["reserve_fen"], 900'000'000);
  EXPECT_GT((*lot)["countdown_restarts"].get<int>(), 0);
  auto v = svc.lots().verify_replay((*r)["completed_lot"]);
  EXPECT_TRUE((*v)["matches"].get<bool>());
  auto live = svc.lots().get((*r)["live_lot"]);
  EXPECT_EQ((*live)["phase"], "listing");
  EXPECT_EQ((*live)["high_fen"], 570'000'000);
  auto cases = svc.cases(officer, std::nullopt, 100);
  EXPECT_EQ((*cases)["items"].size(), 5u);
  auto again = seed_demo(t.db(), runner, ledger, clock);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)["skipped"].get<bool>());
}

}  // namespace
}  // namespace riverlink::land
