// Demo data for vouchers (labelled demo; every value is an unverified demo parameter).
//
// The elevator case (vouchers.md §7): a Suzhou (320500) elevator manufacturer signs a
// 450,000-yuan R&D contract with a Shanghai provider and vouchers pay 300,000 of it. The demo
// Jiangsu policy makes that hold with a 7,000 bp ratio (Jiangsu 60% + Suzhou co-issuer 40% of
// the voucher, i.e. 42% + 28% of the contract) and a 300,000-yuan per-contract cap:
// floor(45,000,000 fen × 7000 / 10000) = 31,500,000 fen, capped to 30,000,000 fen;
// split 18,000,000 (JS) + 12,000,000 (JS-SZ); co-pay 15,000,000 fen.
#include <random>

#include "core/divisions.hpp"
#include "vouchers/service.hpp"

namespace riverlink::vouchers {

namespace {
const char* kDemoLabel = "DEMO — unverified demo parameters, not an official policy (vouchers.md §5.2)";

struct Cat { const char* code; const char* zh; const char* en; int64_t lo_yuan, hi_yuan; };
const Cat kCats[] = {
    {"rd", "研发服务", "R&D service", 50'000, 500'000},
    {"testing", "检验检测", "testing", 5'000, 120'000},
    {"instrument", "大型仪器共享", "instrument sharing", 2'000, 80'000},
    {"ip", "知识产权分析", "IP analysis", 10'000, 150'000},
    {"design", "工业设计", "industrial design", 20'000, 200'000},
    {"transfer", "技术转移", "technology transfer", 30'000, 300'000},
};
const char* kInstr[] = {"原子力显微镜 AFM", "扫描电子显微镜 SEM", "核磁共振波谱仪 NMR", "X射线衍射仪 XRD", "液相色谱质谱联用仪 LC-MS",
                        "透射电子显微镜 TEM", "电梯曳引机试验台", "疲劳试验机", "三坐标测量机", "气相色谱仪 GC"};
const char* kOrg[] = {"材料研究院", "检测中心", "理工大学实验室", "工业技术研究院", "知识产权服务中心", "设计研究院",
                      "计量测试所", "生物医药平台", "智能制造创新中心", "仪器共享中心"};
const char* kEnt[] = {"精密机械", "新材料", "生物科技", "电子科技", "智能装备", "汽车零部件", "新能源", "医疗器械", "软件", "环保科技"};

Error seed_error(const std::string& step, const Error& e) {
  Error o = e;
  o.message = "vouchers demo seed, " + step + ": " + e.message;
  return o;
}
}  // namespace

Result<SeedResult> seed_demo(store::Database& db, audit::CommandRunner& commands, ledger::Service& ledger,
                             core::IdGenerator& ids, const core::Clock& now, const SeedOptions& o) {
  SeedResult out;
  auto have = store::transact(db, store::TxKind::read, [](store::Tx& tx) -> Result<int64_t> {
    return tx.query_one("SELECT COUNT(*) FROM vch_issuers")->i64(0);
  });
  if (!have.ok()) return have.error();
  if (*have > 0) {
    out.already_seeded = true;
    return out;
  }
  // The demo year ends at the real "today"; the seed walks a manual clock through it.
  const std::string today = core::format_shanghai(now.now()).substr(0, 10);
  const int this_year = std::stoi(today.substr(0, 4));
  core::ManualClock clk(core::parse_utc(std::to_string(this_year - 1) + "-12-01T02:00:00Z").value());
  Service s(db, commands, ledger, clk, ids);
  auto admin = auth::system_principal("demo-seed");
  int n = 0;
  auto key = [&]() { return Ctx{admin.actor(), "demo-seed:vouchers:" + std::to_string(++n)}; };
  auto as_user = [&](const std::string& uid, auth::Role role, const std::string& div) {
    P p = admin;
    if (!uid.empty()) { p.user_id = uid; p.role = role; p.division_code = div; }
    return p;
  };
#define SEED_TRY(step, expr)                                   \
  do {                                                         \
    auto r_ = (expr);                                          \
    if (!r_.ok()) return seed_error(step, r_.error());         \
  } while (0)

  // Issuers: the five co-issuers of the pilot notice and one city co-issuer.
  const J issuers[] = {
      {{"code", "SH"}, {"name_zh", "上海市科学技术委员会"}, {"name_en", "Shanghai S&T Commission"}, {"division_code", "310000"}, {"level", "province"}},
      {{"code", "JS"}, {"name_zh", "江苏省科学技术厅"}, {"name_en", "Jiangsu S&T Department"}, {"division_code", "320000"}, {"level", "province"}},
      {{"code", "ZJ"}, {"name_zh", "浙江省科学技术厅"}, {"name_en", "Zhejiang S&T Department"}, {"division_code", "330000"}, {"level", "province"}},
      {{"code", "AH"}, {"name_zh", "安徽省科学技术厅"}, {"name_en", "Anhui S&T Department"}, {"division_code", "340000"}, {"level", "province"}},
      {{"code", "DZ"}, {"name_zh", "长三角生态绿色一体化发展示范区执委会"}, {"name_en", "YRD Eco-Green Integrated Development Demonstration Zone"}, {"division_code", ""}, {"level", "zone"}},
      {{"code", "JS-SZ"}, {"name_zh", "苏州市科学技术局"}, {"name_en", "Suzhou S&T Bureau (co-issuer)"}, {"division_code", "320500"}, {"level", "city"}, {"parent_code", "JS"}},
  };
  for (const auto& i : issuers) SEED_TRY("issuer", s.upsert_issuer(admin, key(), i));

  const J all_prov = J::array({"310000", "320000", "330000", "340000"});
  J cats_all = J::array();
  for (const auto& c : kCats) cats_all.push_back({{"code", c.code}});
  J cats_ah = J::array();
  for (const auto& c : kCats) if (std::string(c.code) != "design") cats_ah.push_back({{"code", c.code}});
  auto pol = [&](const char* issuer, int ratio, int64_t contract_cap_y, int64_t ent_cap_y, int64_t grp_cap_y, const char* mode,
                 J funding, J cats, int64_t budget_y) {
    return J{{"issuer_code", issuer}, {"doc_ref", std::string("DEMO-") + issuer + "-1"}, {"label", kDemoLabel},
             {"effective_from", std::to_string(this_year - 1) + "-01-01"}, {"effective_to", std::to_string(this_year + 1) + "-12-31"},
             {"params", {{"ratio_bp", ratio}, {"per_contract_cap_fen", contract_cap_y * 100}, {"enterprise_annual_cap_fen", ent_cap_y * 100},
                         {"group_annual_cap_fen", grp_cap_y * 100}, {"categories", cats}, {"recognised_provider_divisions", all_prov},
                         {"payee_mode", mode}, {"validity_days", 366}, {"annual_budget_fen", budget_y * 100}, {"funding", funding},
                         {"related_party_forbidden", true}, {"duplicate_subsidy_forbidden", true}, {"price_deviation_bp", 5000},
                         {"publicity_days", 7}, {"settlement_cycle", "monthly"}}}};
  };
  const J policies[] = {
      pol("SH", 5000, 500'000, 500'000, 800'000, "provider_redeems", J::array({{{"issuer", "SH"}, {"share_bp", 10000}}}), cats_all, 60'000'000),
      // JS + Suzhou stacking: see the header comment.
      pol("JS", 7000, 300'000, 500'000, 800'000, "enterprise_reimbursed",
          J::array({{{"issuer", "JS"}, {"share_bp", 6000}}, {{"issuer", "JS-SZ"}, {"share_bp", 4000}}}), cats_all, 50'000'000),
      pol("ZJ", 6000, 300'000, 400'000, 600'000, "provider_redeems", J::array({{{"issuer", "ZJ"}, {"share_bp", 10000}}}), cats_all, 40'000'000),
      pol("AH", 5000, 300'000, 300'000, 600'000, "provider_redeems", J::array({{{"issuer", "AH"}, {"share_bp", 10000}}}), cats_ah, 30'000'000),
      pol("DZ", 6000, 200'000, 300'000, 500'000, "provider_redeems", J::array({{{"issuer", "DZ"}, {"share_bp", 10000}}}), cats_all, 10'000'000),
  };
  for (const auto& p : policies) SEED_TRY("policy", s.publish_policy(admin, key(), p));
  for (int y : {this_year - 1, this_year}) {
    for (auto [code, yuan] : {std::pair{"SH", 60'000'000}, {"JS", 30'000'000}, {"JS-SZ", 20'000'000}, {"ZJ", 40'000'000},
                              {"AH", 30'000'000}, {"DZ", 10'000'000}}) {
      SEED_TRY("budget", s.appropriate(admin, key(), code, y, int64_t{yuan} * 100));
    }
  }

  // Providers and their services, spread over the four provinces.
  std::mt19937_64 rng(o.seed);
  auto pick = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
  const auto& dv = core::Divisions::yrd();
  std::vector<std::vector<std::string>> prefectures(4);
  const char* provs[] = {"310000", "320000", "330000", "340000"};
  const char* issuer_of[] = {"SH", "JS", "ZJ", "AH"};
  for (int i = 0; i < 4; ++i) for (const auto* d : dv.children(provs[i])) prefectures[i].push_back(d->code);
  auto uscc = [&](const char* prefix, int i) {
    char b[32];
    std::snprintf(b, sizeof b, "%s%014d", prefix, i);
    return std::string(b).substr(0, 18);
  };
  struct Prov { std::string id, div; int pi; std::vector<std::pair<std::string, std::pair<std::string, int64_t>>> services; };
  std::vector<Prov> providers;
  auto add_provider = [&](const J& body, int pi, const P& owner) -> Result<Prov> {
    auto r = s.register_party(admin, key(), body);
    if (!r.ok()) return r.error();
    Prov pv{(*r)["id"], body["division_code"], pi, {}};
    for (const char* is : {"SH", "JS", "ZJ", "AH", "DZ"}) {
      auto rr = s.recognise(admin, key(), pv.id, is, "active");
      if (!rr.ok()) return rr.error();
    }
    int ns = 1 + static_cast<int>(rng() % 2);
    for (int k = 0; k < ns; ++k) {
      const Cat& c = kCats[rng() % 6];
      bool instr = std::string(c.code) == "instrument";
      std::string name = instr ? std::string(kInstr[rng() % 10]) + " 机时" : std::string(c.zh) + " · " + c.en;
      int64_t price = pick(c.lo_yuan, c.hi_yuan) * 100;
      auto sv = s.add_service(owner, key(), {{"provider_id", pv.id}, {"kind", instr ? "instrument" : "service"}, {"name", name},
                                             {"description", std::string(c.zh) + "（演示数据 demo）" + body["name"].get<std::string>()},
                                             {"category", c.code}, {"price_fen", price}});
      if (!sv.ok()) return sv.error();
      pv.services.push_back({(*sv)["id"], {c.code, price}});
      ++out.services;
    }
    return pv;
  };
  // The demo provider login: a Shanghai elevator R&D institute.
  P prov_user = as_user(o.provider_user_id, auth::Role::provider, "310000");
  auto lab = add_provider({{"kind", "provider"}, {"name", "上海演示电梯技术研究院（演示）Demo Shanghai Elevator R&D Institute"},
                           {"uscc", uscc("91310112", 1)}, {"division_code", "310112"}, {"user_id", o.provider_user_id},
                           {"legal_rep", "王演示"}, {"controller", "上海演示控股"}, {"shareholders", J::array({"上海演示控股"})},
                           {"qualifications", J::array({"CMA", "CNAS"})}, {"demo", true}}, 0, admin);
  if (!lab.ok()) return seed_error("provider", lab.error());
  providers.push_back(*lab);
  for (int i = 0; i < o.providers; ++i) {
    int pi = static_cast<int>(rng() % 4);
    const auto& pref = prefectures[pi].empty() ? std::string(provs[pi]) : prefectures[pi][rng() % prefectures[pi].size()];
    std::string city = dv.find(pref) ? dv.find(pref)->name_zh : "";
    auto r = add_provider({{"kind", "provider"}, {"name", city + kOrg[rng() % 10] + "（演示" + std::to_string(i) + "）"},
                           {"uscc", uscc("12", 100 + i)}, {"division_code", pref}, {"legal_rep", "法人" + std::to_string(i)},
                           {"controller", ""}, {"shareholders", J::array()}, {"qualifications", J::array({"CMA"})}, {"demo", true}}, pi, admin);
    if (!r.ok()) return seed_error("provider", r.error());
    providers.push_back(*r);
  }
  out.providers = static_cast<int>(providers.size());

  // Enterprises: the elevator manufacturer (demo enterprise login) and others.
  struct Ent { std::string id, div; int pi; };
  std::vector<Ent> ents;
  auto elevator = s.register_party(admin, key(), {{"kind", "enterprise"}, {"name", "苏州演示电梯制造有限公司（演示）Demo Suzhou Elevator Co."},
                                                  {"uscc", uscc("91320506", 2)}, {"division_code", "320506"}, {"user_id", o.enterprise_user_id},
                                                  {"legal_rep", "李演示"}, {"controller", "苏州演示集团"}, {"shareholders", J::array({"苏州演示集团"})},
                                                  {"qualifications", J::array({"科技型中小企业"})}, {"demo", true}});
  if (!elevator.ok()) return seed_error("enterprise", elevator.error());
  ents.push_back({(*elevator)["id"], "320506", 1});
  for (int i = 0; i < o.enterprises; ++i) {
    int pi = static_cast<int>(rng() % 4);
    const auto& pref = prefectures[pi].empty() ? std::string(provs[pi]) : prefectures[pi][rng() % prefectures[pi].size()];
    std::string city = dv.find(pref) ? dv.find(pref)->name_zh : "";
    auto r = s.register_party(admin, key(), {{"kind", "enterprise"}, {"name", city + "演示" + kEnt[rng() % 10] + "有限公司（演示" + std::to_string(i) + "）"},
                                             {"uscc", uscc("9133", 500 + i)}, {"division_code", pref}, {"legal_rep", "代表" + std::to_string(i)},
                                             {"controller", i % 7 == 0 ? "演示集团" + std::to_string(i % 3) : ""}, {"shareholders", J::array()},
                                             {"qualifications", J::array({"科技型中小企业"})}, {"demo", true}});
    if (!r.ok()) return seed_error("enterprise", r.error());
    ents.push_back({(*r)["id"], pref, pi});
  }
  for (int y : {this_year - 1, this_year}) {
    clk.set(core::parse_utc(std::to_string(y) + (y == this_year ? "-01-01T02:00:00Z" : "-12-01T02:00:00Z")).value());
    for (auto& e : ents) SEED_TRY("grant", s.grant(admin, key(), e.id, issuer_of[e.pi], y));
  }

  // A year of orders. Each walks the whole workflow on its own date.
  auto run_order = [&](const Ent& e, const Prov& pv, size_t svc, int64_t amount, const std::string& date, int outcome,
                       const P& ent_user, const P& prov_owner, const std::string& title) -> Result<std::string> {
    clk.set(core::parse_utc(date + "T02:00:00Z").value());
    const auto& [sid, cp] = pv.services[svc];
    auto d = s.post_demand(ent_user, key(), {{"enterprise_id", e.id}, {"title", title}, {"description", "演示需求 demo"},
                                             {"category", cp.first}, {"budget_fen", amount}});
    if (!d.ok()) return d.error();
    auto q = s.submit_quote(prov_owner, key(), (*d)["id"], {{"provider_id", pv.id}, {"service_id", sid}, {"amount_fen", amount}, {"note", "demo"}});
    if (!q.ok()) return q.error();
    auto c = s.award(ent_user, key(), (*q)["id"]);
    if (!c.ok()) return c.error();
    std::string cid = (*c)["id"];
    auto sg = s.sign(ent_user, key(), cid, std::nullopt);
    if (!sg.ok()) return cid;  // over a cap or budget: stays a draft, as in real life
    if (outcome == 0) return cid;  // still in service
    clk.advance(std::chrono::hours(24 * 10));
    auto dl = s.deliver(prov_owner, key(), cid, J::array({{{"filename", "report.txt"}, {"content_base64", "ZGVtbyByZXBvcnQ="}}}));
    if (!dl.ok()) return dl.error();
    if (outcome == 1) return cid;
    clk.advance(std::chrono::hours(24 * 3));
    auto ac = s.accept(ent_user, key(), cid, "DEMO-INV-" + cid.substr(cid.size() - 12));
    if (!ac.ok()) return ac.error();
    if (outcome == 2) return cid;
    clk.advance(std::chrono::hours(24 * 4));
    auto rv = s.review(admin, key(), cid, outcome != 3, std::nullopt, "demo review");
    if (!rv.ok() && rv.error().code != "vouchers.open_flags") return rv.error();
    return cid;
  };
  const std::string start = std::to_string(this_year - 1) + "-12-01";
  for (int i = 0; i < o.orders; ++i) {
    const Ent& e = ents[1 + rng() % (ents.size() - 1)];
    const Prov& pv = providers[1 + rng() % (providers.size() - 1)];
    size_t svc = rng() % pv.services.size();
    int64_t list = pv.services[svc].second.second;
    int64_t amount = list / 100 * static_cast<int64_t>(90 + rng() % 21);  // within ±10% of the list price
    std::string date = add_days(start, static_cast<int>(rng() % 355));
    if (date >= today) date = add_days(today, -1);
    // Recent orders are still in service; older ones went through review (1 in 10 rejected).
    int outcome = date > add_days(today, -20) ? 0 : date > add_days(today, -40) ? static_cast<int>(rng() % 3) : (rng() % 10 == 0 ? 3 : 4);
    auto r = run_order(e, pv, svc, amount, date, outcome, admin, admin, std::string("演示订单 demo order ") + std::to_string(i));
    if (!r.ok()) return seed_error("order " + std::to_string(i), r.error());
    ++out.contracts;
  }
  // Monthly settlement for every issuer and month before the current one.
  for (std::string m = start.substr(0, 7); m < today.substr(0, 7); m = add_days(m + "-01", 32).substr(0, 7)) {
    clk.set(core::parse_utc(add_days(m + "-01", 40) + "T02:00:00Z").value());
    for (const char* is : {"SH", "JS", "JS-SZ", "ZJ", "AH", "DZ"}) {
      auto r = s.settle(admin, key(), is, m);
      if (!r.ok() && r.error().code != "vouchers.nothing_to_settle") return seed_error("settle", r.error());
    }
  }

  // The elevator case, signed by the demo logins: 450,000 yuan, vouchers pay 300,000.
  {
    P ent_user = as_user(o.enterprise_user_id, auth::Role::enterprise, "320500");
    P lab_owner = o.provider_user_id.empty() ? admin : prov_user;
    Prov& pv = providers[0];
    pv.services.insert(pv.services.begin(), {"", {"rd", 45'000'000}});
    auto sv = s.add_service(lab_owner, key(), {{"provider_id", pv.id}, {"kind", "service"}, {"name", "电梯曳引系统联合研发 Elevator traction system joint R&D"},
                                               {"description", "高速电梯曳引机与控制系统研发（演示）demo"}, {"category", "rd"}, {"price_fen", 45'000'000}});
    if (!sv.ok()) return seed_error("elevator service", sv.error());
    pv.services[0].first = (*sv)["id"];
    auto cid = run_order(ents[0], pv, 0, 45'000'000, add_days(today, -20), 4, o.enterprise_user_id.empty() ? admin : ent_user, lab_owner,
                         "电梯曳引系统联合研发 Elevator traction R&D (450,000 yuan)");
    if (!cid.ok()) return seed_error("elevator contract", cid.error());
    out.elevator_contract_id = *cid;
  }
  return out;
#undef SEED_TRY
}

}  // namespace riverlink::vouchers
