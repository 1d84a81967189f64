// Each bad input of the issue is refused with a clear error and changes nothing: every land
// table, the audit log, idempotency records, ledger accounts and transfers, and the lot's live
// state are compared before and after. Runs on SQLite and PostgreSQL (DB label).
#include <gtest/gtest.h>

#include "land/test_support.hpp"

namespace riverlink::land {
namespace {

using core::Json;
using namespace test_support;

struct BadInput : ServiceFixture {
  std::string lot;

  // Everything a refused input could have touched.
  std::string snapshot() {
    std::string out;
    auto r = store::transact(t.db(), store::TxKind::read, [&](store::Tx& tx) -> Result<bool> {
      for (const char* table : {"land_collectives", "land_members", "land_parcels", "land_cases", "land_case_events",
                                "land_lots", "land_lot_events", "land_requests", "land_lot_bidders", "land_blacklist",
                                "land_rate_tables", "land_rates", "land_statements", "land_rights", "audit_log",
                                "idempotency_keys", "ledger_accounts", "ledger_transfers"}) {
        out += std::string(table) + "=" + std::to_string(tx.query_one(std::string("SELECT COUNT(*) FROM ") + table)->i64(0)) + ";";
      }
      for (const auto& row : tx.query("SELECT id, state, version, doc FROM land_cases ORDER BY id")) {
        out += row.str(0) + "|" + row.str(1) + "|" + std::to_string(row.i64(2)) + "|" + row.str(3) + ";";
      }
      for (const auto& row : tx.query("SELECT id, phase, high_fen, settled FROM land_lots ORDER BY id")) {
        out += row.str(0) + "|" + row.str(1) + "|" + std::to_string(row.i64(2)) + "|" + std::to_string(row.i64(3)) + ";";
      }
      for (const auto& row : tx.query("SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts ORDER BY id")) {
        out += row.str(0);
        for (int i = 1; i <= 4; ++i) out += "|" + std::to_string(row.i64(i));
        out += ";";
      }
      return true;
    });
    EXPECT_TRUE(r.ok());
    if (!lot.empty()) {
      auto g = svc->lots().get(lot, true);
      Json j = *g;
      j.erase("server_time");
      out += j.dump();
    }
    return out;
  }

