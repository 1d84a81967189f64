#include "transport/stats/service.hpp"

#include <cstdio>
#include <set>

#include "core/divisions.hpp"
#include "core/hash.hpp"

namespace riverlink::transport::stats {

namespace {
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto c = s.find(',', pos);
    auto part = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
    if (!part.empty()) out.push_back(part);
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return out;
}
std::string month_key(int y, int m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04d-%02d", y, m);
  return b;
}
}  // namespace

std::vector<SeriesDef> Service::all_series(store::Tx& tx) {
  std::vector<SeriesDef> out;
  for (const auto& r : tx.query("SELECT id, name_zh, name_en, definition, unit, modes FROM transport_stat_series ORDER BY id")) {
    out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), split(r.str(5))});
  }
  return out;
}

Result<SeriesDef> Service::one_series(store::Tx& tx, const std::string& series_ids) {
  auto ids = split(series_ids);
  auto defs = all_series(tx);
  if (ids.empty()) return Error::field("transport.stats_series_required", "series", "name one series");
  std::vector<const SeriesDef*> found;
  for (const auto& id : ids) {
    const SeriesDef* d = nullptr;
    for (const auto& x : defs) if (x.id == id) d = &x;
    if (!d) return Error::field("transport.stats_unknown_series", "series", "unknown series '" + id + "'");
    found.push_back(d);
  }
  if (found.size() > 1) {
    std::string what;
    for (const auto* d : found) what += (what.empty() ? "" : "; ") + d->id + " = " + d->definition;
    return Error::field("transport.stats_mixed_series", "series",
                        "series with different definitions are never added or compared arithmetically (" + what + ")");
  }
  return *found.front();
}

std::vector<Value> Service::values(store::Tx& tx, const std::string& series, const std::string& division, int from_year, int to_year) {
  std::vector<Value> out;
  auto rows = tx.query(
      "SELECT mode, month, value, demo FROM transport_stat_values WHERE series_id = ? AND division_code = ? AND month >= ? AND month <= ?"
      " ORDER BY month, mode",
      {series, division, month_key(from_year, 1), month_key(to_year, 12)});
  for (const auto& r : rows) {
    auto m = r.str(1);
    out.push_back({r.str(0), std::stoi(m.substr(0, 4)), std::stoi(m.substr(5, 2)), r.i64(2), r.i64(3) != 0});
  }
  return out;
}

Result<core::Json> Service::series() {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<core::Json> {
    core::Json items = core::Json::array();
    for (const auto& d : all_series(tx)) {
      core::Json cov = core::Json::array();
      for (const auto& r : tx.query("SELECT division_code, MIN(month), MAX(month), COUNT(*), MAX(demo) FROM transport_stat_values"
                                    " WHERE series_id = ? GROUP BY division_code ORDER BY division_code", {d.id})) {
        const auto* div = core::Divisions::yrd().find(r.str(0));
        cov.push_back({{"division_code", r.str(0)}, {"division_name", div ? div->name_zh : ""}, {"first_month", r.str(1)},
                       {"last_month", r.str(2)}, {"values", r.i64(3)}, {"demo", r.i64(4) != 0}});
      }
      items.push_back({{"id", d.id}, {"name_zh", d.name_zh}, {"name_en", d.name_en}, {"definition", d.definition},
                       {"unit", d.unit}, {"modes", d.modes}, {"coverage", cov}});
    }
    return core::Json{{"items", items}};
  });
}

