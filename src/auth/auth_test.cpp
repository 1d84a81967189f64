#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "auth/service.hpp"
#include "store/testing.hpp"

using namespace riverlink;

namespace {
struct AuthTest : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::from_unix_ms(1795766400000)};
  core::IdGenerator ids{clock, 7};
  audit::CommandRunner runner{t.db(), clock};
  auth::Service svc{t.db(), runner, clock, ids,
                    auth::Options{.cost = auth::PasswordCost::minimum()}};
  auth::Principal root = auth::system_principal("test");
  int key = 0;

  void SetUp() override {
    auto m = audit::migrations();
    for (auto& x : auth::migrations()) m.push_back(x);
    ASSERT_TRUE(store::migrate(t.db(), m).ok());
  }
  audit::CommandContext ctx() { return {root.actor(), "k" + std::to_string(key++)}; }
  auth::User add(const std::string& name, const std::string& role, const std::string& div = "") {
    auto u = svc.add_user(root, ctx(), {name, name + " 名", "correct horse battery", role, div});
    EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.error().message);
    return u.ok() ? *u : auth::User{};
  }
};
}  // namespace

TEST_F(AuthTest, LoginResolvesSessionAndLogoutEndsIt) {
  add("officer_js", "officer", "320000");
  auto s = svc.login("officer_js", "correct horse battery", "127.0.0.1");
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto r = svc.resolve_session(s->token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->principal.role, auth::Role::officer);
  EXPECT_EQ(r->principal.division_code, "320000");
  EXPECT_EQ(r->csrf_token, s->csrf_token);
  EXPECT_FALSE(svc.resolve_session(s->token + "x"));
  ASSERT_TRUE(svc.logout(s->token).ok());
  EXPECT_FALSE(svc.resolve_session(s->token));
}

TEST_F(AuthTest, SessionsExpire) {
  add("bank1", "bank");
  auto s = svc.login("bank1", "correct horse battery", "127.0.0.1");
  ASSERT_TRUE(s.ok());
  clock.advance(std::chrono::hours(13));
  EXPECT_FALSE(svc.resolve_session(s->token));
}

TEST_F(AuthTest, WrongPasswordIsRejectedAndThrottled) {
  add("ent1", "enterprise");
  for (int i = 0; i < 5; ++i) {
    auto s = svc.login("ent1", "wrong password", "10.0.0.1");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "auth.bad_credentials");
  }
  auto s = svc.login("ent1", "correct horse battery", "10.0.0.1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::too_many);
  clock.advance(std::chrono::minutes(16));
  EXPECT_TRUE(svc.login("ent1", "correct horse battery", "10.0.0.1").ok());
  EXPECT_FALSE(svc.login("nobody", "x", "10.0.0.1").ok());
}

TEST_F(AuthTest, OnlyAdminsAddUsersAndInputIsValidated) {
  auto u = add("prov1", "provider");
  auto p = auth::Service::principal_of(u, false);
  auto denied = svc.add_user(p, {p.actor(), "x1"}, {"someone", "S", "correct horse battery", "bank", ""});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, ErrorKind::forbidden);
  auto bad = svc.add_user(root, ctx(), {"Bad Name", "", "short", "wizard", "999999"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid);
  EXPECT_EQ(bad.error().fields.size(), 5u);
  auto officer = svc.add_user(root, ctx(), {"off2", "O", "correct horse battery", "officer", ""});
  ASSERT_FALSE(officer.ok());
  EXPECT_EQ(officer.error().fields.at(0).field, "division_code");
  auto dup = svc.add_user(root, ctx(), {"prov1", "again", "correct horse battery", "provider", ""});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "auth.username_taken");
}

TEST_F(AuthTest, ApiTokensResolveAndAreShownOnce) {
  auto u = add("auditor1", "auditor");
  auto p = auth::Service::principal_of(u, false);
  auto tok = svc.create_api_token(p, {p.actor(), "tok-1"}, "reporting");
  ASSERT_TRUE(tok.ok());
  auto who = svc.resolve_api_token(tok->token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->username, "auditor1");
  EXPECT_TRUE(who->via_token);
  auto again = svc.create_api_token(p, {p.actor(), "tok-1"}, "reporting");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "auth.token_already_issued");
  EXPECT_FALSE(svc.resolve_api_token("nope"));
}

TEST_F(AuthTest, JurisdictionChecks) {
  auto u = add("officer_sz", "officer", "320500");
  auto p = auth::Service::principal_of(u, false);
  EXPECT_TRUE(auth::require_jurisdiction(p, "320506").ok());
  EXPECT_FALSE(auth::require_jurisdiction(p, "320100").ok());
  EXPECT_FALSE(auth::require_jurisdiction(p, "310000").ok());
  EXPECT_TRUE(auth::require_jurisdiction(root, "310000").ok());
}

TEST_F(AuthTest, EveryChangeIsAudited) {
  add("x_user", "bidder");
  ASSERT_FALSE(svc.login("x_user", "bad password", "1.2.3.4").ok());
  ASSERT_TRUE(svc.login("x_user", "correct horse battery", "1.2.3.4").ok());
  auto tx = t.db().begin(store::TxKind::read);
  auto rows = tx->query("SELECT command FROM audit_log ORDER BY seq");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].str(0), "add_user");
  EXPECT_EQ(rows[1].str(0), "login_failed");
  EXPECT_EQ(rows[2].str(0), "login");
  auto rep = audit::verify(t.db());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok);
}
