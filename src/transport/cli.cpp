#include "transport/cli.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <filesystem>

#include "transport/demo/yrd.hpp"
#include "transport/feedset.hpp"
#include "transport/gtfs/csv.hpp"
#include "transport/gtfs/feed.hpp"
#include "transport/raptor/raptor.hpp"
#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

namespace {

// Runs a command; an unexpected exception becomes exit code 2 with a message (never a crash).
template <class F>
int guarded(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "transit %s: %s\n", what, e.what());
    return 2;
  }
}

struct Common {
  std::string feeds;       // comma-separated
  std::string timetable;   // a built timetable file instead of feeds
  std::int32_t min_transfer_s = 120;
  double walk_radius_m = 200;
  std::string modes = "all";
};

void add_common(CLI::App* c, Common& o) {
  c->add_option("--feeds", o.feeds, "GTFS feeds (zip files or folders), comma-separated");
  c->add_option("--timetable", o.timetable, "a timetable file written by `transit build` (instead of --feeds)");
  c->add_option("--min-transfer-s", o.min_transfer_s, "minimum change time at a stop, seconds")->capture_default_str()->check(CLI::NonNegativeNumber);
  c->add_option("--walk-radius-m", o.walk_radius_m, "generated footpaths between stops within this distance (0: off)")->capture_default_str()->check(CLI::NonNegativeNumber);
}


Result<Timetable> obtain(const Common& o, bool quiet = false) {
  if (!o.timetable.empty()) return Timetable::load(o.timetable);
  auto paths = expand_feed_list(o.feeds);
  if (paths.empty()) return Error::field("transport.no_feeds", "--feeds", "give --feeds A.zip[,B.zip] (or a feed-set folder) or --timetable FILE");
  std::vector<gtfs::Feed> feeds;
  for (const auto& p : paths) {
    auto f = gtfs::load_feed(p);
    if (!f.ok()) return f.error();
    if (!quiet && f->findings.errors() > 0) {
      std::fprintf(stderr, "%s: %zu errors, %zu warnings (rows dropped; run `riverlink transit validate %s`)\n", p.c_str(),
                   f->findings.errors(), f->findings.warnings(), p.c_str());
    }
    feeds.push_back(std::move(*f));
  }
  return build_timetable(feeds, BuildOptions{.min_transfer_s = o.min_transfer_s, .walk_radius_m = o.walk_radius_m});
}

int fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "transit %s: %s\n", what.c_str(), e.message.c_str());
  return 2;
}