Result<core::Json> Service::import_csv(const auth::Principal& p, const audit::CommandContext& ctx, const std::string& file_name,
                                       const std::string& csv, const std::string& source, bool demo) {
  if (auto s = auth::require_role(p, {auth::Role::officer, auth::Role::platform_admin}); !s.ok()) return s.error();
  if (file_name.empty() || file_name.size() > 200) return Error::field("transport.stats_file_name", "file_name", "file_name must be 1-200 characters");
  if (source.size() > 500) return Error::field("transport.stats_source", "source", "source must be at most 500 characters");
  std::vector<SeriesDef> defs;
  {
    auto d = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<std::vector<SeriesDef>> { return all_series(tx); });
    if (!d.ok()) return d.error();
    defs = std::move(*d);
  }
  auto rows = parse_csv(file_name, csv, defs, [](const std::string& code) { return core::Divisions::yrd().find(code) != nullptr; });
  if (!rows.ok()) return rows.error();
  // Jurisdiction: every row must lie within the officer's scope.
  for (const auto& r : *rows) {
    if (auto s = auth::require_jurisdiction(p, r.division); !s.ok()) {
      Error e = Error::make(ErrorKind::forbidden, "transport.stats_outside_jurisdiction",
                            file_name + ":" + std::to_string(r.line) + ":division_code " + r.division + " is outside your jurisdiction");
      e.fields.push_back({file_name + ":" + std::to_string(r.line) + ":division_code", "outside your jurisdiction"});
      return e;
    }
  }
  core::Json payload = {{"file_name", file_name}, {"csv_sha256", core::sha256_hex(csv)},
                        {"source", source}, {"demo", demo}};
  auto out = commands_.run(ctx, "transport", "stats.import", payload, [&](store::Tx& tx) -> Result<core::Json> {
    tx.lock("transport.stats");
    const std::string id = ids_.next();
    std::int64_t inserted = 0, replaced = 0;
    std::set<std::string> series_seen;
    for (const auto& r : *rows) {
      const auto month = month_key(r.year, r.month);
      replaced += tx.exec("DELETE FROM transport_stat_values WHERE series_id = ? AND division_code = ? AND mode = ? AND month = ?",
                          {r.series, r.division, r.mode, month});
      tx.exec("INSERT INTO transport_stat_values (series_id, division_code, mode, month, value, demo, import_id) VALUES (?,?,?,?,?,?,?)",
              {r.series, r.division, r.mode, month, r.value, demo ? 1 : 0, id});
      ++inserted;
      series_seen.insert(r.series);
    }
    tx.exec("INSERT INTO transport_stat_imports (id, file_name, source, demo, rows_count, actor, created_at_ms) VALUES (?,?,?,?,?,?,?)",
            {id, file_name, source, demo ? 1 : 0, static_cast<std::int64_t>(rows->size()), ctx.actor, core::to_unix_ms(clock_.now())});
    return core::Json{{"import_id", id}, {"file_name", file_name}, {"rows", inserted}, {"replaced", replaced},
                      {"series", std::vector<std::string>(series_seen.begin(), series_seen.end())}, {"demo", demo}};
  });
  if (!out.ok()) return out.error();
  core::Json r = out->result;
  r["replayed"] = out->replayed;
  return r;
}

Result<core::Json> Service::imports(int limit) {
  if (limit < 1 || limit > 500) return Error::field("transport.bad_limit", "limit", "limit must be 1-500");
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<core::Json> {
    core::Json items = core::Json::array();
    for (const auto& r : tx.query("SELECT id, file_name, source, demo, rows_count, actor, created_at_ms FROM transport_stat_imports"
                                  " ORDER BY created_at_ms DESC, id DESC LIMIT ?", {limit})) {
      items.push_back({{"id", r.str(0)}, {"file_name", r.str(1)}, {"source", r.str(2)}, {"demo", r.i64(3) != 0},
                       {"rows", r.i64(4)}, {"actor", r.str(5)}, {"created_at_ms", r.i64(6)}});
    }
    return core::Json{{"items", items}};
  });
}

Result<core::Json> Service::summary(const std::string& series_ids, const std::string& division, int year, int through_month) {
  if (!core::Divisions::yrd().find(division)) return Error::field("transport.unknown_division", "division", "unknown division code '" + division + "'");
  if (year < 1950 || year > 2100) return Error::field("transport.bad_year", "year", "year must be 1950-2100");
  if (through_month < 0 || through_month > 12) return Error::field("transport.bad_month", "through_month", "through_month must be 1-12 (0: latest)");
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<core::Json> {
    auto def = one_series(tx, series_ids);
    if (!def.ok()) return def.error();
    return summarize(*def, division, values(tx, def->id, division, year - 1, year), year, through_month);
  });
}

Result<core::Json> Service::monthly(const std::string& series_ids, const std::string& division, int year) {
  if (!core::Divisions::yrd().find(division)) return Error::field("transport.unknown_division", "division", "unknown division code '" + division + "'");
  if (year < 1950 || year > 2100) return Error::field("transport.bad_year", "year", "year must be 1950-2100");
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<core::Json> {
    auto def = one_series(tx, series_ids);
    if (!def.ok()) return def.error();
    return stats::monthly(*def, division, values(tx, def->id, division, year - 1, year), year);
  });
}

Result<core::Json> Service::seed_demo() {
  auto root = auth::system_principal("demo-seed");
  return import_csv(root, {root.actor(), "demo-seed:transport:stats:v1"}, "jiangsu_demo_stats.csv", demo_csv(),
                    "DEMO DATA: synthetic monthly split consistent with published Jiangsu totals (Jiangsu government 2023-10-31; "
                    "Jiangsu transport department 2023 Jan-Aug; Xinhua Daily 2024-02-04); not official statistics",
                    true);
}

}  // namespace riverlink::transport::stats
