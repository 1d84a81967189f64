// Test support: the real App, seeded with the demo region, behind a real server on a free
// port, on the backend this test run selects (see store/testing.hpp). Used by the API tests
// of every module.
#pragma once
#include <memory>
#include <string>

#include "app/app.hpp"
#include "http/server.hpp"
#include "http/test_client.hpp"
#include "store/testing.hpp"

namespace riverlink::app::testing {

struct LiveOptions {
  int threads = 4;
  size_t body_limit = 64 * 1024;
  bool seed = true;
};

class LiveApp {
 public:
  // Throws std::runtime_error when the app cannot start or the seed fails.
  explicit LiveApp(LiveOptions o = {});
  ~LiveApp();
  LiveApp(const LiveApp&) = delete;
  LiveApp& operator=(const LiveApp&) = delete;

  App& app() { return *app_; }
  unsigned short port() const { return server_->port(); }
  // A client signed in as a demo user (password kDemoPassword); throws when the login fails.
  http::testing::Client signed_in(const std::string& user) const;

 private:
  store::testdb::TestDb db_;
  std::unique_ptr<App> app_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace riverlink::app::testing
