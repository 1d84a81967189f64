#include "vouchers/model.hpp"

#include <algorithm>
#include <chrono>

#include "core/hash.hpp"

namespace riverlink::vouchers {

std::string_view payee_mode_name(PayeeMode m) {
  return m == PayeeMode::provider_redeems ? "provider_redeems" : "enterprise_reimbursed";
}

namespace {
Error bad(const std::string& field, const std::string& msg) {
  return Error::field("vouchers.bad_policy", "params." + field, msg);
}

Result<int64_t> money(const core::Json& j, const char* k, bool required = true) {
  if (!j.contains(k)) {
    if (required) return bad(k, "is required (integer fen)");
    return int64_t{0};
  }
  if (!j[k].is_number_integer() || j[k].get<int64_t>() < 0) return bad(k, "must be a non-negative integer (fen)");
  return j[k].get<int64_t>();
}

Result<uint32_t> bp(const core::Json& j, const char* k, bool required = true, uint32_t dflt = 0) {
  if (!j.contains(k)) {
    if (required) return bad(k, "is required (basis points, 10000 = 100%)");
    return dflt;
  }
  if (!j[k].is_number_integer() || j[k].get<int64_t>() < 0 || j[k].get<int64_t>() > 10000) {
    return bad(k, "must be an integer 0..10000 (basis points)");
  }
  return static_cast<uint32_t>(j[k].get<int64_t>());
}
}  // namespace

Result<PolicyParams> parse_params(const core::Json& j) {
  static const std::vector<std::string> known = {
      "ratio_bp", "per_contract_cap_fen", "enterprise_annual_cap_fen", "group_annual_cap_fen",
      "categories", "recognised_provider_divisions", "payee_mode", "validity_days",
      "annual_budget_fen", "funding", "related_party_forbidden", "duplicate_subsidy_forbidden",
      "price_deviation_bp", "publicity_days", "settlement_cycle"};
  if (!j.is_object()) return bad("", "must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) return bad(it.key(), "unknown field");
  }
  PolicyParams p;
  auto r = bp(j, "ratio_bp");
  if (!r.ok()) return r.error();
  p.ratio_bp = *r;
  for (auto [k, dst] : {std::pair{"per_contract_cap_fen", &p.per_contract_cap_fen},
                        std::pair{"enterprise_annual_cap_fen", &p.enterprise_annual_cap_fen},
                        std::pair{"annual_budget_fen", &p.annual_budget_fen}}) {
    auto m = money(j, k);
    if (!m.ok()) return m.error();
    *dst = *m;
  }
  auto g = money(j, "group_annual_cap_fen", false);
  if (!g.ok()) return g.error();
  p.group_annual_cap_fen = *g;
  if (!j.contains("categories") || !j["categories"].is_array() || j["categories"].empty()) {
    return bad("categories", "must be a non-empty array of {code, ratio_bp?, per_contract_cap_fen?}");
  }
  for (const auto& c : j["categories"]) {
    if (!c.is_object() || !c.contains("code") || !c["code"].is_string()) return bad("categories", "each needs a string code");
    CategoryRule cr{c["code"].get<std::string>(), std::nullopt, std::nullopt};
    if (c.contains("ratio_bp")) {
      auto x = bp(c, "ratio_bp");
      if (!x.ok()) return bad("categories." + cr.code + ".ratio_bp", "must be 0..10000");
      cr.ratio_bp = *x;
    }
    if (c.contains("per_contract_cap_fen")) {
      auto x = money(c, "per_contract_cap_fen");
      if (!x.ok()) return bad("categories." + cr.code + ".per_contract_cap_fen", "must be non-negative fen");
      cr.per_contract_cap_fen = *x;
    }
    p.categories.push_back(std::move(cr));
  }
  if (!j.contains("recognised_provider_divisions") || !j["recognised_provider_divisions"].is_array()) {
    return bad("recognised_provider_divisions", "must be an array of division codes");
  }
  for (const auto& d : j["recognised_provider_divisions"]) {
    if (!d.is_string()) return bad("recognised_provider_divisions", "must hold strings");
    p.recognised_provider_divisions.push_back(d.get<std::string>());
  }
  std::string mode = j.value("payee_mode", "");
  if (mode == "provider_redeems") p.payee_mode = PayeeMode::provider_redeems;
  else if (mode == "enterprise_reimbursed") p.payee_mode = PayeeMode::enterprise_reimbursed;
  else return bad("payee_mode", "must be provider_redeems (通兑) or enterprise_reimbursed (通用)");
  if (j.contains("validity_days")) {
    if (!j["validity_days"].is_number_integer() || j["validity_days"].get<int64_t>() < 1 ||
        j["validity_days"].get<int64_t>() > 3660) {
      return bad("validity_days", "must be an integer 1..3660");
    }
    p.validity_days = j["validity_days"].get<uint32_t>();
  }
  if (!j.contains("funding") || !j["funding"].is_array() || j["funding"].empty()) {
    return bad("funding", "must be a non-empty array of {issuer, share_bp}");
  }
  uint32_t sum = 0;
  for (const auto& f : j["funding"]) {
    if (!f.is_object() || !f.contains("issuer") || !f["issuer"].is_string()) return bad("funding", "each needs an issuer");
    auto s = bp(f, "share_bp");
    if (!s.ok() || *s == 0) return bad("funding", "share_bp must be 1..10000");
    sum += *s;
    p.funding.push_back({f["issuer"].get<std::string>(), *s});
  }
  if (sum != 10000) return bad("funding", "shares must add up to 10000 bp");
  for (auto [k, dst] : {std::pair{"related_party_forbidden", &p.related_party_forbidden},
                        std::pair{"duplicate_subsidy_forbidden", &p.duplicate_subsidy_forbidden}}) {
    if (j.contains(k)) {
      if (!j[k].is_boolean()) return bad(k, "must be a boolean");
      *dst = j[k].get<bool>();
    }
  }
  auto pd = bp(j, "price_deviation_bp", false, 5000);
  if (!pd.ok()) return pd.error();
  p.price_deviation_bp = *pd;
  if (j.contains("publicity_days")) {
    if (!j["publicity_days"].is_number_integer() || j["publicity_days"].get<int64_t>() < 0) return bad("publicity_days", "must be >= 0");
    p.publicity_days = j["publicity_days"].get<uint32_t>();
  }
  if (j.contains("settlement_cycle")) {
    std::string c = j["settlement_cycle"].is_string() ? j["settlement_cycle"].get<std::string>() : "";
    if (c != "weekly" && c != "monthly" && c != "quarterly" && c != "annual") {
      return bad("settlement_cycle", "must be weekly, monthly, quarterly or annual");
    }
    p.settlement_cycle = c;
  }
  return p;
}

core::Json to_json(const PolicyParams& p) {
  core::Json cats = core::Json::array();
  for (const auto& c : p.categories) {
    core::Json o{{"code", c.code}};
    if (c.ratio_bp) o["ratio_bp"] = *c.ratio_bp;
    if (c.per_contract_cap_fen) o["per_contract_cap_fen"] = *c.per_contract_cap_fen;
    cats.push_back(o);
  }
  core::Json fund = core::Json::array();
  for (const auto& f : p.funding) fund.push_back({{"issuer", f.issuer}, {"share_bp", f.share_bp}});
  return {{"ratio_bp", p.ratio_bp},
          {"per_contract_cap_fen", p.per_contract_cap_fen},
          {"enterprise_annual_cap_fen", p.enterprise_annual_cap_fen},
          {"group_annual_cap_fen", p.group_annual_cap_fen},
          {"categories", cats},
          {"recognised_provider_divisions", p.recognised_provider_divisions},
          {"payee_mode", std::string(payee_mode_name(p.payee_mode))},
          {"validity_days", p.validity_days},
          {"annual_budget_fen", p.annual_budget_fen},
          {"funding", fund},
          {"related_party_forbidden", p.related_party_forbidden},
          {"duplicate_subsidy_forbidden", p.duplicate_subsidy_forbidden},
          {"price_deviation_bp", p.price_deviation_bp},
          {"publicity_days", p.publicity_days},
          {"settlement_cycle", p.settlement_cycle}};
}

std::vector<Share> split_funding(const std::vector<FundingShare>& f, int64_t total) {
  std::vector<Share> out;
  std::vector<std::pair<int64_t, size_t>> rem;  // remainder numerator, index
  int64_t assigned = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    auto part = core::Fen(total).muldiv_floor(f[i].share_bp, 10000);
    int64_t v = part ? part->raw() : 0;
    __int128 exact = static_cast<__int128>(total) * f[i].share_bp;
    rem.push_back({static_cast<int64_t>(exact % 10000), i});
    out.push_back({f[i].issuer, v});
    assigned += v;
  }
  // Largest remainder first; ties go to the earlier (primary) funder.
  std::stable_sort(rem.begin(), rem.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (size_t k = 0; assigned < total && k < rem.size(); ++k, ++assigned) out[rem[k].second].amount_fen += 1;
  return out;
}

std::optional<VoucherCalc> compute_voucher(const PolicyParams& p, const std::string& category,
                                           int64_t amount_fen) {
  const CategoryRule* rule = nullptr;
  for (const auto& c : p.categories) if (c.code == category) rule = &c;
  if (!rule || amount_fen <= 0) return std::nullopt;
  uint32_t ratio = rule->ratio_bp.value_or(p.ratio_bp);
  auto by = core::Fen(amount_fen).ratio_floor(ratio);
  if (!by) return std::nullopt;
  VoucherCalc c;
  c.by_ratio_fen = by->raw();
  c.max_voucher_fen = std::min(c.by_ratio_fen, p.per_contract_cap_fen);
  if (rule->per_contract_cap_fen) c.max_voucher_fen = std::min(c.max_voucher_fen, *rule->per_contract_cap_fen);
  c.copay_fen = amount_fen - c.max_voucher_fen;
  c.split = split_funding(p.funding, c.max_voucher_fen);
  return c;
}

std::map<std::string, int64_t> net_positions(
    const std::map<std::string, std::map<std::string, int64_t>>& gross) {
  std::map<std::string, int64_t> n;
  for (const auto& [payer, row] : gross) {
    for (const auto& [recv, amt] : row) {
      if (payer == recv) continue;
      n[payer] += amt;
      n[recv] -= amt;
    }
  }
  return n;
}

ledger::Id128 derive_id(const std::string& text) {
  std::string h = core::sha256_hex("riverlink.vouchers:" + text);
  auto id = ledger::Id128::parse(h.substr(0, 32));
  return *id;  // 32 hex digits always parse; a zero/max digest is astronomically unlikely
}

std::string command_digest(const std::string& actor, const std::string& idem_key) {
  return core::sha256_hex(actor + "\n" + idem_key).substr(0, 32);
}

bool valid_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) if (s[i] < '0' || s[i] > '9') return false;
  using namespace std::chrono;
  year_month_day d{year{std::stoi(s.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
                   day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
  return d.ok();
}

std::string add_days(const std::string& date, int days) {
  using namespace std::chrono;
  year_month_day d{year{std::stoi(date.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                   day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  year_month_day r{sys_days(d) + std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(r.year()), static_cast<unsigned>(r.month()),
                static_cast<unsigned>(r.day()));
  return buf;
}

}  // namespace riverlink::vouchers