int cmd_validate(const std::string& path, bool json) {
  auto f = gtfs::load_feed(path);
  if (!f.ok()) {
    if (json) {
      core::Json j = {{"feed", path}, {"usable", false}, {"error", {{"code", f.error().code}, {"message", f.error().message}}}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::fprintf(stderr, "%s\n", f.error().message.c_str());
    }
    return 2;
  }
  if (json) {
    auto j = f->findings.to_json();
    j["feed"] = path;
    j["usable"] = true;
    j["stops"] = f->stops.size();
    j["trips"] = f->trips.size();
    j["stop_times"] = f->stop_time_rows;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s", f->findings.to_text().c_str());
    std::printf("%s: %zu stops, %zu routes, %zu trips, %zu stop_times rows; %zu errors, %zu warnings\n", path.c_str(),
                f->stops.size(), f->routes.size(), f->trips.size(), f->stop_time_rows, f->findings.errors(), f->findings.warnings());
  }
  return f->findings.errors() > 0 ? 1 : 0;
}

bool parse_at(const std::string& at, std::int32_t& day, std::int32_t& secs) {
  // "YYYY-MM-DD HH:MM:SS" (hours may exceed 23).
  auto sp = at.find(' ');
  if (sp != 10 || at.size() < 16) return false;
  std::string d = at.substr(0, 4) + at.substr(5, 2) + at.substr(8, 2);
  if (at[4] != '-' || at[7] != '-') return false;
  auto dd = gtfs::parse_date(d);
  auto tt = gtfs::parse_time(at.substr(sp + 1));
  if (!dd || !tt) return false;
  day = *dd;
  secs = *tt;
  return true;
}

int cmd_route(const Common& o, const std::string& from, const std::string& to, const std::string& at, int range_min) {
  std::int32_t day = 0, secs = 0;
  if (!parse_at(at, day, secs)) {
    std::fprintf(stderr, "transit route: --at '%s' is not \"YYYY-MM-DD HH:MM:SS\"\n", at.c_str());
    return 2;
  }
  std::uint32_t mask = 0;
  std::string bad;
  if (!parse_mode_mask(o.modes, mask, bad)) {
    std::fprintf(stderr, "transit route: --modes: unknown mode '%s' (rail, hsr, metro, tram, bus, coach, ferry, air, other, road, water, all)\n", bad.c_str());
    return 2;
  }
  auto tt = obtain(o);
  if (!tt.ok()) return fail("route", tt.error());
  Query q;
  q.origins = tt->resolve(from);
  q.targets = tt->resolve(to);
  q.day = day;
  q.departure = secs;
  q.modes = mask;
  core::Json out = {{"from", from}, {"to", to}, {"date", gtfs::format_date(day)}, {"departure_time", gtfs::format_time(secs)}};
  if (q.origins.empty()) out["problem"] = "unknown stop id in --from: " + from;
  else if (q.targets.empty()) out["problem"] = "unknown stop id in --to: " + to;
  Raptor raptor(*tt);
  if (range_min > 0) {
    auto js = raptor.range(q, secs + range_min * 60);
    core::Json arr = core::Json::array();
    for (const auto& j : js) arr.push_back(journey_json(*tt, j));
    out["journeys"] = arr;
  } else {
    auto j = raptor.earliest(q);
    out["reachable"] = j.has_value();
    if (j) {
      out["arrival_time"] = gtfs::format_time(j->arr);
      out["transfers"] = j->transfers;
      out["journey"] = journey_json(*tt, *j);
    } else {
      out["arrival_time"] = nullptr;
      out["transfers"] = nullptr;
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int cmd_build(const Common& o, const std::string& out_path) {
  auto t0 = std::chrono::steady_clock::now();
  auto tt = obtain(o);
  if (!tt.ok()) return fail("build", tt.error());
  auto s = tt->save(out_path);
  if (!s.ok()) return fail("build", s.error());
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s: %zu stops, %zu routes, %zu trips, %zu footpaths (%.0f ms)\n", out_path.c_str(), tt->stops.size(),
              tt->routes.size(), tt->trip_days.size(), tt->fp_to.size(), ms);
  return 0;
}

int cmd_import(const std::vector<std::string>& feeds, const std::string& set_dir, const Common& o) {
  auto r = import_feeds(feeds, set_dir, BuildOptions{.min_transfer_s = o.min_transfer_s, .walk_radius_m = o.walk_radius_m});
  if (!r.ok()) {
    std::fprintf(stderr, "transit import: refused, %s unchanged: %s\n", set_dir.c_str(), r.error().message.c_str());
    for (const auto& f : r.error().fields) std::fprintf(stderr, "  %s: %s\n", f.field.c_str(), f.message.c_str());
    return 1;
  }
  std::printf("%s\n", r->dump(2).c_str());
  return 0;
}

int cmd_matrix(const Common& o, const std::string& queries, const std::string& out_path, int threads) {
  std::ifstream in(queries, std::ios::binary);
  if (!in) { std::fprintf(stderr, "transit matrix: %s: cannot be read\n", queries.c_str()); return 2; }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  gtfs::Findings findings;
  gtfs::normalise_encoding(text, queries, findings);
  gtfs::CsvReader r(text, queries, findings);
  int cf = r.column("from_stop_id"), ct = r.column("to_stop_id"), cd = r.column("date"), cdt = r.column("departure_time");
  for (auto [c, name] : {std::pair{cf, "from_stop_id"}, {ct, "to_stop_id"}, {cd, "date"}, {cdt, "departure_time"}}) {
    if (c < 0) { std::fprintf(stderr, "transit matrix: %s:1: missing column %s\n", queries.c_str(), name); return 2; }
  }
  struct Row { std::string from, to, date, time; std::int32_t day, secs; };
  std::vector<Row> rows;
  while (r.next()) {
    Row x{std::string(r.get(cf)), std::string(r.get(ct)), std::string(r.get(cd)), std::string(r.get(cdt)), 0, 0};
    auto d = gtfs::parse_date(x.date);
    if (!d) { std::fprintf(stderr, "transit matrix: %s:%zu: date '%s' is not YYYYMMDD\n", queries.c_str(), r.line(), x.date.c_str()); return 2; }
    auto t = gtfs::parse_time(x.time);
    if (!t) { std::fprintf(stderr, "transit matrix: %s:%zu: departure_time '%s' is not HH:MM:SS\n", queries.c_str(), r.line(), x.time.c_str()); return 2; }
    x.day = *d;
    x.secs = *t;
    rows.push_back(std::move(x));
  }
  auto tt = obtain(o);
  if (!tt.ok()) return fail("matrix", tt.error());
  struct Answer { std::int32_t arr = -1; int transfers = 0; };
  std::vector<Answer> answers(rows.size());
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  auto work = [&]() {
    Raptor raptor(*tt);
    while (true) {
      auto i = next.fetch_add(1);
      if (i >= rows.size()) break;
      Query q;
      q.origins = tt->resolve(rows[i].from);
      q.targets = tt->resolve(rows[i].to);
      q.day = rows[i].day;
      q.departure = rows[i].secs;
      auto j = raptor.earliest(q);
      if (j) answers[i] = {j->arr, j->transfers};
    }
  };
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) { std::fprintf(stderr, "transit matrix: %s: cannot be written\n", out_path.c_str()); return 2; }
  auto csv = [](const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) { if (c == '"') q += '"'; q += c; }
    return q + "\"";
  };
  out << "from_stop_id,to_stop_id,date,departure_time,arrival_time,transfers\n";
  std::size_t reached = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << csv(rows[i].from) << ',' << csv(rows[i].to) << ',' << rows[i].date << ',' << rows[i].time << ',';
    if (answers[i].arr >= 0) { out << gtfs::format_time(answers[i].arr) << ',' << answers[i].transfers; ++reached; }
    else out << ',';
    out << '\n';
  }
  out.close();
  if (!out) { std::fprintf(stderr, "transit matrix: %s: write failed\n", out_path.c_str()); return 2; }
  std::fprintf(stderr, "transit matrix: %zu queries, %zu reachable, %d threads -> %s\n", rows.size(), reached, threads, out_path.c_str());
  return 0;
}

