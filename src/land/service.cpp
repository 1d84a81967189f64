#include "land/service.hpp"

#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "audit/audit.hpp"
#include "core/divisions.hpp"
#include "core/fen.hpp"
#include "core/id.hpp"

namespace riverlink::land {

using core::Json;
using auth::Role;

std::vector<store::Migration> all_migrations() {
  auto m = ledger::all_migrations();
  auto l = migrations();
  m.insert(m.end(), l.begin(), l.end());
  return m;
}

// ------------------------------------------------------------------ geometry

namespace {

Result<std::vector<std::pair<double, double>>> ring(const Json& r, const std::string& field) {
  if (!r.is_array() || r.size() < 4) {
    return Error::field("land.invalid_geometry", field, "a ring needs at least 4 positions");
  }
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 0; i < r.size(); ++i) {
    const Json& p = r[i];
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number()) {
      return Error::field("land.invalid_geometry", field + "[" + std::to_string(i) + "]",
                          "must be [longitude, latitude]");
    }
    const double lon = p[0].get<double>(), lat = p[1].get<double>();
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
      return Error::field("land.invalid_geometry", field + "[" + std::to_string(i) + "]",
                          "longitude/latitude out of range");
    }
    pts.emplace_back(lon, lat);
  }
  if (pts.front() != pts.back()) {
    return Error::field("land.invalid_geometry", field, "a ring must be closed");
  }
  pts.pop_back();
  return pts;
}

}  // namespace

Result<double> geodesic_area_m2(const Json& g) {
  if (!g.is_object() || g.value("type", "") != "Polygon" || !g.contains("coordinates") ||
      !g["coordinates"].is_array() || g["coordinates"].empty()) {
    return Error::field("land.invalid_geometry", "geometry", "must be a GeoJSON Polygon");
  }
  geod_geodesic geod;
  geod_init(&geod, 6378137.0, 1 / 298.257223563);  // WGS 84
  double total = 0;
  for (size_t k = 0; k < g["coordinates"].size(); ++k) {
    auto pts = ring(g["coordinates"][k], "geometry.coordinates[" + std::to_string(k) + "]");
    if (!pts.ok()) return pts.error();
    std::vector<double> lats, lons;
    for (const auto& [lon, lat] : *pts) {
      lons.push_back(lon);
      lats.push_back(lat);
    }
    double area = 0, perimeter = 0;
    geod_polygonarea(&geod, lats.data(), lons.data(), static_cast<int>(lats.size()), &area,
                     &perimeter);
    total += k == 0 ? std::fabs(area) : -std::fabs(area);
  }
  if (total <= 0) return Error::field("land.invalid_geometry", "geometry", "the area is zero");
  return total;
}

// ------------------------------------------------------------------ rules as data

std::vector<std::string> eligibility_failures(const Json& d) {
  static const std::vector<std::string> business = {
      "industrial", "warehouse_logistics", "commercial_service", "tourism", "other_business"};
  std::vector<std::string> f;
  if (d.value("ownership", "collective") != "collective") f.push_back("ownership");
  if (!d.value("ownership_registered", false)) f.push_back("ownership_registered");
  const std::string use = d.value("planned_use", "");
  if (std::find(business.begin(), business.end(), use) == business.end()) {
    f.push_back("planned_use");
  }
  if (d.value("land_class", "") != "existing_construction") f.push_back("land_class");
  if (d.value("in_ecological_red_line", false)) f.push_back("in_ecological_red_line");
  if (d.value("in_permanent_basic_farmland", false)) f.push_back("in_permanent_basic_farmland");
  if (d.contains("encumbrances") && d["encumbrances"].is_array()) {
    for (const auto& e : d["encumbrances"]) {
      if (!e.value("resolved", false)) {
        f.push_back("encumbrances");
        break;
      }
    }
  }
  return f;
}

int max_term_years(std::string_view use) {
  if (use == "industrial" || use == "warehouse_logistics") return 50;
  if (use == "commercial_service" || use == "tourism") return 40;
  if (use == "other_business") return 50;
  return 0;
}

