// The ledger's read-only routes, dispatched through the router with a stub authenticator:
// roles, jurisdiction scope for officers, as_of balances, history pages and the CSV.
#include <gtest/gtest.h>

#include "ledger/api.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using namespace riverlink::ledger;

namespace {

struct StubAuth final : http::Authenticator {
  std::optional<auth::Principal> who;
  std::optional<auth::Principal> authenticate(const http::Request&, bool& csrf_ok) override {
    csrf_ok = true;
    return who;
  }
};

auth::Principal principal(auth::Role role, std::string division = "") {
  auth::Principal p;
  p.user_id = "u1";
  p.username = "u1";
  p.role = role;
  p.division_code = std::move(division);
  return p;
}

Id128 id(uint64_t n) { return {0x0190000000000000ULL, n}; }

struct LedgerApi : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::from_unix_ms(1795766400000)};  // 2026-11-27T08:00:00Z
  std::unique_ptr<Service> svc;
  http::Router router;
  StubAuth auth;

  void SetUp() override {
    ASSERT_TRUE(store::migrate(t.db(), all_migrations()).ok());
    svc = std::make_unique<Service>(t.db(), clock);
    register_routes(router, *svc);
    router.set_authenticator(&auth);
    std::vector<Account> as;
    const char* divisions[] = {"320506", "320581", "330106", ""};
    for (uint64_t i = 0; i < 4; ++i) {
      Account a;
      a.id = id(i + 1);
      a.ledger = kLedgerCny;
      a.code = 1001;
      a.owner = "enterprise:" + std::to_string(i + 1);
      a.division_code = divisions[i];
      as.push_back(a);
    }
    ASSERT_TRUE(svc->create_accounts(as).ok());
    for (uint64_t k = 0; k < 5; ++k) {
      Transfer x;
      x.id = id(100 + k);
      x.debit_account_id = id(4);
      x.credit_account_id = id(1);
      x.amount = 100;
      x.ledger = kLedgerCny;
      x.code = 1;
      ASSERT_TRUE(svc->create_transfers(std::vector<Transfer>{x}).ok());
      clock.advance(std::chrono::hours(1));
    }
  }

  http::Response get(const std::string& target, std::optional<auth::Principal> who) {
    auth.who = std::move(who);
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.path = target.substr(0, target.find('?'));
    auto res = router.dispatch(r);
    EXPECT_TRUE(res.has_value()) << target;
    return res ? *res : http::Response{};
  }
};

}  // namespace

TEST_F(LedgerApi, AuditorsListAndFilterAccounts) {
  auto r = get("/api/v1/ledger/accounts?limit=2", principal(auth::Role::auditor));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = core::Json::parse(r.body);
  ASSERT_EQ(j["items"].size(), 2u) << r.body;
  ASSERT_TRUE(j["next_cursor"].is_string());
  auto next = get("/api/v1/ledger/accounts?limit=2&cursor=" + j["next_cursor"].get<std::string>(),
                  principal(auth::Role::platform_admin));
  EXPECT_EQ(core::Json::parse(next.body)["items"].size(), 2u);
  auto by_div = core::Json::parse(get("/api/v1/ledger/accounts?division=320500", principal(auth::Role::auditor)).body);
  EXPECT_EQ(by_div["items"].size(), 2u);
  auto by_owner = core::Json::parse(get("/api/v1/ledger/accounts?owner=enterprise:3", principal(auth::Role::auditor)).body);
  ASSERT_EQ(by_owner["items"].size(), 1u);
  EXPECT_EQ(by_owner["items"][0]["division_code"], "330106");
  EXPECT_EQ(get("/api/v1/ledger/accounts?limit=0", principal(auth::Role::auditor)).status, 422);
}

TEST_F(LedgerApi, OfficersSeeOnlyTheirJurisdiction) {
  auto suzhou = principal(auth::Role::officer, "320500");
  auto j = core::Json::parse(get("/api/v1/ledger/accounts", suzhou).body);
  ASSERT_EQ(j["items"].size(), 2u);
  for (const auto& a : j["items"]) EXPECT_EQ(a["division_code"].get<std::string>().substr(0, 4), "3205");
  EXPECT_EQ(get("/api/v1/ledger/accounts?division=330000", suzhou).status, 403);
  EXPECT_EQ(get("/api/v1/ledger/accounts/" + id(1).str(), suzhou).status, 200);
  EXPECT_EQ(get("/api/v1/ledger/accounts/" + id(3).str(), suzhou).status, 403);
  EXPECT_EQ(get("/api/v1/ledger/accounts/" + id(4).str() + "/history", suzhou).status, 403);
  EXPECT_EQ(get("/api/v1/ledger/accounts", principal(auth::Role::enterprise, "320506")).status, 403);
  EXPECT_EQ(get("/api/v1/ledger/accounts", std::nullopt).status, 401);
}

TEST_F(LedgerApi, BalancesNowAndAsOfHistoryAndStatement) {
  const auto auditor = principal(auth::Role::auditor);
  auto now = core::Json::parse(get("/api/v1/ledger/accounts/" + id(1).str() + "/balances", auditor).body);
  EXPECT_EQ(now["balances"]["credits_posted"], 500);
  // Transfers were made at 08:00, 09:00, ... 12:00 UTC: as of 10:30 three had happened.
  auto past = get("/api/v1/ledger/accounts/" + id(1).str() + "/balances?as_of=2026-11-27T10:30:00Z", auditor);
  ASSERT_EQ(past.status, 200) << past.body;
  EXPECT_EQ(core::Json::parse(past.body)["balances"]["credits_posted"], 300);
  EXPECT_EQ(get("/api/v1/ledger/accounts/" + id(1).str() + "/balances?as_of=yesterday", auditor).status, 422);
  EXPECT_EQ(get("/api/v1/ledger/accounts/not-an-id", auditor).status, 422);
  EXPECT_EQ(get("/api/v1/ledger/accounts/" + id(77).str(), auditor).status, 404);

  auto h1 = core::Json::parse(get("/api/v1/ledger/accounts/" + id(4).str() + "/history?limit=3", auditor).body);
  ASSERT_EQ(h1["items"].size(), 3u);
  EXPECT_EQ(h1["items"][0]["side"], "debit");
  EXPECT_EQ(h1["items"][2]["balances_after"]["debits_posted"], 300);
  auto h2 = core::Json::parse(
      get("/api/v1/ledger/accounts/" + id(4).str() + "/history?limit=3&cursor=" + h1["next_cursor"].get<std::string>(), auditor)
          .body);
  ASSERT_EQ(h2["items"].size(), 2u);
  EXPECT_TRUE(h2["next_cursor"].is_null());
  auto desc = core::Json::parse(get("/api/v1/ledger/accounts/" + id(4).str() + "/history?order=desc&limit=1", auditor).body);
  EXPECT_EQ(desc["items"][0]["balances_after"]["debits_posted"], 500);

  auto csv = get("/api/v1/ledger/accounts/" + id(1).str() +
                     "/statement.csv?from=2026-11-27T09:00:00Z&to=2026-11-27T10:00:00Z",
                 auditor);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3);  // header + 2 rows
  EXPECT_NE(csv.body.find("2026-11-27T09:00:00.000Z,single"), std::string::npos) << csv.body;
}

TEST_F(LedgerApi, RoutesAreDocumented) {
  auto doc = router.openapi("riverlink", "test");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/ledger/accounts/{id}/statement.csv"));
}
