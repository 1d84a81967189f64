#include "app/app.hpp"

#include <cstdlib>
#include <random>

#include "audit/api.hpp"
#include "audit/audit.hpp"
#include "core/divisions.hpp"
#include "http/server.hpp"
#include "jobs/api.hpp"
#include "land/api.hpp"
#include "land/seed.hpp"
#include "ledger/api.hpp"
#include "vouchers/api.hpp"
#include "transport/demo/yrd.hpp"
#include "transport/feedset.hpp"
#include "transport/stats/api.hpp"

namespace riverlink::app {

auth::PasswordCost password_cost_from_env() {
  const char* c = std::getenv("RIVERLINK_PASSWORD_COST");
  if (c && std::string(c) == "min") return auth::PasswordCost::minimum();
  return auth::PasswordCost::interactive();
}

std::vector<store::Migration> all_migrations() {
  std::vector<store::Migration> all;
  for (auto* list : {audit::migrations, auth::migrations, jobs::migrations, ledger::migrations, vouchers::migrations}) {
    for (auto& m : list()) all.push_back(std::move(m));
  }
  for (auto& m : land::migrations()) all.push_back(std::move(m));
  for (auto& m : transport_stats::migrations()) all.push_back(std::move(m));
  for (auto& m : eco_api::migrations()) all.push_back(std::move(m));
  return all;
}

App::App(const Config& cfg) {
  ids_ = std::make_unique<core::IdGenerator>(clock_, std::random_device{}());
  db_ = store::Database::open(cfg.db_url);
  auto m = store::migrate(*db_, all_migrations());
  if (!m.ok()) throw std::runtime_error(m.error().message);
  commands_ = std::make_unique<audit::CommandRunner>(*db_, clock_);
  auth_ = std::make_unique<auth::Service>(*db_, *commands_, clock_, *ids_, auth::Options{.cost = cfg.password_cost});
  jobs_ = std::make_unique<jobs::Runner>(*db_, *commands_, clock_, *ids_, jobs::Options{.workers = cfg.job_workers});
  ledger_ = std::make_unique<ledger::Service>(*db_, clock_);
  land_ = std::make_unique<land::Service>(*db_, *commands_, *ledger_, clock_, land::WorkCalendar::bundled());
  vouchers_ = std::make_unique<vouchers::Service>(*db_, *commands_, *ledger_, clock_, *ids_);
  {
    // Journey planner timetable: the configured GTFS feeds (files, folders or feed-set folders;
    // POST /api/v1/transit/reload reads them again), else the YRD demo network.
    std::string list = cfg.transit_feeds;
    if (list.empty()) {
      auto f = transport::gtfs::load_feed_from_memory("yrd_demo", transport::demo::yrd_feed());
      if (!f.ok()) throw std::runtime_error("transit demo feed: " + f.error().message);
      std::vector<transport::gtfs::Feed> feeds;
      feeds.push_back(std::move(*f));
      auto tt = transport::build_timetable(feeds, {});
      if (!tt.ok()) throw std::runtime_error("transit timetable: " + tt.error().message);
      transit_ = std::make_unique<transport::TransitService>(std::move(*tt));
    } else {
      auto tt = transport::load_timetable(transport::expand_feed_list(list), {}, false);
      if (!tt.ok()) throw std::runtime_error("transit feeds: " + tt.error().message);
      transit_ = std::make_unique<transport::TransitService>(std::move(*tt), list, transport::BuildOptions{});
    }
  }
  transit_stats_ = std::make_unique<transport::stats::Service>(*db_, *commands_, clock_, *ids_);
  {
    // eco: GEP datasets and runs in a data folder (see Config::eco_dir).
    std::string dir = cfg.eco_dir;
    if (const char* e = std::getenv("RIVERLINK_ECO_DIR"); dir.empty() && e && *e) dir = e;
    if (dir.empty()) dir = cfg.db_url.rfind("sqlite:", 0) == 0 ? cfg.db_url.substr(7) + ".eco" : "var/eco";
    eco_ = std::make_unique<eco::Runs>(*db_, *commands_, *jobs_, clock_, *ids_, eco::RunsOptions{.data_dir = dir, .upload_limit = eco::upload_limit_from_env(std::getenv("RIVERLINK_ECO_UPLOAD_LIMIT_MB"))});
    eco_demo_size_ = cfg.eco_demo_size;
    if (const char* e = std::getenv("RIVERLINK_ECO_DEMO_SIZE"); !eco_demo_size_.empty() && e && *e) eco_demo_size_ = e;
  }
  authenticator_ = std::make_unique<http::SessionAuthenticator>(*auth_);
  router_.set_authenticator(authenticator_.get());
}

App::~App() = default;

namespace {
core::Json division_json(const core::Division& d) {
  return {{"code", d.code}, {"name_zh", d.name_zh}, {"name_en", d.name_en},
          {"level", std::string(core::level_name(d.level))}, {"parent_code", d.parent_code}};
}

void register_division_routes(http::Router& router) {
  router.add({.method = "GET", .pattern = "/api/v1/divisions",
              .summary = "Administrative divisions of the Yangtze River Delta (GB/T 2260)", .tag = "core",
              .access = http::Access::public_,
              .query = {{"parent", "only children of this code"}, {"level", "province | prefecture | county"}}},
             [](http::Request& r) {
               const auto& all = core::Divisions::yrd();
               auto level = r.query("level");
               std::optional<core::DivisionLevel> lv;
               if (level) {
                 if (*level == "province") lv = core::DivisionLevel::province;
                 else if (*level == "prefecture") lv = core::DivisionLevel::prefecture;
                 else if (*level == "county") lv = core::DivisionLevel::county;
                 else return http::Response::problem(Error::field("core.bad_level", "level", "must be province, prefecture or county"), r.path);
               }
               std::vector<const core::Division*> items;
               if (auto parent = r.query("parent")) {
                 if (!all.find(*parent)) return http::Response::problem(Error::field("core.unknown_division", "parent", "unknown division code " + *parent), r.path);
                 items = all.children(*parent);
               } else {
                 for (const auto& d : all.all()) items.push_back(&d);
               }
               core::Json out = core::Json::array();
               for (const auto* d : items) if (!lv || d->level == *lv) out.push_back(division_json(*d));
               return http::Response::json(200, {{"items", out}});
             });
  router.add({.method = "GET", .pattern = "/api/v1/divisions/{code}", .summary = "One division", .tag = "core",
              .access = http::Access::public_},
             [](http::Request& r) {
               const auto* d = core::Divisions::yrd().find(r.param("code"));
               if (!d) return http::Response::problem(404, "core.unknown_division", "no division " + r.param("code"));
               return http::Response::json(200, division_json(*d));
             });
}
}  // namespace

void App::register_routes(http::Metrics& metrics) {
  http::register_system_routes(router_, metrics, [this]() -> Status {
    try {
      auto tx = db_->begin(store::TxKind::read);
      tx->query("SELECT 1");
      return ok_status();
    } catch (const std::exception& e) {
      return Error::make(ErrorKind::unavailable, "store.down", e.what());
    }
  }, kVersion);
  register_division_routes(router_);
  http::register_auth_routes(router_, *auth_);
  jobs::register_routes(router_, *jobs_);
  audit::register_routes(router_, *db_, *jobs_);
  ledger::register_routes(router_, *ledger_);
  land::register_routes(router_, *land_);
  vouchers::register_routes(router_, *vouchers_);
  transport::register_routes(router_, *transit_, commands_.get());
  transport::stats::register_routes(router_, *transit_stats_);
  eco::register_routes(router_, *eco_);
}

const std::vector<DemoLogin>& demo_logins() {
  static const std::vector<DemoLogin> v = {
      {"admin", "platform_admin", "", "平台管理员 Platform admin"},
      {"officer_js", "officer", "320000", "江苏省科技厅 Jiangsu officer"},
      {"officer_sh", "officer", "310000", "上海市科委 Shanghai officer"},
      {"enterprise", "enterprise", "320500", "演示企业（苏州）Demo enterprise (Suzhou)"},
      {"provider", "provider", "310000", "演示服务机构（上海）Demo provider (Shanghai)"},
      {"bank", "bank", "320000", "演示银行 Demo bank"},
      {"auditor", "auditor", "", "审计员 Auditor"},
      {"agent", "collective_agent", "320282", "演示村集体经济组织（宜兴）Demo collective agent (Yixing)"},
      {"bidder", "bidder", "320200", "演示竞买人（无锡）Demo bidder (Wuxi)"},
  };
  return v;
}

Result<SeedReport> seed_demo(App& app) {
  SeedReport rep;
  auto root = auth::system_principal("demo-seed");
  auto existing = app.auth().list_users(root);
  if (!existing.ok()) return existing.error();
  for (const auto& d : demo_logins()) {
    bool have = false;
    for (const auto& u : *existing) have = have || u.username == d.username;
    if (have) continue;
    auto u = app.auth().add_user(root, {root.actor(), std::string("demo-seed:user:") + d.username},
                                 {d.username, d.display_name, kDemoPassword, d.role, d.division});
    if (!u.ok()) return u.error();
    ++rep.users_added;
  }
  {
    // Land demo (labelled demo): Yixing parcels, entry cases, lots; funds the demo bidder's deposit account.
    auto users = app.auth().list_users(root);
    if (!users.ok()) return users.error();
    land::SeedInput li;
    for (const auto& u : *users) {
      if (u.username == "bidder") li.bidder_user_id = u.id;
    }
    auto l = land::seed_demo(app.db(), app.commands(), app.ledger(), app.clock(), li);
    if (!l.ok()) return l.error();
  }
  {
    // Vouchers demo (labelled demo): links the elevator case to the demo enterprise/provider logins.
    auto users = app.auth().list_users(root);
    if (!users.ok()) return users.error();
    vouchers::SeedOptions vo;
    for (const auto& u : *users) {
      if (u.username == "enterprise") vo.enterprise_user_id = u.id;
      if (u.username == "provider") vo.provider_user_id = u.id;
    }
    auto v = vouchers::seed_demo(app.db(), app.commands(), app.ledger(), app.ids(), app.clock(), vo);
    if (!v.ok()) return v.error();
  }
  {
    // Passenger statistics demo figures for Jiangsu (labelled demo data).
    auto t = app.transit_stats().seed_demo();
    if (!t.ok()) return t.error();
  }
  if (!app.eco_demo_size().empty()) {
    // eco demo (labelled demo): the Suqian-like region and one completed GEP run with VEP parcels.
#if defined(__SANITIZE_ADDRESS__)
    const bool sanitized = true;
#else
    const bool sanitized = false;
#endif
    std::string size = app.eco_demo_size() == "auto" ? (sanitized ? "tiny" : "demo") : app.eco_demo_size();
    auto e = eco::seed_demo(app.eco(), app.jobs(), size);
    if (!e.ok()) return e.error();
  }
  return rep;
}

}  // namespace riverlink::app
