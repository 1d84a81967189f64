// Land service: a parcel's whole market entry, with the statutory checks refusing bad input
// (vote short of 2/3, late filing, review window, short announcement, void contract, long
// lease) and leaving no change behind.
#include "land/service.hpp"

#include <gtest/gtest.h>

#include "land/test_support.hpp"

namespace riverlink::land {
namespace {

using core::Json;
using namespace test_support;

TEST(Geometry, GeodesicArea) {
  auto a = geodesic_area_m2(square(119.8, 31.4, 0.001));
  ASSERT_TRUE(a.ok());
  // 0.001° × 0.001° at 31.4° N: about 95.1 m × 110.9 m.
  EXPECT_NEAR(*a, 10'540, 60);
  EXPECT_NEAR(m2_to_mu(*a), 15.8, 0.1);
  Json open = square(119.8, 31.4, 0.001);
  open["coordinates"][0].erase(4);
  auto bad = geodesic_area_m2(open);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields.at(0).field, "geometry.coordinates[0]");
}

TEST(Calendar, HolidaysAndAdjustedWorkdays) {
  const auto& cal = WorkCalendar::bundled();
  EXPECT_FALSE(cal.is_working_day(*parse_date("2026-10-05")));  // National Day
  EXPECT_TRUE(cal.is_working_day(*parse_date("2026-10-10")));   // adjusted Saturday
  EXPECT_FALSE(cal.is_working_day(*parse_date("2026-10-11")));  // Sunday
  EXPECT_EQ(format_date(cal.add_working_days(*parse_date("2026-09-28"), 10)), "2026-10-16");
  EXPECT_EQ(cal.working_days_between(*parse_date("2026-09-28"), *parse_date("2026-10-16")), 10);
  auto bad = WorkCalendar::parse(R"({"holidays": ["2026-13-01"], "workdays": []})", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields.at(0).field, "x.json: holidays[0]");
}

struct Land : ServiceFixture {

  Result<Json> step(const std::string& id, const std::string& cmd, const Json& body,
                    const auth::Principal& p = officer()) {
    return svc->transition(p, ctx(p), id, cmd, body);
  }
  std::string state(const std::string& id) { return (*svc->get_case(officer(), id))["state"]; }

