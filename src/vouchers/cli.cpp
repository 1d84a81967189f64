#include "vouchers/cli.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/app.hpp"
#include "auth/principal.hpp"

namespace riverlink::vouchers {

namespace {
struct Args {
  std::string issuer, period, id, from = "0000-00", to = "9999-99", out, key;
  bool json = false;
};

std::string db_url(CLI::App* root) {
  if (auto* o = root->get_option_no_throw("--db"); o && o->count() > 0) return o->as<std::string>();
  const char* e = std::getenv("RIVERLINK_DB");
  return e && *e ? e : "sqlite:var/riverlink.db";
}

[[noreturn]] void fail(const char* what, const Error& e) {
  std::fprintf(stderr, "vouchers %s: %s (%s)\n", what, e.message.c_str(), e.code.c_str());
  for (const auto& f : e.fields) std::fprintf(stderr, "  field %s: %s\n", f.field.c_str(), f.message.c_str());
  std::exit(1);
}

void emit(const std::string& text, const std::string& out) {
  if (out.empty() || out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  std::ofstream f(out, std::ios::binary);
  f << text;
  if (!f) {
    std::fprintf(stderr, "vouchers: cannot write %s\n", out.c_str());
    std::exit(1);
  }
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", out.c_str(), text.size());
}

std::string csv_cell(const core::Json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// Rows of objects → CSV with the given columns; *_fen columns also get a yuan column.
std::string to_csv(const core::Json& rows, const std::vector<std::string>& cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    out += (i ? "," : "") + cols[i];
    if (cols[i].ends_with("_fen")) out += "," + cols[i].substr(0, cols[i].size() - 4) + "_yuan";
  }
  out += "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < cols.size(); ++i) {
      const auto& v = r.contains(cols[i]) ? r[cols[i]] : core::Json();
      out += (i ? "," : "") + csv_cell(v);
      if (cols[i].ends_with("_fen")) out += "," + (v.is_number_integer() ? core::Fen(v.get<int64_t>()).to_yuan_string() : std::string());
    }
    out += "\n";
  }
  return out;
}

std::unique_ptr<app::App> open_app(CLI::App* root) {
  return std::make_unique<app::App>(app::Config{.db_url = db_url(root)});
}
}  // namespace

