// The deadline ticker on a ManualClock: listings close, countdowns end and deposits are
// released with no request arriving; unreviewed schemes clear; a winner who does not sign
// by the deadline forfeits the deposit and is blacklisted; a missed instalment is marked.
#include "land/ticker.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "land/test_support.hpp"

namespace riverlink::land {
namespace {

using core::Json;
using namespace test_support;

struct TickerTest : ServiceFixture {
  Json step(const std::string& id, const std::string& cmd, const Json& body) {
    auto r = svc->transition(officer(), ctx(), id, cmd, body);
    EXPECT_TRUE(r.ok()) << cmd << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Json();
  }
  Json get(const std::string& id) { return *svc->get_case(officer(), id); }

  // A case filed on 2026-09-28 for trade on 2026-10-16 (stops after filing when !announce).
  std::pair<std::string, std::string> make_case(bool announce = true) {
    Json members = Json::array();
    for (int i = 1; i <= 3; ++i) members.push_back({{"id", "m" + std::to_string(i)}, {"name", "村民"}, {"shares", 1}});
    EXPECT_TRUE(svc->create_collective(officer(), ctx(), {{"id", "col-1"}, {"name", "组"}, {"division_code", "320282"},
                                                          {"kind", "village_group"}, {"retention_bp", 1200},
                                                          {"payout_mode", "cash"}, {"members", members}}).ok());
    auto pr = svc->create_parcel(officer(), ctx(),
                                 {{"code", "YX-T1"}, {"name", "地块"}, {"division_code", "320282"}, {"collective_id", "col-1"},
                                  {"geometry", {{"type", "Polygon"}, {"coordinates", {{{119.8, 31.4}, {119.801, 31.4}, {119.801, 31.401}, {119.8, 31.401}, {119.8, 31.4}}}}}},
                                  {"planned_use", "commercial_service"}, {"land_class", "existing_construction"},
                                  {"zone", "town"}, {"ownership_registered", true}});
    EXPECT_TRUE(pr.ok());
    const std::string id = (*svc->open_case(officer(), ctx(), (*pr)["id"], "in_place"))["id"];
    step(id, "check_eligibility", Json::object());
    step(id, "issue_planning", {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24},
                                {"industry_requirements", "准入"}, {"eco_requirements", "环评"}});
    step(id, "draft_scheme", {{"term_years", 40}, {"method", "listing"}, {"entry_price_fen", 1'000'000'00},
                              {"deposit_fen", 200'000'00}, {"planned_trade_date", "2026-10-16"},
                              {"distribution_plan", Json::object()}});
    step(id, "vote", {{"basis", "members"}, {"yes", 2}});
    step(id, "file_scheme", {{"filed_date", "2026-09-28"}});
    if (!announce) return {id, ""};
    step(id, "review", {{"decision", "cleared"}, {"date", "2026-09-29"}});
    Json lot = {{"increment_fen", 10'000'00}, {"open_at", "2026-10-16T01:00:00Z"},
                {"close_at", "2026-10-26T07:00:00Z"}, {"min_timed_bidders", 2}, {"countdown_s", 240}};
    const std::string lot_id = step(id, "announce", {{"announce_date", "2026-09-20"}, {"lot", lot}})["lot_id"];
    for (const char* b : {"alice", "bob"}) {
      EXPECT_TRUE(svc->lots().pay_in(officer(), ctx(), b, 300'000'00).ok());
      EXPECT_EQ(svc->lots().register_bidder(bidder(b), "reg", lot_id)->result["result"], "ok");
    }
    at("2026-10-16T02:00:00Z");
    EXPECT_EQ(svc->lots().bid(bidder("alice"), "1", lot_id, 1'000'000'00)->result["result"], "ok");
    EXPECT_EQ(svc->lots().bid(bidder("bob"), "1", lot_id, 1'010'000'00)->result["result"], "ok");
    return {id, lot_id};
  }
  ledger::Balances wallet(const std::string& b) { return ledger->balances(ledger_id("wallet", b))->account.balances; }
};

TEST_F(TickerTest, ClosesListingEndsCountdownAndReleasesDeposits) {
  auto [id, lot] = make_case();
  Ticker ticker(*svc);
  // Before the deadline nothing moves.
  auto r0 = ticker.run_once();
  ASSERT_TRUE(r0.ok()) << r0.error().message;
  EXPECT_EQ((*svc->lots().get(lot))["phase"], "listing");
  // The listing deadline passes with nobody asking: timed bidding starts.
  at("2026-10-26T07:00:01Z");
  ASSERT_TRUE(ticker.run_once().ok());
  svc->lots().drop_cache();  // the state was stored, not only held in memory
  EXPECT_EQ((*svc->lots().get(lot))["phase"], "timed");
  at("2026-10-26T07:01:00Z");
  EXPECT_EQ(svc->lots().bid(bidder("alice"), "2", lot, 1'020'000'00)->result["result"], "ok");
  // Three minutes later the countdown (restarted at 07:01) is still running.
  at("2026-10-26T07:04:59Z");
  ASSERT_TRUE(ticker.run_once().ok());
  EXPECT_EQ((*svc->lots().get(lot))["phase"], "timed");
  EXPECT_EQ(wallet("bob").debits_pending, 200'000'00);
  at("2026-10-26T07:05:01Z");
  auto r = ticker.run_once();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["lots_changed"], 1);
  ASSERT_EQ((*r)["deposits_settled"].size(), 1u);
  auto g = svc->lots().get(lot, true);
  EXPECT_EQ((*g)["phase"], "sold");
  EXPECT_EQ((*g)["outcome"]["winner"], "alice");
  EXPECT_EQ((*g)["outcome"]["price_fen"], 1'020'000'00);
  // Bob's deposit is released (voided hold), Alice's applied to the price.
  EXPECT_EQ(wallet("bob").debits_pending, 0);
  EXPECT_EQ(wallet("bob").debits_posted, 0);
  EXPECT_EQ(wallet("alice").debits_pending, 0);
  EXPECT_EQ(wallet("alice").debits_posted, 200'000'00);
  // A second run has nothing left to do.
  auto again = ticker.run_once();
  EXPECT_EQ((*again)["deposits_settled"].size(), 0u);
  EXPECT_EQ((*again)["lots_changed"], 0);
  // The officer records the result; the signing deadline is 10 working days later.
  auto rr = step(id, "record_result", Json::object());
  EXPECT_EQ(rr["state"], "sold");
  EXPECT_EQ(get(id)["doc"]["deadlines"]["sign_by"], "2026-11-09");
}

TEST_F(TickerTest, UnsignedContractForfeitsAndBlacklists) {
  auto [id, lot] = make_case();
  at("2026-10-26T08:00:00Z");
  Ticker ticker(*svc);
  ASSERT_TRUE(ticker.run_once().ok());
  step(id, "record_result", Json::object());
  at("2026-11-09T10:00:00Z");  // the last day to sign (Shanghai date 2026-11-09)
  ASSERT_TRUE(ticker.run_once().ok());
  EXPECT_EQ(get(id)["state"], "sold");
  at("2026-11-10T01:00:00Z");
  auto r = ticker.run_once();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)["refusals"].size(), 1u) << r->dump();
  Json c = get(id);
  EXPECT_EQ(c["state"], "not_sold");
  EXPECT_EQ(c["doc"]["refusal"]["bidder"], "bob");
  EXPECT_TRUE(*svc->lots().blacklisted("bob"));
  EXPECT_EQ(ledger->balances(ledger_id("collective", "col-1"))->account.balances.credits_posted, 200'000'00);
  // Idempotent: another run changes nothing and moves no money twice.
  auto again = ticker.run_once();
  EXPECT_EQ((*again)["refusals"].size(), 0u);
  EXPECT_EQ(ledger->balances(ledger_id("collective", "col-1"))->account.balances.credits_posted, 200'000'00);
  auto reg = svc->lots().register_bidder(bidder("bob"), "reg-x", lot);
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().code, "land.bidder_blacklisted");
}

TEST_F(TickerTest, ReviewWindowClearsAndInstalmentsFallDue) {
  auto [filed, none] = make_case(false);
  Ticker ticker(*svc);
  at("2026-10-10T12:00:00Z");  // review deadline: 5 working days after 28 Sep = 10 Oct (adjusted Saturday)
  ASSERT_TRUE(ticker.run_once().ok());
  EXPECT_EQ(get(filed)["state"], "scheme_filed");
  at("2026-10-11T02:00:00Z");
  auto r = ticker.run_once();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["reviews_cleared"].size(), 1u);
  EXPECT_EQ(get(filed)["state"], "cleared");
  EXPECT_EQ(get(filed)["doc"]["review"]["decision"], "cleared");
}

TEST_F(TickerTest, MissedInstalmentIsMarkedOverdue) {
  auto [id, lot] = make_case();
  at("2026-10-26T08:00:00Z");
  Ticker ticker(*svc);
  ASSERT_TRUE(ticker.run_once().ok());
  step(id, "record_result", Json::object());
  Json contract = {{"boundary", "b"}, {"area_m2", 1}, {"use", "commercial_service"}, {"term_years", 40},
                   {"payment_terms", "p"}, {"handover_date", "2026-12-01"}, {"construction_start_by", "2027-06-01"},
                   {"construction_complete_by", "2029-06-01"}, {"early_recovery", "e"}, {"renewal", "r"},
                   {"buildings_on_expiry", "b"}, {"default_liability", "d"}, {"dispute_resolution", "x"},
                   {"industry_requirements", "准入"}, {"eco_requirements", "环评"},
                   {"planning_conditions", {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24}}}};
  step(id, "sign_contract", {{"contract", contract}});
  Json c = get(id);
  ASSERT_EQ(c["doc"]["payment_schedule"].size(), 2u);
  EXPECT_EQ(c["doc"]["payment_schedule"][0]["due"], "2026-11-25");
  EXPECT_EQ(c["doc"]["payment_schedule"][0]["cumulative_fen"], 505'000'00);
  at("2026-11-26T02:00:00Z");
  auto r = ticker.run_once();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["overdue"].size(), 1u);
  c = get(id);
  EXPECT_EQ(c["state"], "contract_signed");
  EXPECT_EQ(c["doc"]["payment_overdue"]["due"], "2026-11-25");
  // Paying up to the instalment clears the mark.
  step(id, "record_payment", {{"amount_fen", 305'000'00}});
  c = get(id);
  EXPECT_EQ(c["state"], "paying");
  EXPECT_FALSE(c["doc"].contains("payment_overdue"));
}

TEST_F(TickerTest, BackgroundThreadClosesWithoutRequests) {
  auto [id, lot] = make_case();
  at("2026-10-26T07:30:00Z");  // past the listing close and any countdown
  Ticker ticker(*svc, std::chrono::milliseconds(20));
  ticker.start();
  for (int i = 0; i < 250 && ticker.runs() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ticker.stop();
  ASSERT_GE(ticker.runs(), 2);
  svc->lots().drop_cache();
  auto g = svc->lots().get(lot, true);
  EXPECT_EQ((*g)["phase"], "sold");
  EXPECT_EQ(wallet("alice").debits_pending, 0);
}

}  // namespace
}  // namespace riverlink::land
