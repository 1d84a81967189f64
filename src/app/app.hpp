// The composition root: owns the clock, ids, database, services and the router, and wires
// every module's routes. Only app/ knows all modules.
#pragma once
#include <memory>
#include <string>

#include "audit/command.hpp"
#include "auth/service.hpp"
#include "core/id.hpp"
#include "eco/api.hpp"
#include "http/auth_api.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "jobs/jobs.hpp"
#include "land/service.hpp"
#include "ledger/service.hpp"
#include "vouchers/service.hpp"
#include "transport/api.hpp"
#include "transport/stats/service.hpp"
#include "store/db.hpp"

namespace riverlink::app {

inline constexpr const char* kVersion = "0.1.0";

struct Config {
  std::string db_url = "sqlite:var/riverlink.db";
  auth::PasswordCost password_cost = auth::PasswordCost::interactive();
  int job_workers = 2;
  // GTFS feeds (zips or folders, comma-separated) for the journey planner; empty: the built-in
  // YRD demo network (labelled demo).
  std::string transit_feeds;
  // eco: data folder for GEP datasets and run outputs (empty: RIVERLINK_ECO_DIR, else next to a
  // SQLite database as <file>.eco, else var/eco), and the demo GEP run that seed_demo makes
  // (empty: none; "auto": tiny in sanitizer builds, else demo; or tiny | demo | full;
  // RIVERLINK_ECO_DEMO_SIZE overrides a non-empty value).
  std::string eco_dir;
  std::string eco_demo_size;
};

// Reads RIVERLINK_PASSWORD_COST ("interactive", default, or "min" for test servers).
auth::PasswordCost password_cost_from_env();

class App {
 public:
  explicit App(const Config& cfg);  // opens the database and runs migrations; throws on failure
  ~App();

  store::Database& db() { return *db_; }
  audit::CommandRunner& commands() { return *commands_; }
  auth::Service& auth() { return *auth_; }
  jobs::Runner& jobs() { return *jobs_; }
  ledger::Service& ledger() { return *ledger_; }
  land::Service& land() { return *land_; }
  vouchers::Service& vouchers() { return *vouchers_; }
  transport::TransitService& transit() { return *transit_; }
  eco::Runs& eco() { return *eco_; }
  const std::string& eco_demo_size() const { return eco_demo_size_; }
  transport::stats::Service& transit_stats() { return *transit_stats_; }
  http::Router& router() { return router_; }
  const core::Clock& clock() const { return clock_; }
  core::IdGenerator& ids() { return *ids_; }

  // Registers every module's routes (and the system routes, given the server's metrics).
  void register_routes(http::Metrics& metrics);

 private:
  core::SystemClock clock_;
  std::unique_ptr<core::IdGenerator> ids_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::CommandRunner> commands_;
  std::unique_ptr<auth::Service> auth_;
  std::unique_ptr<jobs::Runner> jobs_;
  std::unique_ptr<ledger::Service> ledger_;
  std::unique_ptr<land::Service> land_;
  std::unique_ptr<vouchers::Service> vouchers_;
  std::unique_ptr<transport::TransitService> transit_;
  std::unique_ptr<eco::Runs> eco_;
  std::string eco_demo_size_;
  std::unique_ptr<transport::stats::Service> transit_stats_;
  std::unique_ptr<http::SessionAuthenticator> authenticator_;
  http::Router router_;
};

// All migrations of all modules, in dependency order.
std::vector<store::Migration> all_migrations();

// Demo region: users for every role (password riverlink2026). Skips what exists.
struct SeedReport {
  int users_added = 0;
};
Result<SeedReport> seed_demo(App& app);

struct DemoLogin {
  const char* username;
  const char* role;
  const char* division;
  const char* display_name;
};
const std::vector<DemoLogin>& demo_logins();
inline constexpr const char* kDemoPassword = "riverlink2026";

}  // namespace riverlink::app