int cmd_demo_feed(const std::string& dir, const std::string& start, int days) {
  if (!gtfs::parse_date(start)) { std::fprintf(stderr, "transit demo-feed: --start '%s' is not YYYYMMDD\n", start.c_str()); return 2; }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const auto& [name, text] : demo::yrd_feed({.start_date = start, .days = days})) {
    std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) { std::fprintf(stderr, "transit demo-feed: %s/%s: cannot be written\n", dir.c_str(), name.c_str()); return 2; }
  }
  std::printf("wrote the YRD demo feed (labelled demo data) to %s\n", dir.c_str());
  return 0;
}

}  // namespace

void add_commands(CLI::App& app, int& exit_code) {
  auto* transit = app.add_subcommand("transit", "public transport: GTFS validation, journey planning, matrices");
  transit->require_subcommand(1);

  auto* validate = transit->add_subcommand("validate", "validate a GTFS feed (zip or folder); exit 1 when it has errors, 2 when unusable");
  auto vpath = std::make_shared<std::string>();
  auto vjson = std::make_shared<bool>(false);
  validate->add_option("FEED", *vpath, "GTFS zip or folder")->required();
  validate->add_flag("--json", *vjson, "findings as JSON");
  validate->callback([&exit_code, vpath, vjson] { exit_code = guarded("validate", [&] { return cmd_validate(*vpath, *vjson); }); });

  auto* build = transit->add_subcommand("build", "build a timetable file (loads in milliseconds) from GTFS feeds");
  auto bo = std::make_shared<Common>();
  auto bout = std::make_shared<std::string>();
  add_common(build, *bo);
  build->add_option("--out", *bout, "timetable file to write")->required();
  build->callback([&exit_code, bo, bout] { exit_code = guarded("build", [&] { return cmd_build(*bo, *bout); }); });

  auto* imp = transit->add_subcommand(
      "import", "check GTFS feeds and add them to a feed-set folder, rebuilding its timetable.bin; a refused feed leaves the set unchanged "
                "(point RIVERLINK_TRANSIT_FEEDS at the folder; POST /api/v1/transit/reload swaps it into a running server)");
  auto ifeeds = std::make_shared<std::vector<std::string>>();
  auto iset = std::make_shared<std::string>("var/transit/feeds");
  auto io = std::make_shared<Common>();
  imp->add_option("FEED", *ifeeds, "GTFS zips or folders")->required();
  imp->add_option("--set", *iset, "feed-set folder")->capture_default_str();
  imp->add_option("--min-transfer-s", io->min_transfer_s, "minimum change time at a stop, seconds")->capture_default_str()->check(CLI::NonNegativeNumber);
  imp->add_option("--walk-radius-m", io->walk_radius_m, "generated footpaths between stops within this distance (0: off)")->capture_default_str()->check(CLI::NonNegativeNumber);
  imp->callback([&exit_code, ifeeds, iset, io] { exit_code = guarded("import", [&] { return cmd_import(*ifeeds, *iset, *io); }); });

  auto* route = transit->add_subcommand("route", "earliest arrival with fewest transfers (JSON); --range-min for a Pareto set");
  auto ro = std::make_shared<Common>();
  auto rfrom = std::make_shared<std::string>(), rto = std::make_shared<std::string>(), rat = std::make_shared<std::string>();
  auto rrange = std::make_shared<int>(0);
  add_common(route, *ro);
  route->add_option("--from", *rfrom, "origin stop or station id")->required();
  route->add_option("--to", *rto, "destination stop or station id")->required();
  route->add_option("--at", *rat, "departure \"YYYY-MM-DD HH:MM:SS\"")->required();
  route->add_option("--modes", ro->modes, "modes: rail,hsr,metro,tram,bus,coach,ferry,air,other | road | water | all")->capture_default_str();
  route->add_option("--range-min", *rrange, "range query: Pareto journeys departing within this many minutes")->check(CLI::NonNegativeNumber);
  route->callback([&exit_code, ro, rfrom, rto, rat, rrange] { exit_code = guarded("route", [&] { return cmd_route(*ro, *rfrom, *rto, *rat, *rrange); }); });

  auto* demo_cmd = transit->add_subcommand("demo-feed", "write the Yangtze River Delta demo GTFS feed (HSR, rail, coach, ferry, air; demo data) to a folder");
  auto dout = std::make_shared<std::string>(), dstart = std::make_shared<std::string>("20260101");
  auto ddays = std::make_shared<int>(365);
  demo_cmd->add_option("--out", *dout, "folder to write")->required();
  demo_cmd->add_option("--start", *dstart, "first service day YYYYMMDD")->capture_default_str();
  demo_cmd->add_option("--days", *ddays, "number of service days")->capture_default_str()->check(CLI::Range(1, 3650));
  demo_cmd->callback([&exit_code, dout, dstart, ddays] { exit_code = guarded("demo-feed", [&] { return cmd_demo_feed(*dout, *dstart, *ddays); }); });

  auto* matrix = transit->add_subcommand("matrix", "answer a CSV of queries on all cores");
  auto mo = std::make_shared<Common>();
  auto mq = std::make_shared<std::string>(), mout = std::make_shared<std::string>();
  auto mthreads = std::make_shared<int>(0);
  add_common(matrix, *mo);
  matrix->add_option("--queries", *mq, "CSV: from_stop_id,to_stop_id,date,departure_time")->required();
  matrix->add_option("--out", *mout, "CSV answers: the four query columns, arrival_time, transfers")->required();
  matrix->add_option("--threads", *mthreads, "worker threads (0: all cores)");
  matrix->callback([&exit_code, mo, mq, mout, mthreads] { exit_code = guarded("matrix", [&] { return cmd_matrix(*mo, *mq, *mout, *mthreads); }); });
}

}  // namespace riverlink::transport
