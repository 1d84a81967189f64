// Router and server behaviour that needs no application: static files, SPA fallback,
// path parameters, SSE framing, graceful stop.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "http/server.hpp"
#include "http/test_client.hpp"

using namespace riverlink;
using http::testing::Client;

namespace {
class Countdown final : public http::EventStream {
 public:
  std::string next(bool& done) override {
    if (n_ == 0) {
      done = true;
      return http::sse_event("done", {{"n", 0}});
    }
    return http::sse_event("tick", {{"n", n_--}});
  }
  int poll_interval_ms() const override { return 5; }

 private:
  int n_ = 3;
};

struct ServerTest : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("rl_http_" + std::to_string(::getpid()));
  http::Router router;
  std::unique_ptr<http::Server> server;
  std::string spooled;  // the last spooled body's path
  void SetUp() override {
    std::filesystem::create_directories(dir / "assets");
    std::ofstream(dir / "index.html") << "<!doctype html><title>riverlink</title>";
    std::ofstream(dir / "assets" / "app.js") << "console.log(1)";
    router.add({.method = "GET", .pattern = "/api/v1/things/{id}", .summary = "thing", .tag = "t", .access = http::Access::public_},
               [](http::Request& r) { return http::Response::json(200, {{"id", r.param("id")}, {"q", r.query("q").value_or("")}}); });
    router.add({.method = "GET", .pattern = "/api/v1/things/special", .summary = "literal wins", .tag = "t", .access = http::Access::public_},
               [](http::Request&) { return http::Response::json(200, {{"special", true}}); });
    router.add({.method = "GET", .pattern = "/api/v1/ticks", .summary = "sse", .tag = "t", .access = http::Access::public_},
               [](http::Request&) { http::Response r; r.stream = std::make_shared<Countdown>(); return r; });
    router.add({.method = "GET", .pattern = "/api/v1/private", .summary = "needs auth", .tag = "t"},
               [](http::Request&) { return http::Response::json(200, {}); });
    auto size = [](http::Request& r) {
      auto res = http::Response::json(200, {{"bytes", r.body.size()}});
      res.headers.emplace_back("Cache-Control", "private, max-age=60");
      return res;
    };
    router.add({.method = "POST", .pattern = "/api/v1/small", .summary = "server default limit", .tag = "t", .access = http::Access::public_}, size);
    router.add({.method = "POST", .pattern = "/api/v1/big", .summary = "3 MiB limit", .tag = "t", .access = http::Access::public_,
                .body_limit = 3u << 20, .consumes = "application/octet-stream"},
               size);
    router.add({.method = "POST", .pattern = "/api/v1/big-private", .summary = "3 MiB limit, signed in", .tag = "t", .body_limit = 3u << 20}, size);
    router.add({.method = "POST", .pattern = "/api/v1/spooled", .summary = "3 MiB limit, body in a file", .tag = "t", .access = http::Access::public_,
                .body_limit = 3u << 20, .spool_body = true},
               [this](http::Request& r) {
                 spooled = r.body_file;
                 std::error_code ec;
                 std::ifstream in(r.body_file, std::ios::binary);
                 std::string head(4, '\0');
                 in.read(head.data(), 4);
                 auto perms = std::filesystem::status(r.body_file, ec).permissions();
                 bool owner_only = (perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) == std::filesystem::perms::none;
                 return http::Response::json(200, {{"bytes", std::filesystem::file_size(r.body_file, ec)}, {"in_memory", r.body.size()}, {"head", head},
                                                   {"owner_only", owner_only}});
               });
    server = std::make_unique<http::Server>(router, http::ServerOptions{.port = 0, .threads = 2, .static_dir = dir.string(),
                                                                              .spool_dir = (dir / "spool").string(), .access_log = false});
    server->start();
  }
  void TearDown() override {
    server->stop();
    std::filesystem::remove_all(dir);
  }
};
}  // namespace

TEST_F(ServerTest, PathParamsQueryAndLiteralPrecedence) {
  Client c(server->port());
  auto r = c.get("/api/v1/things/%E8%8B%8F%E5%B7%9E?q=a%20b");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["id"], "苏州");
  EXPECT_EQ(r.json()["q"], "a b");
  EXPECT_TRUE(c.get("/api/v1/things/special").json()["special"].get<bool>());
  EXPECT_FALSE(r.headers["x-request-id"].empty());
}