namespace {

std::string rate_use(const std::string& planned_use) {
  if (planned_use == "commercial_service" || planned_use == "tourism") return "commercial";
  if (planned_use == "industrial" || planned_use == "warehouse_logistics") return "industrial";
  return "other";
}

Error conflict(std::string code, std::string msg) {
  return Error::make(ErrorKind::conflict, std::move(code), std::move(msg));
}

Error field(std::string code, std::string f, std::string msg) {
  return Error::field(std::move(code), std::move(f), std::move(msg));
}

template <class T>
std::optional<T> get(const Json& j, const char* k) {
  if (!j.is_object() || !j.contains(k) || j[k].is_null()) return std::nullopt;
  try {
    return j[k].get<T>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<Date> need_date(const Json& body, const char* k) {
  auto s = get<std::string>(body, k);
  auto d = s ? parse_date(*s) : std::nullopt;
  if (!d) return field("land.invalid_date", k, "must be a YYYY-MM-DD date");
  return *d;
}

Date shanghai_date(int64_t ms) {
  // Asia/Shanghai has been UTC+8 without daylight saving since 1991.
  return std::chrono::floor<std::chrono::days>(core::from_unix_ms(ms + 8LL * 3600 * 1000));
}

std::string add_years(const std::string& date, int years) {
  auto d = parse_date(date);
  if (!d) return date;
  std::chrono::year_month_day ymd{*d};
  ymd = ymd + std::chrono::years{years};
  if (!ymd.ok()) ymd = ymd.year() / ymd.month() / std::chrono::last;
  return format_date(Date{ymd});
}

}  // namespace

// ------------------------------------------------------------------ the service

struct Service::Impl {
  store::Database& db;
  audit::CommandRunner& runner;
  ledger::Service& ledger;
  const core::Clock& clock;
  const WorkCalendar& calendar;
  Config cfg;
  Lots lots;
  core::IdGenerator ids;

  Impl(store::Database& d, audit::CommandRunner& r, ledger::Service& l, const core::Clock& c,
       const WorkCalendar& cal, Config cf)
      : db(d), runner(r), ledger(l), clock(c), calendar(cal), cfg(cf), lots(d, r, l, c),
        ids(c, 0x1a2dca5eULL) {}

  std::string now() const { return core::format_utc(clock.now()); }

  Status ledger_transfers(std::vector<ledger::Transfer> ts, const std::string& actor) {
    for (auto& t : ts) {
      if (t.ledger == 0) t.ledger = ledger::kLedgerCny;
    }
    auto r = ledger.create_transfers(ts, actor);
    if (!r.ok()) return r.error();
    for (auto res : r->results) {
      if (!ledger::succeeded(res.result)) return ledger::to_error(res.result);
    }
    return ok_status();
  }

  Status ensure_accounts(std::vector<ledger::Account> accts, const std::string& actor) {
    for (auto& a : accts) a.ledger = ledger::kLedgerCny;
    auto r = ledger.create_accounts(accts, actor);
    if (!r.ok()) return r.error();
    for (auto res : r->results) {
      if (!ledger::succeeded(res)) return ledger::to_error(res);
    }
    return ok_status();
  }

  struct CaseRow {
    std::string id, parcel_id, division, state;
    Json doc;
    std::optional<std::string> lot_id;
    int64_t version = 0;
  };

  static Result<CaseRow> load_case(store::Tx& tx, const std::string& id) {
    auto r = tx.query_one("SELECT id, parcel_id, division_code, state, doc, lot_id, version FROM land_cases WHERE id = ?", {id});
    if (!r) return Error::make(ErrorKind::not_found, "land.case_not_found", "no case " + id);
    auto doc = core::parse_json(r->str(4));
    if (!doc.ok()) return doc.error();
    return CaseRow{r->str(0), r->str(1), r->str(2), r->str(3), *doc, r->opt_str(5), r->i64(6)};
  }

  static Result<Json> load_parcel_doc(store::Tx& tx, const std::string& id) {
    auto r = tx.query_one("SELECT doc, area_mm2, collective_id, division_code, code, name FROM land_parcels WHERE id = ?", {id});
    if (!r) return Error::make(ErrorKind::not_found, "land.parcel_not_found", "no parcel " + id);
    auto doc = core::parse_json(r->str(0));
    if (!doc.ok()) return doc.error();
    Json d = *doc;
    d["area_m2"] = static_cast<double>(r->i64(1)) / 1e6;
    d["collective_id"] = r->str(2);
    d["division_code"] = r->str(3);
    d["code"] = r->str(4);
    d["name"] = r->str(5);
    return d;
  }

  void save_case(store::Tx& tx, CaseRow& c, const std::string& from, const std::string& actor,
                 const std::string& command, const Json& payload) {
    ++c.version;
    tx.exec("UPDATE land_cases SET state = ?, doc = ?, lot_id = ?, version = ?, updated_at = ? WHERE id = ?",
            {c.state, core::canonical(c.doc), c.lot_id, c.version, now(), c.id});
    tx.exec("INSERT INTO land_case_events (case_id, seq, at, actor, command, from_state, to_state, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {c.id, c.version, now(), actor, command, from, c.state, core::canonical(payload)});
  }

  // The distribution of a case's net proceeds (spec §10): retention, then members by shares
  // (floor; the remainder of at most one fen per member stays retained).
  static Result<Json> distribution_plan(store::Tx& tx, const CaseRow& c, const std::string& collective,
                                        const Json& body) {
    auto col = tx.query_one("SELECT retention_bp, payout_mode, kind FROM land_collectives WHERE id = ?", {collective});
    if (!col) return conflict("land.unknown_collective", "no collective " + collective);
    const int64_t costs = body.value("costs_fen", int64_t{0});
    const int64_t net = c.doc["fund"].value("net_to_collective_fen", int64_t{0}) - costs;
    if (costs < 0 || net < 0) return field("land.invalid_costs", "costs_fen", "must be 0..net proceeds");
    const int64_t retention_bp = c.doc["scheme"]["distribution_plan"].value("retention_bp", col->i64(0));
    if (retention_bp < col->i64(0) || retention_bp > 10000) {
      return field("land.invalid_retention", "distribution_plan.retention_bp",
                   "must be at least the collective's floor " + std::to_string(col->i64(0)));
    }
    const int64_t retained = core::Fen(net).ratio_floor(static_cast<uint32_t>(retention_bp))->raw();
    const int64_t pool = net - retained;
    auto members = tx.query("SELECT id, name, shares FROM land_members WHERE collective_id = ? ORDER BY id", {collective});
    int64_t total_shares = 0;
    for (const auto& m : members) total_shares += m.i64(2);
    if (total_shares <= 0) return conflict("land.no_shares", "the collective's members hold no shares");
    int64_t paid_out = 0;
    Json lines = Json::array();
    for (const auto& m : members) {
      const int64_t amount = core::Fen(pool).muldiv_floor(m.i64(2), total_shares)->raw();
      paid_out += amount;
      lines.push_back({{"member_id", m.str(0)}, {"name", m.str(1)}, {"shares", m.i64(2)}, {"amount_fen", amount}});
    }
    return Json{{"net_fen", net}, {"costs_fen", costs}, {"retention_bp", retention_bp},
                {"retained_fen", retained + (pool - paid_out)}, {"distributed_fen", paid_out},
                {"mode", col->str(1)}, {"members", static_cast<int64_t>(members.size())}, {"lines", lines}};
  }

  Status require_case_role(const auth::Principal& p, const CaseRow& c,
                           std::initializer_list<Role> roles) {
    RL_TRY(auth::require_role(p, roles));
    return auth::require_jurisdiction(p, c.division);
  }
};

Service::Service(store::Database& db, audit::CommandRunner& runner, ledger::Service& ledger,
                 const core::Clock& clock, const WorkCalendar& calendar, Config cfg)
    : impl_(std::make_unique<Impl>(db, runner, ledger, clock, calendar, cfg)) {}
Service::~Service() = default;
Lots& Service::lots() { return impl_->lots; }
const WorkCalendar& Service::calendar() const { return impl_->calendar; }

// ------------------------------------------------------------------ collectives and parcels

Result<Json> Service::create_collective(const auth::Principal& p, const audit::CommandContext& ctx,
                                        const Json& b) {
  RL_TRY(auth::require_role(p, {Role::officer, Role::platform_admin}));
  const auto name = get<std::string>(b, "name");
  const auto division = get<std::string>(b, "division_code");
  const auto kind = get<std::string>(b, "kind");
  const auto retention = get<int64_t>(b, "retention_bp");
  const auto mode = get<std::string>(b, "payout_mode");
  if (!name || name->empty()) return field("land.invalid_collective", "name", "is required");
  if (!division || !core::Divisions::yrd().find(*division)) {
    return field("land.invalid_collective", "division_code", "must be a known GB/T 2260 code");
  }
  RL_TRY(auth::require_jurisdiction(p, *division));
  if (!kind || (*kind != "village_group" && *kind != "village" && *kind != "town")) {
    return field("land.invalid_collective", "kind", "must be village_group, village or town");
  }
  if (!retention || *retention < 0 || *retention > 10000) {
    return field("land.invalid_collective", "retention_bp", "must be 0..10000");
  }
  if (!mode || (*mode != "cash" && *mode != "shares")) {
    return field("land.invalid_collective", "payout_mode", "must be cash or shares");
  }
  if (!b.contains("members") || !b["members"].is_array() || b["members"].empty()) {
    return field("land.invalid_collective", "members", "must list the members");
  }
  for (size_t i = 0; i < b["members"].size(); ++i) {
    const Json& m = b["members"][i];
    const std::string f = "members[" + std::to_string(i) + "]";
    if (!get<std::string>(m, "id") || !get<std::string>(m, "name")) {
      return field("land.invalid_member", f, "needs id and name");
    }
    auto shares = get<int64_t>(m, "shares");
    if (!shares || *shares < 0) return field("land.invalid_member", f + ".shares", "must be ≥ 0");
  }
  const std::string id = b.value("id", impl_->ids.next());
  auto out = impl_->runner.run(ctx, "land", "collective.create", b, [&](store::Tx& tx) -> Result<Json> {
    if (tx.query_one("SELECT 1 FROM land_collectives WHERE id = ?", {id})) {
      return conflict("land.collective_exists", "collective " + id + " exists");
    }
    tx.exec("INSERT INTO land_collectives (id, name, division_code, kind, retention_bp, payout_mode, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            {id, *name, *division, *kind, *retention, *mode, impl_->now()});
    for (const auto& m : b["members"]) {
      tx.exec("INSERT INTO land_members (collective_id, id, name, shares, is_representative) VALUES (?, ?, ?, ?, ?)",
              {id, m["id"].get<std::string>(), m["name"].get<std::string>(), m["shares"].get<int64_t>(),
               m.value("is_representative", false)});
    }
    return Json{{"id", id}, {"members", b["members"].size()}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Service::create_parcel(const auth::Principal& p, const audit::CommandContext& ctx,
                                    const Json& b) {
  RL_TRY(auth::require_role(p, {Role::officer, Role::platform_admin}));
  const auto code = get<std::string>(b, "code");
  const auto name = get<std::string>(b, "name");
  const auto division = get<std::string>(b, "division_code");
  const auto collective = get<std::string>(b, "collective_id");
  if (!code || code->empty() || code->size() > 64) return field("land.invalid_parcel", "code", "1..64 characters");
  if (!name || name->empty()) return field("land.invalid_parcel", "name", "is required");
  if (!division || !core::Divisions::yrd().find(*division)) {
    return field("land.invalid_parcel", "division_code", "must be a known GB/T 2260 code");
  }
  RL_TRY(auth::require_jurisdiction(p, *division));
  if (!collective) return field("land.invalid_parcel", "collective_id", "is required");
  if (!b.contains("geometry")) return field("land.invalid_geometry", "geometry", "is required");
  auto area = geodesic_area_m2(b["geometry"]);
  if (!area.ok()) return area.error();
  Json doc = b;
  for (const char* k : {"code", "name", "division_code", "collective_id", "geometry"}) doc.erase(k);
  if (!get<std::string>(doc, "planned_use")) return field("land.invalid_parcel", "planned_use", "is required");
  if (!get<std::string>(doc, "land_class")) return field("land.invalid_parcel", "land_class", "is required");
  const std::string id = impl_->ids.next();
  const int64_t area_mm2 = std::llround(*area * 1e6);
  auto out = impl_->runner.run(ctx, "land", "parcel.create", b, [&](store::Tx& tx) -> Result<Json> {
    if (!tx.query_one("SELECT 1 FROM land_collectives WHERE id = ?", {*collective})) {
      return field("land.unknown_collective", "collective_id", "no collective " + *collective);
    }
    if (tx.query_one("SELECT 1 FROM land_parcels WHERE code = ?", {*code})) {
      return conflict("land.parcel_exists", "a parcel with code " + *code + " exists");
    }
    tx.exec("INSERT INTO land_parcels (id, code, name, division_code, collective_id, geojson, area_mm2, doc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {id, *code, *name, *division, *collective, core::canonical(b["geometry"]), area_mm2,
             core::canonical(doc), impl_->now()});
    const double m2 = static_cast<double>(area_mm2) / 1e6;
    return Json{{"id", id}, {"area_m2", m2}, {"area_mu", m2_to_mu(m2)},
                {"eligibility_failures", eligibility_failures(doc)}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

namespace {
Json parcel_json(const store::Row& r) {
  auto doc = core::parse_json(r.str(7));
  auto geo = core::parse_json(r.str(5));
  const double m2 = static_cast<double>(r.i64(6)) / 1e6;
  Json d = doc.ok() ? *doc : Json::object();
  return Json{{"id", r.str(0)}, {"code", r.str(1)}, {"name", r.str(2)},
              {"division_code", r.str(3)}, {"collective_id", r.str(4)},
              {"geometry", geo.ok() ? *geo : Json(nullptr)}, {"area_m2", m2},
              {"area_mu", m2_to_mu(m2)}, {"attributes", d},
              {"eligibility_failures", eligibility_failures(d)}};
}
constexpr const char* kParcelCols =
    "SELECT id, code, name, division_code, collective_id, geojson, area_mm2, doc FROM land_parcels";
}  // namespace

Result<Json> Service::parcel(const std::string& id) {
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto r = tx.query_one(std::string(kParcelCols) + " WHERE id = ?", {id});
    if (!r) return Error::make(ErrorKind::not_found, "land.parcel_not_found", "no parcel " + id);
    return parcel_json(*r);
  });
}

Result<Json> Service::parcels(const std::optional<std::string>& scope, int limit) {
  limit = std::clamp(limit, 1, 1000);
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query(std::string(kParcelCols) + " ORDER BY code LIMIT ?", {limit});
    Json items = Json::array();
    for (const auto& r : rows) {
      if (scope && !core::Divisions::yrd().within(r.str(3), *scope)) continue;
      items.push_back(parcel_json(r));
    }
    return Json{{"items", items}};
  });
}

// ------------------------------------------------------------------ entry cases

Result<Json> Service::open_case(const auth::Principal& p, const audit::CommandContext& ctx,
                                const std::string& parcel_id, const std::string& route) {
  RL_TRY(auth::require_role(p, {Role::officer, Role::collective_agent, Role::platform_admin}));
  if (route != "in_place" && route != "consolidation" && route != "urban_village") {
    return field("land.invalid_route", "route", "must be in_place, consolidation or urban_village");
  }
  const std::string id = impl_->ids.next();
  auto out = impl_->runner.run(ctx, "land", "case.open", Json{{"parcel_id", parcel_id}, {"route", route}},
                               [&](store::Tx& tx) -> Result<Json> {
    auto parcel = Impl::load_parcel_doc(tx, parcel_id);
    if (!parcel.ok()) return parcel.error();
    const std::string division = (*parcel)["division_code"];
    RL_TRY(auth::require_jurisdiction(p, division));
    if (tx.query_one("SELECT 1 FROM land_cases WHERE parcel_id = ? AND state NOT IN ('registered', 'terminated', 'not_sold')", {parcel_id})) {
      return conflict("land.case_open", "the parcel already has an open case");
    }
    Json doc = {{"route", route}, {"opened_by", p.actor()}, {"opened_at", impl_->now()}};
    tx.exec("INSERT INTO land_cases (id, parcel_id, division_code, state, doc, lot_id, version, updated_at) VALUES (?, ?, ?, 'identified', ?, NULL, 0, ?)",
            {id, parcel_id, division, core::canonical(doc), impl_->now()});
    tx.exec("INSERT INTO land_case_events (case_id, seq, at, actor, command, from_state, to_state, payload) VALUES (?, 0, ?, ?, 'open', '', 'identified', ?)",
            {id, impl_->now(), p.actor(), core::canonical(Json{{"route", route}})});
    return Json{{"id", id}, {"state", "identified"}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

namespace {

const std::vector<std::string>& pre_sold_states() {
  static const std::vector<std::string> s = {"identified", "eligibility_checked", "planning_issued",
                                             "scheme_drafted", "vote_passed", "scheme_filed",
                                             "cleared", "announced"};
  return s;
}

bool one_of(const std::string& s, std::initializer_list<const char*> v) {
  for (const char* x : v) {
    if (s == x) return true;
  }
  return false;
}

// Contract clauses (Impl. Regs Art. 41 [verified]). Missing planning conditions or
// industry/eco requirements make the contract void.
const std::vector<std::string>& contract_clauses() {
  static const std::vector<std::string> c = {
      "boundary", "area_m2", "use", "term_years", "payment_terms", "handover_date",
      "construction_start_by", "construction_complete_by", "early_recovery", "renewal",
      "buildings_on_expiry", "default_liability", "dispute_resolution"};
  return c;
}

}  // namespace

Result<Json> Service::transition(const auth::Principal& p, const audit::CommandContext& ctx,
                                 const std::string& case_id, const std::string& command,
                                 const Json& body) {
  auto& I = *impl_;
  if (!body.is_object()) return field("land.invalid_body", "", "the body must be a JSON object");
  // Steps that touch the ledger or the lot first (idempotent by derived ids), then the case.
  std::optional<Impl::CaseRow> pre;
  {
    auto c = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) { return Impl::load_case(tx, case_id); });
    if (!c.ok()) return c.error();
    pre = *c;
  }
  Json extra = Json::object();

  if (command == "announce" && pre->state == "cleared") {
    RL_TRY(I.require_case_role(p, *pre, {Role::officer, Role::platform_admin}));
    auto ann = need_date(body, "announce_date");
    if (!ann.ok()) return ann.error();
    if (!body.contains("lot") || !body["lot"].is_object()) {
      return field("land.invalid_lot", "lot", "the lot's parameters are required");
    }
    Json pj = body["lot"];
    const Json& scheme = pre->doc["scheme"];
    pj["method"] = scheme["method"];
    pj["start_price_fen"] = scheme["entry_price_fen"];
    auto params = params_from_json(pj);
    if (!params.ok()) {
      Error e = params.error();
      for (auto& f : e.fields) f.field = "lot." + f.field;
      return e;
    }
    const Date open = shanghai_date(params->open_at_ms);
    if (open < *ann + std::chrono::days{I.cfg.announce_lead_days}) {
      return field("land.announcement_too_short", "lot.open_at",
                   "trading must start at least " + std::to_string(I.cfg.announce_lead_days) +
                       " days after the announcement");
    }
    auto planned = parse_date(scheme.value("planned_trade_date", ""));
    if (planned && open < *planned) {
      return field("land.before_planned_trade_date", "lot.open_at",
                   "trading may not start before the filed trade date " + format_date(*planned));
    }
    auto parcel = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) { return Impl::load_parcel_doc(tx, pre->parcel_id); });
    if (!parcel.ok()) return parcel.error();
    LotInput in{body.value("title", (*parcel)["name"].get<std::string>()), pre->division,
                (*parcel)["collective_id"], case_id, scheme.value("deposit_fen", int64_t{0}), *params};
    auto lot = I.lots.create(p, {ctx.actor, ctx.idempotency_key + ":lot"}, in);
    if (!lot.ok()) return lot.error();
    extra["lot_id"] = (*lot)["id"];
  }
  if (command == "record_result" && pre->state == "announced" && pre->lot_id) {
    RL_TRY(I.require_case_role(p, *pre, {Role::officer, Role::platform_admin}));
    (void)I.lots.tick(*pre->lot_id);
    auto lot = I.lots.get(*pre->lot_id, true);
    if (!lot.ok()) return lot.error();
    if (!lot->contains("outcome")) return conflict("land.lot_not_decided", "the lot is not decided yet");
    auto s = I.lots.settle(p, {ctx.actor, ctx.idempotency_key + ":settle"}, *pre->lot_id);
    if (!s.ok()) return s.error();
    extra["outcome"] = (*lot)["outcome"];
  }
  if (command == "record_payment" && one_of(pre->state, {"contract_signed", "paying"})) {
    RL_TRY(I.require_case_role(p, *pre, {Role::officer, Role::bank, Role::platform_admin}));
    auto amount = get<int64_t>(body, "amount_fen");
    if (!amount || *amount <= 0) return field("land.invalid_amount", "amount_fen", "must be positive");
    const int64_t price = pre->doc["result"]["price_fen"];
    const int64_t paid = pre->doc.value("paid_fen", int64_t{0});
    if (paid + *amount > price) {
      return field("land.overpayment", "amount_fen", "exceeds the outstanding price " + std::to_string(price - paid));
    }
    ledger::Transfer t;
    t.id = ledger_id("payment", case_id + ":" + ctx.actor + ":" + ctx.idempotency_key);
    t.debit_account_id = ledger_id("clearing", "cny");
    t.credit_account_id = ledger_id("escrow", *pre->lot_id);
    t.amount = *amount;
    t.code = codes::price;
    RL_TRY(I.ensure_accounts({[] {
                                ledger::Account a;
                                a.id = ledger_id("clearing", "cny");
                                a.code = codes::clearing;
                                a.owner = "land:clearing";
                                return a;
                              }()},
                             p.actor()));
    RL_TRY(I.ledger_transfers({t}, p.actor()));
    extra["transfer_id"] = t.id.str();
  }
  if (command == "settle_fund" && pre->state == "paid") {
    RL_TRY(I.require_case_role(p, *pre, {Role::officer, Role::platform_admin}));
    auto parcel = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) { return Impl::load_parcel_doc(tx, pre->parcel_id); });
    if (!parcel.ok()) return parcel.error();
    Json q = {{"table_id", body.value("rate_table_id", "")},
              {"use", rate_use((*parcel).value("planned_use", ""))},
              {"zone", (*parcel).value("zone", "elsewhere")},
              {"method", pre->doc["scheme"]["method"]},
              {"event", "entry"},
              {"price_fen", pre->doc["result"]["price_fen"]},
              {"acquisition_cost_fen", body.value("acquisition_cost_fen", int64_t{0})},
              {"development_cost_fen", body.value("development_cost_fen", int64_t{0})}};
    auto fund = assess_fund(q);
    if (!fund.ok()) return fund.error();
    const int64_t taxes = body.value("taxes_fen", int64_t{0});
    const int64_t price = pre->doc["result"]["price_fen"];
    const int64_t f = (*fund)["fund_fen"];
    if (taxes < 0 || f + taxes > price) {
      return field("land.invalid_taxes", "taxes_fen", "fund plus taxes exceed the price");
    }
    const std::string collective = (*parcel)["collective_id"];
    const std::string county = pre->division;
    auto acct = [](ledger::Id128 id, uint16_t code, std::string owner, std::string div) {
      ledger::Account a;
      a.id = id;
      a.code = code;
      a.owner = std::move(owner);
      a.division_code = std::move(div);
      return a;
    };
    RL_TRY(I.ensure_accounts({acct(ledger_id("treasury", county), codes::treasury, "treasury:" + county, county),
                              acct(ledger_id("collective", collective), codes::collective, "collective:" + collective, county)},
                             p.actor()));
    std::vector<ledger::Transfer> ts;
    auto move = [&](const char* what, ledger::Id128 to, int64_t amount, uint16_t code) {
      if (amount <= 0) return;
      ledger::Transfer t;
      t.id = ledger_id(what, case_id);
      t.debit_account_id = ledger_id("escrow", *pre->lot_id);
      t.credit_account_id = to;
      t.amount = amount;
      t.code = code;
      ts.push_back(t);
    };
    move("fund", ledger_id("treasury", county), f + taxes, codes::fund);
    move("proceeds", ledger_id("collective", collective), price - f - taxes, codes::proceeds);
    RL_TRY(I.ledger_transfers(ts, p.actor()));
    extra["fund"] = *fund;
    extra["taxes_fen"] = taxes;
    extra["net_to_collective_fen"] = price - f - taxes;
  }

  if (command == "distribute" && pre->state == "fund_settled") {
    RL_TRY(I.require_case_role(p, *pre, {Role::collective_agent, Role::officer, Role::platform_admin}));
    auto plan = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
      auto parcel = Impl::load_parcel_doc(tx, pre->parcel_id);
      if (!parcel.ok()) return parcel.error();
      return Impl::distribution_plan(tx, *pre, (*parcel)["collective_id"], body);
    });
    if (!plan.ok()) return plan.error();
    if ((*plan)["mode"] == "cash") {
      // Cash payouts move on the ledger: collective account -> each member's payout account.
      auto parcel = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) { return Impl::load_parcel_doc(tx, pre->parcel_id); });
      if (!parcel.ok()) return parcel.error();
      const std::string collective = (*parcel)["collective_id"];
      std::vector<ledger::Account> accts;
      std::vector<ledger::Transfer> ts;
      for (const auto& l : (*plan)["lines"]) {
        const std::string ref = collective + ":" + l["member_id"].get<std::string>();
        ledger::Account a;
        a.id = ledger_id("member", ref);
        a.code = codes::member;
        a.owner = "member:" + ref;
        a.division_code = pre->division;
        accts.push_back(a);
        if (l["amount_fen"].get<int64_t>() <= 0) continue;
        ledger::Transfer t;
        t.id = ledger_id("payout", case_id + ":" + l["member_id"].get<std::string>());
        t.debit_account_id = ledger_id("collective", collective);
        t.credit_account_id = a.id;
        t.amount = l["amount_fen"].get<int64_t>();
        t.code = codes::payout;
        ts.push_back(t);
      }
      RL_TRY(I.ensure_accounts(accts, p.actor()));
      RL_TRY(I.ledger_transfers(ts, p.actor()));
    }
  }
  if (command == "refuse_to_sign" && pre->state == "sold" && pre->lot_id) {
    RL_TRY(I.require_case_role(p, *pre, {Role::officer, Role::platform_admin}));
    auto f = I.lots.forfeit(p, {ctx.actor, ctx.idempotency_key + ":forfeit"}, *pre->lot_id,
                            body.value("reason", "refused to sign the contract"));
    if (!f.ok() && f.error().code != "land.already_forfeited") return f.error();
    extra["forfeit"] = f.ok() ? *f : Json{{"already", true}};
  }

  Json payload = {{"case_id", case_id}, {"command", command}, {"body", body}};
  auto out = I.runner.run(ctx, "land", "case." + command, payload, [&](store::Tx& tx) -> Result<Json> {
    auto cr = Impl::load_case(tx, case_id);
    if (!cr.ok()) return cr.error();
    Impl::CaseRow c = *cr;
    const std::string from = c.state;
    auto wrong = [&]() {
      return conflict("land.invalid_transition",
                      "'" + command + "' is not allowed in state '" + from + "'");
    };
    auto parcel = Impl::load_parcel_doc(tx, c.parcel_id);
    if (!parcel.ok()) return parcel.error();
    const std::string use = (*parcel).value("planned_use", "");

    if (command == "check_eligibility") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "identified") return wrong();
      auto fails = eligibility_failures(*parcel);
      if (!fails.empty()) {
        Error e = Error::make(ErrorKind::conflict, "land.not_eligible", "the parcel is not eligible for market entry");
        for (const auto& f : fails) e.fields.push_back({f, "fails the eligibility rule"});
        return e;
      }
      c.state = "eligibility_checked";
    } else if (command == "issue_planning") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "eligibility_checked") return wrong();
      for (const char* k : {"use", "plot_ratio_max", "height_max_m", "industry_requirements", "eco_requirements"}) {
        if (!body.contains(k) || body[k].is_null()) return field("land.invalid_planning", k, "is required");
      }
      Json pc = body;
      pc["area_m2"] = (*parcel)["area_m2"];
      c.doc["planning_conditions"] = pc;
      c.state = "planning_issued";
    } else if (command == "draft_scheme") {
      RL_TRY(I.require_case_role(p, c, {Role::collective_agent, Role::officer, Role::platform_admin}));
      if (!one_of(from, {"planning_issued", "scheme_drafted", "not_sold"})) return wrong();
      auto term = get<int64_t>(body, "term_years");
      const int max_term = max_term_years(use);
      if (!term || *term < 1 || *term > max_term) {
        return field("land.invalid_term", "term_years", "must be 1.." + std::to_string(max_term) + " years for " + use);
      }
      auto method = get<std::string>(body, "method");
      if (!method || !auction::parse_method(*method)) {
        return field("land.invalid_method", "method", "must be listing, auction, tender or agreement");
      }
      auto price = get<int64_t>(body, "entry_price_fen");
      if (!price || *price <= 0) return field("land.invalid_price", "entry_price_fen", "must be positive");
      auto deposit = get<int64_t>(body, "deposit_fen");
      if (!deposit || *deposit <= 0) return field("land.invalid_deposit", "deposit_fen", "must be positive");
      auto trade = need_date(body, "planned_trade_date");
      if (!trade.ok()) return trade.error();
      if (!body.contains("distribution_plan") || !body["distribution_plan"].is_object()) {
        return field("land.invalid_scheme", "distribution_plan", "is required (Impl. Regs Art. 40)");
      }
      c.doc["scheme"] = body;
      c.doc.erase("vote");
      c.state = "scheme_drafted";
    } else if (command == "vote") {
      RL_TRY(I.require_case_role(p, c, {Role::collective_agent, Role::officer, Role::platform_admin}));
      if (from != "scheme_drafted") return wrong();
      const std::string basis = body.value("basis", "");
      if (basis != "members" && basis != "representatives") {
        return field("land.invalid_vote", "basis", "must be members or representatives");
      }
      auto yes = get<int64_t>(body, "yes");
      if (!yes || *yes < 0) return field("land.invalid_vote", "yes", "must be ≥ 0");
      // The denominator is the register, not those present (LAL Art. 63 ¶2).
      auto n = tx.query_one(basis == "members"
                                ? "SELECT COUNT(*) FROM land_members WHERE collective_id = ?"
                                : "SELECT COUNT(*) FROM land_members WHERE collective_id = ? AND is_representative = 1",
                            {(*parcel)["collective_id"].get<std::string>()});
      const int64_t eligible = n ? n->i64(0) : 0;
      if (eligible <= 0) return field("land.invalid_vote", "basis", "the collective has no " + basis + " on record");
      if (*yes > eligible) return field("land.invalid_vote", "yes", "more votes than " + basis);
      if (*yes * I.cfg.vote_threshold_den < eligible * I.cfg.vote_threshold_num) {
        return field("land.vote_short_of_two_thirds", "yes",
                     std::to_string(*yes) + " of " + std::to_string(eligible) + " " + basis +
                         " is less than two thirds; the scheme cannot proceed");
      }
      c.doc["vote"] = {{"basis", basis}, {"yes", *yes}, {"eligible", eligible},
                       {"meeting_date", body.value("meeting_date", "")}};
      c.state = "vote_passed";
    } else if (command == "file_scheme") {
      RL_TRY(I.require_case_role(p, c, {Role::collective_agent, Role::officer, Role::platform_admin}));
      if (from != "vote_passed") return wrong();
      auto filed = need_date(body, "filed_date");
      if (!filed.ok()) return filed.error();
      const Date trade = *parse_date(c.doc["scheme"].value("planned_trade_date", ""));
      const Date earliest = I.calendar.add_working_days(*filed, I.cfg.filing_lead_working_days);
      if (earliest > trade) {
        return field("land.filing_too_late", "filed_date",
                     "the scheme must be filed at least " + std::to_string(I.cfg.filing_lead_working_days) +
                         " working days before the trade date " + format_date(trade) +
                         "; filing on " + format_date(*filed) + " allows trading from " + format_date(earliest));
      }
      c.doc["filing"] = {{"filed_date", format_date(*filed)},
                         {"review_deadline", format_date(I.calendar.add_working_days(*filed, I.cfg.review_window_working_days))}};
      c.state = "scheme_filed";
    } else if (command == "review") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "scheme_filed") return wrong();
      auto date = need_date(body, "date");
      if (!date.ok()) return date.error();
      const std::string decision = body.value("decision", "");
      if (decision == "changes_requested") {
        const Date deadline = *parse_date(c.doc["filing"].value("review_deadline", ""));
        if (*date > deadline) {
          return field("land.review_window_closed", "date",
                       "changes may be requested only within " + std::to_string(I.cfg.review_window_working_days) +
                           " working days of filing (until " + format_date(deadline) + ")");
        }
        c.state = "scheme_drafted";
      } else if (decision == "cleared") {
        c.state = "cleared";
      } else {
        return field("land.invalid_review", "decision", "must be cleared or changes_requested");
      }
      c.doc["review"] = {{"decision", decision}, {"date", format_date(*date)}, {"note", body.value("note", "")}};
    } else if (command == "announce") {
      if (from != "cleared") return wrong();
      c.lot_id = extra["lot_id"].get<std::string>();
      c.doc["announcement"] = {{"announce_date", body.value("announce_date", "")}, {"lot_id", *c.lot_id}};
      c.state = "announced";
    } else if (command == "record_result") {
      if (from != "announced") return wrong();
      const Json& o = extra["outcome"];
      c.doc["result"] = {{"sold", o.value("sold", false)}, {"winner", o.value("winner", "")},
                         {"price_fen", o.value("price_fen", int64_t{0})}, {"reason", o.value("reason", "")}};
      c.state = o.value("sold", false) ? "sold" : "not_sold";
      if (o.value("sold", false)) {
        auto dep = tx.query_one("SELECT deposit_fen FROM land_lot_bidders WHERE lot_id = ? AND bidder = ? AND status = 'applied'",
                                {*c.lot_id, o.value("winner", "")});
        c.doc["paid_fen"] = dep ? dep->i64(0) : 0;  // the deposit is applied to the price
      }
      const Date today = shanghai_date(core::to_unix_ms(I.clock.now()));
      c.doc["result"]["date"] = format_date(today);
      c.doc["deadlines"]["deposit_refund_by"] =
          format_date(I.calendar.add_working_days(today, I.cfg.deposit_refund_working_days));
      if (o.value("sold", false)) {
        c.doc["deadlines"]["sign_by"] = format_date(I.calendar.add_working_days(today, I.cfg.sign_within_working_days));
      }
    } else if (command == "sign_contract") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::collective_agent, Role::platform_admin}));
      if (from != "sold") return wrong();
      const Json ct = body.value("contract", Json::object());
      Error voided = Error::make(ErrorKind::invalid, "land.contract_void",
                                 "a contract without the planning conditions and the industry and "
                                 "eco-environment requirements is void (Impl. Regs Art. 41)");
      const Json& issued = c.doc["planning_conditions"];
      if (!ct.contains("planning_conditions") || !ct["planning_conditions"].is_object()) {
        voided.fields.push_back({"contract.planning_conditions", "is required"});
      } else {
        for (const char* k : {"use", "plot_ratio_max", "height_max_m"}) {
          if (!ct["planning_conditions"].contains(k) || ct["planning_conditions"][k] != issued[k]) {
            voided.fields.push_back({std::string("contract.planning_conditions.") + k,
                                     "must carry the issued condition"});
          }
        }
      }
      for (const char* k : {"industry_requirements", "eco_requirements"}) {
        if (!ct.contains(k) || ct[k].is_null() || ct[k] == "") {
          voided.fields.push_back({std::string("contract.") + k, "is required"});
        }
      }
      if (!voided.fields.empty()) return voided;
      Error incomplete = Error::make(ErrorKind::invalid, "land.contract_incomplete",
                                     "the contract lacks mandatory clauses (Impl. Regs Art. 41)");
      for (const auto& k : contract_clauses()) {
        if (!ct.contains(k) || ct[k].is_null()) incomplete.fields.push_back({"contract." + k, "is required"});
      }
      if (!incomplete.fields.empty()) return incomplete;
      if (ct["term_years"] != c.doc["scheme"]["term_years"]) {
        return field("land.contract_term_mismatch", "contract.term_years", "must equal the scheme's term");
      }
      c.doc["contract"] = ct;
      c.doc["contract"]["signed_at"] = I.now();
      {
        const Date today = shanghai_date(core::to_unix_ms(I.clock.now()));
        const int64_t price = c.doc["result"].value("price_fen", int64_t{0});
        c.doc["payment_schedule"] = Json::array(
            {{{"due", format_date(today + std::chrono::days{I.cfg.down_payment_days})},
              {"cumulative_fen", core::Fen(price).ratio_floor(I.cfg.down_payment_bp)->raw()}},
             {{"due", format_date(today + std::chrono::days{I.cfg.balance_days})}, {"cumulative_fen", price}}});
      }
      c.state = "contract_signed";
    } else if (command == "record_payment") {
      if (!one_of(from, {"contract_signed", "paying"})) return wrong();
      const int64_t paid = c.doc.value("paid_fen", int64_t{0}) + body.value("amount_fen", int64_t{0});
      c.doc["paid_fen"] = paid;
      c.doc["payments"].push_back({{"amount_fen", body.value("amount_fen", int64_t{0})},
                                   {"paid_date", body.value("paid_date", "")},
                                   {"transfer_id", extra["transfer_id"]}});
      c.state = paid >= c.doc["result"]["price_fen"].get<int64_t>() ? "paid" : "paying";
      if (c.doc.contains("payment_overdue") && paid >= c.doc["payment_overdue"].value("cumulative_fen", int64_t{0})) {
        c.doc.erase("payment_overdue");
      }
    } else if (command == "settle_fund") {
      if (from != "paid") return wrong();
      c.doc["fund"] = extra;
      c.state = "fund_settled";
    } else if (command == "distribute") {
      RL_TRY(I.require_case_role(p, c, {Role::collective_agent, Role::officer, Role::platform_admin}));
      if (from != "fund_settled") return wrong();
      const std::string collective = (*parcel)["collective_id"];
      auto plan = Impl::distribution_plan(tx, c, collective, body);
      if (!plan.ok()) return plan.error();
      for (const auto& l : (*plan)["lines"]) {
        tx.exec("INSERT INTO land_statements (case_id, member_id, collective_id, shares, amount_fen, mode, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                {case_id, l["member_id"].get<std::string>(), collective, l["shares"].get<int64_t>(),
                 l["amount_fen"].get<int64_t>(), (*plan)["mode"].get<std::string>(), I.now()});
      }
      Json dist = *plan;
      dist.erase("lines");
      c.doc["distribution"] = dist;
      c.state = "distributed";
    } else if (command == "register") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "distributed") return wrong();
      auto date = need_date(body, "registered_date");
      if (!date.ok()) return date.error();
      const std::string cert = body.value("certificate_no", "");
      if (cert.empty()) return field("land.invalid_registration", "certificate_no", "is required");
      const int term = c.doc["scheme"]["term_years"];
      const std::string right_id = I.ids.next();
      tx.exec("INSERT INTO land_rights (id, case_id, parcel_id, kind, holder, status, start_date, end_date, amount_fen, parent_id, doc, created_at) VALUES (?, ?, ?, 'use_right', ?, 'current', ?, ?, ?, NULL, ?, ?)",
              {right_id, case_id, c.parcel_id, c.doc["result"].value("winner", ""), format_date(*date),
               add_years(format_date(*date), term), c.doc["result"]["price_fen"].get<int64_t>(),
               core::canonical(Json{{"certificate_no", cert}, {"use", use},
                                    {"mortgage_restricted", c.doc["contract"].value("mortgage_restricted", false)},
                                    {"transfer_restricted", c.doc["contract"].value("transfer_restricted", false)}}),
               I.now()});
      c.doc["registration"] = {{"certificate_no", cert}, {"date", format_date(*date)}, {"right_id", right_id}};
      c.state = "registered";
    } else if (command == "refuse_to_sign") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "sold") return wrong();
      c.doc["refusal"] = {{"reason", body.value("reason", "refused to sign the contract")},
                          {"date", format_date(shanghai_date(core::to_unix_ms(I.clock.now())))},
                          {"bidder", c.doc["result"].value("winner", "")},
                          {"forfeited_fen", extra.contains("forfeit") ? extra["forfeit"].value("forfeited_fen", int64_t{0}) : 0},
                          {"blacklisted", true}};
      c.state = "not_sold";
    } else if (command == "mark_overdue") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (!one_of(from, {"contract_signed", "paying"})) return wrong();
      auto due = get<std::string>(body, "due");
      if (!due) return field("land.invalid_overdue", "due", "is required");
      c.doc["payment_overdue"] = {{"due", *due}, {"cumulative_fen", body.value("cumulative_fen", int64_t{0})},
                                  {"paid_fen", c.doc.value("paid_fen", int64_t{0})},
                                  {"noted", format_date(shanghai_date(core::to_unix_ms(I.clock.now())))}};
    } else if (command == "suspend") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      const auto& pre_sold = pre_sold_states();
      if (std::find(pre_sold.begin(), pre_sold.end(), from) == pre_sold.end()) return wrong();
      c.doc["suspended_from"] = from;
      c.doc["suspension_reason"] = body.value("reason", "");
      c.state = "suspended";
    } else if (command == "resume") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      if (from != "suspended") return wrong();
      c.state = c.doc.value("suspended_from", "identified");
      c.doc.erase("suspended_from");
    } else if (command == "terminate") {
      RL_TRY(I.require_case_role(p, c, {Role::officer, Role::platform_admin}));
      const auto& pre_sold = pre_sold_states();
      if (from != "suspended" && from != "not_sold" &&
          std::find(pre_sold.begin(), pre_sold.end(), from) == pre_sold.end()) {
        return wrong();
      }
      c.doc["termination_reason"] = body.value("reason", "");
      c.state = "terminated";
    } else {
      return field("land.unknown_command", "command", "unknown case command '" + command + "'");
    }
    I.save_case(tx, c, from, p.actor(), command, body);
    return Json{{"id", c.id}, {"state", c.state}, {"from", from}, {"version", c.version},
                {"lot_id", c.lot_id ? Json(*c.lot_id) : Json(nullptr)}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Service::get_case(const auth::Principal& p, const std::string& case_id) {
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto c = Impl::load_case(tx, case_id);
    if (!c.ok()) return c.error();
    if (p.role != Role::auditor && p.role != Role::platform_admin) {
      RL_TRY(auth::require_jurisdiction(p, c->division));
    }
    auto parcel = Impl::load_parcel_doc(tx, c->parcel_id);
    return Json{{"id", c->id}, {"parcel_id", c->parcel_id}, {"division_code", c->division},
                {"state", c->state}, {"doc", c->doc}, {"version", c->version},
                {"lot_id", c->lot_id ? Json(*c->lot_id) : Json(nullptr)},
                {"parcel", parcel.ok() ? Json{{"code", (*parcel)["code"]}, {"name", (*parcel)["name"]},
                                              {"area_m2", (*parcel)["area_m2"]}}
                                       : Json(nullptr)}};
  });
}

