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