void add_commands(CLI::App& app) {
  CLI::App* root = &app;
  auto a = std::make_shared<Args>();
  auto* v = app.add_subcommand("vouchers", "Innovation vouchers: policies, settlement runs, reports (CSV)");
  v->require_subcommand(1);

  auto* pol = v->add_subcommand("policy", "Policy versions");
  pol->require_subcommand(1);
  auto* pl = pol->add_subcommand("list", "List policy versions (issuer, version, window, label)");
  pl->add_option("--issuer", a->issuer, "only this issuer (SH, JS, JS-SZ, ZJ, AH, DZ ...)");
  pl->add_flag("--json", a->json, "print JSON instead of a table");
  pl->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().list_policies(a->issuer.empty() ? std::nullopt : std::optional(a->issuer));
    if (!r.ok()) fail("policy list", r.error());
    if (a->json) {
      std::cout << (*r)["items"].dump(2) << std::endl;
      std::exit(0);
    }
    for (const auto& p : (*r)["items"]) {
      const auto& pp = p["params"];
      std::printf("%-6s v%-3d %s..%s ratio %5.2f%% contract cap %s ent cap %s %s  %s  %s\n",
                  p["issuer_code"].get<std::string>().c_str(), p["version"].get<int>(), p["effective_from"].get<std::string>().c_str(),
                  p["effective_to"].get<std::string>().c_str(), pp["ratio_bp"].get<int>() / 100.0,
                  core::Fen(pp["per_contract_cap_fen"].get<int64_t>()).to_yuan_string().c_str(),
                  core::Fen(pp["enterprise_annual_cap_fen"].get<int64_t>()).to_yuan_string().c_str(),
                  pp["payee_mode"].get<std::string>().c_str(), p["id"].get<std::string>().c_str(), p["label"].get<std::string>().c_str());
    }
    std::exit(0);
  });
  auto* ps = pol->add_subcommand("show", "Show one policy version as JSON");
  ps->add_option("id", a->id, "policy id")->required();
  ps->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().get_policy(a->id);
    if (!r.ok()) fail("policy show", r.error());
    std::cout << r->dump(2) << std::endl;
    std::exit(0);
  });

  auto* st = v->add_subcommand("settle", "Run settlement for an issuer and period: pays approved obligations exactly once");
  st->add_option("--issuer", a->issuer, "issuer code")->required();
  st->add_option("--period", a->period, "YYYY-MM (month of approval)")->required();
  st->add_option("--key", a->key, "idempotency key (a retry with the same key replays the first result)");
  st->callback([root, a] {
    auto app = open_app(root);
    auto admin = auth::system_principal("cli");
    std::string key = a->key.empty() ? "cli:vouchers:settle:" + a->issuer + ":" + a->period + ":" +
                                           std::to_string(std::chrono::system_clock::now().time_since_epoch().count())
                                     : a->key;
    auto r = app->vouchers().settle(admin, {admin.actor(), key}, a->issuer, a->period);
    if (!r.ok()) fail("settle", r.error());
    std::printf("batch %s: %s %s, %lld obligation(s), %s yuan, manifest sha256 %s\n", (*r)["id"].get<std::string>().c_str(),
                a->issuer.c_str(), a->period.c_str(), static_cast<long long>((*r)["obligations"].get<int64_t>()),
                core::Fen((*r)["total_fen"].get<int64_t>()).to_yuan_string().c_str(), (*r)["manifest_sha256"].get<std::string>().c_str());
    std::exit(0);
  });

  auto* stm = v->add_subcommand("statement", "A settlement batch's CSV statement");
  stm->add_option("batch", a->id, "batch id")->required();
  stm->add_option("--out", a->out, "file to write (default: standard output)");
  stm->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().batch_csv(a->id);
    if (!r.ok()) fail("statement", r.error());
    emit(*r, a->out);
    std::exit(0);
  });

  auto* rep = v->add_subcommand("report", "Export a report as CSV");
  rep->require_subcommand(1);
  auto add_range = [a](CLI::App* c) {
    c->add_option("--from", a->from, "first month YYYY-MM");
    c->add_option("--to", a->to, "last month YYYY-MM");
    c->add_option("--out", a->out, "file to write (default: standard output)");
  };
  auto* rf = rep->add_subcommand("flows", "Order amounts by month and jurisdiction pair (enterprise province → provider province)");
  add_range(rf);
  rf->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().report_flows(a->from, a->to);
    if (!r.ok()) fail("report flows", r.error());
    emit(to_csv((*r)["items"], {"month", "enterprise_province", "provider_province", "count", "amount_fen", "voucher_fen"}), a->out);
    std::exit(0);
  });
  auto* rm = rep->add_subcommand("matrix", "Issuer × provider location: approved amounts and counts");
  add_range(rm);
  rm->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().flow_matrix(a->from, a->to, false);
    if (!r.ok()) fail("report matrix", r.error());
    emit(to_csv((*r)["cells"], {"funder", "funder_province", "payee_province", "count", "amount_fen"}), a->out);
    std::exit(0);
  });
  auto* rb = rep->add_subcommand("budgets", "Budget utilisation per issuer and year (from the ledger)");
  rb->add_option("--out", a->out, "file to write (default: standard output)");
  rb->callback([root, a] {
    auto app = open_app(root);
    auto r = app->vouchers().report_budgets(std::nullopt);
    if (!r.ok()) fail("report budgets", r.error());
    emit(to_csv((*r)["budgets"], {"issuer_code", "year", "appropriated_fen", "held_fen", "committed_fen", "paid_fen", "available_fen",
                                  "utilisation_bp"}), a->out);
    std::exit(0);
  });

  auto* ck = v->add_subcommand("check", "Check that every contract's workflow state agrees with the ledger");
  ck->callback([root] {
    auto app = open_app(root);
    auto r = app->vouchers().check_consistency();
    if (!r.ok()) fail("check", r.error());
    for (const auto& line : *r) std::printf("%s\n", line.c_str());
    std::printf("%s: %zu disagreement(s)\n", r->empty() ? "consistent" : "INCONSISTENT", r->size());
    std::exit(r->empty() ? 0 : 1);
  });
}

}  // namespace riverlink::vouchers