Result<Json> Service::cases(const auth::Principal& p, const std::optional<std::string>& state, int limit) {
  limit = std::clamp(limit, 1, 500);
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT c.id, c.parcel_id, c.division_code, c.state, c.lot_id, c.updated_at, p.code, p.name, c.doc, p.collective_id FROM land_cases c JOIN land_parcels p ON p.id = c.parcel_id ORDER BY c.id DESC LIMIT ?", {limit});
    Json items = Json::array();
    for (const auto& r : rows) {
      if (state && r.str(3) != *state) continue;
      if (p.role != Role::auditor && p.role != Role::platform_admin &&
          !auth::require_jurisdiction(p, r.str(2)).ok()) {
        continue;
      }
      items.push_back({{"id", r.str(0)}, {"parcel_id", r.str(1)}, {"division_code", r.str(2)},
                       {"state", r.str(3)}, {"lot_id", r.opt_str(4) ? Json(*r.opt_str(4)) : Json(nullptr)},
                       {"updated_at", r.str(5)}, {"parcel_code", r.str(6)}, {"parcel_name", r.str(7)},
                       {"collective_id", r.str(9)}});
      // The collective's view: its vote and payouts at a glance.
      auto doc = core::parse_json(r.str(8));
      if (doc.ok()) {
        items.back()["vote"] = doc->value("vote", Json(nullptr));
        Json dist = doc->value("distribution", Json(nullptr));
        if (dist.is_object()) dist.erase("lines");
        items.back()["distribution"] = dist;
        items.back()["deadlines"] = doc->value("deadlines", Json(nullptr));
      }
    }
    return Json{{"items", items}};
  });
}

