// Vouchers over real HTTP against the real App and server: the seeded elevator case, the
// marketplace flow, problem+json errors, and 100 concurrent accepts of one contract.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/testing.hpp"

using namespace riverlink;
using http::testing::Client;

namespace {
struct VouchersApi : ::testing::Test {
  std::unique_ptr<app::testing::LiveApp> live;
  app::App* application = nullptr;
  unsigned short port = 0;

  void SetUp() override {
    live = std::make_unique<app::testing::LiveApp>(app::testing::LiveOptions{.threads = 8, .body_limit = 256 * 1024});
    application = &live->app();
    port = live->port();
  }
  Client signed_in(const std::string& user) { return live->signed_in(user); }
  int64_t count(const std::string& sql) {
    auto tx = application->db().begin(store::TxKind::read);
    return tx->query_one(sql)->i64(0);
  }
};
}  // namespace

TEST_F(VouchersApi, SeededElevatorCaseIsVisible) {
  Client e = signed_in("enterprise");
  auto list = e.get("/api/v1/vouchers/contracts?limit=500");
  ASSERT_EQ(list.status, 200) << list.body;
  core::Json elevator, items = list.json()["items"];
  for (auto& c : items) if (c["amount_fen"] == 45'000'000) elevator = c;
  ASSERT_FALSE(elevator.is_null());
  EXPECT_EQ(elevator["voucher_fen"], 30'000'000);
  EXPECT_EQ(elevator["copay_fen"], 15'000'000);
  auto one = e.get("/api/v1/vouchers/contracts/" + elevator["id"].get<std::string>()).json();
  EXPECT_EQ(one["policy"]["params"]["ratio_bp"], 7000);
  EXPECT_EQ(one["policy"]["params"]["per_contract_cap_fen"], 30'000'000);
  EXPECT_GE(one["ledger_transfers"].size(), 5u);
  Client a = signed_in("auditor");
  auto cons = a.get("/api/v1/vouchers/consistency").json();
  EXPECT_TRUE(cons["consistent"].get<bool>()) << cons.dump();
  auto flows = a.get("/api/v1/vouchers/reports/flows").json();
  EXPECT_GT(flows["items"].size(), 10u);
  auto budgets = a.get("/api/v1/vouchers/reports/budgets").json();
  EXPECT_GT(budgets["budgets"].size(), 5u);
  auto fm = a.get("/api/v1/vouchers/reports/flow-matrix?netting=1").json();
  EXPECT_TRUE(fm.contains("netting"));
  auto s = e.get("/api/v1/vouchers/search?q=%E6%9B%B3%E5%BC%95%E7%B3%BB%E7%BB%9F");  // 曳引系统
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_GE(s.json()["items"].size(), 1u);
}

