#include "land/seed.hpp"

#include "land/service.hpp"

namespace riverlink::land {

using core::Json;

namespace {

constexpr int64_t kYuan = 100;  // fen
constexpr int64_t kDayMs = 86'400'000;

Json box(double lon, double lat, double dlon, double dlat) {
  return Json{{"type", "Polygon"},
              {"coordinates", {{{lon, lat}, {lon + dlon, lat}, {lon + dlon, lat + dlat},
                                {lon, lat + dlat}, {lon, lat}}}}};
}

std::string iso(int64_t ms) { return core::format_utc(core::from_unix_ms(ms)); }

Date date_of(int64_t ms) {  // Asia/Shanghai (UTC+8, no DST)
  return std::chrono::floor<std::chrono::days>(core::from_unix_ms(ms + 8LL * 3600 * 1000));
}
int64_t ms_of(Date d, int hour_utc) {
  return core::to_unix_ms(core::TimePoint(d.time_since_epoch())) + hour_utc * 3'600'000LL;
}

struct Seeder {
  Service& svc;
  core::ManualClock& clock;
  auth::Principal officer, agent;
  int key = 0;
  std::string err;

  audit::CommandContext ctx(const auth::Principal& p) {
    return {p.actor(), "demo-seed:land:" + std::to_string(++key)};
  }
  bool ok(const Result<Json>& r, const char* what) {
    if (!r.ok() && err.empty()) err = std::string(what) + ": " + r.error().code + " " + r.error().message;
    return r.ok();
  }
  bool step(const std::string& id, const char* cmd, const Json& body, const auth::Principal* p = nullptr) {
    const auth::Principal& who = p ? *p : officer;
    return ok(svc.transition(who, ctx(who), id, cmd, body), cmd);
  }
  auth::Principal bidder(const std::string& id) {
    auth::Principal b;
    b.user_id = id;
    b.role = auth::Role::bidder;
    return b;
  }
  bool input(const Result<InputReply>& r, const char* what) {
    if (!r.ok()) {
      if (err.empty()) err = std::string(what) + ": " + r.error().message;
      return false;
    }
    if (r->result.value("result", "") != "ok" && err.empty()) {
      err = std::string(what) + ": " + r->result.value("result", "");
      return false;
    }
    return true;
  }
  // Filing date: the latest date at least the statutory working days before `trade`.
  Date filing_for(Date trade) {
    Date d = trade - std::chrono::days{14};
    while (svc.calendar().add_working_days(d, 10) > trade) d -= std::chrono::days{1};
    return d;
  }
};

Json members(const std::string& prefix, int n, int reps) {
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "吴", "周", "徐", "孙", "蒋", "史"};
  Json m = Json::array();
  for (int i = 1; i <= n; ++i) {
    m.push_back({{"id", prefix + "-m" + std::to_string(i)},
                 {"name", std::string(kSurnames[(i - 1) % 12]) + "某" + std::to_string(i) + "（演示）"},
                 {"shares", 1 + i % 3},
                 {"is_representative", i <= reps}});
  }
  return m;
}

}  // namespace