Result<Json> Service::case_events(const auth::Principal& p, const std::string& case_id) {
  auto c = get_case(p, case_id);
  if (!c.ok()) return c.error();
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT seq, at, actor, command, from_state, to_state, payload FROM land_case_events WHERE case_id = ? ORDER BY seq", {case_id});
    Json items = Json::array();
    for (const auto& r : rows) {
      auto pl = core::parse_json(r.str(6));
      items.push_back({{"seq", r.i64(0)}, {"at", r.str(1)}, {"actor", r.str(2)}, {"command", r.str(3)},
                       {"from", r.str(4)}, {"to", r.str(5)}, {"payload", pl.ok() ? *pl : Json(nullptr)}});
    }
    return Json{{"items", items}};
  });
}

// ------------------------------------------------------------------ fund

Result<Json> Service::put_rate_table(const auth::Principal& p, const audit::CommandContext& ctx,
                                     const Json& b) {
  RL_TRY(auth::require_role(p, {Role::officer, Role::platform_admin}));
  const auto id = get<std::string>(b, "id");
  const auto base = get<std::string>(b, "base");
  const auto min_bp = get<int64_t>(b, "min_bp");
  const auto max_bp = get<int64_t>(b, "max_bp");
  if (!id || id->empty()) return field("land.invalid_rate_table", "id", "is required");
  if (!base || (*base != "value_added_income" && *base != "gross_price")) {
    return field("land.invalid_rate_table", "base", "must be value_added_income or gross_price");
  }
  if (!min_bp || !max_bp || *min_bp < 0 || *max_bp > 10000 || *min_bp > *max_bp) {
    return field("land.invalid_rate_table", "min_bp", "need 0 ≤ min_bp ≤ max_bp ≤ 10000");
  }
  if (!b.contains("rates") || !b["rates"].is_array() || b["rates"].empty()) {
    return field("land.invalid_rate_table", "rates", "must list the rates");
  }
  for (size_t i = 0; i < b["rates"].size(); ++i) {
    const Json& r = b["rates"][i];
    const std::string f = "rates[" + std::to_string(i) + "]";
    auto bp = get<int64_t>(r, "rate_bp");
    if (!bp || *bp < *min_bp || *bp > *max_bp) {
      return field("land.rate_out_of_range", f + ".rate_bp",
                   "must lie within " + std::to_string(*min_bp) + ".." + std::to_string(*max_bp) + " bp");
    }
    for (const char* k : {"use", "zone", "method", "event"}) {
      if (!get<std::string>(r, k)) return field("land.invalid_rate_table", f + "." + k, "is required");
    }
  }
  auto out = impl_->runner.run(ctx, "land", "rate_table.put", b, [&](store::Tx& tx) -> Result<Json> {
    tx.exec("DELETE FROM land_rates WHERE table_id = ?", {*id});
    tx.exec("DELETE FROM land_rate_tables WHERE id = ?", {*id});
    tx.exec("INSERT INTO land_rate_tables (id, name, jurisdiction, base, effective_from, effective_to, min_bp, max_bp, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {*id, b.value("name", *id), b.value("jurisdiction", ""), *base, b.value("effective_from", ""),
             get<std::string>(b, "effective_to"), *min_bp, *max_bp, b.value("source", "")});
    for (const auto& r : b["rates"]) {
      tx.exec("INSERT INTO land_rates (table_id, use_class, zone, method, event, rate_bp) VALUES (?, ?, ?, ?, ?, ?)",
              {*id, r["use"].get<std::string>(), r["zone"].get<std::string>(), r["method"].get<std::string>(),
               r["event"].get<std::string>(), r["rate_bp"].get<int64_t>()});
    }
    return Json{{"id", *id}, {"rates", b["rates"].size()}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Service::assess_fund(const Json& q) {
  const std::string table = q.value("table_id", "");
  const std::string use = q.value("use", ""), zone = q.value("zone", ""),
                    method = q.value("method", ""), event = q.value("event", "entry");
  const int64_t price = q.value("price_fen", int64_t{0});
  const int64_t acq = q.value("acquisition_cost_fen", int64_t{0});
  const int64_t dev = q.value("development_cost_fen", int64_t{0});
  if (price <= 0) return field("land.invalid_price", "price_fen", "must be positive");
  if (acq < 0 || dev < 0) return field("land.invalid_costs", "acquisition_cost_fen", "must be ≥ 0");
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto t = tx.query_one("SELECT base, name, source FROM land_rate_tables WHERE id = ?", {table});
    if (!t) return field("land.unknown_rate_table", "rate_table_id", "no rate table '" + table + "'");
    auto rows = tx.query("SELECT use_class, zone, method, rate_bp FROM land_rates WHERE table_id = ? AND event = ?", {table, event});
    int best_score = -1;
    int64_t rate = 0;
    for (const auto& r : rows) {
      int score = 0;
      bool match = true;
      const std::pair<std::string, std::string> dims[] = {{r.str(0), use}, {r.str(1), zone}, {r.str(2), method}};
      for (const auto& [have, want] : dims) {
        if (have == want) score += 1;
        else if (have != "*") match = false;
      }
      if (match && score > best_score) {
        best_score = score;
        rate = r.i64(3);
      }
    }
    if (best_score < 0) {
      return field("land.no_rate", "rate_table_id",
                   "no rate for use " + use + ", zone " + zone + ", method " + method + ", event " + event);
    }
    const std::string base = t->str(0);
    const int64_t base_fen = base == "gross_price" ? price : std::max<int64_t>(0, price - acq - dev);
    const int64_t fund = core::Fen(base_fen).ratio_floor(static_cast<uint32_t>(rate))->raw();
    return Json{{"table_id", table}, {"base", base}, {"base_fen", base_fen}, {"rate_bp", rate},
                {"fund_fen", fund}, {"use", use}, {"zone", zone}, {"method", method}, {"event", event}};
  });
}

Result<Json> Service::statements(const auth::Principal& p, const std::string& case_id) {
  auto c = get_case(p, case_id);
  if (!c.ok()) return c.error();
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT s.member_id, m.name, s.shares, s.amount_fen, s.mode, s.at FROM land_statements s JOIN land_members m ON m.collective_id = s.collective_id AND m.id = s.member_id WHERE s.case_id = ? ORDER BY s.member_id", {case_id});
    Json items = Json::array();
    for (const auto& r : rows) {
      items.push_back({{"member_id", r.str(0)}, {"name", r.str(1)}, {"shares", r.i64(2)},
                       {"amount_fen", r.i64(3)}, {"mode", r.str(4)}, {"at", r.str(5)}});
    }
    return Json{{"case_id", case_id}, {"distribution", (*c)["doc"].value("distribution", Json(nullptr))},
                {"items", items}};
  });
}

