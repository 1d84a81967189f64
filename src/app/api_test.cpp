// End-to-end API tests: the real App, routes and server on a free port, on SQLite and
// (when the harness provides it) PostgreSQL.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "app/testing.hpp"

using namespace riverlink;
using http::testing::Client;

namespace {
struct ApiTest : ::testing::Test {
  std::unique_ptr<app::testing::LiveApp> live;
  app::App* application = nullptr;
  unsigned short port = 0;

  void SetUp() override {
    live = std::make_unique<app::testing::LiveApp>(app::testing::LiveOptions{});
    application = &live->app();
    port = live->port();
  }
  Client signed_in(const std::string& user) { return live->signed_in(user); }
  int64_t count(const std::string& table) {
    auto tx = application->db().begin(store::TxKind::read);
    return tx->query_one("SELECT COUNT(*) FROM " + table)->i64(0);
  }
};
}  // namespace

TEST_F(ApiTest, HealthReadinessAndMetrics) {
  Client c(port);
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/readyz").json()["status"], "ready");
  auto m = c.get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("riverlink_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), std::string::npos) << m.body;
}

TEST_F(ApiTest, OpenApiDescribesEveryRoute) {
  Client c(port);
  auto doc = c.get("/api/v1/openapi.json").json();
  ASSERT_TRUE(doc.contains("paths"));
  size_t n = 0;
  for (const auto& r : application->router().routes()) {
    std::string m = r.spec.method;
    for (auto& ch : m) ch = static_cast<char>(std::tolower(ch));
    EXPECT_TRUE(doc["paths"].contains(r.spec.pattern) && doc["paths"][r.spec.pattern].contains(m))
        << r.spec.method << " " << r.spec.pattern << " is missing from openapi.json";
    EXPECT_FALSE(r.spec.summary.empty());
    ++n;
  }
  EXPECT_GE(n, 15u);
  EXPECT_EQ(doc["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"].size(), 4u);
}

TEST_F(ApiTest, EveryDemoRoleCanSignIn) {
  for (const auto& d : app::demo_logins()) {
    Client c = signed_in(d.username);
    auto me = c.get("/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << d.username;
    EXPECT_EQ(me.json()["user"]["role"], d.role);
    EXPECT_FALSE(me.json()["csrf_token"].get<std::string>().empty());
  }
}

TEST_F(ApiTest, SessionCookieIsHttpOnlyStrict) {
  Client c(port);
  auto r = c.login("admin", app::kDemoPassword);
  ASSERT_EQ(r.status, 200);
  auto sc = r.headers["set-cookie"];
  EXPECT_NE(sc.find("HttpOnly"), std::string::npos);
  EXPECT_NE(sc.find("SameSite=Strict"), std::string::npos);
  auto bad = Client(port).login("admin", "wrong-password");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.headers["content-type"], "application/problem+json");
  EXPECT_EQ(bad.json()["code"], "auth.bad_credentials");
}

TEST_F(ApiTest, LogoutEndsTheSession) {
  Client c = signed_in("auditor");
  auto out = c.request("POST", "/api/v1/auth/logout", "", {{"X-CSRF-Token", c.csrf}});
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(c.get("/api/v1/auth/me").status, 401);
}

TEST_F(ApiTest, UnauthenticatedAndUnauthorized) {
  Client anon(port);
  EXPECT_EQ(anon.get("/api/v1/users").status, 401);
  Client ent = signed_in("enterprise");
  auto r = ent.get("/api/v1/users");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["code"], "auth.forbidden");
  EXPECT_EQ(ent.get("/api/v1/audit/entries").status, 403);
}