Result<Json> seed_demo(store::Database& db, audit::CommandRunner& runner, ledger::Service& ledger,
                       const core::Clock& real_clock, const SeedInput& in) {
  auto have = store::transact(db, store::TxKind::read, [&](store::Tx& tx) -> Result<bool> {
    return tx.query_one("SELECT 1 FROM land_parcels WHERE code = 'YX-DEMO-01'").has_value();
  });
  if (!have.ok()) return have.error();
  if (*have) return Json{{"skipped", true}};

  const int64_t now = core::to_unix_ms(real_clock.now());
  core::ManualClock clock(core::from_unix_ms(now - 90 * kDayMs));
  Service svc(db, runner, ledger, clock, WorkCalendar::bundled());
  Seeder s{svc, clock, {}, {}};
  s.officer.user_id = "demo-seed-officer";
  s.officer.role = auth::Role::officer;
  s.officer.division_code = "320282";
  s.agent.user_id = "demo-seed-agent";
  s.agent.role = auth::Role::collective_agent;
  s.agent.division_code = "320282";
  Json report = Json::object();

  // Collectives (demo). Group-owned land pays cash after a 12% retention (Deqing practice,
  // [secondary]); village-owned land tops up shares.
  struct Col { const char* id; const char* name; const char* kind; int retention; const char* mode; int n; };
  const Col cols[] = {
      {"yx-dingshu-g3", "丁蜀镇西望村第三村民小组（演示）", "village_group", 1200, "cash", 12},
      {"yx-heqiao-v", "和桥镇某村股份经济合作社（演示）", "village", 3000, "shares", 10},
      {"yx-guanlin-v", "官林镇某村股份经济合作社（演示）", "village", 3000, "shares", 8},
      {"yx-zhangzhu-g1", "张渚镇某村第一村民小组（演示）", "village_group", 1200, "cash", 9},
  };
  for (const auto& c : cols) {
    if (!s.ok(svc.create_collective(s.officer, s.ctx(s.officer),
                                    {{"id", c.id}, {"name", c.name}, {"division_code", "320282"}, {"kind", c.kind},
                                     {"retention_bp", c.retention}, {"payout_mode", c.mode},
                                     {"members", members(c.id, c.n, c.n / 3 + 1)}}),
              "collective")) {
      return Error::make(ErrorKind::internal, "land.seed_failed", s.err);
    }
  }

  // Parcels in Yixing townships (approximate locations; geometry is illustrative).
  struct Par { const char* code; const char* name; const char* town; const char* col; double lon, lat, d;
               const char* use; const char* cls; bool reg; const char* zone; };
  const Par pars[] = {
      {"YX-DEMO-01", "丁蜀镇陶都路东侧地块", "丁蜀镇", "yx-dingshu-g3", 119.842, 31.268, 0.0016, "commercial_service", "existing_construction", true, "town"},
      {"YX-DEMO-02", "和桥镇工业集中区地块", "和桥镇", "yx-heqiao-v", 119.832, 31.425, 0.0022, "industrial", "existing_construction", true, "town"},
      {"YX-DEMO-03", "官林镇物流仓储地块", "官林镇", "yx-guanlin-v", 119.768, 31.482, 0.0019, "warehouse_logistics", "existing_construction", true, "elsewhere"},
      {"YX-DEMO-04", "张渚镇文旅服务地块", "张渚镇", "yx-zhangzhu-g1", 119.612, 31.270, 0.0014, "tourism", "existing_construction", true, "town"},
      {"YX-DEMO-05", "宜城街道城中村改造地块", "宜城街道", "yx-heqiao-v", 119.822, 31.362, 0.0012, "commercial_service", "existing_construction", true, "county_seat"},
      {"YX-DEMO-06", "丁蜀镇宅基地（不可入市）", "丁蜀镇", "yx-dingshu-g3", 119.856, 31.262, 0.0008, "residential_commodity", "homestead", false, "town"},
  };
  std::vector<std::string> parcel_ids;
  for (const auto& p : pars) {
    auto r = svc.create_parcel(s.officer, s.ctx(s.officer),
                               {{"code", p.code}, {"name", p.name}, {"division_code", "320282"}, {"collective_id", p.col},
                                {"geometry", box(p.lon, p.lat, p.d, p.d * 0.8)}, {"planned_use", p.use},
                                {"land_class", p.cls}, {"zone", p.zone}, {"township", p.town},
                                {"ownership_registered", p.reg}, {"registration_status", p.reg ? "current" : "pending"},
                                {"demo", true},
                                {"planning", {{"plot_ratio_max", 2.0}, {"height_max_m", 24}, {"term_years", 40}}},
                                {"encumbrances", Json::array()}});
    if (!s.ok(r, "parcel")) return Error::make(ErrorKind::internal, "land.seed_failed", s.err);
    parcel_ids.push_back((*r)["id"]);
  }

  // Rate tables: the national bounds (财税〔2016〕41号 [secondary]) and Deqing's recalled grid
  // on the gross price [unverified], both demo parameters.
  Json deqing = {{"id", "deqing-grid-demo"}, {"name", "德清调节金级差（演示参数，未核实）"}, {"jurisdiction", "330521"},
                 {"base", "gross_price"}, {"effective_from", "2015-01-01"}, {"min_bp", 1600}, {"max_bp", 4800},
                 {"source", "经济日报 2017-09-08 [secondary]; grid recalled [unverified]"}, {"rates", Json::array()}};
  const std::pair<const char*, std::pair<int, int>> grid[] = {
      {"county_seat", {4800, 2400}}, {"town", {4000, 2000}}, {"elsewhere", {3200, 1600}}};
  for (const auto& [zone, r] : grid) {
    deqing["rates"].push_back({{"use", "commercial"}, {"zone", zone}, {"method", "*"}, {"event", "entry"}, {"rate_bp", r.first}});
    deqing["rates"].push_back({{"use", "industrial"}, {"zone", zone}, {"method", "*"}, {"event", "entry"}, {"rate_bp", r.second}});
  }
  Json national = {{"id", "national-2016-demo"}, {"name", "财税〔2016〕41号 20%–50%（演示：统一 30%）"},
                   {"jurisdiction", "000000"}, {"base", "value_added_income"}, {"effective_from", "2015-01-01"},
                   {"min_bp", 2000}, {"max_bp", 5000}, {"source", "财税〔2016〕41号 [secondary]"},
                   {"rates", Json::array({{{"use", "*"}, {"zone", "*"}, {"method", "*"}, {"event", "entry"}, {"rate_bp", 3000}},
                                          {{"use", "*"}, {"zone", "*"}, {"method", "*"}, {"event", "retransfer"}, {"rate_bp", 2000}}})}};
  if (!s.ok(svc.put_rate_table(s.officer, s.ctx(s.officer), deqing), "rate table") ||
      !s.ok(svc.put_rate_table(s.officer, s.ctx(s.officer), national), "rate table")) {
    return Error::make(ErrorKind::internal, "land.seed_failed", s.err);
  }

  const Json planning = {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24},
                         {"industry_requirements", "商业服务业准入，投资强度不低于 300 万元/亩（演示）"},
                         {"eco_requirements", "执行环评及排水许可（演示）"}};
  auto open = [&](size_t i, Json plan) -> std::optional<std::string> {
    auto c = svc.open_case(s.agent, s.ctx(s.agent), parcel_ids[i], i == 4 ? "urban_village" : "in_place");
    if (!s.ok(c, "open case")) return std::nullopt;
    const std::string id = (*c)["id"];
    if (!plan.is_null()) {
      plan["use"] = pars[i].use;
      if (!s.step(id, "check_eligibility", Json::object()) || !s.step(id, "issue_planning", plan)) return std::nullopt;
    }
    return id;
  };
  auto members_of = [&](size_t parcel) {
    for (const auto& c : cols) {
      if (std::string(c.id) == pars[parcel].col) return c.n;
    }
    return 0;
  };
  auto scheme = [&](const std::string& id, Date trade, int64_t price_yuan, int term, size_t parcel) {
    return s.step(id, "draft_scheme",
                  {{"term_years", term}, {"method", "listing"}, {"entry_price_fen", price_yuan * kYuan},
                   {"deposit_fen", price_yuan * kYuan / 5}, {"planned_trade_date", format_date(trade)},
                   {"distribution_plan", {{"note", "按股分配（演示）"}}}},
                  &s.agent) &&
           s.step(id, "vote", {{"basis", "members"}, {"yes", members_of(parcel)}, {"meeting_date", format_date(trade - std::chrono::days{30})}}, &s.agent);
  };
  auto fail = [&]() { return Error::make(ErrorKind::internal, "land.seed_failed", s.err); };

  // 1. Completed: listing → timed bidding → sold above the sealed reserve → registered.
  {
    const Date trade = date_of(now) - std::chrono::days{45};
    auto id = open(0, planning);
    if (!id || !scheme(*id, trade, 8'000'000, 40, 0)) return fail();
    const Date filed = s.filing_for(trade);
    const int64_t open_ms = ms_of(trade, 1), close_ms = open_ms + 10 * kDayMs + 6 * 3'600'000;
    Json lot = {{"increment_fen", 100'000 * kYuan}, {"open_at", iso(open_ms)}, {"close_at", iso(close_ms)},
                {"freeze_before_close_s", 3600}, {"min_timed_bidders", 2}, {"countdown_s", 240},
                {"reserve_commitment", auction::reserve_commitment(9'000'000 * kYuan, "demo-salt-YX-DEMO-01")}};
    if (!s.step(*id, "file_scheme", {{"filed_date", format_date(filed)}}, &s.agent) ||
        !s.step(*id, "review", {{"decision", "cleared"}, {"date", format_date(filed + std::chrono::days{1})}}) ||
        !s.step(*id, "announce", {{"announce_date", format_date(trade - std::chrono::days{21})}, {"lot", lot},
                                  {"title", "宜兴市丁蜀镇陶都路东侧地块（演示）"}})) {
      return fail();
    }
    auto c = svc.get_case(s.officer, *id);
    const std::string lot_id = (*c)["lot_id"];
    Lots& lots = svc.lots();
    for (const char* b : {"demo-bidder-a", "demo-bidder-b", "demo-bidder-c"}) {
      if (!s.ok(lots.pay_in(s.officer, s.ctx(s.officer), b, 3'000'000 * kYuan), "pay in") ||
          !s.input(lots.register_bidder(s.bidder(b), "demo-reg", lot_id), "register")) {
        return fail();
      }
    }
    struct B { int64_t at; const char* who; int64_t yuan; };
    const B bids[] = {{open_ms + 3 * kDayMs, "demo-bidder-a", 8'000'000}, {open_ms + 4 * kDayMs, "demo-bidder-b", 8'300'000},
                      {open_ms + 6 * kDayMs, "demo-bidder-c", 8'500'000}, {open_ms + 8 * kDayMs, "demo-bidder-a", 8'800'000},
                      {close_ms + 30'000, "demo-bidder-b", 9'000'000}, {close_ms + 200'000, "demo-bidder-a", 9'200'000},
                      {close_ms + 400'000, "demo-bidder-c", 9'400'000}, {close_ms + 610'000, "demo-bidder-b", 9'500'000}};
    int n = 0;
    for (const auto& b : bids) {
      clock.set(core::from_unix_ms(b.at));
      if (!s.input(lots.bid(s.bidder(b.who), "demo-bid-" + std::to_string(++n), lot_id, b.yuan * kYuan), "bid")) return fail();
    }
    clock.set(core::from_unix_ms(close_ms + 3'600'000));
    if (!s.input(lots.reveal_reserve(s.officer, "demo-reveal", lot_id, 9'000'000 * kYuan, "demo-salt-YX-DEMO-01"), "reveal")) {
      return fail();
    }
    Json contract = {{"boundary", "见宗地图 YX-DEMO-01"}, {"area_m2", (*c)["parcel"]["area_m2"]}, {"use", "commercial_service"},
                     {"planning_conditions", {{"use", "commercial_service"}, {"plot_ratio_max", 2.0}, {"height_max_m", 24}}},
                     {"industry_requirements", planning["industry_requirements"]}, {"eco_requirements", planning["eco_requirements"]},
                     {"term_years", 40}, {"payment_terms", "签约后一个月内付清"}, {"handover_date", format_date(trade + std::chrono::days{40})},
                     {"construction_start_by", format_date(trade + std::chrono::days{400})},
                     {"construction_complete_by", format_date(trade + std::chrono::days{1100})},
                     {"early_recovery", "依合同约定补偿"}, {"renewal", "届满依法申请续期"}, {"buildings_on_expiry", "依合同约定处理"},
                     {"default_liability", "按日万分之五支付违约金"}, {"dispute_resolution", "宜兴市人民法院"}};
    clock.set(core::from_unix_ms(close_ms + 2 * kDayMs));
    if (!s.step(*id, "record_result", Json::object()) || !s.step(*id, "sign_contract", {{"contract", contract}}) ||
        !s.step(*id, "record_payment", {{"amount_fen", 7'900'000 * kYuan}, {"paid_date", format_date(trade + std::chrono::days{20})}}) ||
        !s.step(*id, "settle_fund", {{"rate_table_id", "deqing-grid-demo"}, {"taxes_fen", 285'000 * kYuan}}) ||
        !s.step(*id, "distribute", {{"costs_fen", 150'000 * kYuan}}, &s.agent) ||
        !s.step(*id, "register", {{"certificate_no", "苏（演示）宜兴市不动产权第 0000001 号"},
                                  {"registered_date", format_date(trade + std::chrono::days{30})}})) {
      return fail();
    }
    report["completed_case"] = *id;
    report["completed_lot"] = lot_id;
  }
  // 2. A case just identified; 3. a scheme filed and awaiting review; 5. suspended.
  {
    clock.set(core::from_unix_ms(now - 5 * kDayMs));
    auto c2 = open(1, Json());
    if (!c2) return fail();
    auto c3 = open(2, planning);
    const Date trade3 = date_of(now) + std::chrono::days{40};
    if (!c3 || !scheme(*c3, trade3, 4'200'000, 50, 2) ||
        !s.step(*c3, "file_scheme", {{"filed_date", format_date(date_of(now) - std::chrono::days{1})}}, &s.agent)) {
      return fail();
    }
    auto c5 = open(4, planning);
    if (!c5 || !s.step(*c5, "suspend", {{"reason", "权属争议待核实（演示）"}})) return fail();
    report["cases"] = {*c2, *c3, *c5};
  }
  // 4. Live: a listing open now, closing in 8 days, with two seeded bids.
  {
    const Date trade = date_of(now) - std::chrono::days{2};
    clock.set(core::from_unix_ms(now - 40 * kDayMs));
    auto id = open(3, planning);
    if (!id || !scheme(*id, trade, 5'600'000, 40, 3)) return fail();
    const Date filed = s.filing_for(trade);
    const int64_t open_ms = ms_of(trade, 1), close_ms = ms_of(date_of(now) + std::chrono::days{8}, 7);
    Json lot = {{"increment_fen", 50'000 * kYuan}, {"open_at", iso(open_ms)}, {"close_at", iso(close_ms)},
                {"freeze_before_close_s", 3600}, {"min_timed_bidders", 2}, {"countdown_s", 240}};
    if (!s.step(*id, "file_scheme", {{"filed_date", format_date(filed)}}, &s.agent) ||
        !s.step(*id, "review", {{"decision", "cleared"}, {"date", format_date(filed + std::chrono::days{2})}}) ||
        !s.step(*id, "announce", {{"announce_date", format_date(trade - std::chrono::days{22})}, {"lot", lot},
                                  {"title", "宜兴市张渚镇文旅服务地块（演示）"}})) {
      return fail();
    }
    const std::string lot_id = (*svc.get_case(s.officer, *id))["lot_id"];
    Lots& lots = svc.lots();
    for (const char* b : {"demo-bidder-a", "demo-bidder-c"}) {
      if (!s.ok(lots.pay_in(s.officer, s.ctx(s.officer), b, 2'000'000 * kYuan), "pay in") ||
          !s.input(lots.register_bidder(s.bidder(b), "demo-reg-live", lot_id), "register")) {
        return fail();
      }
    }
    clock.set(core::from_unix_ms(now - kDayMs));
    if (!s.input(lots.bid(s.bidder("demo-bidder-a"), "demo-live-1", lot_id, 5'600'000 * kYuan), "bid")) return fail();
    clock.set(core::from_unix_ms(now - kDayMs / 2));
    if (!s.input(lots.bid(s.bidder("demo-bidder-c"), "demo-live-2", lot_id, 5'700'000 * kYuan), "bid")) return fail();
    if (in.bidder_user_id) {
      if (!s.ok(lots.pay_in(s.officer, s.ctx(s.officer), *in.bidder_user_id, 5'000'000 * kYuan), "pay in")) return fail();
    }
    report["live_case"] = *id;
    report["live_lot"] = lot_id;
  }
  report["parcels"] = parcel_ids.size();
  return report;
}

}  // namespace riverlink::land
