// riverlink: the CLI and the server. Every subcommand has --help.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <functional>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/app.hpp"
#include "audit/api.hpp"
#include "audit/audit.hpp"
#include "http/server.hpp"
#include "land/cli.hpp"
#include "land/ticker.hpp"
#include "ledger/cli.hpp"
#include "transport/cli.hpp"
#include "eco/cli/commands.hpp"
#include "vouchers/cli.hpp"

using namespace riverlink;

namespace {

std::string default_db() {
  const char* e = std::getenv("RIVERLINK_DB");
  return e && *e ? e : "sqlite:var/riverlink.db";
}

void progress_bar(double pct, const std::string& msg) {
  int width = 30;
  int filled = static_cast<int>(pct / 100.0 * width + 0.5);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(static_cast<size_t>(width), ' ');
  std::fprintf(stderr, "\r[%s] %5.1f%% %-40.40s", bar.c_str(), pct, msg.c_str());
  std::fflush(stderr);
}

int cmd_serve(const std::string& db_url, const std::string& listen, const std::string& web, int threads,
              bool access_log) {
  app::Config cfg{.db_url = db_url, .password_cost = app::password_cost_from_env()};
  if (const char* tf = std::getenv("RIVERLINK_TRANSIT_FEEDS")) cfg.transit_feeds = tf;  // journey planner feeds
  app::App application(cfg);
  if (auto r = application.jobs().recover_interrupted(); !r.ok()) spdlog::warn("job recovery: {}", r.error().message);
  http::ServerOptions so;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT, got '" + listen + "'");
  so.address = listen.substr(0, colon);
  so.port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));
  so.threads = threads;
  so.static_dir = web;
  so.access_log = access_log;
  http::Server server(application.router(), so);
  application.register_routes(server.metrics());

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // worker threads inherit the mask
  server.start();
  // Land deadlines pass without requests: listings close, countdowns end, deposits are released.
  land::Ticker land_ticker(application.land(), std::chrono::milliseconds(500), [](const Result<core::Json>& r) {
    if (!r.ok()) spdlog::warn("land ticker: {}", r.error().message);
    else if (!r.value()["errors"].empty()) spdlog::warn("land ticker: {}", r.value()["errors"].dump());
  });
  land_ticker.start();
  std::printf("riverlink %s serving on http://%s:%u/ (database %s)\n", app::kVersion, so.address.c_str(),
              server.port(), application.db().describe().c_str());
  std::printf("demo logins (password %s): ", app::kDemoPassword);
  for (const auto& d : app::demo_logins()) std::printf("%s(%s) ", d.username, d.role);
  std::printf("\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {} received: draining connections", sig);
  server.stop();
  spdlog::info("stopped");
  return 0;
}

