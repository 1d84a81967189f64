// Demo data for vouchers (labelled demo; every value is an unverified demo parameter).
//
// The elevator case (vouchers.md §7): a Suzhou (320500) elevator manufacturer signs a
// 450,000-yuan R&D contract with a Shanghai provider and vouchers pay 300,000 of it. The demo
// Jiangsu policy makes that hold with a 7,000 bp ratio (Jiangsu 60% + Suzhou co-issuer 40% of
// the voucher, i.e. 42% + 28% of the contract) and a 300,000-yuan per-contract cap:
// floor(45,000,000 fen × 7000 / 10000) = 31,500,000 fen, capped to 30,000,000 fen;
// split 18,000,000 (JS) + 12,000,000 (JS-SZ); co-pay 15,000,000 fen.
#include <cstring>
#include <random>

#include <algorithm>
#include <map>
#include <set>

#include "core/divisions.hpp"
#include "core/hash.hpp"
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
  // Publicity windows: only Shanghai's practice of publicising redemption lists is documented
  // (vouchers.md §5.2, S5), so the SH demo policy has 7 days and the others none.
  auto pol = [&](const char* issuer, int ratio, int64_t contract_cap_y, int64_t ent_cap_y, int64_t grp_cap_y, const char* mode,
                 J funding, J cats, int64_t budget_y) {
    const int publicity = std::string(issuer) == "SH" ? 7 : 0;
    return J{{"issuer_code", issuer}, {"doc_ref", std::string("DEMO-") + issuer + "-1"}, {"label", kDemoLabel},
             {"effective_from", std::to_string(this_year - 1) + "-01-01"}, {"effective_to", std::to_string(this_year + 1) + "-12-31"},
             {"params", {{"ratio_bp", ratio}, {"per_contract_cap_fen", contract_cap_y * 100}, {"enterprise_annual_cap_fen", ent_cap_y * 100},
                         {"group_annual_cap_fen", grp_cap_y * 100}, {"categories", cats}, {"recognised_provider_divisions", all_prov},
                         {"payee_mode", mode}, {"validity_days", 366}, {"annual_budget_fen", budget_y * 100}, {"funding", funding},
                         {"related_party_forbidden", true}, {"duplicate_subsidy_forbidden", true}, {"price_deviation_bp", 5000},
                         {"publicity_days", publicity}, {"settlement_cycle", "monthly"}}}};
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

  // Catalogue, enterprises and grants in bulk: one audited command, a few ledger batches.
  std::mt19937_64 rng(o.seed);
  auto pick = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)); };
  const auto& dv = core::Divisions::yrd();
  std::vector<std::vector<std::string>> prefectures(4);
  const char* provs[] = {"310000", "320000", "330000", "340000"};
  const char* issuer_of[] = {"SH", "JS", "ZJ", "AH"};
  for (int i = 0; i < 4; ++i) for (const auto* d : dv.children(provs[i])) prefectures[i].push_back(d->code);
  auto uscc = [&](const char* prefix, int i) {
    char b[40];
    std::snprintf(b, sizeof b, "%s%0*d", prefix, static_cast<int>(18 - std::strlen(prefix)), i);
    return std::string(b).substr(0, 18);
  };
  auto pref_in = [&](int pi) { return prefectures[pi].empty() ? std::string(provs[pi]) : prefectures[pi][rng() % prefectures[pi].size()]; };
  struct Svc { std::string id, cat, name; int64_t price; };
  struct Party { std::string id, kind, name, uscc, div, user_id, legal_rep, controller; int pi; std::vector<Svc> services; };
  std::vector<Party> providers, ents;
  providers.push_back({ids.next(), "provider", "上海演示电梯技术研究院（演示）Demo Shanghai Elevator R&D Institute", uscc("91310112", 1), "310112",
                       o.provider_user_id, "王演示", "上海演示控股", 0, {}});
  for (int i = 0; i < o.providers; ++i) {
    int pi = static_cast<int>(rng() % 4);
    std::string pref = pref_in(pi);
    std::string city = dv.find(pref) ? dv.find(pref)->name_zh : "";
    providers.push_back({ids.next(), "provider", city + kOrg[rng() % 10] + "（演示" + std::to_string(i) + "）", uscc("12", 100 + i), pref, "",
                         "法人" + std::to_string(i), "", pi, {}});
  }
  for (auto& pv : providers) {
    int ns = 1 + static_cast<int>(rng() % 2);
    for (int k = 0; k < ns; ++k) {
      const Cat& c = kCats[rng() % 6];
      bool instr = std::string(c.code) == "instrument";
      pv.services.push_back({ids.next(), c.code, instr ? std::string(kInstr[rng() % 10]) + " 机时" : std::string(c.zh) + " · " + c.en,
                             pick(c.lo_yuan, c.hi_yuan) * 100});
    }
  }
  // The elevator case's service first in the lab's list.
  providers[0].services.insert(providers[0].services.begin(),
                               {ids.next(), "rd", "电梯曳引系统联合研发 Elevator traction system joint R&D", 45'000'000});
  ents.push_back({ids.next(), "enterprise", "苏州演示电梯制造有限公司（演示）Demo Suzhou Elevator Co.", uscc("91320506", 2), "320506",
                  o.enterprise_user_id, "李演示", "苏州演示集团", 1, {}});
  for (int i = 0; i < o.enterprises; ++i) {
    int pi = static_cast<int>(rng() % 4);
    std::string pref = pref_in(pi);
    std::string city = dv.find(pref) ? dv.find(pref)->name_zh : "";
    ents.push_back({ids.next(), "enterprise", city + "演示" + kEnt[rng() % 10] + "有限公司（演示" + std::to_string(i) + "）", uscc("9133", 500 + i),
                    pref, "", "代表" + std::to_string(i), i % 7 == 0 ? "演示集团" + std::to_string(i % 3) : "", pi, {}});
  }
  // Policies by issuer (to compute grants and vouchers exactly as the service does).
  std::map<std::string, Policy> pol_of;
  {
    auto ps = s.list_policies(std::nullopt);
    if (!ps.ok()) return seed_error("policies", ps.error());
    for (auto& p : (*ps)["items"]) {
      Policy x;
      x.id = p["id"];
      x.issuer_code = p["issuer_code"];
      x.effective_to = p["effective_to"];
      x.params = parse_params(p["params"]).value();
      pol_of[x.issuer_code] = x;
    }
  }
  std::map<std::string, std::string> issuer_div = {{"SH", "310000"}, {"JS", "320000"}, {"ZJ", "330000"}, {"AH", "340000"}, {"DZ", ""}, {"JS-SZ", "320500"}};
  auto acct = [](const std::string& name, uint32_t led, uint16_t code, uint16_t flags, const std::string& owner, const std::string& div) {
    ledger::Account a;
    a.id = derive_id("acct:" + name);
    a.ledger = led;
    a.code = code;
    a.flags = flags;
    a.owner = owner.substr(0, 128);
    a.division_code = core::Divisions::yrd().find(div) ? div : "";
    return a;
  };
  namespace af = ledger::account_flags;
  namespace tf = ledger::transfer_flags;
  auto xf = [](const std::string& id, const ledger::Account& dr, const ledger::Account& cr, int64_t amt, uint16_t code, uint16_t flags,
               const std::string& obj) {
    ledger::Transfer t;
    t.id = derive_id(id);
    t.debit_account_id = dr.id;
    t.credit_account_id = cr.id;
    t.amount = amt;
    t.ledger = dr.ledger;
    t.code = code;
    t.flags = flags;
    t.user_data_128 = derive_id("obj:" + obj);
    return t;
  };
  auto Ys = [](int y) { return std::to_string(y); };
  auto ent_q = [&](const std::string& e, const std::string& j, int y, const std::string& d) {
    return acct("ENT_QUOTA:" + e + ":" + j + ":" + Ys(y), ledger::kLedgerQuota, codes::ent_quota, af::debits_must_not_exceed_credits, "enterprise:" + e, d);
  };
  auto ent_u = [&](const std::string& e, const std::string& j, int y, const std::string& d) {
    return acct("ENT_USED:" + e + ":" + j + ":" + Ys(y), ledger::kLedgerQuota, codes::ent_used, 0, "enterprise:" + e, d);
  };
  auto gkey = [](const std::string& c) { return core::sha256_hex(c).substr(0, 16); };
  auto grp_q = [&](const std::string& g, const std::string& j, int y) {
    return acct("GRP_QUOTA:" + g + ":" + j + ":" + Ys(y), ledger::kLedgerQuota, codes::grp_quota, af::debits_must_not_exceed_credits, "group:" + g, issuer_div[j]);
  };
  auto grp_u = [&](const std::string& g, const std::string& j, int y) {
    return acct("GRP_USED:" + g + ":" + j + ":" + Ys(y), ledger::kLedgerQuota, codes::grp_used, 0, "group:" + g, issuer_div[j]);
  };
  auto qsrc = [&](const std::string& j, int y) {
    return acct("QUOTA_SRC:" + j + ":" + Ys(y), ledger::kLedgerQuota, codes::quota_src, 0, "issuer:" + j, issuer_div[j]);
  };
  auto bud = [&](const std::string& j, int y) {
    return acct("BUDGET_AVAIL:" + j + ":" + Ys(y), ledger::kLedgerCny, codes::budget_avail, af::debits_must_not_exceed_credits, "issuer:" + j, issuer_div[j]);
  };
  auto pay = [&](const std::string& j, int y, const std::string& payee) {
    return acct("PAYABLE:" + j + ":" + Ys(y) + ":" + payee, ledger::kLedgerCny, codes::payable, 0, "party:" + payee, issuer_div[j]);
  };
  auto disb = [&](const std::string& j, int y) {
    return acct("DISBURSED:" + j + ":" + Ys(y), ledger::kLedgerCny, codes::disbursed, 0, "issuer:" + j, issuer_div[j]);
  };
  auto submit = [&](std::vector<ledger::Account> as) -> Status {
    for (size_t at = 0; at < as.size(); at += 4000) {
      std::span<const ledger::Account> part(as.data() + at, std::min<size_t>(4000, as.size() - at));
      auto r = ledger.create_accounts(part, admin.actor());
      if (!r.ok()) return r.error();
      for (auto x : r->results) if (!ledger::succeeded(x)) return ledger::to_error(x);
    }
    return ok_status();
  };
  // Submits transfers in groups that never split a linked chain; returns one result per event.
  auto submit_groups = [&](const std::vector<std::vector<ledger::Transfer>>& groups) -> Result<std::vector<std::vector<ledger::CreateTransferResult>>> {
    std::vector<std::vector<ledger::CreateTransferResult>> out;
    std::vector<ledger::Transfer> batch;
    std::vector<size_t> sizes;
    auto flush = [&]() -> Status {
      if (batch.empty()) return ok_status();
      auto r = ledger.create_transfers(batch, admin.actor());
      if (!r.ok()) return r.error();
      size_t k = 0;
      for (size_t n : sizes) {
        std::vector<ledger::CreateTransferResult> g;
        for (size_t i = 0; i < n; ++i) g.push_back(r->results[k++].result);
        out.push_back(std::move(g));
      }
      batch.clear();
      sizes.clear();
      return ok_status();
    };
    for (const auto& g : groups) {
      if (batch.size() + g.size() > 4000) { auto f = flush(); if (!f.ok()) return f.error(); }
      batch.insert(batch.end(), g.begin(), g.end());
      sizes.push_back(g.size());
    }
    auto f = flush();
    if (!f.ok()) return f.error();
    return out;
  };

  // Grants (R2) for last year and this year.
  struct Grant { std::string id, ent, issuer, policy, from, to; int year; int64_t quota; };
  std::vector<Grant> grants;
  {
    std::vector<ledger::Account> as;
    std::vector<std::vector<ledger::Transfer>> ts;
    std::set<std::string> grp_done;
    for (int y : {this_year - 1, this_year}) {
      for (const auto& e : ents) {
        std::string is = issuer_of[e.pi];
        const auto& pp = pol_of[is].params;
        std::string from = Ys(y) + "-01-01";
        std::string to = std::min(add_days(from, static_cast<int>(pp.validity_days) - 1), pol_of[is].effective_to);
        grants.push_back({ids.next(), e.id, is, pol_of[is].id, from, to, y, pp.enterprise_annual_cap_fen});
        as.push_back(qsrc(is, y));
        as.push_back(ent_q(e.id, is, y, e.div));
        as.push_back(ent_u(e.id, is, y, e.div));
        ts.push_back({xf("R2:" + e.id + ":" + is + ":" + Ys(y), qsrc(is, y), ent_q(e.id, is, y, e.div), pp.enterprise_annual_cap_fen, codes::grant, 0, e.id)});
        if (!e.controller.empty() && pp.group_annual_cap_fen > 0) {
          std::string g = gkey(e.controller);
          as.push_back(grp_q(g, is, y));
          as.push_back(grp_u(g, is, y));
          if (grp_done.insert(g + is + Ys(y)).second) {
            ts.push_back({xf("R2G:" + g + ":" + is + ":" + Ys(y), qsrc(is, y), grp_q(g, is, y), pp.group_annual_cap_fen, codes::grant, 0, g)});
          }
        }
      }
    }
    if (auto st = submit(as); !st.ok()) return seed_error("grant accounts", st.error());
    auto r = submit_groups(ts);
    if (!r.ok()) return seed_error("grants", r.error());
    for (auto& g : *r) if (!ledger::succeeded(g[0])) return seed_error("grants", ledger::to_error(g[0]));
  }

  // A year of orders: computed with the same rules, held, posted or voided, and paid in bulk.
  struct Order {
    std::string demand, quote, contract, title, cat, issuer, payee, payee_div, state, date, invoice, svc;
    const Party* e; const Party* pv;
    int64_t amount, list, v, copay; int year; int outcome;
    std::vector<Share> split;
    std::vector<ledger::Id128> hold, resolve;
  };
  std::vector<Order> orders;
  const std::string start = Ys(this_year - 1) + "-12-01";
  for (int i = 0; i < o.orders; ++i) {
    const Party& e = ents[1 + rng() % (ents.size() - 1)];
    const Party& pv = providers[1 + rng() % (providers.size() - 1)];
    const Svc& sv = pv.services[rng() % pv.services.size()];
    Order od{};
    od.e = &e;
    od.pv = &pv;
    od.list = sv.price;
    od.amount = sv.price / 100 * static_cast<int64_t>(90 + rng() % 21);
    od.date = add_days(start, static_cast<int>(rng() % 355));
    if (od.date >= today) od.date = add_days(today, -1);
    od.outcome = od.date > add_days(today, -20) ? 0 : od.date > add_days(today, -40) ? static_cast<int>(rng() % 3) : (rng() % 10 == 0 ? 3 : 4);
    od.issuer = issuer_of[e.pi];
    od.cat = sv.cat;
    od.svc = sv.id;
    od.year = std::stoi(od.date.substr(0, 4));
    const auto& pp = pol_of[od.issuer].params;
    auto calc = compute_voucher(pp, od.cat, od.amount);
    if (!calc || calc->max_voucher_fen <= 0) continue;  // e.g. a category the home issuer does not fund
    od.v = calc->max_voucher_fen;
    od.copay = calc->copay_fen;
    od.split = calc->split;
    bool to_provider = pp.payee_mode == PayeeMode::provider_redeems;
    od.payee = to_provider ? pv.id : e.id;
    od.payee_div = to_provider ? pv.div : e.div;
    od.demand = ids.next();
    od.quote = ids.next();
    od.contract = ids.next();
    od.title = std::string("演示订单 demo order ") + std::to_string(i);
    orders.push_back(std::move(od));
  }
  std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) { return a.date < b.date; });
  {
    std::vector<ledger::Account> as;
    std::vector<std::vector<ledger::Transfer>> holds;
    for (auto& od : orders) {
      const std::string c = od.contract, dg = command_digest(admin.actor(), "demo-history:" + c);
      auto allow = acct("CONTRACT_ALLOW:" + c, ledger::kLedgerQuota, codes::contract_allow, af::debits_must_not_exceed_credits, "contract:" + c, od.e->div);
      auto used = acct("CONTRACT_USED:" + c, ledger::kLedgerQuota, codes::contract_used, 0, "contract:" + c, od.e->div);
      as.push_back(allow);
      as.push_back(used);
      for (auto& sh : od.split) as.push_back(pay(sh.issuer, od.year, od.payee));
      std::vector<ledger::Transfer> g;
      g.push_back(xf("R3:" + c + ":" + std::to_string(od.v), qsrc(od.issuer, od.year), allow, od.v, codes::registration, tf::linked, c));
      auto leg = [&](const ledger::Account& dr, const ledger::Account& cr, int64_t amt) {
        g.push_back(xf("hold:" + c + ":" + dg + ":" + std::to_string(g.size() - 1), dr, cr, amt, codes::hold, tf::pending | tf::linked, c));
      };
      leg(ent_q(od.e->id, od.issuer, od.year, od.e->div), ent_u(od.e->id, od.issuer, od.year, od.e->div), od.v);
      if (!od.e->controller.empty() && pol_of[od.issuer].params.group_annual_cap_fen > 0) {
        leg(grp_q(gkey(od.e->controller), od.issuer, od.year), grp_u(gkey(od.e->controller), od.issuer, od.year), od.v);
      }
      leg(allow, used, od.v);
      for (auto& sh : od.split) if (sh.amount_fen > 0) leg(bud(sh.issuer, od.year), pay(sh.issuer, od.year, od.payee), sh.amount_fen);
      g.back().flags &= static_cast<uint16_t>(~tf::linked);
      holds.push_back(std::move(g));
    }
    if (auto st = submit(as); !st.ok()) return seed_error("order accounts", st.error());
    auto hr = submit_groups(holds);
    if (!hr.ok()) return seed_error("holds", hr.error());
    std::vector<std::vector<ledger::Transfer>> resolves;
    std::vector<Order*> resolving;
    for (size_t i = 0; i < orders.size(); ++i) {
      auto& od = orders[i];
      bool ok = true;
      for (auto x : (*hr)[i]) ok = ok && ledger::succeeded(x);
      if (!ok) {  // over a cap or the budget: the contract stays a draft, as in real life
        od.state = "draft";
        continue;
      }
      for (size_t k = 1; k < holds[i].size(); ++k) od.hold.push_back(holds[i][k].id);
      od.state = od.outcome == 0 ? "held" : od.outcome == 1 ? "delivered" : od.outcome == 2 ? "accepted" : od.outcome == 3 ? "rejected" : "approved";
      if (od.outcome < 3) continue;
      const std::string dg = command_digest(admin.actor(), "demo-review:" + od.contract);
      bool post = od.outcome == 4;
      size_t n_quota = od.hold.size() - static_cast<size_t>(std::count_if(od.split.begin(), od.split.end(), [](auto& s) { return s.amount_fen > 0; }));
      std::vector<Share> nz;
      for (auto& s : od.split) if (s.amount_fen > 0) nz.push_back(s);
      std::vector<ledger::Transfer> g;
      for (size_t k = 0; k < od.hold.size(); ++k) {
        ledger::Transfer t;
        t.id = derive_id((post ? "post:" : "void:") + od.contract + ":" + dg + ":" + std::to_string(k));
        t.pending_id = od.hold[k];
        t.flags = static_cast<uint16_t>((post ? tf::post_pending_transfer : tf::void_pending_transfer) | tf::linked);
        t.amount = post ? (k < n_quota ? od.v : nz[k - n_quota].amount_fen) : 0;
        g.push_back(t);
        od.resolve.push_back(t.id);
      }
      g.back().flags &= static_cast<uint16_t>(~tf::linked);
      resolves.push_back(std::move(g));
      resolving.push_back(&od);
    }
    auto rr = submit_groups(resolves);
    if (!rr.ok()) return seed_error("reviews", rr.error());
    for (size_t i = 0; i < rr->size(); ++i) {
      for (auto x : (*rr)[i]) if (!ledger::succeeded(x)) return seed_error("reviews", ledger::to_error(x));
    }
  }
  // Obligations of approved orders; those approved before this month are settled monthly.
  struct Obl { std::string id, contract, funder, payee, payee_div, period, batch; int64_t amount; int year; ledger::Id128 tid; };
  std::vector<Obl> obls;
  std::map<std::pair<std::string, std::string>, std::string> batch_of;  // (funder, period) → batch id
  for (auto& od : orders) {
    if (od.state != "approved") continue;
    std::string approved_on = add_days(od.date, 17);
    std::string period = approved_on.substr(0, 7);
    bool settled = period < today.substr(0, 7);
    for (auto& sh : od.split) {
      if (sh.amount_fen == 0) continue;
      Obl ob{ids.next(), od.contract, sh.issuer, od.payee, od.payee_div, period, "", sh.amount_fen, od.year, {}};
      if (settled) {
        auto key = std::pair{sh.issuer, period};
        if (!batch_of.count(key)) batch_of[key] = ids.next();
        ob.batch = batch_of[key];
        ob.tid = derive_id("pay:" + ob.id);
      }
      obls.push_back(ob);
    }
    if (settled) od.state = "settled";
  }
  {
    std::vector<std::vector<ledger::Transfer>> pays;
    for (auto& ob : obls) {
      if (ob.batch.empty()) continue;
      pays.push_back({xf("pay:" + ob.id, pay(ob.funder, ob.year, ob.payee), disb(ob.funder, ob.year), ob.amount, codes::pay, 0, ob.id)});
    }
    auto pr = submit_groups(pays);
    if (!pr.ok()) return seed_error("payouts", pr.error());
    for (auto& g : *pr) if (!ledger::succeeded(g[0])) return seed_error("payouts", ledger::to_error(g[0]));
  }
  // All workflow rows in one audited command.
  auto ids_json = [](const std::vector<ledger::Id128>& v) {
    J a = J::array();
    for (auto& i : v) a.push_back(i.str());
    return a.dump();
  };
  auto wrote = commands.run({admin.actor(), "demo-seed:vouchers:bulk"}, "vouchers", "demo.seed_bulk",
                            J{{"providers", providers.size()}, {"enterprises", ents.size()}, {"orders", orders.size()}, {"seed", o.seed}},
                            [&](store::Tx& tx) -> Result<J> {
    const std::string now_s = core::format_utc(now.now());
    for (const auto* list : {&providers, &ents}) {
      for (const auto& p : *list) {
        tx.exec("INSERT INTO vch_parties (id, kind, name, uscc, division_code, user_id, legal_rep, controller, shareholders, qualifications, demo, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                {p.id, p.kind, p.name, p.uscc, p.div, p.user_id.empty() ? std::optional<std::string>() : std::optional(p.user_id), p.legal_rep,
                 p.controller, (p.controller.empty() ? J::array() : J::array({p.controller})).dump(),
                 (p.kind == "provider" ? J::array({"CMA"}) : J::array({"科技型中小企业"})).dump(), 1, now_s});
        if (p.kind != "provider") continue;
        for (const char* is : {"SH", "JS", "ZJ", "AH", "DZ"}) {
          tx.exec("INSERT INTO vch_recognitions (provider_id, issuer_code, state) VALUES (?,?,?)", {p.id, is, "active"});
        }
        for (const auto& sv : p.services) {
          const Cat* c = &kCats[0];
          for (const auto& k : kCats) if (sv.cat == k.code) c = &k;
          tx.exec("INSERT INTO vch_services (id, provider_id, provider_name, kind, name, description, category, price_fen, division_code, available, created_at) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  {sv.id, p.id, p.name, sv.cat == "instrument" ? "instrument" : "service", sv.name,
                   std::string(c->zh) + "（演示数据 demo）" + p.name, sv.cat, sv.price, p.div, 1, now_s});
        }
      }
    }
    for (const auto& g : grants) {
      tx.exec("INSERT INTO vch_grants (id, enterprise_id, issuer_code, year, policy_id, quota_fen, valid_from, valid_to, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
              {g.id, g.ent, g.issuer, g.year, g.policy, g.quota, g.from, g.to, now_s});
    }
    for (const auto& od : orders) {
      tx.exec("INSERT INTO vch_demands (id, enterprise_id, title, description, category, budget_fen, state, created_at) VALUES (?,?,?,?,?,?,?,?)",
              {od.demand, od.e->id, od.title, "演示需求 demo", od.cat, od.amount, "awarded", od.date + "T02:00:00Z"});
      tx.exec("INSERT INTO vch_quotes (id, demand_id, provider_id, service_id, amount_fen, note, state, created_at) VALUES (?,?,?,?,?,?,?,?)",
              {od.quote, od.demand, od.pv->id, od.svc, od.amount, "demo", "accepted", od.date + "T02:00:00Z"});
      J funding = J::array();
      const auto& pp = pol_of[od.issuer].params;
      for (auto& sh : od.split) {
        uint32_t bp = 0;
        for (auto& f : pp.funding) if (f.issuer == sh.issuer) bp = f.share_bp;
        funding.push_back({{"issuer", sh.issuer}, {"share_bp", bp}, {"amount_fen", sh.amount_fen}});
      }
      bool signed_ = od.state != "draft";
      bool accepted = od.state == "accepted" || od.state == "approved" || od.state == "settled" || od.state == "rejected";
      bool post = od.state == "approved" || od.state == "settled";
      std::string inv = "DEMO-INV-" + od.contract.substr(od.contract.size() - 12);
      tx.exec("INSERT INTO vch_contracts (id, demand_id, quote_id, enterprise_id, provider_id, service_id, title, category, issuer_code, "
              "enterprise_division, provider_division, amount_fen, catalogue_price_fen, policy_id, voucher_fen, copay_fen, approved_fen, payee_mode, "
              "funding, state, signed_on, fiscal_year, hold_key, hold_ids, resolve_ids, resolve_key, invoice_no, accepted_on, approved_on, demo, created_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
              {od.contract, od.demand, od.quote, od.e->id, od.pv->id, od.svc, od.title, od.cat, od.issuer, od.e->div, od.pv->div, od.amount, od.list,
               signed_ ? std::optional(pol_of[od.issuer].id) : std::nullopt, signed_ ? od.v : 0, signed_ ? od.copay : od.amount, post ? od.v : 0,
               signed_ ? std::string(payee_mode_name(pp.payee_mode)) : std::string(), signed_ ? funding.dump() : "[]", od.state,
               signed_ ? std::optional(od.date) : std::nullopt, signed_ ? std::optional<int64_t>(od.year) : std::nullopt,
               signed_ ? std::optional(command_digest(admin.actor(), "demo-history:" + od.contract)) : std::nullopt, ids_json(od.hold),
               ids_json(od.resolve), od.resolve.empty() ? std::nullopt : std::optional(command_digest(admin.actor(), "demo-review:" + od.contract)),
               accepted ? std::optional(inv) : std::nullopt, accepted ? std::optional(add_days(od.date, 13)) : std::nullopt,
               post ? std::optional(add_days(od.date, 17)) : std::nullopt, 1, od.date + "T02:00:00Z"});
      if (od.state != "draft" && od.state != "held") {
        tx.exec("INSERT INTO vch_evidence (id, contract_id, filename, sha256, size_bytes, content, created_at) VALUES (?,?,?,?,?,?,?)",
                {ids.next(), od.contract, "report.txt", core::sha256_hex("demo report"), 11, "ZGVtbyByZXBvcnQ=", od.date + "T02:00:00Z"});
      }
      if (accepted) {
        tx.exec("INSERT INTO vch_invoices (invoice_no, contract_id, issuer_code) VALUES (?,?,?)", {inv, od.contract, od.issuer});
        tx.exec("INSERT INTO vch_redemptions (contract_id, invoice_no, requested_by, created_at) VALUES (?,?,?,?)",
                {od.contract, inv, admin.actor(), od.date + "T02:00:00Z"});
      }
    }
    std::map<std::string, std::pair<std::string, int64_t>> batch_csv;  // batch → (csv, total)
    for (const auto& ob : obls) {
      tx.exec("INSERT INTO vch_obligations (id, contract_id, funder_code, payee_id, payee_division, amount_fen, period, fiscal_year, batch_id, transfer_id) "
              "VALUES (?,?,?,?,?,?,?,?,?,?)",
              {ob.id, ob.contract, ob.funder, ob.payee, ob.payee_div, ob.amount, ob.period, ob.year,
               ob.batch.empty() ? std::nullopt : std::optional(ob.batch), ob.batch.empty() ? std::nullopt : std::optional(ob.tid.str())});
      if (!ob.batch.empty()) {
        auto& b = batch_csv[ob.batch];
        b.first += ob.id + "," + ob.contract + "," + ob.funder + "," + ob.payee + "," + ob.payee_div + "," + std::to_string(ob.amount) + "," +
                   core::Fen(ob.amount).to_yuan_string() + "," + ob.tid.str() + "\n";
        b.second += ob.amount;
      }
    }
    for (const auto& [key, bid] : batch_of) {
      const auto& b = batch_csv[bid];
      auto n = std::count(b.first.begin(), b.first.end(), '\n');
      tx.exec("INSERT INTO vch_batches (id, issuer_code, period, total_fen, obligations, manifest_sha256, created_at) VALUES (?,?,?,?,?,?,?)",
              {bid, key.first, key.second, b.second, static_cast<int64_t>(n),
               core::sha256_hex("obligation_id,contract_id,funder,payee_id,payee_division,amount_fen,amount_yuan,transfer_id\n" + b.first),
               add_days(key.second + "-01", 40) + "T02:00:00Z"});
    }
    return J{{"orders", orders.size()}};
  });
  if (!wrote.ok()) return seed_error("bulk rows", wrote.error());
  out.providers = static_cast<int>(providers.size());
  for (auto& p : providers) out.services += static_cast<int>(p.services.size());
  out.contracts = static_cast<int>(orders.size());

  // The elevator case, through the service as the demo logins would do it:
  // 450,000 yuan, vouchers pay 300,000.
  {
    P ent_user = as_user(o.enterprise_user_id, auth::Role::enterprise, "320500");
    P lab_user = as_user(o.provider_user_id, auth::Role::provider, "310000");
    P e_act = o.enterprise_user_id.empty() ? admin : ent_user, p_act = o.provider_user_id.empty() ? admin : lab_user;
    const std::string cid_date = add_days(today, -20);
    clk.set(core::parse_utc(cid_date + "T02:00:00Z").value());
    auto d = s.post_demand(e_act, key(), {{"enterprise_id", ents[0].id}, {"title", "电梯曳引系统联合研发 Elevator traction R&D (450,000 yuan)"},
                                          {"description", "高速电梯曳引机与控制系统（演示）demo"}, {"category", "rd"}, {"budget_fen", 45'000'000}});
    if (!d.ok()) return seed_error("elevator demand", d.error());
    auto q = s.submit_quote(p_act, key(), (*d)["id"], {{"provider_id", providers[0].id}, {"service_id", providers[0].services[0].id},
                                                       {"amount_fen", 45'000'000}, {"note", "demo"}});
    if (!q.ok()) return seed_error("elevator quote", q.error());
    auto c = s.award(e_act, key(), (*q)["id"]);
    if (!c.ok()) return seed_error("elevator award", c.error());
    std::string cid = (*c)["id"];
    SEED_TRY("elevator sign", s.sign(e_act, key(), cid, std::nullopt));
    clk.advance(std::chrono::hours(24 * 10));
    SEED_TRY("elevator deliver", s.deliver(p_act, key(), cid, J::array({{{"filename", "traction-test-report.txt"},
                                                                         {"content_base64", "5puz5byV57O757uf6IGU5ZCI56CU5Y+R5oql5ZGKIChkZW1vKQ=="}}})));
    clk.advance(std::chrono::hours(24 * 3));
    SEED_TRY("elevator accept", s.accept(e_act, key(), cid, "DEMO-INV-ELEVATOR-450000"));
    clk.advance(std::chrono::hours(24 * 4));
    SEED_TRY("elevator review", s.review(admin, key(), cid, true, std::nullopt, "demo review: 450,000 contract, 300,000 voucher"));
    out.elevator_contract_id = cid;
  }
  return out;
#undef SEED_TRY
}

}  // namespace riverlink::vouchers