TEST_F(ServerTest, StaticFilesAndSpaFallback) {
  Client c(server->port());
  auto js = c.get("/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(js.headers["cache-control"].find("immutable"), std::string::npos);
  auto route = c.get("/vouchers/contracts/42");
  EXPECT_EQ(route.status, 200);
  EXPECT_NE(route.body.find("<title>riverlink"), std::string::npos);
  EXPECT_EQ(c.get("/assets/missing.js").status, 404);
  EXPECT_EQ(c.get("/api/v1/unknown").status, 404);
  EXPECT_EQ(c.get("/api/v1/unknown").headers["content-type"], "application/problem+json");
}

TEST_F(ServerTest, PathTraversalNeverLeavesTheRoot) {
  Client c(server->port());
  auto r = c.get("/%2e%2e/%2e%2e/etc/passwd");
  EXPECT_EQ(r.body.find("root:"), std::string::npos);
  auto r2 = c.get("/../../../../etc/passwd");
  EXPECT_EQ(r2.body.find("root:"), std::string::npos);
}

TEST_F(ServerTest, ServerSentEventsStreamInOrder) {
  Client c(server->port());
  auto r = c.get("/api/v1/ticks");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  auto p3 = r.body.find("\"n\":3"), p1 = r.body.find("\"n\":1"), pd = r.body.find("event: done");
  ASSERT_NE(p3, std::string::npos);
  EXPECT_LT(p3, p1);
  EXPECT_LT(p1, pd);
}

TEST_F(ServerTest, NoAuthenticatorMeansUnauthenticated) {
  Client c(server->port());
  EXPECT_EQ(c.get("/api/v1/private").status, 401);
}

TEST(Router, RejectsRoutesWithoutSummaryOrDuplicates) {
  http::Router r;
  EXPECT_THROW(r.add({.method = "GET", .pattern = "/x"}, [](http::Request&) { return http::Response{}; }), std::logic_error);
  r.add({.method = "GET", .pattern = "/x", .summary = "x"}, [](http::Request&) { return http::Response{}; });
  EXPECT_THROW(r.add({.method = "GET", .pattern = "/x", .summary = "x"}, [](http::Request&) { return http::Response{}; }), std::logic_error);
}

TEST(Router, ProblemStatusTable) {
  EXPECT_EQ(http::status_for(Error::make(ErrorKind::invalid, "a", "b")), 422);
  EXPECT_EQ(http::status_for(Error::make(ErrorKind::conflict, "a", "b")), 409);
  auto p = http::Response::problem(Error::field("x.y", "amount", "must be positive"), "/api/v1/x");
  auto j = core::Json::parse(p.body);
  EXPECT_EQ(p.content_type, "application/problem+json");
  EXPECT_EQ(j["status"], 422);
  EXPECT_EQ(j["type"], "urn:riverlink:problem:x.y");
  EXPECT_EQ(j["errors"][0]["field"], "amount");
}

TEST_F(ServerTest, PerRouteBodyLimits) {
  Client c(server->port());
  const std::string two_mib(2u << 20, 'x'), four_mib(4u << 20, 'y');
  // The server's default (1 MiB) holds for routes without their own limit, and for unknown routes.
  auto small = c.request("POST", "/api/v1/small", two_mib);
  EXPECT_EQ(small.status, 413);
  EXPECT_EQ(small.headers["content-type"], "application/problem+json");
  EXPECT_NE(small.json()["detail"].get<std::string>().find("1048576 bytes"), std::string::npos) << small.body;
  EXPECT_EQ(c.request("POST", "/api/v1/nowhere", two_mib).status, 413);
  // A route with a raised limit takes a body over the default, and refuses one over its own limit,
  // naming it; the client reads the answer although the server did not read the body.
  auto big = c.request("POST", "/api/v1/big", two_mib);
  ASSERT_EQ(big.status, 200) << big.body;
  EXPECT_EQ(big.json()["bytes"], two_mib.size());
  EXPECT_EQ(big.headers["cache-control"], "private, max-age=60");  // the route's own header, not no-store
  auto over = c.request("POST", "/api/v1/big", four_mib);
  EXPECT_EQ(over.status, 413);
  auto detail = over.json()["detail"].get<std::string>();
  EXPECT_NE(detail.find("3145728 bytes (3 MiB)"), std::string::npos) << detail;
  EXPECT_NE(detail.find("POST /api/v1/big"), std::string::npos) << detail;
  // Small bodies on the same connection-less client still work afterwards.
  EXPECT_EQ(c.request("POST", "/api/v1/big", "abc").json()["bytes"], 3);
  // A raised limit is granted only to requests that would be accepted: 401 before the body is read.
  EXPECT_EQ(c.request("POST", "/api/v1/big-private", two_mib).status, 401);
  // OpenAPI documents the limit and the body's media type.
  auto doc = router.openapi("t", "0");
  EXPECT_EQ(doc["paths"]["/api/v1/big"]["post"]["x-body-limit-bytes"], 3u << 20);
  EXPECT_TRUE(doc["paths"]["/api/v1/big"]["post"]["requestBody"]["content"].contains("application/octet-stream"));
}

TEST_F(ServerTest, SpooledBodiesGoToATemporaryFileThatIsRemovedAfterwards) {
  Client c(server->port());
  std::string two_mib(2u << 20, 'x');
  two_mib.replace(0, 4, "PK34");
  auto r = c.request("POST", "/api/v1/spooled", two_mib);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["bytes"], two_mib.size());
  EXPECT_EQ(r.json()["in_memory"], 0);
  EXPECT_EQ(r.json()["head"], "PK34");
  EXPECT_EQ(r.json()["owner_only"], true);  // uploaded data is not readable by other users
  ASSERT_FALSE(spooled.empty());
  EXPECT_EQ(std::filesystem::path(spooled).parent_path(), dir / "spool");
  EXPECT_FALSE(std::filesystem::exists(spooled));  // removed once answered
  EXPECT_EQ(c.request("POST", "/api/v1/spooled", "tiny").json()["bytes"], 4);
  auto over = c.request("POST", "/api/v1/spooled", std::string(4u << 20, 'y'));
  EXPECT_EQ(over.status, 413);
  EXPECT_TRUE(std::filesystem::is_empty(dir / "spool"));
}
