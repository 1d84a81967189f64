// `riverlink land ...` pieces: calendar check, lot replay (and a tampered log caught),
// case list, statements CSV.
#include "land/cli.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "land/service.hpp"
#include "store/testing.hpp"

namespace riverlink::land {
namespace {

using core::Json;

TEST(LandCli, CalendarCheck) {
  std::ostringstream ok, late;
  EXPECT_EQ(cli::calendar_check(WorkCalendar::bundled(), "2026-09-28", "2026-10-16", 10, ok), 0);
  EXPECT_NE(ok.str().find("OK"), std::string::npos) << ok.str();
  // National Day: 29 Sep leaves only 9 working days before 16 Oct.
  EXPECT_EQ(cli::calendar_check(WorkCalendar::bundled(), "2026-09-29", "2026-10-16", 10, late), 1);
  EXPECT_NE(late.str().find("TOO LATE"), std::string::npos);
  EXPECT_NE(late.str().find("latest filing date for this trade 2026-09-28"), std::string::npos) << late.str();
  std::ostringstream bad;
  EXPECT_EQ(cli::calendar_check(WorkCalendar::bundled(), "2026-02-30", "2026-10-16", 10, bad), 2);
  EXPECT_NE(bad.str().find("--filed"), std::string::npos);
}

TEST(LandCli, ReplayCaseListStatements) {
  store::testdb::TestDb t;
  ASSERT_TRUE(store::migrate(t.db(), all_migrations()).ok());
  core::ManualClock clock{core::from_unix_ms(1'800'000'000'000 - 3'600'000)};
  audit::CommandRunner runner(t.db(), clock);
  ledger::Service ledger(t.db(), clock);
  Lots lots(t.db(), runner, ledger, clock);
  auth::Principal off;
  off.user_id = "o";
  off.role = auth::Role::officer;
  off.division_code = "320282";
  auction::Params p;
  p.start_price_fen = 1'000'000;
  p.increment_fen = 10'000;
  p.open_at_ms = 1'800'000'000'000;
  p.close_at_ms = p.open_at_ms + 600'000;
  p.min_timed_bidders = 2;
  p.countdown_s = 60;
  auto lot = lots.create(off, {"o", "c1"}, {"Lot", "320282", "col", std::nullopt, 100'000, p});
  ASSERT_TRUE(lot.ok());
  const std::string id = (*lot)["id"];
  int k = 0;
  for (const char* b : {"a", "b"}) {
    ASSERT_TRUE(lots.pay_in(off, {"o", "pay" + std::to_string(++k)}, b, 100'000).ok());
    auth::Principal bp;
    bp.user_id = b;
    bp.role = auth::Role::bidder;
    ASSERT_EQ(lots.register_bidder(bp, "r", id)->result["result"], "ok");
  }
  auth::Principal a, b;
  a.user_id = "a";
  a.role = auth::Role::bidder;
  b.user_id = "b";
  b.role = auth::Role::bidder;
  clock.set(core::from_unix_ms(p.open_at_ms + 1000));
  ASSERT_EQ(lots.bid(a, "1", id, 1'000'000)->result["result"], "ok");
  ASSERT_EQ(lots.bid(b, "1", id, 1'010'000)->result["result"], "ok");
  clock.set(core::from_unix_ms(p.close_at_ms + 10'000));
  ASSERT_EQ(lots.bid(a, "2", id, 1'020'000)->result["result"], "ok");
  clock.set(core::from_unix_ms(p.close_at_ms + 200'000));
  ASSERT_TRUE(lots.tick(id).ok());

  std::ostringstream out;
  EXPECT_EQ(cli::lot_replay(t.db(), id, out), 0) << out.str();
  EXPECT_NE(out.str().find("DETERMINISTIC"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("winner a at 1020000 fen"), std::string::npos) << out.str();

  // A tampered log no longer reproduces the stored result.
  {
    auto tx = t.db().begin(store::TxKind::write);
    tx->exec("UPDATE land_lot_events SET amount = 1030000 WHERE lot_id = ? AND kind = 'bid' AND amount = 1020000", {id});
    tx->commit();
  }
  std::ostringstream bad;
  EXPECT_EQ(cli::lot_replay(t.db(), id, bad), 1) << bad.str();
  EXPECT_NE(bad.str().find("MISMATCH"), std::string::npos);

  std::ostringstream list;
  EXPECT_EQ(cli::case_list(t.db(), std::nullopt, list), 0);
  EXPECT_NE(list.str().find("0 cases"), std::string::npos) << list.str();
  std::ostringstream missing;
  EXPECT_EQ(cli::case_show(t.db(), "no-such-case", missing), 2);
  EXPECT_NE(missing.str().find("land.case_not_found"), std::string::npos);
}

}  // namespace
}  // namespace riverlink::land