TEST_F(ApiTest, CsrfTokenRequiredForCookieSessions) {
  Client admin = signed_in("admin");
  auto r = admin.request("POST", "/api/v1/users", R"({"username":"x1","display_name":"X","password":"long enough pw","role":"bank"})",
                         {{"Content-Type", "application/json"}, {"Idempotency-Key", "k1"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["code"], "auth.csrf");
}

TEST_F(ApiTest, BadInputGetsPreciseProblems) {
  Client admin = signed_in("admin");
  const auto before = count("auth_users");
  auto hdr = [&](const std::string& ct) {
    return std::vector<std::pair<std::string, std::string>>{{"Content-Type", ct}, {"X-CSRF-Token", admin.csrf}, {"Idempotency-Key", "bad-1"}};
  };
  auto malformed = admin.request("POST", "/api/v1/users", R"({"username": "a",,})", hdr("application/json"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.json()["detail"].get<std::string>().find("byte"), std::string::npos);

  auto unknown = admin.request("POST", "/api/v1/users",
                               R"({"username":"abc","display_name":"A","password":"long enough pw","role":"bank","colour":"red"})",
                               hdr("application/json"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.json()["errors"][0]["field"], "colour");

  auto wrong_type = admin.request("POST", "/api/v1/users",
                                  R"({"username":5,"display_name":"A","password":"long enough pw","role":"bank"})",
                                  hdr("application/json"));
  EXPECT_EQ(wrong_type.status, 422);
  EXPECT_EQ(wrong_type.json()["errors"][0]["field"], "username");

  auto bad_value = admin.post("/api/v1/users", {{"username", "abc"}, {"display_name", "A"}, {"password", "short"}, {"role", "wizard"}});
  EXPECT_EQ(bad_value.status, 422);
  std::set<std::string> fields;
  const auto bad_json = bad_value.json();
  for (const auto& e : bad_json["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"password", "role"}));

  auto media = admin.request("POST", "/api/v1/users", "username=abc", hdr("application/x-www-form-urlencoded"));
  EXPECT_EQ(media.status, 415);

  std::string big(70 * 1024, 'x');
  auto too_big = admin.request("POST", "/api/v1/users", "{\"username\":\"" + big + "\"}", hdr("application/json"));
  EXPECT_EQ(too_big.status, 413);

  auto no_key = admin.request("POST", "/api/v1/users", R"({})", {{"Content-Type", "application/json"}, {"X-CSRF-Token", admin.csrf}});
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.json()["code"], "idempotency.key_required");

  EXPECT_EQ(admin.get("/api/v1/nothing-here").status, 404);
  EXPECT_EQ(admin.request("DELETE", "/api/v1/users").status, 405);
  EXPECT_EQ(count("auth_users"), before);  // nothing was written
}

TEST_F(ApiTest, AddUserIsIdempotentAndAudited) {
  Client admin = signed_in("admin");
  core::Json body = {{"username", "officer_zj"}, {"display_name", "浙江省科技厅"}, {"password", "a long password"},
                     {"role", "officer"}, {"division_code", "330000"}};
  auto a = admin.post("/api/v1/users", body, "same-key");
  auto b = admin.post("/api/v1/users", body, "same-key");
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(a.json()["id"], b.json()["id"]);
  body["display_name"] = "changed";
  auto c = admin.post("/api/v1/users", body, "same-key");
  EXPECT_EQ(c.status, 409);
  EXPECT_EQ(c.json()["code"], "idempotency.mismatch");
  auto dup = admin.post("/api/v1/users", body);
  EXPECT_EQ(dup.status, 422);
  Client officer(port);
  EXPECT_EQ(officer.login("officer_zj", "a long password").status, 200);
  Client auditor = signed_in("auditor");
  const auto entries = auditor.get("/api/v1/audit/entries?limit=5&module=auth").json();
  bool found = false;
  for (const auto& e : entries["items"]) found = found || e["command"] == "add_user";
  EXPECT_TRUE(found);
}

TEST_F(ApiTest, AuditVerifyRunsAsJobWithSseProgress) {
  Client auditor = signed_in("auditor");
  auto r = auditor.post("/api/v1/audit/verify", core::Json::object());
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = r.json()["job_id"];
  auto events = auditor.get("/api/v1/jobs/" + id + "/events");
  EXPECT_EQ(events.status, 200);
  EXPECT_EQ(events.headers["content-type"], "text/event-stream");
  EXPECT_NE(events.body.find("event: done"), std::string::npos) << events.body;
  auto job = auditor.get("/api/v1/jobs/" + id).json();
  EXPECT_EQ(job["status"], "succeeded");
  EXPECT_TRUE(job["result"]["ok"].get<bool>());
  EXPECT_GE(job["result"]["entries"].get<int>(), 9);
  auto mine = auditor.get("/api/v1/jobs").json();
  EXPECT_EQ(mine["items"][0]["id"], id);
  Client other = signed_in("bank");
  EXPECT_EQ(other.get("/api/v1/jobs/" + id).status, 404);  // not theirs
}

TEST_F(ApiTest, BearerTokensWorkWithoutCsrf) {
  Client c = signed_in("bank");
  auto t = c.post("/api/v1/auth/tokens", {{"name", "reporting"}});
  ASSERT_EQ(t.status, 201);
  Client api(port);
  std::string token = t.json()["token"];
  auto me = api.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["user"]["username"], "bank");
  EXPECT_EQ(api.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer nope"}}).status, 401);
}

TEST_F(ApiTest, DivisionsLookup) {
  Client c(port);
  auto pref = c.get("/api/v1/divisions?level=prefecture").json();
  EXPECT_EQ(pref["items"].size(), 41u);
  auto sz = c.get("/api/v1/divisions/320500").json();
  EXPECT_EQ(sz["name_zh"], "苏州市");
  EXPECT_EQ(c.get("/api/v1/divisions?parent=999999").status, 422);
  EXPECT_EQ(c.get("/api/v1/divisions?level=galaxy").status, 422);
}

TEST_F(ApiTest, ConcurrentRequestsAreServed) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Client c(port);
      for (int j = 0; j < 20; ++j) ok += c.get("/api/v1/divisions/320000").status == 200;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 160);
}