int cmd_audit_verify(const std::string& db_url, bool quiet) {
  app::App application({.db_url = db_url});
  auto root = auth::system_principal("audit-verify");
  auto job = application.jobs().submit({root.actor(), "cli:audit-verify:" + application.ids().next()}, "audit.verify",
                                       core::Json::object(), audit::verify_job(application.db()));
  if (!job.ok()) {
    std::fprintf(stderr, "audit verify: %s\n", job.error().message.c_str());
    return 2;
  }
  auto done = application.jobs().wait(job->id, std::chrono::hours(24), [&](const jobs::Job& j) {
    if (!quiet) progress_bar(j.progress, j.message);
  });
  if (!quiet) std::fprintf(stderr, "\n");
  if (!done.ok() || done->status != "succeeded") {
    std::fprintf(stderr, "audit verify: %s\n", done.ok() ? done->error.value_or("failed").c_str() : done.error().message.c_str());
    return 2;
  }
  const auto& r = *done->result;
  if (!r["ok"].get<bool>()) {
    std::printf("audit chain BROKEN at entry %lld: %s\n", r["first_bad_seq"].get<long long>(),
                r["problem"].get<std::string>().c_str());
    return 1;
  }
  std::printf("audit chain OK: %lld entries, head %s\n", r["entries"].get<long long>(),
              r["head_hash"].get<std::string>().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto console = spdlog::stderr_color_mt("console");
  spdlog::set_default_logger(console);
  spdlog::stdout_color_mt("access");

  CLI::App cli{"riverlink: Yangtze River Delta integration platform (长三角一体化平台)"};
  cli.require_subcommand(1);
  std::string db_url = default_db();
  cli.add_option("--db", db_url, "database: sqlite:PATH or postgresql://... (env RIVERLINK_DB)")
      ->capture_default_str();

  auto* serve = cli.add_subcommand("serve", "serve the web app and the API");
  std::string listen = "127.0.0.1:8080", web = "web/dist";
  int threads = 0;
  bool no_access_log = false;
  serve->add_option("--listen", listen, "HOST:PORT")->envname("RIVERLINK_LISTEN")->capture_default_str();
  serve->add_option("--web", web, "folder of the built web app (empty: API only)")->envname("RIVERLINK_WEB_DIR")->capture_default_str();
  serve->add_option("--threads", threads, "I/O threads (0: 2 x cores)")->capture_default_str();
  serve->add_flag("--no-access-log", no_access_log, "do not log each request");

  auto* migrate = cli.add_subcommand("migrate", "apply pending database migrations and list them");

  auto* demo = cli.add_subcommand("demo", "demo region");
  demo->require_subcommand(1);
  auto* seed = demo->add_subcommand("seed", "seed the demo region (idempotent: skips what exists)");

  auto* user = cli.add_subcommand("user", "user accounts");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "add a user");
  std::string u_name, u_display, u_role, u_div, u_pass;
  bool pass_stdin = false;
  user_add->add_option("--username", u_name, "login name")->required();
  user_add->add_option("--display-name", u_display, "display name")->required();
  user_add->add_option("--role", u_role, "platform_admin | officer | enterprise | provider | bank | auditor | collective_agent | bidder")->required();
  user_add->add_option("--division", u_div, "GB/T 2260 division code (required for officers)");
  user_add->add_option("--password", u_pass, "password (prefer --password-stdin)");
  user_add->add_flag("--password-stdin", pass_stdin, "read the password from standard input");

  auto* audit_cmd = cli.add_subcommand("audit", "audit log");
  audit_cmd->require_subcommand(1);
  auto* verify = audit_cmd->add_subcommand("verify", "walk the hash chain; exit 1 naming the first bad entry");
  bool quiet = false;
  verify->add_flag("--quiet", quiet, "no progress bar");

  cli.add_subcommand("version", "print the version");
  ledger::add_commands(cli);
  land::cli::add_commands(cli);
  int transit_rc = -1;  // set by a `transit ...` command
  transport::add_commands(cli, transit_rc);
  auto eco_run = eco::cli::add_commands(cli);
  vouchers::add_commands(cli);

  // Global options such as --db may also follow the subcommand: `riverlink serve --db ...`.
  std::function<void(CLI::App*)> fall = [&](CLI::App* a) {
    for (auto* sc : a->get_subcommands({})) {
      sc->fallthrough();
      fall(sc);
    }
  };
  fall(&cli);

  CLI11_PARSE(cli, argc, argv);
  if (transit_rc >= 0) return transit_rc;
  try {
    if (int rc = eco_run(); rc >= 0) return rc;
    if (*serve) return cmd_serve(db_url, listen, web, threads, !no_access_log);
    if (*migrate) {
      auto db = store::Database::open(db_url);
      auto r = store::migrate(*db, app::all_migrations());
      if (!r.ok()) {
        std::fprintf(stderr, "migrate: %s\n", r.error().message.c_str());
        return 2;
      }
      for (const auto& m : *r) std::printf("applied %s/%d %s\n", m.module.c_str(), m.version, m.name.c_str());
      std::printf("%zu migrations applied; database %s is up to date\n", r->size(), db->describe().c_str());
      return 0;
    }
    if (*seed) {
      app::App application({.db_url = db_url, .password_cost = app::password_cost_from_env(), .eco_demo_size = "auto"});
      auto r = app::seed_demo(application);
      if (!r.ok()) {
        std::fprintf(stderr, "demo seed: %s\n", r.error().message.c_str());
        return 2;
      }
      std::printf("demo seed: %d users added\n", r->users_added);
      return 0;
    }
    if (*user_add) {
      if (pass_stdin) std::getline(std::cin, u_pass);
      app::App application({.db_url = db_url});
      auto root = auth::system_principal("user-add");
      auto r = application.auth().add_user(root, {root.actor(), "cli:user-add:" + u_name}, {u_name, u_display, u_pass, u_role, u_div});
      if (!r.ok()) {
        std::fprintf(stderr, "user add: %s\n", r.error().message.c_str());
        return 2;
      }
      std::printf("added user %s (%s) id %s\n", r->username.c_str(), u_role.c_str(), r->id.c_str());
      return 0;
    }
    if (*verify) return cmd_audit_verify(db_url, quiet);
    if (cli.got_subcommand("version")) {
      std::printf("riverlink %s\n", app::kVersion);
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "riverlink: %s\n", e.what());
    return 2;
  }
  return 0;
}