TEST_F(VouchersApi, HundredConcurrentAcceptsMakeOneRedemption) {
  Client e = signed_in("enterprise");
  Client p = signed_in("provider");
  auto d = e.post("/api/v1/vouchers/demands", {{"title", "疲劳试验"}, {"category", "testing"}, {"budget_fen", 2'000'000}});
  ASSERT_EQ(d.status, 201) << d.body;
  auto q = p.post("/api/v1/vouchers/demands/" + d.json()["id"].get<std::string>() + "/quotes", {{"amount_fen", 2'000'000}});
  ASSERT_EQ(q.status, 201) << q.body;
  auto c = e.post("/api/v1/vouchers/quotes/" + q.json()["id"].get<std::string>() + "/award", core::Json::object());
  ASSERT_EQ(c.status, 201) << c.body;
  std::string cid = c.json()["id"];
  auto sg = e.post("/api/v1/vouchers/contracts/" + cid + "/sign", core::Json::object());
  ASSERT_EQ(sg.status, 200) << sg.body;
  EXPECT_EQ(sg.json()["voucher_fen"], 1'400'000);
  auto dl = p.post("/api/v1/vouchers/contracts/" + cid + "/deliver",
                   {{"evidence", core::Json::array({{{"filename", "r.txt"}, {"content_base64", "aGVsbG8="}}})}});
  ASSERT_EQ(dl.status, 200) << dl.body;
  EXPECT_EQ(dl.json()["evidence"][0]["sha256"], "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::vector<std::thread> ts;
  std::string first_body;
  for (int i = 0; i < 100; ++i) {
    ts.emplace_back([&, i] {
      Client mine(port);
      mine.cookies = e.cookies;
      mine.csrf = e.csrf;
      auto r = mine.post("/api/v1/vouchers/contracts/" + cid + "/accept", {{"invoice_no", "INV-CONC-1"}}, "accept-" + std::to_string(i));
      if (r.status == 200) ++ok;
      else if (r.status == 409) ++conflict;
      else ++other;
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 99);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM vch_redemptions WHERE contract_id = '" + cid + "'"), 1);
  // Retrying any key returns that key's first result.
  auto again = e.post("/api/v1/vouchers/contracts/" + cid + "/accept", {{"invoice_no", "INV-CONC-1"}}, "accept-0");
  auto again2 = e.post("/api/v1/vouchers/contracts/" + cid + "/accept", {{"invoice_no", "INV-CONC-1"}}, "accept-0");
  EXPECT_EQ(again.status, again2.status);
  EXPECT_EQ(again.body, again2.body);

  // Review by an officer outside the jurisdiction: 403 problem+json, nothing changes.
  Client sh = signed_in("officer_sh");
  auto out = sh.post("/api/v1/vouchers/contracts/" + cid + "/review", {{"decision", "approve"}});
  EXPECT_EQ(out.status, 403) << out.body;
  EXPECT_EQ(out.headers["content-type"], "application/problem+json");
  Client js = signed_in("officer_js");
  auto rv = js.post("/api/v1/vouchers/contracts/" + cid + "/review", {{"decision", "approve"}});
  EXPECT_EQ(rv.status, 200) << rv.body;
  EXPECT_EQ(rv.json()["state"], "approved");
}

TEST_F(VouchersApi, BadInputIsProblemJsonNamingTheField) {
  Client e = signed_in("enterprise");
  auto r = e.post("/api/v1/vouchers/demands", {{"title", "x"}, {"category", "rd"}, {"budget_fen", -5}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.json()["errors"][0]["field"], "budget_fen");
  auto u = e.post("/api/v1/vouchers/demands", {{"title", "x"}, {"category", "rd"}, {"budget_fen", 5}, {"surprise", 1}});
  EXPECT_EQ(u.status, 422);
  Client o = signed_in("officer_js");
  auto pol = o.post("/api/v1/vouchers/policies", {{"issuer_code", "JS"}, {"doc_ref", "x"}, {"label", "x"}, {"effective_from", "2030-01-01"},
                                                 {"effective_to", "2030-12-31"}, {"params", {{"ratio_bp", 20000}}}});
  EXPECT_EQ(pol.status, 422);
  EXPECT_EQ(pol.json()["errors"][0]["field"], "params.ratio_bp");
}

namespace {
std::string S(const core::Json& j) { return j.get<std::string>(); }
}  // namespace

// The whole workflow over HTTP as the demo logins: catalogue, demand, quote with a listed
// service, award, sign, deliver, accept, review, settlement for both funders, payouts, the
// contract's audit entries, reports that agree with the contracts table, and policy versions.
TEST_F(VouchersApi, WholeWorkflowOverHttp) {
  Client e = signed_in("enterprise"), p = signed_in("provider"), o = signed_in("officer_js"), a = signed_in("auditor");
  auto sum0 = a.get("/api/v1/vouchers/reports/summary").json();
  auto me = e.get("/api/v1/vouchers/parties/mine").json()["items"];
  ASSERT_GE(me.size(), 1u);
  std::string ent = S(me[0]["id"]);
  auto quota0 = e.get("/api/v1/vouchers/quota/" + ent).json()["grants"][0];

  auto svc = p.post("/api/v1/vouchers/services", {{"name", "疲劳寿命试验"}, {"category", "testing"}, {"price_fen", 5'000'000}});
  ASSERT_EQ(svc.status, 201) << svc.body;
  auto mine = p.get("/api/v1/vouchers/services/mine").json()["items"];
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(mine[0]["id"], svc.json()["id"]);
  auto found = e.get("/api/v1/vouchers/search?q=%E7%96%B2%E5%8A%B3%E5%AF%BF%E5%91%BD").json()["items"];  // 疲劳寿命
  ASSERT_FALSE(found.empty());

  auto d = e.post("/api/v1/vouchers/demands", {{"title", "曳引机疲劳试验"}, {"category", "testing"}, {"budget_fen", 5'000'000}});
  ASSERT_EQ(d.status, 201) << d.body;
  auto q = p.post("/api/v1/vouchers/demands/" + S(d.json()["id"]) + "/quotes",
                  {{"amount_fen", 5'000'000}, {"service_id", svc.json()["id"]}, {"note", "两周"}});
  ASSERT_EQ(q.status, 201) << q.body;
  auto quotes = e.get("/api/v1/vouchers/demands/" + S(d.json()["id"]) + "/quotes").json()["items"];
  ASSERT_EQ(quotes.size(), 1u);
  auto c = e.post("/api/v1/vouchers/quotes/" + S(q.json()["id"]) + "/award", core::Json::object());
  ASSERT_EQ(c.status, 201) << c.body;
  std::string cid = c.json()["id"], base = "/api/v1/vouchers/contracts/" + cid;
  auto sg = e.post(base + "/sign", core::Json::object());
  ASSERT_EQ(sg.status, 200) << sg.body;
  EXPECT_EQ(sg.json()["voucher_fen"], 3'500'000);  // demo JS policy: 70 %
  EXPECT_EQ(sg.json()["copay_fen"], 1'500'000);
  auto quota1 = e.get("/api/v1/vouchers/quota/" + ent).json()["grants"][0];
  EXPECT_EQ(quota0["available_fen"].get<int64_t>() - quota1["available_fen"].get<int64_t>(), 3'500'000);
  EXPECT_EQ(quota1["held_fen"].get<int64_t>() - quota0["held_fen"].get<int64_t>(), 3'500'000);
  ASSERT_EQ(p.post(base + "/deliver", {{"evidence", core::Json::array({{{"filename", "report.txt"}, {"content_base64", "b2s="}}})}}).status, 200);
  ASSERT_EQ(e.post(base + "/accept", {{"invoice_no", "INV-WHOLE-1"}}).status, 200);
  auto rv = o.post(base + "/review", {{"decision", "approve"}, {"note", "ok"}});
  ASSERT_EQ(rv.status, 200) << rv.body;

  std::string period = S(rv.json()["approved_on"]).substr(0, 7);
  for (std::string issuer : {"JS", "JS-SZ"}) {
    auto st = o.post("/api/v1/vouchers/settlements", {{"issuer_code", issuer}, {"period", period}});
    ASSERT_EQ(st.status, 201) << st.body;
    auto csv = o.get("/api/v1/vouchers/settlements/" + S(st.json()["id"]) + "/statement.csv");
    EXPECT_NE(csv.body.find(cid), std::string::npos);
    // Every obligation is paid exactly once: a second run finds nothing.
    auto again = o.post("/api/v1/vouchers/settlements", {{"issuer_code", issuer}, {"period", period}});
    EXPECT_EQ(again.status, 409) << again.body;
  }
  auto done = e.get(base).json();
  EXPECT_EQ(done["state"], "settled");
  ASSERT_EQ(done["obligations"].size(), 2u);
  int64_t paid = 0;
  for (auto& ob : done["obligations"]) {
    EXPECT_TRUE(ob["batch_id"].is_string());
    paid += ob["amount_fen"].get<int64_t>();
  }
  EXPECT_EQ(paid, 3'500'000);
  // 通用 mode: the enterprise is the payee and sees its payouts as paid.
  auto po = e.get("/api/v1/vouchers/payouts").json();
  int n = 0;
  for (auto& x : po["items"]) if (x["contract_id"] == cid) { ++n; EXPECT_EQ(x["state"], "paid"); }
  EXPECT_EQ(n, 2);

  auto audit = e.get(base + "/audit").json()["items"];
  std::vector<std::string> cmds;
  for (auto& x : audit) cmds.push_back(x["command"]);
  for (auto want : {"quote.submit", "quote.award", "contract.sign", "contract.deliver", "contract.accept", "contract.review"}) {
    EXPECT_NE(std::find(cmds.begin(), cmds.end(), want), cmds.end()) << want;
  }
  EXPECT_EQ(signed_in("bidder").get(base + "/audit").status, 404);

  // Reports: the summary adds up the contracts; the monthly flows add up to it; the new order counts once.
  auto sum1 = a.get("/api/v1/vouchers/reports/summary").json();
  EXPECT_EQ(sum1["amount_fen"].get<int64_t>() - sum0["amount_fen"].get<int64_t>(), 5'000'000);
  EXPECT_EQ(sum1["orders"].get<int64_t>() - sum0["orders"].get<int64_t>(), 1);
  int64_t flow_total = 0, flow_count = 0;
  auto flows = a.get("/api/v1/vouchers/reports/flows").json();
  for (auto& f : flows["items"]) {
    flow_total += f["amount_fen"].get<int64_t>();
    flow_count += f["count"].get<int64_t>();
  }
  EXPECT_EQ(flow_total, sum1["amount_fen"].get<int64_t>());
  EXPECT_EQ(flow_count, sum1["orders"].get<int64_t>());
  EXPECT_EQ(count("SELECT COALESCE(SUM(amount_fen), 0) FROM vch_contracts WHERE signed_on IS NOT NULL AND state NOT IN "
                  "('draft','cancelled','rejected','expired')"),
            sum1["amount_fen"].get<int64_t>());
  EXPECT_TRUE(a.get("/api/v1/vouchers/consistency").json()["consistent"].get<bool>());
}

// Policy versions: a new version superseding the one in force shortens that window (its
// parameters stay), contracts signed under it block a supersession from an earlier day, and
// every refused body names its field and writes nothing.
TEST_F(VouchersApi, PolicyVersionsAndTheirValidation) {
  Client o = signed_in("officer_js");
  auto list = o.get("/api/v1/vouchers/policies?issuer=JS").json()["items"];
  ASSERT_EQ(list.size(), 1u);
  core::Json v1 = list[0];
  auto body = [&](const std::string& from, const std::string& to) {
    return core::Json{{"issuer_code", "JS"}, {"doc_ref", "DEMO-JS-2"}, {"label", "DEMO v2"}, {"effective_from", from},
                      {"effective_to", to}, {"params", v1["params"]}};
  };
  Client sh = signed_in("officer_sh");
  const int64_t policies0 = count("SELECT COUNT(*) FROM vch_policies"),
                audit0 = count("SELECT COUNT(*) FROM audit_log WHERE module = 'vouchers'");
  struct Bad { std::string field; core::Json patch; };
  std::vector<Bad> bads = {
      {"params.ratio_bp", {{"ratio_bp", -1}}},
      {"params.per_contract_cap_fen", {{"per_contract_cap_fen", "abc"}}},
      {"params.enterprise_annual_cap_fen", {{"enterprise_annual_cap_fen", 1.5}}},
      {"params.group_annual_cap_fen", {{"group_annual_cap_fen", 1}}},
      {"params.categories", {{"categories", core::Json::array()}}},
      {"params.recognised_provider_divisions", {{"recognised_provider_divisions", core::Json::array({"999999"})}}},
      {"params.payee_mode", {{"payee_mode", "cash"}}},
      {"params.validity_days", {{"validity_days", 0}}},
      {"params.annual_budget_fen", {{"annual_budget_fen", -100}}},
      {"params.funding", {{"funding", core::Json::array({{{"issuer", "JS"}, {"share_bp", 9000}}})}}},
      {"params.publicity_days", {{"publicity_days", -2}}},
      {"params.settlement_cycle", {{"settlement_cycle", "daily"}}},
      {"params.related_party_forbidden", {{"related_party_forbidden", "no"}}},
  };
  for (const auto& b : bads) {
    auto req = body("2040-01-01", "2040-12-31");
    req["params"].update(b.patch);
    auto r = o.post("/api/v1/vouchers/policies", req);
    EXPECT_EQ(r.status, 422) << b.field << " " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json");
    ASSERT_TRUE(r.json().contains("errors")) << r.body;
    EXPECT_EQ(r.json()["errors"][0]["field"], b.field) << r.body;
  }
  auto bad_date = body("2040-13-01", "2040-12-31");
  EXPECT_EQ(o.post("/api/v1/vouchers/policies", bad_date).json()["errors"][0]["field"], "effective_from");
  auto inverted = body("2040-06-01", "2040-01-01");
  EXPECT_EQ(o.post("/api/v1/vouchers/policies", inverted).json()["errors"][0]["field"], "effective_to");
  auto overlap = o.post("/api/v1/vouchers/policies", body(S(v1["effective_from"]), "2040-12-31"));
  EXPECT_EQ(overlap.status, 422) << overlap.body;
  EXPECT_EQ(overlap.json()["code"], "vouchers.policy_overlap");
  // An officer of another province may not publish for JS.
  auto other = sh.post("/api/v1/vouchers/policies", body("2040-01-01", "2040-12-31"));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM vch_policies"), policies0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE module = 'vouchers'"), audit0);

  // The elevator contract was signed under v1 twenty days ago: superseding from before then is refused.
  std::string from_past = S(v1["effective_from"]).substr(0, 4) + "-06-01";
  auto blocked = body(from_past, S(v1["effective_to"]));
  blocked["supersede"] = true;
  auto br = o.post("/api/v1/vouchers/policies", blocked);
  EXPECT_EQ(br.status, 422) << br.body;
  EXPECT_EQ(br.json()["errors"][0]["field"], "effective_from");
  // From the last year of v1's window it supersedes: v1 now ends the day before, v2 follows.
  std::string last_year = S(v1["effective_to"]).substr(0, 4);
  auto sup = body(last_year + "-01-01", last_year + "-12-31");
  sup["supersede"] = true;
  sup["params"]["ratio_bp"] = 6000;
  auto sr = o.post("/api/v1/vouchers/policies", sup);
  ASSERT_EQ(sr.status, 201) << sr.body;
  EXPECT_EQ(sr.json()["version"], 2);
  EXPECT_EQ(sr.json()["superseded"]["effective_to"], std::to_string(std::stoi(last_year) - 1) + "-12-31");
  auto v1_now = o.get("/api/v1/vouchers/policies/" + S(v1["id"])).json();
  EXPECT_EQ(v1_now["params"], v1["params"]);
  EXPECT_EQ(v1_now["effective_to"], std::to_string(std::stoi(last_year) - 1) + "-12-31");
}

// The bad-input list over HTTP: each is a problem+json error and changes nothing.
TEST_F(VouchersApi, RefusedClaimsChangeNothing) {
  Client e = signed_in("enterprise"), p = signed_in("provider");
  auto flow = [&](int64_t amount, const std::string& cat) {
    auto d = e.post("/api/v1/vouchers/demands", {{"title", "t"}, {"category", cat}, {"budget_fen", amount}});
    auto q = p.post("/api/v1/vouchers/demands/" + S(d.json()["id"]) + "/quotes", {{"amount_fen", amount}});
    return S(e.post("/api/v1/vouchers/quotes/" + S(q.json()["id"]) + "/award", core::Json::object()).json()["id"]);
  };
  auto snapshot = [&] {
    return std::vector<int64_t>{count("SELECT COUNT(*) FROM audit_log WHERE module = 'vouchers'"), count("SELECT COUNT(*) FROM ledger_transfers"),
                                count("SELECT COUNT(*) FROM vch_invoices"), count("SELECT COUNT(*) FROM vch_flags"),
                                count("SELECT COUNT(*) FROM vch_contracts WHERE state = 'draft'")};
  };
  // Ineligible category (the demo policies list none called "catering").
  std::string c1 = flow(1'000'000, "catering");
  auto s0 = snapshot();
  auto r1 = e.post("/api/v1/vouchers/contracts/" + c1 + "/sign", core::Json::object());
  EXPECT_EQ(r1.status, 422) << r1.body;
  EXPECT_EQ(r1.json()["code"], "vouchers.ineligible_category");
  EXPECT_EQ(r1.json()["errors"][0]["field"], "category");
  EXPECT_EQ(snapshot(), s0);
  // Over the enterprise's annual cap: the remaining quota is 500,000 − 300,000 (elevator) − others.
  std::string c2 = flow(2'000'000'000, "rd");
  s0 = snapshot();
  auto r2 = e.post("/api/v1/vouchers/contracts/" + c2 + "/sign", core::Json::object());
  EXPECT_EQ(r2.status, 409) << r2.body;
  EXPECT_EQ(r2.headers["content-type"], "application/problem+json");
  EXPECT_EQ(r2.json()["code"], "vouchers.over_enterprise_cap");
  // No command, no transfer (the registration fails with the hold chain), still a draft. The
  // ledger only notes the refused ids in ledger_failures, so a replay gets the same answer.
  EXPECT_EQ(snapshot(), s0);
  // A policy that does not cover the signing date: a later JS version named explicitly.
  auto v1 = e.get("/api/v1/vouchers/policies?issuer=JS").json()["items"][0];
  auto later = signed_in("officer_js").post("/api/v1/vouchers/policies",
      {{"issuer_code", "JS"}, {"doc_ref", "DEMO-JS-2040"}, {"label", "DEMO later"}, {"effective_from", "2040-01-01"},
       {"effective_to", "2040-12-31"}, {"params", v1["params"]}});
  ASSERT_EQ(later.status, 201) << later.body;
  std::string c3 = flow(1'000'000, "rd");
  s0 = snapshot();
  auto r3 = e.post("/api/v1/vouchers/contracts/" + c3 + "/sign", {{"policy_id", later.json()["id"]}});
  EXPECT_EQ(r3.status, 422) << r3.body;
  EXPECT_EQ(r3.json()["code"], "vouchers.policy_not_in_force");
  EXPECT_EQ(r3.json()["errors"][0]["field"], "policy_id");
  EXPECT_EQ(snapshot(), s0);
  // Duplicate invoice: the elevator's invoice claimed again on a fresh delivered contract.
  std::string c4 = flow(1'000'000, "rd");
  ASSERT_EQ(e.post("/api/v1/vouchers/contracts/" + c4 + "/sign", core::Json::object()).status, 200);
  ASSERT_EQ(p.post("/api/v1/vouchers/contracts/" + c4 + "/deliver",
                   {{"evidence", core::Json::array({{{"filename", "r.txt"}, {"content_base64", "aGk="}}})}}).status, 200);
  s0 = snapshot();
  auto r4 = e.post("/api/v1/vouchers/contracts/" + c4 + "/accept", {{"invoice_no", "DEMO-INV-ELEVATOR-450000"}});
  EXPECT_EQ(r4.status, 409) << r4.body;
  EXPECT_EQ(r4.json()["code"], "vouchers.duplicate_invoice");
  EXPECT_EQ(r4.json()["errors"][0]["field"], "invoice_no");
  EXPECT_EQ(snapshot(), s0);
  EXPECT_EQ(e.get("/api/v1/vouchers/contracts/" + c4).json()["state"], "delivered");
  // Outside the jurisdiction: a Shanghai officer settling Jiangsu.
  Client sh = signed_in("officer_sh");
  s0 = snapshot();
  auto r5 = sh.post("/api/v1/vouchers/settlements", {{"issuer_code", "JS"}, {"period", "2026-01"}});
  EXPECT_EQ(r5.status, 403) << r5.body;
  EXPECT_EQ(snapshot(), s0);
}
