#include "app/testing.hpp"

#include <stdexcept>

namespace riverlink::app::testing {

LiveApp::LiveApp(LiveOptions o) {
  app_ = std::make_unique<App>(Config{.db_url = db_.url(), .password_cost = auth::PasswordCost::minimum()});
  if (o.seed) {
    auto s = seed_demo(*app_);
    if (!s.ok()) throw std::runtime_error("demo seed failed: " + s.error().message);
  }
  server_ = std::make_unique<http::Server>(
      app_->router(), http::ServerOptions{.port = 0, .threads = o.threads, .body_limit = o.body_limit, .access_log = false});
  app_->register_routes(server_->metrics());
  server_->start();
}

LiveApp::~LiveApp() {
  server_->stop();
  server_.reset();
  app_.reset();
}

http::testing::Client LiveApp::signed_in(const std::string& user) const {
  http::testing::Client c(port());
  auto r = c.login(user, kDemoPassword);
  if (r.status != 200) throw std::runtime_error("login as " + user + " failed: " + r.body);
  return c;
}

}  // namespace riverlink::app::testing
