#include "land/cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "audit/command.hpp"
#include "core/hash.hpp"
#include "land/service.hpp"
#include "land/ticker.hpp"
#include "ledger/service.hpp"
#include "store/migrate.hpp"

namespace riverlink::land::cli {

using core::Json;
namespace a = auction;

namespace {

// The services a command needs, over one database, on the system clock.
struct Stack {
  core::SystemClock clock;
  audit::CommandRunner runner;
  ledger::Service ledger;
  Service svc;
  explicit Stack(store::Database& db)
      : runner(db, clock), ledger(db, clock), svc(db, runner, ledger, clock, WorkCalendar::bundled()) {}
};

int fail(std::ostream& out, const Error& e) {
  out << "error: " << e.code << ": " << e.message;
  for (const auto& f : e.fields) out << " [" << f.field << ": " << f.message << "]";
  out << "\n";
  return 2;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

int case_list(store::Database& db, const std::optional<std::string>& state, std::ostream& out) {
  Stack st(db);
  auto r = st.svc.cases(auth::system_principal("land-cli"), state, 500);
  if (!r.ok()) return fail(out, r.error());
  out << "id\tstate\tparcel\tname\tlot\tupdated\n";
  for (const auto& c : (*r)["items"]) {
    out << c["id"].get<std::string>() << "\t" << c["state"].get<std::string>() << "\t"
        << c["parcel_code"].get<std::string>() << "\t" << c["parcel_name"].get<std::string>() << "\t"
        << (c["lot_id"].is_null() ? "-" : c["lot_id"].get<std::string>()) << "\t"
        << c["updated_at"].get<std::string>() << "\n";
  }
  out << (*r)["items"].size() << " cases\n";
  return 0;
}

int case_show(store::Database& db, const std::string& id, std::ostream& out) {
  Stack st(db);
  const auto sys = auth::system_principal("land-cli");
  auto c = st.svc.get_case(sys, id);
  if (!c.ok()) return fail(out, c.error());
  auto ev = st.svc.case_events(sys, id);
  if (!ev.ok()) return fail(out, ev.error());
  Json j = *c;
  j["events"] = (*ev)["items"];
  out << j.dump(2) << "\n";
  return 0;
}

int calendar_check(const WorkCalendar& cal, const std::string& filed, const std::string& trade,
                   int lead, std::ostream& out) {
  auto f = parse_date(filed);
  auto t = parse_date(trade);
  if (!f) return fail(out, Error::field("land.invalid_date", "--filed", "must be a YYYY-MM-DD date"));
  if (!t) return fail(out, Error::field("land.invalid_date", "--trade", "must be a YYYY-MM-DD date"));
  const Date earliest = cal.add_working_days(*f, lead);
  const int between = cal.working_days_between(*f, *t);
  const bool ok = earliest <= *t;
  out << "filed " << format_date(*f) << " (" << (cal.is_working_day(*f) ? "working day" : "day off")
      << "), trade " << format_date(*t) << ": " << between << " working days between; "
      << "earliest trade date " << format_date(earliest) << " (" << lead << " working days); "
      << "latest filing date for this trade ";
  Date latest = *t;
  while (cal.add_working_days(latest, lead) > *t) latest -= std::chrono::days{1};
  out << format_date(latest) << "\n" << (ok ? "OK" : "TOO LATE") << " (calendar " << cal.status() << ")\n";
  return ok ? 0 : 1;
}

int lot_replay(store::Database& db, const std::string& lot_id, std::ostream& out) {
  struct Stored {
    a::Params params;
    std::vector<a::Event> events;
    std::string phase;
    int64_t high = 0;
    std::optional<std::string> winner;
    std::optional<int64_t> price;
  };
  auto s = store::transact(db, store::TxKind::read, [&](store::Tx& tx) -> Result<Stored> {
    auto lot = tx.query_one("SELECT params, phase, high_fen, winner, price_fen FROM land_lots WHERE id = ?", {lot_id});
    if (!lot) return Error::make(ErrorKind::not_found, "land.lot_not_found", "no lot " + lot_id);
    auto pj = core::parse_json(lot->str(0));
    if (!pj.ok()) return pj.error();
    auto p = params_from_json(*pj);
    if (!p.ok()) return p.error();
    Stored out{*p, {}, lot->str(1), lot->i64(2), lot->opt_str(3), std::nullopt};
    if (lot->opt_str(4)) out.price = lot->i64(4);
    for (const auto& r : tx.query("SELECT kind, at_ms, bidder, amount, aux, text, seq FROM land_lot_events WHERE lot_id = ? ORDER BY seq", {lot_id})) {
      auto k = a::parse_event_kind(r.str(0));
      if (!k) {
        return Error::make(ErrorKind::internal, "land.bad_event",
                           "event " + std::to_string(r.i64(6)) + " has unknown kind " + r.str(0));
      }
      out.events.push_back({*k, r.i64(1), r.str(2), r.i64(3), r.i64(4), r.str(5)});
    }
    return out;
  });
  if (!s.ok()) return fail(out, s.error());
  auto first = a::replay(s->params, s->events);
  auto second = a::replay(s->params, s->events);
  if (!first || !second) {
    out << "lot " << lot_id << ": the event log does not replay (an event is refused)\nMISMATCH\n";
    return 1;
  }
  const std::string d1 = first->digest(), d2 = second->digest();
  bool ok = d1 == d2 && first->log() == s->events;
  std::vector<std::string> problems;
  if (d1 != d2) problems.push_back("two replays differ");
  if (first->log() != s->events) problems.push_back("the replayed log differs from the stored log");
  if (std::string(a::name(first->phase())) != s->phase) problems.push_back("phase " + std::string(a::name(first->phase())) + " vs stored " + s->phase);
  if (!s->events.empty() && first->high_fen() != s->high) problems.push_back("high bid differs from the stored row");
  if (first->decided()) {
    const auto& o = first->outcome();
    if (o.winner.empty() ? s->winner.has_value() : s->winner != o.winner) problems.push_back("winner differs from the stored row");
    if (!o.winner.empty() && s->price != o.price_fen) problems.push_back("price differs from the stored row");
  }
  ok = ok && problems.empty();
  out << "lot " << lot_id << ": " << s->events.size() << " events, " << first->bids().size() << " bids, phase "
      << a::name(first->phase()) << ", high " << first->high_fen() << " fen";
  if (first->decided()) out << ", winner " << (first->outcome().winner.empty() ? "-" : first->outcome().winner)
                            << " at " << first->outcome().price_fen << " fen (" << first->outcome().reason << ")";
  out << "\nstate digest sha256 " << core::sha256_hex(d1) << "\n";
  for (const auto& p : problems) out << "problem: " << p << "\n";
  out << (ok ? "DETERMINISTIC: replay matches the stored result" : "MISMATCH") << "\n";
  return ok ? 0 : 1;
}

int statements_csv(store::Database& db, const std::string& case_id, std::ostream& out) {
  Stack st(db);
  auto r = st.svc.statements(auth::system_principal("land-cli"), case_id);
  if (!r.ok()) return fail(std::cerr, r.error());
  out << "\xEF\xBB\xBF" << "case_id,member_id,name,shares,amount_fen,amount_yuan,mode,at\r\n";
  for (const auto& l : (*r)["items"]) {
    const int64_t fen = l["amount_fen"];
    char yuan[32];
    std::snprintf(yuan, sizeof yuan, "%lld.%02lld", static_cast<long long>(fen / 100), static_cast<long long>(fen % 100));
    out << csv_cell(case_id) << "," << csv_cell(l["member_id"]) << "," << csv_cell(l["name"]) << ","
        << l["shares"].get<int64_t>() << "," << fen << "," << yuan << "," << csv_cell(l["mode"]) << ","
        << csv_cell(l["at"]) << "\r\n";
  }
  return 0;
}

int tick(store::Database& db, std::ostream& out) {
  Stack st(db);
  Ticker t(st.svc);
  auto r = t.run_once();
  if (!r.ok()) return fail(out, r.error());
  out << r->dump(2) << "\n";
  return (*r)["errors"].empty() ? 0 : 1;
}

namespace {

struct Args {
  std::string state, id, filed, trade, calendar, out;
  int lead = 10;
};

std::string db_url(CLI::App& root) {
  auto* o = root.get_option_no_throw("--db");
  if (o && o->count() > 0) return o->as<std::string>();
  const char* e = std::getenv("RIVERLINK_DB");
  return e && *e ? e : "sqlite:var/riverlink.db";
}

template <class F>
void with_db(CLI::App& root, F&& fn) {
  int rc = 2;
  try {
    auto db = store::Database::open(db_url(root));
    auto m = store::migrate(*db, all_migrations());
    if (!m.ok()) {
      std::cerr << "land: " << m.error().message << "\n";
      std::exit(2);
    }
    rc = fn(*db);
  } catch (const std::exception& e) {
    std::cerr << "land: " << e.what() << "\n";
    rc = 2;
  }
  std::cout.flush();
  std::exit(rc);
}

}  // namespace

void add_commands(CLI::App& app) {
  auto args = std::make_shared<Args>();
  CLI::App* root = &app;
  auto* land = app.add_subcommand("land", "Collective construction-land market: cases, calendar, lots, statements");
  land->require_subcommand(1);

  auto* cs = land->add_subcommand("case", "Entry cases");
  cs->require_subcommand(1);
  auto* list = cs->add_subcommand("list", "List entry cases");
  list->add_option("--state", args->state, "only cases in this state");
  list->callback([args, root] {
    with_db(*root, [&](store::Database& db) {
      return case_list(db, args->state.empty() ? std::nullopt : std::optional(args->state), std::cout);
    });
  });
  auto* show = cs->add_subcommand("show", "One case as JSON: documents, deadlines, transitions");
  show->add_option("id", args->id, "case id")->required();
  show->callback([args, root] { with_db(*root, [&](store::Database& db) { return case_show(db, args->id, std::cout); }); });

  auto* cal = land->add_subcommand("calendar", "The working-day calendar");
  cal->require_subcommand(1);
  auto* check = cal->add_subcommand("check", "Check a filing date against a trade date (exit 0 ok, 1 too late)");
  check->add_option("--filed", args->filed, "filing date YYYY-MM-DD")->required();
  check->add_option("--trade", args->trade, "planned trade date YYYY-MM-DD")->required();
  check->add_option("--lead", args->lead, "working days required (Impl. Regs Art. 40: 10)")->capture_default_str();
  check->add_option("--calendar", args->calendar, "calendar JSON file (default: the bundled one)");
  check->callback([args] {
    int rc = 2;
    if (args->calendar.empty()) {
      rc = calendar_check(WorkCalendar::bundled(), args->filed, args->trade, args->lead, std::cout);
    } else {
      std::ifstream f(args->calendar);
      if (!f) {
        std::cerr << "land calendar: cannot read " << args->calendar << "\n";
        std::exit(2);
      }
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      auto c = WorkCalendar::parse(text, args->calendar);
      if (!c.ok()) rc = fail(std::cerr, c.error());
      else rc = calendar_check(*c, args->filed, args->trade, args->lead, std::cout);
    }
    std::cout.flush();
    std::exit(rc);
  });

  auto* lot = land->add_subcommand("lot", "Lots");
  lot->require_subcommand(1);
  auto* replay = lot->add_subcommand("replay", "Rebuild a lot from its event log twice and compare with the stored result");
  replay->add_option("id", args->id, "lot id")->required();
  replay->callback([args, root] { with_db(*root, [&](store::Database& db) { return lot_replay(db, args->id, std::cout); }); });

  auto* stm = land->add_subcommand("statements", "Members' distribution statements of a case as CSV");
  stm->add_option("case_id", args->id, "case id")->required();
  stm->add_option("--out", args->out, "output file (default: standard output)");
  stm->callback([args, root] {
    with_db(*root, [&](store::Database& db) {
      if (args->out.empty()) return statements_csv(db, args->id, std::cout);
      std::ofstream f(args->out, std::ios::binary);
      if (!f) {
        std::cerr << "land statements: cannot write " << args->out << "\n";
        return 2;
      }
      int rc = statements_csv(db, args->id, f);
      if (rc == 0) std::cerr << "wrote " << args->out << "\n";
      return rc;
    });
  });

  auto* tk = land->add_subcommand("tick", "Run the deadline ticker once (the server runs it in the background)");
  tk->callback([root] { with_db(*root, [&](store::Database& db) { return tick(db, std::cout); }); });
}

}  // namespace riverlink::land::cli