  void expect_refused(const std::string& id, const std::string& cmd, const Json& body,
                      const std::string& code, const std::string& field,
                      const auth::Principal& p = officer()) {
    const std::string before = state(id);
    auto r = step(id, cmd, body, p);
    ASSERT_FALSE(r.ok()) << cmd << " was accepted";
    EXPECT_EQ(r.error().code, code) << r.error().message;
    if (!field.empty()) {
      ASSERT_FALSE(r.error().fields.empty()) << r.error().message;
      EXPECT_EQ(r.error().fields[0].field, field);
    }
    EXPECT_EQ(state(id), before);
  }
};

TEST_F(Land, MarketEntryFromEligibilityToRegistration) {
  Json members = Json::array();
  for (int i = 1; i <= 6; ++i) {
    members.push_back({{"id", "m" + std::to_string(i)}, {"name", "村民" + std::to_string(i)},
                       {"shares", i <= 3 ? 2 : 1}, {"is_representative", i <= 3}});
  }
  auto col = svc->create_collective(officer(), ctx(officer()),
                                    {{"id", "col-1"}, {"name", "某村民小组"}, {"division_code", "320282"},
                                     {"kind", "village_group"}, {"retention_bp", 1200},
                                     {"payout_mode", "cash"}, {"members", members}});
  ASSERT_TRUE(col.ok()) << col.error().message;
  Json parcel = {{"code", "YX-001"}, {"name", "丁蜀镇地块"}, {"division_code", "320282"},
                 {"collective_id", "col-1"}, {"geometry", square(119.8, 31.4, 0.001)},
                 {"planned_use", "commercial_service"}, {"land_class", "existing_construction"},
                 {"zone", "town"}, {"ownership_registered", true},
                 {"encumbrances", Json::array({{{"kind", "lease"}, {"resolved", true}}})}};
  auto pr = svc->create_parcel(officer(), ctx(officer()), parcel);
  ASSERT_TRUE(pr.ok()) << pr.error().message;
  EXPECT_TRUE((*pr)["eligibility_failures"].empty());
  const std::string parcel_id = (*pr)["id"];

  auto oc = svc->open_case(agent(), ctx(agent()), parcel_id, "in_place");
  ASSERT_TRUE(oc.ok()) << oc.error().message;
  const std::string id = (*oc)["id"];
  expect_refused(id, "issue_planning", Json::object(), "land.invalid_transition", "");
  ASSERT_TRUE(step(id, "check_eligibility", Json::object()).ok());
  expect_refused(id, "issue_planning", {{"use", "commercial_service"}}, "land.invalid_planning", "plot_ratio_max");
  const Json planning = {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24},
                         {"industry_requirements", "服务业准入"}, {"eco_requirements", "环评"}};
  ASSERT_TRUE(step(id, "issue_planning", planning).ok());
  Json scheme = {{"term_years", 41}, {"method", "listing"}, {"entry_price_fen", 1'000'000'00},
                 {"deposit_fen", 200'000'00}, {"planned_trade_date", "2026-10-16"},
                 {"distribution_plan", {{"retention_bp", 1200}}}};
  expect_refused(id, "draft_scheme", scheme, "land.invalid_term", "term_years", agent());
  scheme["term_years"] = 40;
  ASSERT_TRUE(step(id, "draft_scheme", scheme, agent()).ok());

  // 3 of 6 members is short of two thirds; so is 1 of 3 representatives.
  expect_refused(id, "vote", {{"basis", "members"}, {"yes", 3}}, "land.vote_short_of_two_thirds", "yes", agent());
  expect_refused(id, "vote", {{"basis", "representatives"}, {"yes", 1}}, "land.vote_short_of_two_thirds", "yes", agent());
  ASSERT_TRUE(step(id, "vote", {{"basis", "members"}, {"yes", 4}}, agent()).ok());

  // National Day holidays: filing on 29 Sep leaves 9 working days before 16 Oct.
  expect_refused(id, "file_scheme", {{"filed_date", "2026-09-29"}}, "land.filing_too_late", "filed_date", agent());
  ASSERT_TRUE(step(id, "file_scheme", {{"filed_date", "2026-09-28"}}, agent()).ok());
  // The review window (5 working days from 28 Sep) closed on 10 Oct.
  expect_refused(id, "review", {{"decision", "changes_requested"}, {"date", "2026-10-12"}},
                 "land.review_window_closed", "date");
  ASSERT_TRUE(step(id, "review", {{"decision", "cleared"}, {"date", "2026-10-12"}}).ok());

  Json lot = {{"increment_fen", 10'000'00}, {"open_at", "2026-10-16T01:00:00Z"},
              {"close_at", "2026-10-26T07:00:00Z"}, {"min_timed_bidders", 2}, {"countdown_s", 240}};
  expect_refused(id, "announce", {{"announce_date", "2026-09-30"}, {"lot", lot}},
                 "land.announcement_too_short", "lot.open_at");
  auto an = step(id, "announce", {{"announce_date", "2026-09-20"}, {"lot", lot}});
  ASSERT_TRUE(an.ok()) << an.error().message;
  const std::string lot_id = (*an)["lot_id"];

  // Trading: two bidders, listing, then timed bidding.
  Lots& lots = svc->lots();
  for (const char* b : {"alice", "bob"}) {
    ASSERT_TRUE(lots.pay_in(officer(), ctx(officer()), b, 300'000'00).ok());
    auto r = lots.register_bidder(bidder(b), "reg", lot_id);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  clock.set(core::from_unix_ms(ms("2026-10-16T02:00:00Z")));
  ASSERT_EQ(lots.bid(bidder("alice"), "1", lot_id, 1'000'000'00)->result["result"], "ok");
  ASSERT_EQ(lots.bid(bidder("bob"), "1", lot_id, 1'010'000'00)->result["result"], "ok");
  clock.set(core::from_unix_ms(ms("2026-10-26T07:00:30Z")));
  ASSERT_EQ(lots.bid(bidder("alice"), "2", lot_id, 1'030'000'00)->result["result"], "ok");
  expect_refused(id, "record_result", Json::object(), "land.lot_not_decided", "");
  clock.set(core::from_unix_ms(ms("2026-10-26T07:05:00Z")));
  auto rr = step(id, "record_result", Json::object());
  ASSERT_TRUE(rr.ok()) << rr.error().message;
  EXPECT_EQ((*rr)["state"], "sold");

  // A contract without the planning conditions is void.
  Json contract = {{"boundary", "见宗地图"}, {"area_m2", 10540}, {"use", "commercial_service"},
                   {"term_years", 40}, {"payment_terms", "一个月内付清"}, {"handover_date", "2026-12-01"},
                   {"construction_start_by", "2027-06-01"}, {"construction_complete_by", "2029-06-01"},
                   {"early_recovery", "按合同补偿"}, {"renewal", "依法续期"},
                   {"buildings_on_expiry", "无偿收回"}, {"default_liability", "违约金"},
                   {"dispute_resolution", "仲裁"}, {"industry_requirements", "服务业准入"},
                   {"eco_requirements", "环评"}};
  expect_refused(id, "sign_contract", {{"contract", contract}}, "land.contract_void",
                 "contract.planning_conditions");
  contract["planning_conditions"] = {{"use", "commercial_service"}, {"plot_ratio_max", 2.5}, {"height_max_m", 24}};
  expect_refused(id, "sign_contract", {{"contract", contract}}, "land.contract_void",
                 "contract.planning_conditions.plot_ratio_max");
  contract["planning_conditions"]["plot_ratio_max"] = 2.0;
  ASSERT_TRUE(step(id, "sign_contract", {{"contract", contract}}).ok());

  // The deposit (200,000 yuan) counts toward the price (1,030,000 yuan).
  expect_refused(id, "record_payment", {{"amount_fen", 900'000'00}}, "land.overpayment", "amount_fen");
  ASSERT_EQ((*step(id, "record_payment", {{"amount_fen", 500'000'00}}))["state"], "paying");
  ASSERT_EQ((*step(id, "record_payment", {{"amount_fen", 330'000'00}}))["state"], "paid");

  // Deqing-style grid on the gross price (demo parameters): town commercial 40%.
  Json table = {{"id", "deqing-demo"}, {"name", "德清 demo"}, {"base", "gross_price"}, {"min_bp", 1600},
                {"max_bp", 4800}, {"source", "经济日报 2017-09-08 [secondary]; grid [unverified]"},
                {"rates", Json::array({{{"use", "commercial"}, {"zone", "town"}, {"method", "*"}, {"event", "entry"}, {"rate_bp", 4000}},
                                       {{"use", "industrial"}, {"zone", "town"}, {"method", "*"}, {"event", "entry"}, {"rate_bp", 2000}}})}};
  Json bad = table;
  bad["rates"][0]["rate_bp"] = 5000;
  auto br = svc->put_rate_table(officer(), ctx(officer()), bad);
  ASSERT_FALSE(br.ok());
  EXPECT_EQ(br.error().fields[0].field, "rates[0].rate_bp");
  ASSERT_TRUE(svc->put_rate_table(officer(), ctx(officer()), table).ok());
  auto sf = step(id, "settle_fund", {{"rate_table_id", "deqing-demo"}, {"taxes_fen", 30'000'00}});
  ASSERT_TRUE(sf.ok()) << sf.error().message;
  auto c = *svc->get_case(officer(), id);
  EXPECT_EQ(c["doc"]["fund"]["fund"]["fund_fen"], 412'000'00);  // 40% of 1,030,000 yuan
  EXPECT_EQ(c["doc"]["fund"]["net_to_collective_fen"], 1'030'000'00 - 412'000'00 - 30'000'00);
  auto treasury = ledger->balances(ledger_id("treasury", "320282"));
  EXPECT_EQ(treasury->account.balances.credits_posted, 442'000'00);
  auto escrow = ledger->balances(ledger_id("escrow", lot_id));
  EXPECT_EQ(escrow->account.balances.credits_posted, escrow->account.balances.debits_posted);

  ASSERT_TRUE(step(id, "distribute", Json::object(), agent()).ok());
  auto st = svc->statements(agent(), id);
  ASSERT_TRUE(st.ok());
  const int64_t net = 588'000'00;
  int64_t sum = 0;
  for (const auto& s : (*st)["items"]) sum += s["amount_fen"].get<int64_t>();
  EXPECT_EQ(sum + (*st)["distribution"]["retained_fen"].get<int64_t>(), net);
  EXPECT_EQ((*st)["items"][0]["amount_fen"], (net - net * 12 / 100) * 2 / 9);  // m1: 2 of 9 shares
  // Cash payouts moved on the ledger: collective -> each member's payout account.
  int64_t on_ledger = 0;
  for (const auto& s : (*st)["items"]) {
    auto m = ledger->balances(ledger_id("member", "col-1:" + s["member_id"].get<std::string>()));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->account.balances.credits_posted, s["amount_fen"].get<int64_t>());
    on_ledger += m->account.balances.credits_posted;
  }
  auto colacc = ledger->balances(ledger_id("collective", "col-1"));
  EXPECT_EQ(colacc->account.balances.credits_posted, net);
  EXPECT_EQ(colacc->account.balances.debits_posted, on_ledger);

  ASSERT_TRUE(step(id, "register", {{"certificate_no", "苏(2026)宜兴市不动产权第0000001号"}, {"registered_date", "2026-11-20"}}).ok());
  EXPECT_EQ(state(id), "registered");
  auto rights = svc->rights(id);
  ASSERT_EQ((*rights)["items"].size(), 1u);
  const std::string right = (*rights)["items"][0]["id"];
  EXPECT_EQ((*rights)["items"][0]["end_date"], "2066-11-20");
  auto lease = svc->right_action(officer(), ctx(officer()), right,
                                 {{"kind", "lease"}, {"lessee", "某公司"}, {"years", 21}, {"start_date", "2027-01-01"}});
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().code, "land.lease_too_long");
  EXPECT_EQ((*svc->rights(id))["items"].size(), 1u);
  ASSERT_TRUE(svc->right_action(officer(), ctx(officer()), right,
                                {{"kind", "lease"}, {"lessee", "某公司"}, {"years", 20}, {"start_date", "2027-01-01"}}).ok());
  auto tr = svc->right_action(officer(), ctx(officer()), right, {{"kind", "transfer"}, {"to", "x"}, {"date", "2030-01-01"}});
  ASSERT_FALSE(tr.ok());
  EXPECT_EQ(tr.error().code, "land.owner_not_notified");
  auto mg = svc->right_action(officer(), ctx(officer()), right, {{"kind", "mortgage"}, {"lender", "某银行"}, {"amount_fen", 500'000'00}});
  ASSERT_TRUE(mg.ok()) << mg.error().message;
  ASSERT_TRUE(svc->right_action(officer(), ctx(officer()), (*mg)["id"], {{"kind", "register_mortgage"}}).ok());
  auto events = svc->case_events(officer(), id);
  EXPECT_GE((*events)["items"].size(), 15u);
}

TEST_F(Land, IneligibleParcelAndSuspension) {
  auto col = svc->create_collective(officer(), ctx(officer()),
                                    {{"id", "col-2"}, {"name", "村"}, {"division_code", "320282"}, {"kind", "village"},
                                     {"retention_bp", 3000}, {"payout_mode", "shares"},
                                     {"members", Json::array({{{"id", "m1"}, {"name", "a"}, {"shares", 1}}})}});
  ASSERT_TRUE(col.ok());
  Json parcel = {{"code", "YX-002"}, {"name", "宅基地"}, {"division_code", "320282"}, {"collective_id", "col-2"},
                 {"geometry", square(119.8, 31.4, 0.001)}, {"planned_use", "residential_commodity"},
                 {"land_class", "homestead"}, {"ownership_registered", false}};
  auto pr = svc->create_parcel(officer(), ctx(officer()), parcel);
  ASSERT_TRUE(pr.ok());
  auto oc = svc->open_case(agent(), ctx(agent()), (*pr)["id"], "in_place");
  ASSERT_TRUE(oc.ok());
  const std::string id = (*oc)["id"];
  expect_refused(id, "check_eligibility", Json::object(), "land.not_eligible", "ownership_registered");
  auto outsider = officer();
  outsider.division_code = "310000";
  auto r = svc->transition(outsider, ctx(outsider), id, "suspend", Json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "auth.outside_jurisdiction");
  ASSERT_TRUE(step(id, "suspend", {{"reason", "dispute"}}).ok());
  expect_refused(id, "check_eligibility", Json::object(), "land.invalid_transition", "");
  ASSERT_TRUE(step(id, "resume", Json::object()).ok());
  EXPECT_EQ(state(id), "identified");
  ASSERT_TRUE(step(id, "terminate", {{"reason", "not eligible"}}).ok());
  EXPECT_EQ(state(id), "terminated");
}

}  // namespace
}  // namespace riverlink::land