  // A refused case command: the error code and field, and no change anywhere.
  void refused_step(const std::string& id, const std::string& cmd, const Json& body, const std::string& code,
                    const std::string& field) {
    const std::string before = snapshot();
    auto r = svc->transition(officer(), ctx(), id, cmd, body);
    ASSERT_FALSE(r.ok()) << cmd << " accepted";
    EXPECT_EQ(r.error().code, code) << r.error().message;
    ASSERT_FALSE(r.error().fields.empty()) << r.error().message;
    EXPECT_EQ(r.error().fields[0].field, field);
    EXPECT_GE(static_cast<int>(r.error().kind), 0);
    EXPECT_EQ(snapshot(), before) << cmd << " changed something";
  }
  // A refused lot input: the engine's refusal and no change anywhere.
  void refused_bid(const std::string& who, int64_t amount, const std::string& result) {
    const std::string before = snapshot();
    auto r = svc->lots().bid(bidder(who), "bad-" + std::to_string(++keys), lot, amount);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->result["result"], result);
    EXPECT_EQ(snapshot(), before) << who << " " << amount << " changed something";
  }
  void ok(const std::string& id, const std::string& cmd, const Json& body) {
    auto r = svc->transition(officer(), ctx(), id, cmd, body);
    ASSERT_TRUE(r.ok()) << cmd << ": " << r.error().message;
  }
};

TEST_F(BadInput, EachRefusalChangesNothing) {
  Json members = Json::array();
  for (int i = 1; i <= 6; ++i) members.push_back({{"id", "m" + std::to_string(i)}, {"name", "村民"}, {"shares", 1}});
  ASSERT_TRUE(svc->create_collective(officer(), ctx(), {{"id", "col-1"}, {"name", "组"}, {"division_code", "320282"},
                                                        {"kind", "village_group"}, {"retention_bp", 1200},
                                                        {"payout_mode", "cash"}, {"members", members}}).ok());
  auto pr = svc->create_parcel(officer(), ctx(),
                               {{"code", "YX-B1"}, {"name", "地块"}, {"division_code", "320282"}, {"collective_id", "col-1"},
                                {"geometry", {{"type", "Polygon"}, {"coordinates", {{{119.8, 31.4}, {119.801, 31.4}, {119.801, 31.401}, {119.8, 31.401}, {119.8, 31.4}}}}}},
                                {"planned_use", "commercial_service"}, {"land_class", "existing_construction"},
                                {"zone", "town"}, {"ownership_registered", true}});
  ASSERT_TRUE(pr.ok());
  const std::string id = (*svc->open_case(officer(), ctx(), (*pr)["id"], "in_place"))["id"];
  const Json planning = {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24},
                         {"industry_requirements", "准入"}, {"eco_requirements", "环评"}};
  ok(id, "check_eligibility", Json::object());
  ok(id, "issue_planning", planning);
  ok(id, "draft_scheme", {{"term_years", 40}, {"method", "listing"}, {"entry_price_fen", 1'000'000'00},
                          {"deposit_fen", 200'000'00}, {"planned_trade_date", "2026-10-16"},
                          {"distribution_plan", Json::object()}});

  // A vote short of two thirds (3 of 6 members).
  refused_step(id, "vote", {{"basis", "members"}, {"yes", 3}}, "land.vote_short_of_two_thirds", "yes");
  ok(id, "vote", {{"basis", "members"}, {"yes", 4}});
  // A filing inside the 10-working-day window (National Day leaves 9 working days).
  refused_step(id, "file_scheme", {{"filed_date", "2026-09-29"}}, "land.filing_too_late", "filed_date");
  ok(id, "file_scheme", {{"filed_date", "2026-09-28"}});
  ok(id, "review", {{"decision", "cleared"}, {"date", "2026-09-29"}});
  ok(id, "announce", {{"announce_date", "2026-09-20"},
                      {"lot", {{"increment_fen", 10'000'00}, {"open_at", "2026-10-16T01:00:00Z"},
                               {"close_at", "2026-10-26T07:00:00Z"}, {"min_timed_bidders", 2}, {"countdown_s", 240}}}});
  lot = (*svc->get_case(officer(), id))["lot_id"];
  Lots& lots = svc->lots();
  for (const char* b : {"alice", "bob"}) {
    ASSERT_TRUE(lots.pay_in(officer(), ctx(), b, 300'000'00).ok());
    ASSERT_EQ(lots.register_bidder(bidder(b), "reg", lot)->result["result"], "ok");
  }
  // Registration without enough money in the deposit sub-account: refused, nothing held.
  ASSERT_TRUE(lots.pay_in(officer(), ctx(), "dave", 100).ok());
  {
    const std::string before = snapshot();
    auto r = lots.register_bidder(bidder("dave"), "reg", lot);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "land.deposit_insufficient");
    EXPECT_EQ(snapshot(), before);
  }
  at("2026-10-16T02:00:00Z");
  ASSERT_EQ(lots.tick(lot)->result["lot"]["phase"], "listing");
  // A bid without a deposit (never registered), and one from the bidder refused above.
  refused_bid("carol", 1'000'000'00, "unknown_bidder");
  refused_bid("dave", 1'000'000'00, "unknown_bidder");
  // Below the start price and off the increment grid.
  refused_bid("alice", 990'000'00, "below_start");
  refused_bid("alice", 1'005'000'00, "off_increment");
  ASSERT_EQ(lots.bid(bidder("alice"), "a1", lot, 1'000'000'00)->result["result"], "ok");
  // Below the current high, equal to it, off the grid above it.
  refused_bid("bob", 1'000'000'00, "below_current");
  refused_bid("bob", 1'015'000'00, "off_increment");
  ASSERT_EQ(lots.bid(bidder("bob"), "b1", lot, 1'010'000'00)->result["result"], "ok");
  // A duplicate bid: the same bidder and amount again.
  refused_bid("alice", 1'000'000'00, "duplicate_bid");
  // The same Idempotency-Key with another amount.
  {
    const std::string before = snapshot();
    auto r = lots.bid(bidder("alice"), "a1", lot, 1'030'000'00);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "idempotency.mismatch");
    EXPECT_EQ(snapshot(), before);
  }
  // After the close: the countdown ran out (the tick is stored first), then a bid is refused.
  at("2026-10-26T07:10:00Z");
  ASSERT_EQ(lots.tick(lot)->result["lot"]["phase"], "sold");
  refused_bid("alice", 1'020'000'00, "closed");

  ok(id, "record_result", Json::object());
  // A contract missing its planning conditions is void.
  Json contract = {{"boundary", "b"}, {"area_m2", 1}, {"use", "commercial_service"}, {"term_years", 40},
                   {"payment_terms", "p"}, {"handover_date", "2026-12-01"}, {"construction_start_by", "2027-06-01"},
                   {"construction_complete_by", "2029-06-01"}, {"early_recovery", "e"}, {"renewal", "r"},
                   {"buildings_on_expiry", "b"}, {"default_liability", "d"}, {"dispute_resolution", "x"},
                   {"industry_requirements", "准入"}, {"eco_requirements", "环评"}};
  refused_step(id, "sign_contract", {{"contract", contract}}, "land.contract_void", "contract.planning_conditions");
  contract["planning_conditions"] = {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24}};
  ok(id, "sign_contract", {{"contract", contract}});
  ok(id, "record_payment", {{"amount_fen", 810'000'00}});
  ASSERT_TRUE(svc->put_rate_table(officer(), ctx(), {{"id", "t"}, {"base", "gross_price"}, {"min_bp", 2000}, {"max_bp", 5000},
                                                     {"rates", Json::array({{{"use", "*"}, {"zone", "*"}, {"method", "*"}, {"event", "entry"}, {"rate_bp", 3000}}})}}).ok());
  ok(id, "settle_fund", {{"rate_table_id", "t"}});
  ok(id, "distribute", Json::object());
  ok(id, "register", {{"certificate_no", "c-1"}, {"registered_date", "2026-11-20"}});
  // A lease over 20 years.
  const std::string right = (*svc->rights(id))["items"][0]["id"];
  {
    const std::string before = snapshot();
    auto r = svc->right_action(officer(), ctx(), right, {{"kind", "lease"}, {"lessee", "某公司"}, {"years", 21}, {"start_date", "2027-01-01"}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "land.lease_too_long");
    EXPECT_EQ(r.error().fields.at(0).field, "years");
    EXPECT_EQ(r.error().kind, ErrorKind::invalid);
    EXPECT_EQ(snapshot(), before);
  }
}

}  // namespace
}  // namespace riverlink::land