// ------------------------------------------------------------------ acquired rights

Result<Json> Service::rights(const std::string& case_id) {
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT id, kind, holder, status, start_date, end_date, amount_fen, parent_id, doc FROM land_rights WHERE case_id = ? ORDER BY id", {case_id});
    Json items = Json::array();
    for (const auto& r : rows) {
      auto d = core::parse_json(r.str(8));
      items.push_back({{"id", r.str(0)}, {"kind", r.str(1)}, {"holder", r.str(2)}, {"status", r.str(3)},
                       {"start_date", r.str(4)}, {"end_date", r.str(5)}, {"amount_fen", r.i64(6)},
                       {"parent_id", r.opt_str(7) ? Json(*r.opt_str(7)) : Json(nullptr)},
                       {"doc", d.ok() ? *d : Json(nullptr)}});
    }
    return Json{{"items", items}};
  });
}

Result<Json> Service::right_action(const auth::Principal& p, const audit::CommandContext& ctx,
                                   const std::string& right_id, const Json& b) {
  RL_TRY(auth::require_role(p, {Role::officer, Role::platform_admin}));
  auto& I = *impl_;
  const std::string kind = b.value("kind", "");
  auto out = I.runner.run(ctx, "land", "right." + kind, Json{{"right_id", right_id}, {"body", b}},
                          [&](store::Tx& tx) -> Result<Json> {
    auto r = tx.query_one("SELECT id, case_id, parcel_id, kind, holder, status, start_date, end_date, amount_fen, doc FROM land_rights WHERE id = ?", {right_id});
    if (!r) return Error::make(ErrorKind::not_found, "land.right_not_found", "no right " + right_id);
    auto c = Impl::load_case(tx, r->str(1));
    if (!c.ok()) return c.error();
    RL_TRY(auth::require_jurisdiction(p, c->division));
    auto doc = core::parse_json(r->str(9));
    Json d = doc.ok() ? *doc : Json::object();
    const std::string status = r->str(5);
    const std::string rkind = r->str(3);
    const std::string new_id = I.ids.next();
    auto insert = [&](const std::string& k, const std::string& holder, const std::string& st,
                      const std::string& start, const std::string& end, int64_t amount, const Json& doc2) {
      tx.exec("INSERT INTO land_rights (id, case_id, parcel_id, kind, holder, status, start_date, end_date, amount_fen, parent_id, doc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {new_id, r->str(1), r->str(2), k, holder, st, start, end, amount, right_id,
               core::canonical(doc2), I.now()});
    };
    auto need_current_use_right = [&]() -> Status {
      if (rkind != "use_right" || status != "current") {
        return conflict("land.right_not_current", "the action needs a current use right");
      }
      return ok_status();
    };
    if (kind == "lease") {
      RL_TRY(need_current_use_right());
      auto years = get<int64_t>(b, "years");
      if (!years || *years < 1) return field("land.invalid_lease", "years", "must be at least 1");
      if (*years > kMaxLeaseYears) {
        return field("land.lease_too_long", "years",
                     "a lease may not exceed " + std::to_string(kMaxLeaseYears) + " years (Civil Code Art. 705)");
      }
      auto start = need_date(b, "start_date");
      if (!start.ok()) return start.error();
      const std::string end = add_years(format_date(*start), static_cast<int>(*years));
      if (end > r->str(7)) return field("land.lease_beyond_term", "years", "the lease would outlast the use right");
      const std::string lessee = b.value("lessee", "");
      if (lessee.empty()) return field("land.invalid_lease", "lessee", "is required");
      insert("lease", lessee, "current", format_date(*start), end, b.value("rent_fen", int64_t{0}),
             Json{{"rent_form", b.value("rent_form", "annual")}});
    } else if (kind == "mortgage") {
      RL_TRY(need_current_use_right());
      if (d.value("mortgage_restricted", false)) {
        return conflict("land.mortgage_restricted", "the contract restricts mortgages (LAL Art. 63 ¶3)");
      }
      auto amount = get<int64_t>(b, "amount_fen");
      if (!amount || *amount <= 0) return field("land.invalid_mortgage", "amount_fen", "must be positive");
      const std::string lender = b.value("lender", "");
      if (lender.empty()) return field("land.invalid_mortgage", "lender", "is required");
      // Created on registration (Civil Code Art. 402): pending until register_mortgage.
      insert("mortgage", lender, "pending", b.value("start_date", r->str(6)), r->str(7), *amount,
             Json{{"with_buildings", b.value("with_buildings", true)}});
    } else if (kind == "register_mortgage" || kind == "discharge") {
      if (rkind != "mortgage") return conflict("land.not_a_mortgage", "the right is not a mortgage");
      const std::string want = kind == "register_mortgage" ? "pending" : "current";
      if (status != want) return conflict("land.invalid_transition", "the mortgage is " + status);
      tx.exec("UPDATE land_rights SET status = ? WHERE id = ?", {kind == "register_mortgage" ? "current" : "historic", right_id});
      return Json{{"id", right_id}, {"status", kind == "register_mortgage" ? "current" : "historic"}};
    } else if (kind == "transfer") {
      RL_TRY(need_current_use_right());
      if (d.value("transfer_restricted", false)) {
        return conflict("land.transfer_restricted", "the contract restricts transfer (LAL Art. 63 ¶3)");
      }
      if (!b.value("owner_notified", false)) {
        return field("land.owner_not_notified", "owner_notified",
                     "the collective owner must be notified in writing (Impl. Regs Art. 43)");
      }
      const std::string to = b.value("to", "");
      if (to.empty()) return field("land.invalid_transfer", "to", "is required");
      auto date = need_date(b, "date");
      if (!date.ok()) return date.error();
      tx.exec("UPDATE land_rights SET status = 'historic' WHERE id = ?", {right_id});
      insert("use_right", to, "current", format_date(*date), r->str(7), b.value("price_fen", int64_t{0}), d);
    } else if (kind == "renew") {
      RL_TRY(need_current_use_right());
      auto years = get<int64_t>(b, "years");
      const int max_term = max_term_years(d.value("use", ""));
      if (!years || *years < 1 || *years > max_term) {
        return field("land.invalid_renewal", "years", "must be 1.." + std::to_string(max_term));
      }
      tx.exec("UPDATE land_rights SET end_date = ? WHERE id = ?",
              {add_years(r->str(7), static_cast<int>(*years)), right_id});
      return Json{{"id", right_id}, {"end_date", add_years(r->str(7), static_cast<int>(*years))}};
    } else if (kind == "expire") {
      if (status != "current") return conflict("land.right_not_current", "the right is " + status);
      tx.exec("UPDATE land_rights SET status = 'historic' WHERE id = ?", {right_id});
      return Json{{"id", right_id}, {"status", "historic"}};
    } else {
      return field("land.invalid_right_action", "kind",
                   "must be lease, mortgage, register_mortgage, discharge, transfer, renew or expire");
    }
    return Json{{"id", new_id}, {"parent_id", right_id}, {"kind", kind}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

// ------------------------------------------------------------------ deadlines (the ticker)

Result<Json> Service::enforce_deadlines() {
  auto& I = *impl_;
  const auth::Principal sys = auth::system_principal("land-ticker");
  const Date today = shanghai_date(core::to_unix_ms(I.clock.now()));
  Json report = {{"date", format_date(today)}, {"lots_changed", 0}, {"deposits_settled", Json::array()},
                 {"reviews_cleared", Json::array()}, {"refusals", Json::array()}, {"overdue", Json::array()},
                 {"errors", Json::array()}};
  auto note_error = [&](const std::string& what, const Error& e) {
    report["errors"].push_back({{"what", what}, {"code", e.code}, {"message", e.message}});
  };
  // 1. Lots: listing deadlines, opt-in windows, countdowns, quote windows.
  auto changed = I.lots.tick_all();
  if (changed.ok()) report["lots_changed"] = *changed;
  else note_error("tick", changed.error());

  // 2. Deposits of decided lots: released for losers, applied for the winner. Done at the
  //    first run after the decision, so always within the refund policy's days.
  auto unsettled = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) -> Result<store::Rows> {
    return tx.query("SELECT id FROM land_lots WHERE settled = 0 AND phase IN ('sold', 'not_sold') ORDER BY id LIMIT 1000");
  });
  if (!unsettled.ok()) return unsettled.error();
  for (const auto& r : *unsettled) {
    const std::string lot = r.str(0);
    auto s = I.lots.settle(sys, {sys.actor(), "land.ticker:settle:" + lot}, lot);
    if (s.ok()) report["deposits_settled"].push_back(lot);
    else note_error("settle " + lot, s.error());
  }

  // 3. Cases with passed deadlines.
  auto rows = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) -> Result<store::Rows> {
    return tx.query("SELECT id, state, doc, version FROM land_cases WHERE state IN ('scheme_filed', 'sold', 'contract_signed', 'paying') ORDER BY id LIMIT 1000");
  });
  if (!rows.ok()) return rows.error();
  for (const auto& r : *rows) {
    const std::string id = r.str(0), state = r.str(1);
    auto doc = core::parse_json(r.str(2));
    if (!doc.ok()) continue;
    const std::string key = "land.ticker:" + id + ":" + std::to_string(r.i64(3));
    audit::CommandContext ctx{sys.actor(), key};
    if (state == "scheme_filed") {
      auto deadline = parse_date((*doc)["filing"].value("review_deadline", ""));
      if (!deadline || today <= *deadline) continue;
      auto t = transition(sys, ctx, id, "review",
                          {{"decision", "cleared"}, {"date", format_date(today)},
                           {"note", "no changes requested within the review window (Impl. Regs Art. 40)"}});
      if (t.ok()) report["reviews_cleared"].push_back(id);
      else note_error("review " + id, t.error());
    } else if (state == "sold") {
      auto sign_by = parse_date((*doc)["deadlines"].value("sign_by", ""));
      if (!sign_by || today <= *sign_by) continue;
      auto t = transition(sys, ctx, id, "refuse_to_sign",
                          {{"reason", "the contract was not signed by " + format_date(*sign_by)}});
      if (t.ok()) report["refusals"].push_back(id);
      else note_error("refuse_to_sign " + id, t.error());
    } else {
      const int64_t paid = doc->value("paid_fen", int64_t{0});
      if (!(*doc).contains("payment_schedule") || (*doc).contains("payment_overdue")) continue;
      for (const auto& inst : (*doc)["payment_schedule"]) {
        auto due = parse_date(inst.value("due", ""));
        const int64_t need = inst.value("cumulative_fen", int64_t{0});
        if (!due || today <= *due || paid >= need) continue;
        auto t = transition(sys, ctx, id, "mark_overdue", {{"due", format_date(*due)}, {"cumulative_fen", need}});
        if (t.ok()) report["overdue"].push_back(id);
        else note_error("mark_overdue " + id, t.error());
        break;
      }
    }
  }
  return report;
}

}  // namespace riverlink::land
