#include "vouchers/service.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "core/divisions.hpp"
#include "core/hash.hpp"

namespace riverlink::vouchers {

using ledger::Account;
using ledger::Id128;
using ledger::Transfer;
using R = ledger::CreateTransferResult;
namespace tf = ledger::transfer_flags;
namespace af = ledger::account_flags;

namespace {

Error conflict(std::string code, std::string msg) { return Error::make(ErrorKind::conflict, std::move(code), std::move(msg)); }
Error not_found(std::string what, const std::string& id) {
  return Error::make(ErrorKind::not_found, "vouchers.not_found", "no " + what + " " + id);
}
Error forbidden(std::string msg) { return Error::make(ErrorKind::forbidden, "vouchers.forbidden", std::move(msg)); }

std::string province_of(const std::string& division) {
  if (division.size() != 6) return division;
  return division.substr(0, 2) + "0000";
}

template <class T>
J oj(const std::optional<T>& v) { return v ? J(*v) : J(); }

J parse_or(const std::string& s, J dflt) {
  try { return J::parse(s); } catch (...) { return dflt; }
}

// --- ledger accounts (ledger.md §3.3) ---
Account account(const std::string& name, uint32_t led, uint16_t code, uint16_t flags, const std::string& owner,
                const std::string& division) {
  Account a;
  a.id = derive_id("acct:" + name);
  a.ledger = led;
  a.code = code;
  a.flags = flags;
  a.owner = owner.substr(0, 128);
  a.division_code = core::Divisions::yrd().find(division) ? division : "";
  return a;
}
std::string Y(int y) { return std::to_string(y); }
Account treasury(const std::string& j, int y, const std::string& div) {
  return account("TREASURY_SRC:" + j + ":" + Y(y), ledger::kLedgerCny, codes::treasury_src, 0, "issuer:" + j, div);
}
Account budget(const std::string& j, int y, const std::string& div) {
  return account("BUDGET_AVAIL:" + j + ":" + Y(y), ledger::kLedgerCny, codes::budget_avail,
                 af::debits_must_not_exceed_credits, "issuer:" + j, div);
}
Account payable(const std::string& j, int y, const std::string& payee, const std::string& div) {
  return account("PAYABLE:" + j + ":" + Y(y) + ":" + payee, ledger::kLedgerCny, codes::payable, 0, "party:" + payee, div);
}
Account disbursed(const std::string& j, int y, const std::string& div) {
  return account("DISBURSED:" + j + ":" + Y(y), ledger::kLedgerCny, codes::disbursed, 0, "issuer:" + j, div);
}
Account quota_src(const std::string& j, int y, const std::string& div) {
  return account("QUOTA_SRC:" + j + ":" + Y(y), ledger::kLedgerQuota, codes::quota_src, 0, "issuer:" + j, div);
}
Account ent_quota(const std::string& e, const std::string& j, int y, const std::string& div) {
  return account("ENT_QUOTA:" + e + ":" + j + ":" + Y(y), ledger::kLedgerQuota, codes::ent_quota,
                 af::debits_must_not_exceed_credits, "enterprise:" + e, div);
}
Account ent_used(const std::string& e, const std::string& j, int y, const std::string& div) {
  return account("ENT_USED:" + e + ":" + j + ":" + Y(y), ledger::kLedgerQuota, codes::ent_used, 0, "enterprise:" + e, div);
}
Account grp_quota(const std::string& g, const std::string& j, int y, const std::string& div) {
  return account("GRP_QUOTA:" + g + ":" + j + ":" + Y(y), ledger::kLedgerQuota, codes::grp_quota,
                 af::debits_must_not_exceed_credits, "group:" + g, div);
}
Account grp_used(const std::string& g, const std::string& j, int y, const std::string& div) {
  return account("GRP_USED:" + g + ":" + j + ":" + Y(y), ledger::kLedgerQuota, codes::grp_used, 0, "group:" + g, div);
}
Account contract_allow(const std::string& c, const std::string& div) {
  return account("CONTRACT_ALLOW:" + c, ledger::kLedgerQuota, codes::contract_allow, af::debits_must_not_exceed_credits,
                 "contract:" + c, div);
}
Account contract_used(const std::string& c, const std::string& div) {
  return account("CONTRACT_USED:" + c, ledger::kLedgerQuota, codes::contract_used, 0, "contract:" + c, div);
}
// The group key of an enterprise: its actual controller (同一实际控制人).
std::string group_key(const std::string& controller) { return core::sha256_hex(controller).substr(0, 16); }

Transfer xfer(Id128 id, const Account& dr, const Account& cr, int64_t amount, uint16_t code, uint16_t flags,
              const std::string& business_id) {
  Transfer t;
  t.id = id;
  t.debit_account_id = dr.id;
  t.credit_account_id = cr.id;
  t.amount = amount;
  t.ledger = dr.ledger;
  t.code = code;
  t.flags = flags;
  t.user_data_128 = derive_id("obj:" + business_id);
  return t;
}

Status ensure_accounts(ledger::Service& l, std::vector<Account> as, const std::string& actor) {
  if (as.empty()) return ok_status();
  auto r = l.create_accounts(as, actor);
  if (!r.ok()) return r.error();
  for (size_t i = 0; i < as.size(); ++i) {
    if (!ledger::succeeded(r->results[i])) return ledger::to_error(r->results[i]);
  }
  return ok_status();
}

// The first leg that really failed (not merely "linked_event_failed").
std::optional<std::pair<size_t, R>> first_failure(const std::vector<ledger::TransferResult>& rs) {
  std::optional<std::pair<size_t, R>> any;
  for (size_t i = 0; i < rs.size(); ++i) {
    if (ledger::succeeded(rs[i].result)) continue;
    if (rs[i].result != R::linked_event_failed) return std::pair{i, rs[i].result};
    if (!any) any = std::pair{i, rs[i].result};
  }
  return any;
}

const char* kContractCols =
    "id, demand_id, quote_id, enterprise_id, provider_id, service_id, title, category, issuer_code, "
    "enterprise_division, provider_division, amount_fen, catalogue_price_fen, policy_id, voucher_fen, copay_fen, "
    "approved_fen, payee_mode, funding, state, signed_on, fiscal_year, hold_key, hold_ids, resolve_ids, resolve_key, "
    "invoice_no, accepted_on, approved_on, demo, created_at";

J contract_json(const store::Row& r) {
  return {{"id", r.str(0)}, {"demand_id", oj(r.opt_str(1))}, {"quote_id", oj(r.opt_str(2))}, {"enterprise_id", r.str(3)},
          {"provider_id", r.str(4)}, {"service_id", oj(r.opt_str(5))}, {"title", r.str(6)}, {"category", r.str(7)},
          {"issuer_code", r.str(8)}, {"enterprise_division", r.str(9)}, {"provider_division", r.str(10)},
          {"amount_fen", r.i64(11)}, {"catalogue_price_fen", oj(r.opt_i64(12))}, {"policy_id", oj(r.opt_str(13))},
          {"voucher_fen", r.i64(14)}, {"copay_fen", r.i64(15)}, {"approved_fen", r.i64(16)},
          {"payee_mode", r.str(17)}, {"funding", parse_or(r.str(18), J::array())}, {"state", r.str(19)},
          {"signed_on", oj(r.opt_str(20))}, {"fiscal_year", oj(r.opt_i64(21))}, {"hold_key", oj(r.opt_str(22))},
          {"hold_ids", parse_or(r.str(23), J::array())}, {"resolve_ids", parse_or(r.str(24), J::array())},
          {"resolve_key", oj(r.opt_str(25))}, {"invoice_no", oj(r.opt_str(26))}, {"accepted_on", oj(r.opt_str(27))},
          {"approved_on", oj(r.opt_str(28))}, {"demo", r.i64(29) != 0}, {"created_at", r.str(30)}};
}

Result<J> load_contract(store::Tx& tx, const std::string& id) {
  auto r = tx.query_one(std::string("SELECT ") + kContractCols + " FROM vch_contracts WHERE id = ?", {id});
  if (!r) return not_found("contract", id);
  return contract_json(*r);
}

J party_json(const store::Row& r) {
  return {{"id", r.str(0)}, {"kind", r.str(1)}, {"name", r.str(2)}, {"uscc", r.str(3)}, {"division_code", r.str(4)},
          {"user_id", oj(r.opt_str(5))}, {"legal_rep", r.str(6)}, {"controller", r.str(7)},
          {"shareholders", parse_or(r.str(8), J::array())}, {"qualifications", parse_or(r.str(9), J::array())},
          {"demo", r.i64(10) != 0}};
}
const char* kPartyCols = "id, kind, name, uscc, division_code, user_id, legal_rep, controller, shareholders, qualifications, demo";

Result<J> load_party(store::Tx& tx, const std::string& id) {
  auto r = tx.query_one(std::string("SELECT ") + kPartyCols + " FROM vch_parties WHERE id = ?", {id});
  if (!r) return not_found("party", id);
  return party_json(*r);
}

Policy policy_from_row(const store::Row& r) {
  Policy p;
  p.id = r.str(0);
  p.issuer_code = r.str(1);
  p.version = static_cast<int>(r.i64(2));
  p.doc_ref = r.str(3);
  p.label = r.str(4);
  p.effective_from = r.str(5);
  p.effective_to = r.str(6);
  auto params = parse_params(parse_or(r.str(7), J::object()));
  if (params.ok()) p.params = *params;
  return p;
}
const char* kPolicyCols = "id, issuer_code, version, doc_ref, label, effective_from, effective_to, params";

J policy_json(const Policy& p) {
  return {{"id", p.id}, {"issuer_code", p.issuer_code}, {"version", p.version}, {"doc_ref", p.doc_ref},
          {"label", p.label}, {"effective_from", p.effective_from}, {"effective_to", p.effective_to},
          {"params", to_json(p.params)}};
}

struct Issuer {
  std::string code, name_zh, name_en, division, level, parent;
};
std::optional<Issuer> load_issuer(store::Tx& tx, const std::string& code) {
  auto r = tx.query_one("SELECT code, name_zh, name_en, division_code, level, parent_code FROM vch_issuers WHERE code = ?", {code});
  if (!r) return std::nullopt;
  return Issuer{r->str(0), r->str(1), r->str(2), r->str(3), r->str(4), r->opt_str(5).value_or("")};
}

bool owns(const P& p, const J& party) {
  return p.is(auth::Role::platform_admin) || (party["user_id"].is_string() && party["user_id"] == p.user_id);
}

Status officer_of(const P& p, const Issuer& is) {
  if (p.is(auth::Role::auditor)) return forbidden("auditors are read-only");
  if (!p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer)) return forbidden("only officers of " + is.code + " may do this");
  if (p.is(auth::Role::platform_admin)) return ok_status();
  if (is.division.empty()) return forbidden("only platform admins act for " + is.code);
  return auth::require_jurisdiction(p, is.division);
}

int year_of(const std::string& date) { return std::stoi(date.substr(0, 4)); }

std::string b64decode(const std::string& in, bool& ok) {
  static const std::string tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  ok = true;
  for (char ch : in) {
    if (ch == '=' ) break;
    if (ch == '\n' || ch == '\r') continue;
    auto pos = tbl.find(ch);
    if (pos == std::string::npos) { ok = false; return {}; }
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string ids_json(const std::vector<Id128>& ids) {
  J a = J::array();
  for (auto& i : ids) a.push_back(i.str());
  return a.dump();
}

}  // namespace

Service::Service(store::Database& db, audit::CommandRunner& commands, ledger::Service& ledger,
                 const core::Clock& clock, core::IdGenerator& ids)
    : db_(db), commands_(commands), ledger_(ledger), clock_(clock), ids_(ids) {}

std::mutex& Service::stripe(const std::string& key) {
  return stripes_[std::hash<std::string>{}(key) % stripes_.size()];
}

std::string Service::today() const { return core::format_shanghai(clock_.now()).substr(0, 10); }

// ---------------------------------------------------------------- issuers, policies, budgets

Result<J> Service::upsert_issuer(const P& p, const Ctx& c, const J& b) {
  if (!p.is(auth::Role::platform_admin)) return forbidden("only platform admins define issuers");
  std::string code = b.value("code", "");
  if (code.empty() || code.size() > 32) return Error::field("vouchers.bad_issuer", "code", "1..32 characters");
  std::string level = b.value("level", "province");
  if (level != "province" && level != "city" && level != "county" && level != "zone") {
    return Error::field("vouchers.bad_issuer", "level", "province, city, county or zone");
  }
  std::string div = b.value("division_code", "");
  if (!div.empty() && !core::Divisions::yrd().find(div)) return Error::field("vouchers.bad_issuer", "division_code", "unknown division " + div);
  auto out = commands_.run(c, "vouchers", "issuer.upsert", b, [&](store::Tx& tx) -> Result<J> {
    tx.exec("DELETE FROM vch_issuers WHERE code = ?", {code});
    tx.exec("INSERT INTO vch_issuers (code, name_zh, name_en, division_code, level, parent_code) VALUES (?,?,?,?,?,?)",
            {code, b.value("name_zh", code), b.value("name_en", code), div, level,
             b.contains("parent_code") && b["parent_code"].is_string() ? std::optional<std::string>(b["parent_code"].get<std::string>()) : std::nullopt});
    return J{{"code", code}, {"division_code", div}, {"level", level}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::list_issuers() {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT code, name_zh, name_en, division_code, level, parent_code FROM vch_issuers ORDER BY code")) {
      a.push_back({{"code", r.str(0)}, {"name_zh", r.str(1)}, {"name_en", r.str(2)}, {"division_code", r.str(3)},
                   {"level", r.str(4)}, {"parent_code", oj(r.opt_str(5))}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::publish_policy(const P& p, const Ctx& c, const J& b) {
  std::string issuer = b.value("issuer_code", "");
  std::string from = b.value("effective_from", ""), to = b.value("effective_to", "");
  if (!valid_date(from)) return Error::field("vouchers.bad_policy", "effective_from", "must be a date YYYY-MM-DD");
  if (!valid_date(to) || to < from) return Error::field("vouchers.bad_policy", "effective_to", "must be a date on or after effective_from");
  auto params = parse_params(b.contains("params") ? b["params"] : J());
  if (!params.ok()) return params.error();
  if (b.value("doc_ref", "").empty()) return Error::field("vouchers.bad_policy", "doc_ref", "is required (document number or DEMO-...)");
  if (b.value("label", "").empty()) return Error::field("vouchers.bad_policy", "label", "is required (say DEMO when values are unverified)");
  for (const auto& d : params->recognised_provider_divisions) {
    if (!core::Divisions::yrd().find(d)) return Error::field("vouchers.bad_policy", "params.recognised_provider_divisions", "unknown division " + d);
  }
  {
    std::set<std::string> seen;
    for (const auto& cr : params->categories) {
      if (cr.code.empty() || !seen.insert(cr.code).second) return Error::field("vouchers.bad_policy", "params.categories", "category codes must be non-empty and distinct");
    }
    std::set<std::string> fs;
    for (const auto& f : params->funding) {
      if (!fs.insert(f.issuer).second) return Error::field("vouchers.bad_policy", "params.funding", "issuer " + f.issuer + " appears twice");
    }
  }
  if (params->group_annual_cap_fen > 0 && params->group_annual_cap_fen < params->enterprise_annual_cap_fen) {
    return Error::field("vouchers.bad_policy", "params.group_annual_cap_fen", "must be 0 (none) or at least the enterprise annual cap");
  }
  auto out = commands_.run(c, "vouchers", "policy.publish", b, [&](store::Tx& tx) -> Result<J> {
    auto is = load_issuer(tx, issuer);
    if (!is) return Error::field("vouchers.unknown_issuer", "issuer_code", "unknown issuer " + issuer);
    RL_TRY(officer_of(p, *is));
    for (const auto& f : params->funding) {
      if (!load_issuer(tx, f.issuer)) return Error::field("vouchers.unknown_issuer", "params.funding", "unknown issuer " + f.issuer);
    }
    tx.lock("vch:policy:" + issuer);
    // A new version may supersede the one in force on its first day: that version's window then
    // ends the day before (its parameters never change), unless contracts were already signed
    // under it on or after that day.
    J superseded;
    if (b.value("supersede", false)) {
      if (auto cur = tx.query_one("SELECT id, version, effective_from FROM vch_policies WHERE issuer_code = ? AND effective_from < ? "
                                  "AND effective_to >= ?", {issuer, from, from})) {
        auto n = tx.query_one("SELECT COUNT(*) FROM vch_contracts WHERE policy_id = ? AND signed_on >= ?", {cur->str(0), from})->i64(0);
        if (n > 0) {
          return Error::field("vouchers.policy_overlap", "effective_from",
                              std::to_string(n) + " contract(s) were signed under v" + std::to_string(cur->i64(1)) + " on or after " + from);
        }
        tx.exec("UPDATE vch_policies SET effective_to = ? WHERE id = ?", {add_days(from, -1), cur->str(0)});
        superseded = {{"id", cur->str(0)}, {"version", cur->i64(1)}, {"effective_to", add_days(from, -1)}};
      }
    }
    // Windows of one issuer must not overlap (vouchers.md §9.1).
    auto clash = tx.query_one("SELECT id FROM vch_policies WHERE issuer_code = ? AND effective_from <= ? AND effective_to >= ?",
                              {issuer, to, from});
    if (clash) return Error::field("vouchers.policy_overlap", "effective_from", "overlaps policy " + clash->str(0));
    auto v = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM vch_policies WHERE issuer_code = ?", {issuer})->i64(0) + 1;
    Policy pol{ids_.next(), issuer, static_cast<int>(v), b.value("doc_ref", ""), b.value("label", ""), from, to, *params};
    tx.exec("INSERT INTO vch_policies (id, issuer_code, version, doc_ref, label, effective_from, effective_to, params, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            {pol.id, issuer, v, pol.doc_ref, pol.label, from, to, core::canonical(to_json(*params)), core::format_utc(clock_.now())});
    J out = policy_json(pol);
    if (!superseded.is_null()) out["superseded"] = superseded;
    return out;
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::list_policies(const std::optional<std::string>& issuer) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    auto rows = issuer ? tx.query(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE issuer_code = ? ORDER BY issuer_code, version", {*issuer})
                       : tx.query(std::string("SELECT ") + kPolicyCols + " FROM vch_policies ORDER BY issuer_code, version");
    for (auto& r : rows) a.push_back(policy_json(policy_from_row(r)));
    return J{{"items", a}};
  });
}

Result<J> Service::get_policy(const std::string& id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    auto r = tx.query_one(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE id = ?", {id});
    if (!r) return not_found("policy", id);
    return policy_json(policy_from_row(*r));
  });
}

Result<J> Service::appropriate(const P& p, const Ctx& c, const std::string& issuer, int year, int64_t amount) {
  if (amount <= 0) return Error::field("vouchers.bad_amount", "amount_fen", "must be positive");
  if (year < 2000 || year > 2100) return Error::field("vouchers.bad_year", "year", "must be 2000..2100");
  auto is = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Issuer> {
    auto i = load_issuer(tx, issuer);
    if (!i) return Error::field("vouchers.unknown_issuer", "issuer_code", "unknown issuer " + issuer);
    return *i;
  });
  if (!is.ok()) return is.error();
  RL_TRY(officer_of(p, *is));
  std::lock_guard lk(stripe("budget:" + issuer));
  auto tsrc = treasury(issuer, year, is->division), bud = budget(issuer, year, is->division),
       qsrc = quota_src(issuer, year, is->division);
  RL_TRY(ensure_accounts(ledger_, {tsrc, bud, qsrc, disbursed(issuer, year, is->division)}, p.actor()));
  std::string dg = command_digest(p.actor(), c.idempotency_key);
  Transfer t = xfer(derive_id("appropriate:" + dg), tsrc, bud, amount, codes::appropriate, 0, issuer + ":" + Y(year));
  auto r = ledger_.create_transfers(std::span(&t, 1), p.actor());
  if (!r.ok()) return r.error();
  if (!ledger::succeeded(r->results[0].result)) return ledger::to_error(r->results[0].result);
  auto out = commands_.run(c, "vouchers", "budget.appropriate",
                           J{{"issuer_code", issuer}, {"year", year}, {"amount_fen", amount}},
                           [&](store::Tx& tx) -> Result<J> {
    auto cur = tx.query_one("SELECT appropriated_fen FROM vch_budgets WHERE issuer_code = ? AND year = ?", {issuer, year});
    int64_t total = amount + (cur ? cur->i64(0) : 0);
    if (cur) tx.exec("UPDATE vch_budgets SET appropriated_fen = ? WHERE issuer_code = ? AND year = ?", {total, issuer, year});
    else tx.exec("INSERT INTO vch_budgets (issuer_code, year, appropriated_fen) VALUES (?,?,?)", {issuer, year, total});
    return J{{"issuer_code", issuer}, {"year", year}, {"appropriated_fen", total}, {"transfer_id", t.id.str()}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

// ---------------------------------------------------------------- parties and catalogue

Result<J> Service::register_party(const P& p, const Ctx& c, const J& b) {
  std::string kind = b.value("kind", "");
  if (kind != "enterprise" && kind != "provider") return Error::field("vouchers.bad_party", "kind", "enterprise or provider");
  std::string name = b.value("name", ""), uscc = b.value("uscc", ""), div = b.value("division_code", "");
  if (name.empty()) return Error::field("vouchers.bad_party", "name", "is required");
  if (uscc.size() != 18) return Error::field("vouchers.bad_party", "uscc", "a unified social credit code has 18 characters");
  if (!core::Divisions::yrd().find(div)) return Error::field("vouchers.bad_party", "division_code", "unknown division " + div);
  if (!p.is(auth::Role::platform_admin) && !(p.is(auth::Role::enterprise) && kind == "enterprise") &&
      !(p.is(auth::Role::provider) && kind == "provider")) {
    return forbidden("cannot register a " + kind);
  }
  std::string user_id = p.is(auth::Role::platform_admin) ? b.value("user_id", "") : p.user_id;
  auto out = commands_.run(c, "vouchers", "party.register", b, [&](store::Tx& tx) -> Result<J> {
    std::string id = ids_.next();
    tx.exec("INSERT INTO vch_parties (id, kind, name, uscc, division_code, user_id, legal_rep, controller, shareholders, "
            "qualifications, demo, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            {id, kind, name, uscc, div, user_id.empty() ? std::optional<std::string>() : std::optional(user_id),
             b.value("legal_rep", ""), b.value("controller", ""),
             (b.contains("shareholders") ? b["shareholders"] : J::array()).dump(),
             (b.contains("qualifications") ? b["qualifications"] : J::array()).dump(), b.value("demo", false) ? 1 : 0,
             core::format_utc(clock_.now())});
    return load_party(tx, id);
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::get_party(const std::string& id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    auto party = load_party(tx, id);
    if (!party.ok()) return party.error();
    J rec = J::array();
    for (auto& r : tx.query("SELECT issuer_code, state FROM vch_recognitions WHERE provider_id = ? ORDER BY issuer_code", {id})) {
      rec.push_back({{"issuer_code", r.str(0)}, {"state", r.str(1)}});
    }
    (*party)["recognitions"] = rec;
    return *party;
  });
}

Result<J> Service::my_party(const P& p) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query(std::string("SELECT ") + kPartyCols + " FROM vch_parties WHERE user_id = ? ORDER BY created_at", {p.user_id})) {
      a.push_back(party_json(r));
    }
    return J{{"items", a}};
  });
}

Result<J> Service::recognise(const P& p, const Ctx& c, const std::string& provider_id, const std::string& issuer,
                             const std::string& state) {
  if (state != "active" && state != "suspended" && state != "revoked") {
    return Error::field("vouchers.bad_state", "state", "active, suspended or revoked");
  }
  auto out = commands_.run(c, "vouchers", "provider.recognise", J{{"provider_id", provider_id}, {"issuer_code", issuer}, {"state", state}},
                           [&](store::Tx& tx) -> Result<J> {
    auto is = load_issuer(tx, issuer);
    if (!is) return Error::field("vouchers.unknown_issuer", "issuer_code", "unknown issuer " + issuer);
    RL_TRY(officer_of(p, *is));
    auto party = load_party(tx, provider_id);
    if (!party.ok()) return party.error();
    if ((*party)["kind"] != "provider") return Error::field("vouchers.bad_party", "provider_id", "not a provider");
    tx.exec("DELETE FROM vch_recognitions WHERE provider_id = ? AND issuer_code = ?", {provider_id, issuer});
    tx.exec("INSERT INTO vch_recognitions (provider_id, issuer_code, state) VALUES (?,?,?)", {provider_id, issuer, state});
    return J{{"provider_id", provider_id}, {"issuer_code", issuer}, {"state", state}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::add_service(const P& p, const Ctx& c, const J& b) {
  std::string kind = b.value("kind", "service");
  if (kind != "service" && kind != "instrument") return Error::field("vouchers.bad_service", "kind", "service or instrument");
  if (b.value("name", "").empty()) return Error::field("vouchers.bad_service", "name", "is required");
  if (b.value("category", "").empty()) return Error::field("vouchers.bad_service", "category", "is required");
  if (!b.contains("price_fen") || !b["price_fen"].is_number_integer() || b["price_fen"].get<int64_t>() <= 0) {
    return Error::field("vouchers.bad_service", "price_fen", "must be a positive integer (fen)");
  }
  auto out = commands_.run(c, "vouchers", "service.add", b, [&](store::Tx& tx) -> Result<J> {
    auto party = load_party(tx, b.value("provider_id", ""));
    if (!party.ok()) return Error::field("vouchers.bad_service", "provider_id", "unknown provider");
    if ((*party)["kind"] != "provider") return Error::field("vouchers.bad_service", "provider_id", "not a provider");
    if (!owns(p, *party)) return forbidden("not your organisation");
    std::string div = b.value("division_code", (*party)["division_code"].get<std::string>());
    if (!core::Divisions::yrd().find(div)) return Error::field("vouchers.bad_service", "division_code", "unknown division " + div);
    std::string id = ids_.next();
    tx.exec("INSERT INTO vch_services (id, provider_id, provider_name, kind, name, description, category, price_fen, "
            "division_code, available, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            {id, (*party)["id"].get<std::string>(), (*party)["name"].get<std::string>(), kind, b.value("name", ""),
             b.value("description", ""), b.value("category", ""), b["price_fen"].get<int64_t>(), div,
             b.value("available", true) ? 1 : 0, core::format_utc(clock_.now())});
    return J{{"id", id}, {"provider_id", (*party)["id"]}, {"name", b.value("name", "")}, {"category", b.value("category", "")},
             {"price_fen", b["price_fen"]}, {"division_code", div}, {"kind", kind}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

// ---------------------------------------------------------------- grants and quota

Result<J> Service::grant(const P& p, const Ctx& c, const std::string& enterprise_id, const std::string& issuer, int year) {
  struct Pre { Issuer is; J ent; Policy pol; std::string from; };
  std::string day = today();
  auto pre = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Pre> {
    auto is = load_issuer(tx, issuer);
    if (!is) return Error::field("vouchers.unknown_issuer", "issuer_code", "unknown issuer " + issuer);
    auto ent = load_party(tx, enterprise_id);
    if (!ent.ok() || (*ent)["kind"] != "enterprise") return Error::field("vouchers.bad_party", "enterprise_id", "unknown enterprise");
    // The voucher is applied for in the enterprise's home jurisdiction.
    if (!is->division.empty() && !core::Divisions::yrd().within((*ent)["division_code"].get<std::string>(), is->division)) {
      return Error::field("vouchers.not_home_jurisdiction", "issuer_code", "the enterprise is not registered within " + issuer);
    }
    std::string from = std::to_string(year) == day.substr(0, 4) ? day : std::to_string(year) + "-01-01";
    auto r = tx.query_one(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE issuer_code = ? AND effective_from <= ? "
                          "AND effective_to >= ? ORDER BY version DESC", {issuer, from, from});
    if (!r) return Error::field("vouchers.policy_not_in_force", "year", "no policy of " + issuer + " in force on " + from);
    return Pre{*is, *ent, policy_from_row(*r), from};
  });
  if (!pre.ok()) return pre.error();
  RL_TRY(officer_of(p, pre->is));
  const auto& pp = pre->pol.params;
  std::string div = pre->ent["division_code"];
  std::lock_guard lk(stripe("grant:" + enterprise_id));
  std::vector<Account> accts = {quota_src(issuer, year, pre->is.division), ent_quota(enterprise_id, issuer, year, div),
                                ent_used(enterprise_id, issuer, year, div)};
  std::string controller = pre->ent["controller"];
  bool grp = !controller.empty() && pp.group_annual_cap_fen > 0;
  std::string g = group_key(controller);
  if (grp) {
    accts.push_back(grp_quota(g, issuer, year, pre->is.division));
    accts.push_back(grp_used(g, issuer, year, pre->is.division));
  }
  RL_TRY(ensure_accounts(ledger_, accts, p.actor()));
  std::vector<Transfer> ts = {xfer(derive_id("R2:" + enterprise_id + ":" + issuer + ":" + Y(year)), accts[0], accts[1],
                                   pp.enterprise_annual_cap_fen, codes::grant, 0, enterprise_id)};
  if (grp) {
    ts.push_back(xfer(derive_id("R2G:" + g + ":" + issuer + ":" + Y(year)), accts[0], accts[3], pp.group_annual_cap_fen,
                      codes::grant, 0, g));
  }
  auto r = ledger_.create_transfers(ts, p.actor());
  if (!r.ok()) return r.error();
  for (size_t i = 0; i < ts.size(); ++i) {
    auto res = r->results[i].result;
    // A group's cap is credited once per year, by the first grant of any of its members.
    if (!ledger::succeeded(res) && !(i == 1 && res == R::exists_with_different_amount)) return ledger::to_error(res);
  }
  std::string valid_to = std::min(add_days(pre->from, static_cast<int>(pp.validity_days) - 1), pre->pol.effective_to);
  auto out = commands_.run(c, "vouchers", "grant.issue", J{{"enterprise_id", enterprise_id}, {"issuer_code", issuer}, {"year", year}},
                           [&](store::Tx& tx) -> Result<J> {
    auto have = tx.query_one("SELECT id FROM vch_grants WHERE enterprise_id = ? AND issuer_code = ? AND year = ?", {enterprise_id, issuer, year});
    if (have) return conflict("vouchers.grant_exists", "a grant for " + issuer + " " + Y(year) + " exists: " + have->str(0));
    std::string id = ids_.next();
    tx.exec("INSERT INTO vch_grants (id, enterprise_id, issuer_code, year, policy_id, quota_fen, valid_from, valid_to, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            {id, enterprise_id, issuer, year, pre->pol.id, pp.enterprise_annual_cap_fen, pre->from, valid_to,
             core::format_utc(clock_.now())});
    return J{{"id", id}, {"enterprise_id", enterprise_id}, {"issuer_code", issuer}, {"year", year}, {"policy_id", pre->pol.id},
             {"quota_fen", pp.enterprise_annual_cap_fen}, {"valid_from", pre->from}, {"valid_to", valid_to}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::quota(const P& p, const std::string& enterprise_id) {
  auto grants = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    auto ent = load_party(tx, enterprise_id);
    if (!ent.ok()) return ent.error();
    if (!owns(p, *ent) && !p.is(auth::Role::auditor) && !p.is(auth::Role::officer)) return forbidden("not your organisation");
    J a = J::array();
    for (auto& r : tx.query("SELECT id, issuer_code, year, policy_id, quota_fen, valid_from, valid_to FROM vch_grants "
                            "WHERE enterprise_id = ? ORDER BY year DESC, issuer_code", {enterprise_id})) {
      a.push_back({{"id", r.str(0)}, {"issuer_code", r.str(1)}, {"year", r.i64(2)}, {"policy_id", r.str(3)},
                   {"quota_fen", r.i64(4)}, {"valid_from", r.str(5)}, {"valid_to", r.str(6)},
                   {"division", (*ent)["division_code"]}});
    }
    return a;
  });
  if (!grants.ok()) return grants.error();
  for (auto& g : *grants) {
    auto acct = ent_quota(enterprise_id, g["issuer_code"], static_cast<int>(g["year"].get<int64_t>()), g["division"]);
    auto b = ledger_.lookup_accounts(std::span(&acct.id, 1));
    if (!b.ok()) return b.error();
    if (!b->empty()) {
      const auto& bal = (*b)[0].balances;
      g["granted_fen"] = bal.credits_posted;
      g["held_fen"] = bal.debits_pending;
      g["used_fen"] = bal.debits_posted;
      g["available_fen"] = bal.credits_posted - bal.debits_pending - bal.debits_posted;
    }
    g.erase("division");
  }
  return J{{"enterprise_id", enterprise_id}, {"grants", *grants}};
}

// ---------------------------------------------------------------- marketplace

Result<J> Service::post_demand(const P& p, const Ctx& c, const J& b) {
  if (b.value("title", "").empty()) return Error::field("vouchers.bad_demand", "title", "is required");
  if (b.value("category", "").empty()) return Error::field("vouchers.bad_demand", "category", "is required");
  if (!b.contains("budget_fen") || !b["budget_fen"].is_number_integer() || b["budget_fen"].get<int64_t>() <= 0) {
    return Error::field("vouchers.bad_demand", "budget_fen", "must be a positive integer (fen)");
  }
  auto out = commands_.run(c, "vouchers", "demand.post", b, [&](store::Tx& tx) -> Result<J> {
    auto ent = load_party(tx, b.value("enterprise_id", ""));
    if (!ent.ok() || (*ent)["kind"] != "enterprise") return Error::field("vouchers.bad_demand", "enterprise_id", "unknown enterprise");
    if (!owns(p, *ent)) return forbidden("not your organisation");
    std::string id = ids_.next();
    tx.exec("INSERT INTO vch_demands (id, enterprise_id, title, description, category, budget_fen, state, created_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            {id, b.value("enterprise_id", ""), b.value("title", ""), b.value("description", ""), b.value("category", ""),
             b["budget_fen"].get<int64_t>(), "open", core::format_utc(clock_.now())});
    return J{{"id", id}, {"enterprise_id", b.value("enterprise_id", "")}, {"title", b.value("title", "")},
             {"category", b.value("category", "")}, {"budget_fen", b["budget_fen"]}, {"state", "open"}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::submit_quote(const P& p, const Ctx& c, const std::string& demand_id, const J& b) {
  if (!b.contains("amount_fen") || !b["amount_fen"].is_number_integer() || b["amount_fen"].get<int64_t>() <= 0) {
    return Error::field("vouchers.bad_quote", "amount_fen", "must be a positive integer (fen)");
  }
  J payload = b;
  payload["demand_id"] = demand_id;
  auto out = commands_.run(c, "vouchers", "quote.submit", payload, [&](store::Tx& tx) -> Result<J> {
    auto d = tx.query_one("SELECT state, category FROM vch_demands WHERE id = ?", {demand_id});
    if (!d) return not_found("demand", demand_id);
    if (d->str(0) != "open") return conflict("vouchers.bad_state", "the demand is " + d->str(0));
    auto prov = load_party(tx, b.value("provider_id", ""));
    if (!prov.ok() || (*prov)["kind"] != "provider") return Error::field("vouchers.bad_quote", "provider_id", "unknown provider");
    if (!owns(p, *prov)) return forbidden("not your organisation");
    std::optional<std::string> svc;
    if (b.contains("service_id") && b["service_id"].is_string()) {
      auto s = tx.query_one("SELECT provider_id FROM vch_services WHERE id = ?", {b["service_id"].get<std::string>()});
      if (!s || s->str(0) != (*prov)["id"]) return Error::field("vouchers.bad_quote", "service_id", "not a service of this provider");
      svc = b["service_id"].get<std::string>();
    }
    std::string id = ids_.next();
    tx.exec("INSERT INTO vch_quotes (id, demand_id, provider_id, service_id, amount_fen, note, state, created_at) VALUES (?,?,?,?,?,?,?,?)",
            {id, demand_id, (*prov)["id"].get<std::string>(), svc, b["amount_fen"].get<int64_t>(), b.value("note", ""), "submitted",
             core::format_utc(clock_.now())});
    return J{{"id", id}, {"demand_id", demand_id}, {"provider_id", (*prov)["id"]}, {"service_id", svc ? J(*svc) : J()},
             {"amount_fen", b["amount_fen"]}, {"state", "submitted"}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::award(const P& p, const Ctx& c, const std::string& quote_id) {
  auto out = commands_.run(c, "vouchers", "quote.award", J{{"quote_id", quote_id}}, [&](store::Tx& tx) -> Result<J> {
    auto q = tx.query_one("SELECT demand_id, provider_id, service_id, amount_fen, state FROM vch_quotes WHERE id = ?", {quote_id});
    if (!q) return not_found("quote", quote_id);
    tx.lock("vch:demand:" + q->str(0));
    auto d = tx.query_one("SELECT enterprise_id, title, category, state FROM vch_demands WHERE id = ?", {q->str(0)});
    if (!d) return not_found("demand", q->str(0));
    if (d->str(3) != "open" || q->str(4) != "submitted") return conflict("vouchers.bad_state", "the demand is already awarded or closed");
    auto ent = load_party(tx, d->str(0));
    auto prov = load_party(tx, q->str(1));
    if (!ent.ok() || !prov.ok()) return not_found("party", d->str(0));
    if (!owns(p, *ent)) return forbidden("not your organisation");
    auto home = tx.query_one("SELECT code FROM vch_issuers WHERE division_code = ?", {province_of((*ent)["division_code"])});
    if (!home) return conflict("vouchers.no_issuer", "no voucher issuer for the enterprise's province");
    std::optional<int64_t> price;
    if (!q->is_null(2)) {
      if (auto s = tx.query_one("SELECT price_fen FROM vch_services WHERE id = ?", {q->str(2)})) price = s->i64(0);
    }
    std::string id = ids_.next();
    tx.exec("UPDATE vch_quotes SET state = CASE WHEN id = ? THEN 'accepted' ELSE 'rejected' END WHERE demand_id = ? AND state = 'submitted'",
            {quote_id, q->str(0)});
    tx.exec("UPDATE vch_demands SET state = 'awarded' WHERE id = ?", {q->str(0)});
    tx.exec(std::string("INSERT INTO vch_contracts (") + kContractCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            {id, q->str(0), quote_id, d->str(0), q->str(1), q->opt_str(2), d->str(1), d->str(2), home->str(0),
             (*ent)["division_code"].get<std::string>(), (*prov)["division_code"].get<std::string>(), q->i64(3), price,
             std::nullopt, 0, q->i64(3), 0, "", "[]", "draft", std::nullopt, std::nullopt, std::nullopt, "[]", "[]",
             std::nullopt, std::nullopt, std::nullopt, std::nullopt, ((*ent)["demo"].get<bool>() ? 1 : 0),
             core::format_utc(clock_.now())});
    return load_contract(tx, id);
  });
  if (!out.ok()) return out.error();
  return out->result;
}

// Everything sign() needs, read before the ledger is touched.
struct Service::Loaded {
  J contract, ent, prov;
  Issuer home;
  Policy pol;
  VoucherCalc calc;
  int year = 0;
  std::map<std::string, std::string> funder_div;
  std::vector<std::pair<std::string, std::string>> flags;  // kind, detail
};

Result<J> Service::sign(const P& p, const Ctx& c, const std::string& contract_id, const std::optional<std::string>& policy_id) {
  const std::string dg = command_digest(p.actor(), c.idempotency_key);
  const J payload{{"contract_id", contract_id}, {"policy_id", policy_id ? J(*policy_id) : J()}};
  auto replay = [&]() -> Result<J> {
    auto o = commands_.run(c, "vouchers", "contract.sign", payload, [&](store::Tx&) -> Result<J> {
      return conflict("vouchers.bad_state", "the contract is no longer a draft");
    });
    if (!o.ok()) return o.error();
    return o->result;
  };
  std::lock_guard lk(stripe("contract:" + contract_id));
  const std::string day = today();
  auto pre = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Loaded> {
    Loaded L;
    auto ct = load_contract(tx, contract_id);
    if (!ct.ok()) return ct.error();
    L.contract = *ct;
    if (L.contract["state"] != "draft") {
      if (L.contract["hold_key"] == dg) return conflict("vouchers.replay", "");
      return conflict("vouchers.bad_state", "the contract is " + L.contract["state"].get<std::string>() + ", not a draft");
    }
    auto ent = load_party(tx, L.contract["enterprise_id"]);
    auto prov = load_party(tx, L.contract["provider_id"]);
    if (!ent.ok() || !prov.ok()) return not_found("party", contract_id);
    L.ent = *ent;
    L.prov = *prov;
    if (!owns(p, L.ent)) return forbidden("only the enterprise signs its contracts");
    auto home = load_issuer(tx, L.contract["issuer_code"]);
    if (!home) return not_found("issuer", L.contract["issuer_code"]);
    L.home = *home;
    L.year = year_of(day);
    // The voucher grant: it must exist and be valid today.
    auto g = tx.query_one("SELECT valid_from, valid_to FROM vch_grants WHERE enterprise_id = ? AND issuer_code = ? AND year = ?",
                          {L.ent["id"].get<std::string>(), home->code, L.year});
    if (!g) return Error::field("vouchers.no_grant", "contract_id", "the enterprise holds no " + home->code + " voucher for " + Y(L.year));
    if (day > g->str(1) || day < g->str(0)) {
      return Error::field("vouchers.voucher_expired", "contract_id", "the voucher is valid " + g->str(0) + " to " + g->str(1) + "; today is " + day);
    }
    // The policy version in force on the signing date.
    std::optional<store::Row> pr;
    if (policy_id) {
      pr = tx.query_one(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE id = ?", {*policy_id});
      if (!pr || pr->str(1) != home->code) return Error::field("vouchers.unknown_policy", "policy_id", "not a policy of " + home->code);
    } else {
      pr = tx.query_one(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE issuer_code = ? AND effective_from <= ? "
                        "AND effective_to >= ? ORDER BY version DESC", {home->code, day, day});
      if (!pr) return Error::field("vouchers.policy_not_in_force", "policy_id", "no policy of " + home->code + " covers " + day);
    }
    L.pol = policy_from_row(*pr);
    if (!L.pol.covers(day)) {
      return Error::field("vouchers.policy_not_in_force", "policy_id",
                          "policy v" + std::to_string(L.pol.version) + " is in force " + L.pol.effective_from + " to " +
                              L.pol.effective_to + ", not on " + day);
    }
    const auto& pp = L.pol.params;
    auto calc = compute_voucher(pp, L.contract["category"], L.contract["amount_fen"]);
    if (!calc) return Error::field("vouchers.ineligible_category", "category", "category " + L.contract["category"].get<std::string>() + " is not eligible under " + home->code + " policy v" + std::to_string(L.pol.version));
    L.calc = *calc;
    // The provider: within a recognised jurisdiction and actively recognised by the issuer.
    std::string pdiv = L.prov["division_code"];
    bool region_ok = false;
    for (const auto& d : pp.recognised_provider_divisions) region_ok = region_ok || core::Divisions::yrd().within(pdiv, d);
    auto rec = tx.query_one("SELECT state FROM vch_recognitions WHERE provider_id = ? AND issuer_code = ?", {L.prov["id"].get<std::string>(), home->code});
    if (!region_ok || !rec || rec->str(0) != "active") {
      return Error::field("vouchers.provider_not_recognised", "provider_id",
                          "provider " + L.prov["name"].get<std::string>() + " is not recognised by " + home->code);
    }
    for (const auto& f : pp.funding) {
      auto fi = load_issuer(tx, f.issuer);
      if (!fi) return not_found("issuer", f.issuer);
      if (!tx.query_one("SELECT 1 FROM vch_budgets WHERE issuer_code = ? AND year = ?", {f.issuer, L.year})) {
        return conflict("vouchers.no_budget", f.issuer + " has no budget for " + Y(L.year));
      }
      L.funder_div[f.issuer] = fi->division;
    }
    // Anti-fraud screens (§11): flagged cases wait for an officer's decision.
    if (pp.related_party_forbidden) {
      auto names = [](const J& party) {
        std::set<std::string> s;
        for (auto k : {"legal_rep", "controller"}) if (!party[k].get<std::string>().empty()) s.insert(party[k].get<std::string>());
        for (const auto& sh : party["shareholders"]) if (sh.is_string()) s.insert(sh.get<std::string>());
        s.insert(party["name"].get<std::string>());
        return s;
      };
      auto a = names(L.ent), b = names(L.prov);
      std::vector<std::string> shared;
      std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
      if (!shared.empty()) L.flags.push_back({"related_party", "enterprise and provider share: " + shared[0]});
    }
    if (!L.contract["catalogue_price_fen"].is_null()) {
      int64_t list = L.contract["catalogue_price_fen"], amt = L.contract["amount_fen"];
      __int128 dev = static_cast<__int128>(amt > list ? amt - list : list - amt) * 10000;
      if (dev > static_cast<__int128>(list) * pp.price_deviation_bp) {
        L.flags.push_back({"price_deviation", "contract " + core::Fen(amt).to_yuan_string() + " vs catalogue " + core::Fen(list).to_yuan_string()});
      }
    }
    return L;
  });
  if (!pre.ok()) {
    if (pre.error().code == "vouchers.replay") return replay();
    return pre.error();
  }
  auto& L = *pre;
  const auto& pp = L.pol.params;
  const std::string ent_id = L.ent["id"], prov_id = L.prov["id"], home = L.home.code, edv = L.ent["division_code"];
  const std::string payee = pp.payee_mode == PayeeMode::provider_redeems ? prov_id : ent_id;
  const std::string payee_div = pp.payee_mode == PayeeMode::provider_redeems ? L.prov["division_code"].get<std::string>() : edv;
  const int64_t v = L.calc.max_voucher_fen;
  if (v <= 0) return Error::field("vouchers.zero_voucher", "amount_fen", "the policy gives no voucher for this contract");

  // Accounts, then one linked chain: R3 (contract registration into its allowance) followed by the
  // R4 holds. A cap or budget shortfall fails the whole chain, so a refused signing leaves no
  // transfer behind. R3's id is per command like the holds' (a refused attempt's ids are decided).
  auto allow = contract_allow(contract_id, edv), used = contract_used(contract_id, edv);
  auto qsrc = quota_src(home, L.year, L.home.division);
  std::vector<Account> accts = {allow, used};
  for (const auto& s : L.calc.split) accts.push_back(payable(s.issuer, L.year, payee, L.funder_div[s.issuer]));
  RL_TRY(ensure_accounts(ledger_, accts, p.actor()));

  std::vector<Transfer> chain = {
      xfer(derive_id("R3:" + contract_id + ":" + dg), qsrc, allow, v, codes::registration, tf::linked, contract_id)};
  std::vector<std::string> legs = {"contract_registration"};
  auto leg = [&](const Account& dr, const Account& cr, int64_t amt, const std::string& what) {
    chain.push_back(xfer(derive_id("hold:" + contract_id + ":" + dg + ":" + std::to_string(chain.size() - 1)), dr, cr, amt,
                         codes::hold, tf::pending | tf::linked, contract_id));
    legs.push_back(what);
  };
  leg(ent_quota(ent_id, home, L.year, edv), ent_used(ent_id, home, L.year, edv), v, "enterprise_cap");
  std::string controller = L.ent["controller"];
  if (!controller.empty() && pp.group_annual_cap_fen > 0) {
    std::string g = group_key(controller);
    leg(grp_quota(g, home, L.year, L.home.division), grp_used(g, home, L.year, L.home.division), v, "group_cap");
  }
  leg(allow, used, v, "contract_allowance");
  for (const auto& s : L.calc.split) {
    if (s.amount_fen == 0) continue;
    leg(budget(s.issuer, L.year, L.funder_div[s.issuer]), payable(s.issuer, L.year, payee, L.funder_div[s.issuer]), s.amount_fen,
        "budget:" + s.issuer);
  }
  chain.back().flags &= static_cast<uint16_t>(~tf::linked);
  auto hr = ledger_.create_transfers(chain, p.actor());
  if (!hr.ok()) return hr.error();
  if (auto f = first_failure(hr->results)) {
    const std::string& what = legs[f->first];
    if (f->second == R::exceeds_credits) {
      std::string code = what == "enterprise_cap" ? "vouchers.over_enterprise_cap"
                         : what == "group_cap"    ? "vouchers.over_group_cap"
                         : what == "contract_allowance" ? "vouchers.already_held"
                                                  : "vouchers.budget_exhausted";
      return conflict(code, "the claim of " + core::Fen(v).to_yuan_string() + " yuan exceeds the " + what +
                                " (the ledger refused the hold: " + std::string(ledger::name(f->second)) + ")");
    }
    auto e = ledger::to_error(f->second);
    e.message = what + ": " + e.message;
    return e;
  }
  std::vector<Id128> hold_ids;
  for (size_t i = 1; i < chain.size(); ++i) hold_ids.push_back(chain[i].id);
  J funding = J::array();
  for (const auto& s : L.calc.split) {
    uint32_t bp = 0;
    for (auto& f : pp.funding) if (f.issuer == s.issuer) bp = f.share_bp;
    funding.push_back({{"issuer", s.issuer}, {"share_bp", bp}, {"amount_fen", s.amount_fen}});
  }
  auto out = commands_.run(c, "vouchers", "contract.sign", payload, [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:contract:" + contract_id);
    auto cur = tx.query_one("SELECT state FROM vch_contracts WHERE id = ?", {contract_id});
    if (!cur || cur->str(0) != "draft") return conflict("vouchers.bad_state", "the contract is no longer a draft");
    tx.exec("UPDATE vch_contracts SET policy_id = ?, voucher_fen = ?, copay_fen = ?, payee_mode = ?, funding = ?, state = 'held', "
            "signed_on = ?, fiscal_year = ?, hold_key = ?, hold_ids = ? WHERE id = ?",
            {L.pol.id, v, L.calc.copay_fen, std::string(payee_mode_name(pp.payee_mode)), funding.dump(), day, L.year, dg,
             ids_json(hold_ids), contract_id});
    for (const auto& [kind, detail] : L.flags) {
      tx.exec("INSERT INTO vch_flags (id, contract_id, kind, detail, state, created_at) VALUES (?,?,?,?,?,?)",
              {ids_.next(), contract_id, kind, detail, "open", core::format_utc(clock_.now())});
    }
    auto ct = load_contract(tx, contract_id);
    if (!ct.ok()) return ct.error();
    (*ct)["flags"] = L.flags.size();
    (*ct)["by_ratio_fen"] = L.calc.by_ratio_fen;
    (*ct)["payee_division"] = payee_div;
    return *ct;
  });
  if (!out.ok()) {
    // The workflow did not record the hold (a concurrent signing won): void the holds and
    // reverse the registration so that both sides agree again.
    std::vector<Transfer> comp;
    for (size_t i = 1; i < chain.size(); ++i) {
      Transfer t;
      t.id = derive_id("comp:" + contract_id + ":" + dg + ":" + std::to_string(i - 1));
      t.pending_id = chain[i].id;
      t.flags = tf::void_pending_transfer;
      comp.push_back(t);
    }
    comp.push_back(xfer(derive_id("R3-reversal:" + contract_id + ":" + dg), allow, qsrc, v, codes::registration, 0, contract_id));
    (void)ledger_.create_transfers(comp, p.actor());
    return out.error();
  }
  return out->result;
}

// Posts (approve) or voids (everything else) the contract's hold chain, then records the
// new state. `extra` runs inside the command's transaction after the state checks.
Result<J> Service::resolve(const P& p, const Ctx& c, const std::string& contract_id, const std::string& command,
                           const std::string& target, const std::vector<std::string>& from,
                           std::optional<int64_t> approved_fen, const J& payload,
                           const std::function<Status(store::Tx&, const J&)>& extra) {
  const std::string dg = command_digest(p.actor(), c.idempotency_key);
  auto replay = [&]() -> Result<J> {
    auto o = commands_.run(c, "vouchers", command, payload, [&](store::Tx&) -> Result<J> {
      return conflict("vouchers.bad_state", "the contract has moved on");
    });
    if (!o.ok()) return o.error();
    return o->result;
  };
  std::lock_guard lk(stripe("contract:" + contract_id));
  auto ct = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) { return load_contract(tx, contract_id); });
  if (!ct.ok()) return ct.error();
  J k = *ct;
  std::string state = k["state"];
  if (std::find(from.begin(), from.end(), state) == from.end()) {
    if (k["resolve_key"] == dg) return replay();
    return conflict("vouchers.bad_state", "cannot " + command + " a contract that is " + state);
  }
  // Ledger first (draft contracts hold nothing).
  std::vector<Transfer> legs;
  const bool post = target == "approved";
  int64_t v2 = approved_fen.value_or(k["voucher_fen"].get<int64_t>());
  if (k["hold_ids"].size() > 0) {
    std::vector<FundingShare> shares;
    for (auto& f : k["funding"]) if (f["amount_fen"].get<int64_t>() > 0) shares.push_back({f["issuer"], f["share_bp"]});
    auto split = split_funding(shares, v2);
    size_t n_quota = k["hold_ids"].size() - shares.size();
    for (size_t i = 0; i < k["hold_ids"].size(); ++i) {
      Transfer t;
      t.id = derive_id((post ? "post:" : "void:") + contract_id + ":" + dg + ":" + std::to_string(i));
      t.pending_id = *Id128::parse(k["hold_ids"][i].get<std::string>());
      t.flags = static_cast<uint16_t>((post ? tf::post_pending_transfer : tf::void_pending_transfer) | tf::linked);
      t.amount = post ? (i < n_quota ? v2 : split[i - n_quota].amount_fen) : 0;
      if (post && t.amount == 0) t.amount = 0;  // a zero share cannot happen: zero legs are not held
      legs.push_back(t);
    }
    legs.back().flags &= static_cast<uint16_t>(~tf::linked);
    auto r = ledger_.create_transfers(legs, p.actor());
    if (!r.ok()) return r.error();
    if (auto f = first_failure(r->results)) {
      if (f->second == R::pending_transfer_already_posted || f->second == R::pending_transfer_already_voided ||
          f->second == R::pending_transfer_expired) {
        return conflict("vouchers.bad_state", "the hold was already resolved (" + std::string(ledger::name(f->second)) + ")");
      }
      return ledger::to_error(f->second);
    }
  }
  std::vector<Id128> ids;
  for (auto& t : legs) ids.push_back(t.id);
  auto out = commands_.run(c, "vouchers", command, payload, [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:contract:" + contract_id);
    auto cur = tx.query_one("SELECT state FROM vch_contracts WHERE id = ?", {contract_id});
    if (!cur || cur->str(0) != state) return conflict("vouchers.bad_state", "the contract has moved on");
    if (extra) RL_TRY(extra(tx, k));
    std::string day = today();
    tx.exec("UPDATE vch_contracts SET state = ?, resolve_ids = ?, resolve_key = ?, approved_fen = ?, approved_on = ? WHERE id = ?",
            {target, ids_json(ids), dg, post ? v2 : int64_t{0}, post ? std::optional(day) : std::nullopt, contract_id});
    if (post) {
      std::vector<FundingShare> shares;
      for (auto& f : k["funding"]) if (f["amount_fen"].get<int64_t>() > 0) shares.push_back({f["issuer"], f["share_bp"]});
      bool to_provider = k["payee_mode"] == "provider_redeems";
      std::string payee = to_provider ? k["provider_id"] : k["enterprise_id"];
      std::string pdiv = to_provider ? k["provider_division"] : k["enterprise_division"];
      for (const auto& s : split_funding(shares, v2)) {
        tx.exec("INSERT INTO vch_obligations (id, contract_id, funder_code, payee_id, payee_division, amount_fen, period, fiscal_year) "
                "VALUES (?,?,?,?,?,?,?,?)",
                {ids_.next(), contract_id, s.issuer, payee, pdiv, s.amount_fen, day.substr(0, 7), k["fiscal_year"].get<int64_t>()});
      }
    }
    return load_contract(tx, contract_id);
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::deliver(const P& p, const Ctx& c, const std::string& contract_id, const J& evidence) {
  if (!evidence.is_array() || evidence.empty() || evidence.size() > 20) {
    return Error::field("vouchers.bad_evidence", "evidence", "1..20 files of {filename, content_base64}");
  }
  struct File { std::string name, b64, sha; size_t size; };
  std::vector<File> files;
  for (size_t i = 0; i < evidence.size(); ++i) {
    const auto& f = evidence[i];
    std::string field = "evidence[" + std::to_string(i) + "]";
    if (!f.is_object() || !f.contains("filename") || !f["filename"].is_string() || !f.contains("content_base64") ||
        !f["content_base64"].is_string()) {
      return Error::field("vouchers.bad_evidence", field, "needs filename and content_base64");
    }
    bool ok = false;
    std::string bytes = b64decode(f["content_base64"], ok);
    if (!ok || bytes.empty()) return Error::field("vouchers.bad_evidence", field + ".content_base64", "file " + f["filename"].get<std::string>() + ": not valid base64");
    if (bytes.size() > 2 * 1024 * 1024) return Error::field("vouchers.bad_evidence", field, "file " + f["filename"].get<std::string>() + " is over 2 MiB");
    files.push_back({f["filename"], f["content_base64"], core::sha256_hex(bytes), bytes.size()});
  }
  J payload{{"contract_id", contract_id}, {"files", J::array()}};
  for (auto& f : files) payload["files"].push_back({{"filename", f.name}, {"sha256", f.sha}});
  auto out = commands_.run(c, "vouchers", "contract.deliver", payload, [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:contract:" + contract_id);
    auto k = load_contract(tx, contract_id);
    if (!k.ok()) return k.error();
    auto prov = load_party(tx, (*k)["provider_id"]);
    if (!prov.ok() || !owns(p, *prov)) return forbidden("only the provider delivers");
    std::string st = (*k)["state"];
    if (st != "held" && st != "disputed") return conflict("vouchers.bad_state", "cannot deliver a contract that is " + st);
    J out = J::array();
    for (auto& f : files) {
      std::string id = ids_.next();
      tx.exec("INSERT INTO vch_evidence (id, contract_id, filename, sha256, size_bytes, content, created_at) VALUES (?,?,?,?,?,?,?)",
              {id, contract_id, f.name, f.sha, static_cast<int64_t>(f.size), f.b64, core::format_utc(clock_.now())});
      out.push_back({{"id", id}, {"filename", f.name}, {"sha256", f.sha}, {"size_bytes", f.size}});
    }
    tx.exec("UPDATE vch_contracts SET state = 'delivered' WHERE id = ?", {contract_id});
    auto k2 = load_contract(tx, contract_id);
    if (!k2.ok()) return k2.error();
    (*k2)["evidence"] = out;
    return *k2;
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::accept(const P& p, const Ctx& c, const std::string& contract_id, const std::string& invoice_no) {
  if (invoice_no.empty() || invoice_no.size() > 64) return Error::field("vouchers.bad_invoice", "invoice_no", "1..64 characters");
  auto out = commands_.run(c, "vouchers", "contract.accept", J{{"contract_id", contract_id}, {"invoice_no", invoice_no}},
                           [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:contract:" + contract_id);
    auto k = load_contract(tx, contract_id);
    if (!k.ok()) return k.error();
    auto ent = load_party(tx, (*k)["enterprise_id"]);
    if (!ent.ok() || !owns(p, *ent)) return forbidden("only the enterprise accepts delivery");
    if ((*k)["state"] != "delivered") return conflict("vouchers.bad_state", "cannot accept a contract that is " + (*k)["state"].get<std::string>());
    if (auto dup = tx.query_one("SELECT contract_id, issuer_code FROM vch_invoices WHERE invoice_no = ?", {invoice_no})) {
      return Error{ErrorKind::conflict, "vouchers.duplicate_invoice",
                   "invoice " + invoice_no + " is already claimed (contract " + dup->str(0) + ", " + dup->str(1) + ")",
                   {{"invoice_no", "already claimed"}}};
    }
    std::string issuer = (*k)["issuer_code"];
    auto pol = tx.query_one("SELECT params FROM vch_policies WHERE id = ?", {(*k)["policy_id"].get<std::string>()});
    auto pp = parse_params(parse_or(pol ? pol->str(0) : "{}", J::object()));
    if (pp.ok() && pp->duplicate_subsidy_forbidden) {
      // The same invoice, or this very contract, claimed under another jurisdiction's programme.
      for (auto& r : tx.query("SELECT issuer_code, source, kind, invoice_no FROM vch_external_claims WHERE issuer_code <> ? AND "
                              "((kind = 'invoice' AND invoice_no = ?) OR (kind = 'contract' AND invoice_no = ?))",
                              {issuer, invoice_no, contract_id})) {
        tx.exec("INSERT INTO vch_flags (id, contract_id, kind, detail, state, created_at) VALUES (?,?,?,?,?,?)",
                {ids_.next(), contract_id, "duplicate_claim", r.str(2) + " " + r.str(3) + " also claimed in " + r.str(0) + " (" + r.str(1) + ")",
                 "open", core::format_utc(clock_.now())});
      }
    }
    tx.exec("INSERT INTO vch_invoices (invoice_no, contract_id, issuer_code) VALUES (?,?,?)", {invoice_no, contract_id, issuer});
    tx.exec("INSERT INTO vch_redemptions (contract_id, invoice_no, requested_by, created_at) VALUES (?,?,?,?)",
            {contract_id, invoice_no, p.actor(), core::format_utc(clock_.now())});
    tx.exec("UPDATE vch_contracts SET state = 'accepted', invoice_no = ?, accepted_on = ? WHERE id = ?", {invoice_no, today(), contract_id});
    return load_contract(tx, contract_id);
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::dispute(const P& p, const Ctx& c, const std::string& contract_id, const std::string& reason) {
  auto out = commands_.run(c, "vouchers", "contract.dispute", J{{"contract_id", contract_id}, {"reason", reason}},
                           [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:contract:" + contract_id);
    auto k = load_contract(tx, contract_id);
    if (!k.ok()) return k.error();
    auto ent = load_party(tx, (*k)["enterprise_id"]);
    if (!ent.ok() || !owns(p, *ent)) return forbidden("only the enterprise disputes delivery");
    if ((*k)["state"] != "delivered") return conflict("vouchers.bad_state", "only a delivered contract can be disputed");
    tx.exec("UPDATE vch_contracts SET state = 'disputed' WHERE id = ?", {contract_id});
    return load_contract(tx, contract_id);
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::review(const P& p, const Ctx& c, const std::string& contract_id, bool approve,
                          std::optional<int64_t> approved_fen, const std::string& note) {
  auto k = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Issuer> {
    auto ct = load_contract(tx, contract_id);
    if (!ct.ok()) return ct.error();
    auto is = load_issuer(tx, (*ct)["issuer_code"]);
    if (!is) return not_found("issuer", (*ct)["issuer_code"]);
    if (approve) {
      auto open = tx.query_one("SELECT COUNT(*) FROM vch_flags WHERE contract_id = ? AND state = 'open'", {contract_id})->i64(0);
      if (open > 0 && (*ct)["state"] == "accepted") return conflict("vouchers.open_flags", "the contract has open fraud flags: an officer must decide them first");
      if (approved_fen && (*approved_fen <= 0 || *approved_fen > (*ct)["voucher_fen"].get<int64_t>())) {
        return Error::field("vouchers.bad_amount", "approved_fen", "must be 1.." + std::to_string((*ct)["voucher_fen"].get<int64_t>()));
      }
    }
    return *is;
  });
  if (!k.ok()) return k.error();
  RL_TRY(officer_of(p, *k));
  J payload{{"contract_id", contract_id}, {"decision", approve ? "approve" : "reject"}, {"note", note},
            {"approved_fen", approved_fen ? J(*approved_fen) : J()}};
  return resolve(p, c, contract_id, "contract.review", approve ? "approved" : "rejected", {"accepted"}, approved_fen, payload);
}

Result<J> Service::cancel(const P& p, const Ctx& c, const std::string& contract_id) {
  auto ok = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Unit> {
    auto ct = load_contract(tx, contract_id);
    if (!ct.ok()) return ct.error();
    auto ent = load_party(tx, (*ct)["enterprise_id"]);
    if (ent.ok() && owns(p, *ent)) return Unit{};
    auto is = load_issuer(tx, (*ct)["issuer_code"]);
    if (!is) return not_found("issuer", (*ct)["issuer_code"]);
    RL_TRY(officer_of(p, *is));
    return Unit{};
  });
  if (!ok.ok()) return ok.error();
  return resolve(p, c, contract_id, "contract.cancel", "cancelled", {"draft", "held", "delivered", "disputed"}, std::nullopt,
                 J{{"contract_id", contract_id}});
}

Result<J> Service::expire_due(const P& p, const Ctx& c) {
  if (!p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer)) return forbidden("only officers expire vouchers");
  std::string day = today();
  auto due = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (auto& r : tx.query("SELECT c.id, i.division_code FROM vch_contracts c JOIN vch_grants g ON g.enterprise_id = c.enterprise_id "
                            "AND g.issuer_code = c.issuer_code AND g.year = c.fiscal_year JOIN vch_issuers i ON i.code = c.issuer_code "
                            "WHERE c.state IN ('held','delivered','disputed') AND g.valid_to < ? ORDER BY c.id", {day})) {
      if (p.is(auth::Role::platform_admin) || auth::require_jurisdiction(p, r.str(1)).ok()) ids.push_back(r.str(0));
    }
    return ids;
  });
  if (!due.ok()) return due.error();
  J done = J::array(), failed = J::array();
  for (const auto& id : *due) {
    auto r = resolve(p, {c.actor, c.idempotency_key + ":" + id}, id, "contract.expire", "expired", {"held", "delivered", "disputed"},
                     std::nullopt, J{{"contract_id", id}});
    if (r.ok()) done.push_back(id);
    else failed.push_back({{"contract_id", id}, {"code", r.error().code}, {"detail", r.error().message}});
  }
  return J{{"expired", done}, {"failed", failed}, {"as_of", day}};
}

Result<J> Service::rate(const P& p, const Ctx& c, const std::string& contract_id, int score, const std::string& comment) {
  if (score < 1 || score > 5) return Error::field("vouchers.bad_rating", "score", "must be 1..5");
  auto out = commands_.run(c, "vouchers", "contract.rate", J{{"contract_id", contract_id}, {"score", score}, {"comment", comment}},
                           [&](store::Tx& tx) -> Result<J> {
    auto k = load_contract(tx, contract_id);
    if (!k.ok()) return k.error();
    std::string st = (*k)["state"];
    if (st != "accepted" && st != "approved" && st != "settled") return conflict("vouchers.bad_state", "rate after acceptance");
    auto ent = load_party(tx, (*k)["enterprise_id"]);
    auto prov = load_party(tx, (*k)["provider_id"]);
    std::string rater = ent.ok() && ent->value("user_id", J()) == p.user_id ? "enterprise"
                        : prov.ok() && prov->value("user_id", J()) == p.user_id ? "provider" : "";
    if (rater.empty()) return forbidden("only the two parties rate each other");
    if (tx.query_one("SELECT 1 FROM vch_ratings WHERE contract_id = ? AND rater = ?", {contract_id, rater})) {
      return conflict("vouchers.already_rated", "already rated");
    }
    tx.exec("INSERT INTO vch_ratings (contract_id, rater, score, comment, created_at) VALUES (?,?,?,?,?)",
            {contract_id, rater, score, comment, core::format_utc(clock_.now())});
    return J{{"contract_id", contract_id}, {"rater", rater}, {"score", score}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::decide_flag(const P& p, const Ctx& c, const std::string& flag_id, bool uphold, const std::string& note) {
  auto f = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<std::pair<std::string, Issuer>> {
    auto r = tx.query_one("SELECT f.contract_id, c.issuer_code FROM vch_flags f JOIN vch_contracts c ON c.id = f.contract_id WHERE f.id = ?", {flag_id});
    if (!r) return not_found("flag", flag_id);
    auto is = load_issuer(tx, r->str(1));
    if (!is) return not_found("issuer", r->str(1));
    return std::pair{r->str(0), *is};
  });
  if (!f.ok()) return f.error();
  RL_TRY(officer_of(p, f->second));
  auto mark = [&](store::Tx& tx, const J&) -> Status {
    auto n = tx.exec("UPDATE vch_flags SET state = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ? AND state = 'open'",
                     {uphold ? "upheld" : "cleared", p.actor(), note, core::format_utc(clock_.now()), flag_id});
    if (n != 1) return conflict("vouchers.flag_decided", "the flag was already decided");
    return ok_status();
  };
  J payload{{"flag_id", flag_id}, {"decision", uphold ? "uphold" : "clear"}, {"note", note}};
  if (uphold) {
    // An upheld flag voids the contract's hold (R6).
    return resolve(p, c, f->first, "flag.decide", "rejected", {"held", "delivered", "accepted", "disputed"}, std::nullopt, payload, mark);
  }
  auto out = commands_.run(c, "vouchers", "flag.decide", payload, [&](store::Tx& tx) -> Result<J> {
    RL_TRY(mark(tx, J()));
    return J{{"flag_id", flag_id}, {"state", "cleared"}, {"contract_id", f->first}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::register_external_claim(const P& p, const Ctx& c, const std::string& reference, const std::string& issuer,
                                           const std::string& source, const std::string& kind) {
  if (!p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer)) return forbidden("only officers register claims");
  if (kind != "invoice" && kind != "contract") return Error::field("vouchers.bad_claim", "kind", "invoice or contract");
  if (reference.empty() || reference.size() > 64) return Error::field("vouchers.bad_claim", "invoice_no", "1..64 characters");
  if (issuer.empty()) return Error::field("vouchers.bad_claim", "issuer_code", "is required");
  if (source.empty()) return Error::field("vouchers.bad_claim", "source", "is required");
  auto out = commands_.run(c, "vouchers", "claim.register",
                           J{{"invoice_no", reference}, {"issuer_code", issuer}, {"source", source}, {"kind", kind}},
                           [&](store::Tx& tx) -> Result<J> {
    if (tx.query_one("SELECT 1 FROM vch_external_claims WHERE invoice_no = ? AND issuer_code = ?", {reference, issuer})) {
      return conflict("vouchers.claim_exists", reference + " is already registered for " + issuer);
    }
    tx.exec("INSERT INTO vch_external_claims (invoice_no, issuer_code, source, kind) VALUES (?,?,?,?)", {reference, issuer, source, kind});
    // An open contract of another issuer carrying this invoice, or this contract itself, is flagged now.
    std::optional<store::Row> hit = kind == "invoice"
        ? tx.query_one("SELECT c.id, c.issuer_code, c.state FROM vch_invoices i JOIN vch_contracts c ON c.id = i.contract_id WHERE i.invoice_no = ?", {reference})
        : tx.query_one("SELECT id, issuer_code, state FROM vch_contracts WHERE id = ?", {reference});
    J flagged;
    if (hit && hit->str(1) != issuer) {
      std::string st = hit->str(2);
      if (st == "held" || st == "delivered" || st == "accepted" || st == "disputed") {
        std::string fid = ids_.next();
        tx.exec("INSERT INTO vch_flags (id, contract_id, kind, detail, state, created_at) VALUES (?,?,?,?,?,?)",
                {fid, hit->str(0), "duplicate_claim", kind + " " + reference + " also claimed in " + issuer + " (" + source + ")", "open",
                 core::format_utc(clock_.now())});
        flagged = {{"flag_id", fid}, {"contract_id", hit->str(0)}};
      }
    }
    return J{{"invoice_no", reference}, {"issuer_code", issuer}, {"source", source}, {"kind", kind}, {"flagged", flagged}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

// ---------------------------------------------------------------- queries

Result<J> Service::get_contract(const P& p, const std::string& id) {
  auto k = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    auto ct = load_contract(tx, id);
    if (!ct.ok()) return ct.error();
    auto ent = load_party(tx, (*ct)["enterprise_id"]);
    auto prov = load_party(tx, (*ct)["provider_id"]);
    bool party = (ent.ok() && owns(p, *ent)) || (prov.ok() && owns(p, *prov));
    if (!party && !p.is(auth::Role::auditor) && !p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer)) {
      return not_found("contract", id);
    }
    (*ct)["enterprise"] = ent.ok() ? *ent : J();
    (*ct)["provider"] = prov.ok() ? *prov : J();
    if (!(*ct)["policy_id"].is_null()) {
      auto pr = tx.query_one(std::string("SELECT ") + kPolicyCols + " FROM vch_policies WHERE id = ?", {(*ct)["policy_id"].get<std::string>()});
      if (pr) (*ct)["policy"] = policy_json(policy_from_row(*pr));
    }
    J ev = J::array(), fl = J::array(), ob = J::array(), rt = J::array();
    for (auto& r : tx.query("SELECT id, filename, sha256, size_bytes FROM vch_evidence WHERE contract_id = ? ORDER BY created_at", {id})) {
      ev.push_back({{"id", r.str(0)}, {"filename", r.str(1)}, {"sha256", r.str(2)}, {"size_bytes", r.i64(3)}});
    }
    for (auto& r : tx.query("SELECT id, kind, detail, state, decided_by, decision_note FROM vch_flags WHERE contract_id = ? ORDER BY created_at", {id})) {
      fl.push_back({{"id", r.str(0)}, {"kind", r.str(1)}, {"detail", r.str(2)}, {"state", r.str(3)}, {"decided_by", oj(r.opt_str(4))}, {"note", oj(r.opt_str(5))}});
    }
    for (auto& r : tx.query("SELECT id, funder_code, payee_id, amount_fen, period, batch_id, transfer_id FROM vch_obligations WHERE contract_id = ? ORDER BY funder_code", {id})) {
      ob.push_back({{"id", r.str(0)}, {"funder_code", r.str(1)}, {"payee_id", r.str(2)}, {"amount_fen", r.i64(3)}, {"period", r.str(4)},
                    {"batch_id", oj(r.opt_str(5))}, {"transfer_id", oj(r.opt_str(6))}});
    }
    for (auto& r : tx.query("SELECT rater, score, comment FROM vch_ratings WHERE contract_id = ?", {id})) {
      rt.push_back({{"rater", r.str(0)}, {"score", r.i64(1)}, {"comment", r.str(2)}});
    }
    (*ct)["evidence"] = ev;
    (*ct)["flags"] = fl;
    (*ct)["obligations"] = ob;
    (*ct)["ratings"] = rt;
    return *ct;
  });
  if (!k.ok()) return k.error();
  // The ledger's view: the transfers behind the hold and its resolution.
  std::vector<Id128> ids;
  for (auto key : {"hold_ids", "resolve_ids"}) for (auto& s : (*k)[key]) ids.push_back(*Id128::parse(s.get<std::string>()));
  for (auto& o : (*k)["obligations"]) if (o["transfer_id"].is_string()) ids.push_back(*Id128::parse(o["transfer_id"].get<std::string>()));
  auto ts = ledger_.lookup_transfers(ids);
  if (!ts.ok()) return ts.error();
  J le = J::array();
  for (auto& t : *ts) {
    le.push_back({{"id", t.id.str()}, {"debit_account_id", t.debit_account_id.str()}, {"credit_account_id", t.credit_account_id.str()},
                  {"amount", t.amount}, {"pending_id", t.pending_id.is_zero() ? J() : J(t.pending_id.str())}, {"ledger", t.ledger},
                  {"code", t.code}, {"flags", t.flags}, {"timestamp", ledger::format_ledger_ts(t.timestamp)}});
  }
  (*k)["ledger_transfers"] = le;
  return *k;
}

Result<J> Service::list_contracts(const P& p, const std::optional<std::string>& state, int limit) {
  limit = std::clamp(limit, 1, 500);
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    std::string sql = std::string("SELECT ") + kContractCols + " FROM vch_contracts c WHERE 1=1";
    store::Params prm;
    if (state) { sql += " AND state = ?"; prm.push(*state); }
    if (p.is(auth::Role::enterprise) || p.is(auth::Role::provider)) {
      sql += " AND (enterprise_id IN (SELECT id FROM vch_parties WHERE user_id = ?) OR provider_id IN (SELECT id FROM vch_parties WHERE user_id = ?))";
      prm.push(p.user_id);
      prm.push(p.user_id);
    } else if (p.is(auth::Role::officer)) {
      sql += " AND issuer_code IN (SELECT code FROM vch_issuers WHERE division_code <> '' AND (division_code = ? OR substr(division_code, 1, 2) = ?))";
      prm.push(p.division_code);
      prm.push(p.division_code.substr(0, 2));
    } else if (!p.is(auth::Role::platform_admin) && !p.is(auth::Role::auditor)) {
      return forbidden("no access to contracts");
    }
    sql += " ORDER BY created_at DESC LIMIT " + std::to_string(limit);
    J a = J::array();
    for (auto& r : tx.query(sql, prm)) a.push_back(contract_json(r));
    return J{{"items", a}};
  });
}

Result<J> Service::list_demands(const P& p, int limit) {
  limit = std::clamp(limit, 1, 500);
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    std::string sql = "SELECT d.id, d.enterprise_id, d.title, d.description, d.category, d.budget_fen, d.state, d.created_at, "
                      "(SELECT COUNT(*) FROM vch_quotes q WHERE q.demand_id = d.id) FROM vch_demands d";
    store::Params prm;
    if (p.is(auth::Role::enterprise)) {
      sql += " WHERE d.enterprise_id IN (SELECT id FROM vch_parties WHERE user_id = ?)";
      prm.push(p.user_id);
    } else {
      sql += " WHERE d.state = 'open' OR 1 = ?";
      prm.push(int64_t{p.is(auth::Role::provider) ? 0 : 1});
    }
    sql += " ORDER BY d.created_at DESC LIMIT " + std::to_string(limit);
    J a = J::array();
    for (auto& r : tx.query(sql, prm)) {
      a.push_back({{"id", r.str(0)}, {"enterprise_id", r.str(1)}, {"title", r.str(2)}, {"description", r.str(3)}, {"category", r.str(4)},
                   {"budget_fen", r.i64(5)}, {"state", r.str(6)}, {"created_at", r.str(7)}, {"quotes", r.i64(8)}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::list_quotes(const P&, const std::string& demand_id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT q.id, q.provider_id, p.name, p.division_code, q.service_id, q.amount_fen, q.note, q.state, "
                            "(SELECT AVG(score) FROM vch_ratings rt JOIN vch_contracts c ON c.id = rt.contract_id WHERE c.provider_id = q.provider_id AND rt.rater = 'enterprise') "
                            "FROM vch_quotes q JOIN vch_parties p ON p.id = q.provider_id WHERE q.demand_id = ? ORDER BY q.amount_fen", {demand_id})) {
      a.push_back({{"id", r.str(0)}, {"provider_id", r.str(1)}, {"provider_name", r.str(2)}, {"provider_division", r.str(3)},
                   {"service_id", oj(r.opt_str(4))}, {"amount_fen", r.i64(5)}, {"note", r.str(6)}, {"state", r.str(7)},
                   {"provider_rating", r.is_null(8) ? J() : J(r.f64(8))}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::list_flags(const P& p, const std::optional<std::string>& state) {
  if (!p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer) && !p.is(auth::Role::auditor)) return forbidden("officers only");
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    std::string sql = "SELECT f.id, f.contract_id, f.kind, f.detail, f.state, f.decided_by, f.decision_note, f.created_at, c.issuer_code, "
                      "c.amount_fen, c.voucher_fen, i.division_code FROM vch_flags f JOIN vch_contracts c ON c.id = f.contract_id "
                      "JOIN vch_issuers i ON i.code = c.issuer_code";
    store::Params prm;
    if (state) { sql += " WHERE f.state = ?"; prm.push(*state); }
    sql += " ORDER BY f.created_at DESC LIMIT 500";
    for (auto& r : tx.query(sql, prm)) {
      if (p.is(auth::Role::officer) && !auth::require_jurisdiction(p, r.str(11)).ok()) continue;
      a.push_back({{"id", r.str(0)}, {"contract_id", r.str(1)}, {"kind", r.str(2)}, {"detail", r.str(3)}, {"state", r.str(4)},
                   {"decided_by", oj(r.opt_str(5))}, {"note", oj(r.opt_str(6))}, {"created_at", r.str(7)}, {"issuer_code", r.str(8)},
                   {"amount_fen", r.i64(9)}, {"voucher_fen", r.i64(10)}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::contract_audit(const P& p, const std::string& id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    auto ct = load_contract(tx, id);
    if (!ct.ok()) return ct.error();
    auto ent = load_party(tx, (*ct)["enterprise_id"]);
    auto prov = load_party(tx, (*ct)["provider_id"]);
    bool party = (ent.ok() && owns(p, *ent)) || (prov.ok() && owns(p, *prov));
    if (!party && !p.is(auth::Role::auditor) && !p.is(auth::Role::platform_admin) && !p.is(auth::Role::officer)) {
      return not_found("contract", id);
    }
    // Commands name the contract, its quote or its demand in their payload; flag decisions name the flag.
    std::vector<std::string> keys = {id};
    for (auto k : {"quote_id", "demand_id"}) if ((*ct)[k].is_string()) keys.push_back((*ct)[k]);
    for (auto& r : tx.query("SELECT id FROM vch_flags WHERE contract_id = ?", {id})) keys.push_back(r.str(0));
    std::string sql = "SELECT seq, at, actor, command, payload, hash FROM audit_log WHERE module = 'vouchers' AND (";
    store::Params prm;
    for (size_t i = 0; i < keys.size(); ++i) {
      sql += i ? " OR payload LIKE ?" : "payload LIKE ?";
      prm.push("%\"" + keys[i] + "\"%");
    }
    sql += ") ORDER BY seq";
    J a = J::array();
    for (auto& r : tx.query(sql, prm)) {
      a.push_back({{"seq", r.i64(0)}, {"at", r.str(1)}, {"actor", r.str(2)}, {"command", r.str(3)},
                   {"payload", parse_or(r.str(4), J::object())}, {"hash", r.str(5)}});
    }
    return J{{"contract_id", id}, {"items", a}};
  });
}

Result<J> Service::my_services(const P& p) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT s.id, s.provider_id, s.provider_name, s.kind, s.name, s.description, s.category, s.price_fen, "
                            "s.division_code, s.available FROM vch_services s JOIN vch_parties p ON p.id = s.provider_id "
                            "WHERE p.user_id = ? ORDER BY s.created_at DESC, s.id LIMIT 500", {p.user_id})) {
      a.push_back({{"id", r.str(0)}, {"provider_id", r.str(1)}, {"provider_name", r.str(2)}, {"kind", r.str(3)}, {"name", r.str(4)},
                   {"description", r.str(5)}, {"category", r.str(6)}, {"price_fen", r.i64(7)}, {"division_code", r.str(8)},
                   {"available", r.i64(9) != 0}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::payouts(const P& p, int limit) {
  limit = std::clamp(limit, 1, 500);
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    std::string sql = "SELECT o.id, o.contract_id, c.title, o.funder_code, o.payee_id, o.amount_fen, o.period, o.batch_id, o.transfer_id, "
                      "b.created_at, i.division_code FROM vch_obligations o JOIN vch_contracts c ON c.id = o.contract_id "
                      "JOIN vch_issuers i ON i.code = o.funder_code LEFT JOIN vch_batches b ON b.id = o.batch_id";
    store::Params prm;
    bool officer = p.is(auth::Role::officer);
    if (p.is(auth::Role::enterprise) || p.is(auth::Role::provider)) {
      sql += " WHERE o.payee_id IN (SELECT id FROM vch_parties WHERE user_id = ?)";
      prm.push(p.user_id);
    } else if (!officer && !p.is(auth::Role::platform_admin) && !p.is(auth::Role::auditor)) {
      return forbidden("no access to payouts");
    }
    sql += " ORDER BY o.period DESC, o.id DESC";
    J a = J::array();
    int64_t paid = 0, due = 0;
    for (auto& r : tx.query(sql, prm)) {
      if (officer && (r.str(10).empty() || !auth::require_jurisdiction(p, r.str(10)).ok())) continue;
      bool is_paid = !r.is_null(7);
      (is_paid ? paid : due) += r.i64(5);
      if (static_cast<int>(a.size()) >= limit) continue;
      a.push_back({{"obligation_id", r.str(0)}, {"contract_id", r.str(1)}, {"title", r.str(2)}, {"funder_code", r.str(3)},
                   {"payee_id", r.str(4)}, {"amount_fen", r.i64(5)}, {"period", r.str(6)}, {"batch_id", oj(r.opt_str(7))},
                   {"transfer_id", oj(r.opt_str(8))}, {"paid_at", oj(r.opt_str(9))}, {"state", is_paid ? "paid" : "due"}});
    }
    return J{{"items", a}, {"paid_fen", paid}, {"due_fen", due}};
  });
}

// ---------------------------------------------------------------- settlement

Result<J> Service::settle(const P& p, const Ctx& c, const std::string& issuer, const std::string& period) {
  if (period.size() != 7 || !valid_date(period + "-01")) return Error::field("vouchers.bad_period", "period", "must be YYYY-MM");
  struct Ob { std::string id, contract, payee, pdiv; int64_t amount; int year; };
  const std::string day = today();
  std::string publicity_until;  // the latest end of a publicity window that held an obligation back
  auto pre = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<std::pair<Issuer, std::vector<Ob>>> {
    auto is = load_issuer(tx, issuer);
    if (!is) return Error::field("vouchers.unknown_issuer", "issuer_code", "unknown issuer " + issuer);
    std::vector<Ob> obs;
    std::map<std::string, uint32_t> publicity;  // policy id → publicity_days
    for (auto& r : tx.query("SELECT o.id, o.contract_id, o.payee_id, o.payee_division, o.amount_fen, o.fiscal_year, c.approved_on, c.policy_id "
                            "FROM vch_obligations o JOIN vch_contracts c ON c.id = o.contract_id WHERE o.funder_code = ? AND o.period = ? "
                            "AND o.batch_id IS NULL AND c.state = 'approved' ORDER BY o.id", {issuer, period})) {
      // The redemption list is publicised for the policy's publicity_days from approval (公示);
      // an obligation is paid only after its window has ended.
      if (!r.is_null(6) && !r.is_null(7)) {
        auto [it, fresh] = publicity.try_emplace(r.str(7), 0);
        if (fresh) {
          if (auto pr = tx.query_one("SELECT params FROM vch_policies WHERE id = ?", {r.str(7)})) {
            auto pp = parse_params(parse_or(pr->str(0), J::object()));
            if (pp.ok()) it->second = pp->publicity_days;
          }
        }
        std::string until = add_days(r.str(6), static_cast<int>(it->second));
        if (until > day) {
          publicity_until = std::max(publicity_until, until);
          continue;
        }
      }
      obs.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.i64(4), static_cast<int>(r.i64(5))});
    }
    return std::pair{*is, obs};
  });
  if (!pre.ok()) return pre.error();
  if (pre->second.empty() && !publicity_until.empty()) {
    RL_TRY(officer_of(p, pre->first));
    return conflict("vouchers.in_publicity", "the approved obligations of " + issuer + " in " + period +
                                                 " are still in their publicity window (until " + publicity_until + ")");
  }
  RL_TRY(officer_of(p, pre->first));
  std::lock_guard lk(stripe("settle:" + issuer));
  const auto& is = pre->first;
  auto& obs = pre->second;
  // R8 (gross, Mode A): PAYABLE → DISBURSED, one transfer per obligation, its id derived from
  // the obligation: a second run, or a concurrent one, finds it in the ledger and pays nothing twice.
  std::vector<Account> accts;
  std::vector<Transfer> ts;
  std::set<int> years;
  for (auto& o : obs) years.insert(o.year);
  for (int y : years) accts.push_back(disbursed(issuer, y, is.division));
  RL_TRY(ensure_accounts(ledger_, accts, p.actor()));
  for (auto& o : obs) {
    ts.push_back(xfer(derive_id("pay:" + o.id), payable(issuer, o.year, o.payee, is.division), disbursed(issuer, o.year, is.division),
                      o.amount, codes::pay, 0, o.id));
  }
  for (size_t at = 0; at < ts.size(); at += 4000) {
    std::span<const Transfer> part(ts.data() + at, std::min<size_t>(4000, ts.size() - at));
    auto r = ledger_.create_transfers(part, p.actor());
    if (!r.ok()) return r.error();
    for (auto& res : r->results) if (!ledger::succeeded(res.result)) return ledger::to_error(res.result);
  }
  std::string csv = "obligation_id,contract_id,funder,payee_id,payee_division,amount_fen,amount_yuan,transfer_id\n";
  int64_t total = 0;
  for (size_t i = 0; i < obs.size(); ++i) {
    csv += obs[i].id + "," + obs[i].contract + "," + issuer + "," + obs[i].payee + "," + obs[i].pdiv + "," + std::to_string(obs[i].amount) +
           "," + core::Fen(obs[i].amount).to_yuan_string() + "," + ts[i].id.str() + "\n";
    total += obs[i].amount;
  }
  auto out = commands_.run(c, "vouchers", "settlement.run", J{{"issuer_code", issuer}, {"period", period}}, [&](store::Tx& tx) -> Result<J> {
    tx.lock("vch:settle:" + issuer);
    std::string id = ids_.next();
    int n = 0;
    for (size_t i = 0; i < obs.size(); ++i) {
      n += static_cast<int>(tx.exec("UPDATE vch_obligations SET batch_id = ?, transfer_id = ? WHERE id = ? AND batch_id IS NULL",
                                    {id, ts[i].id.str(), obs[i].id}));
    }
    if (static_cast<size_t>(n) != obs.size()) return conflict("vouchers.settlement_race", "another settlement run took some obligations; retry");
    if (n == 0) return conflict("vouchers.nothing_to_settle", "no approved, unpaid obligations of " + issuer + " in " + period);
    tx.exec("INSERT INTO vch_batches (id, issuer_code, period, total_fen, obligations, manifest_sha256, created_at) VALUES (?,?,?,?,?,?,?)",
            {id, issuer, period, total, n, core::sha256_hex(csv), core::format_utc(clock_.now())});
    // A contract is settled once every funder has paid its share.
    tx.exec("UPDATE vch_contracts SET state = 'settled' WHERE state = 'approved' AND id IN (SELECT contract_id FROM vch_obligations WHERE batch_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM vch_obligations o WHERE o.contract_id = vch_contracts.id AND o.batch_id IS NULL)", {id});
    return J{{"id", id}, {"issuer_code", issuer}, {"period", period}, {"total_fen", total}, {"obligations", n},
             {"manifest_sha256", core::sha256_hex(csv)}, {"held_in_publicity_until", publicity_until.empty() ? J() : J(publicity_until)}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<J> Service::list_batches(const std::optional<std::string>& issuer) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    auto rows = issuer ? tx.query("SELECT id, issuer_code, period, total_fen, obligations, manifest_sha256, created_at FROM vch_batches WHERE issuer_code = ? ORDER BY created_at DESC", {*issuer})
                       : tx.query("SELECT id, issuer_code, period, total_fen, obligations, manifest_sha256, created_at FROM vch_batches ORDER BY created_at DESC");
    for (auto& r : rows) {
      a.push_back({{"id", r.str(0)}, {"issuer_code", r.str(1)}, {"period", r.str(2)}, {"total_fen", r.i64(3)}, {"obligations", r.i64(4)},
                   {"manifest_sha256", r.str(5)}, {"created_at", r.str(6)}});
    }
    return J{{"items", a}};
  });
}

Result<std::string> Service::batch_csv(const std::string& batch_id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<std::string> {
    auto b = tx.query_one("SELECT issuer_code FROM vch_batches WHERE id = ?", {batch_id});
    if (!b) return not_found("batch", batch_id);
    std::string csv = "obligation_id,contract_id,funder,payee_id,payee_division,amount_fen,amount_yuan,transfer_id\n";
    for (auto& r : tx.query("SELECT id, contract_id, funder_code, payee_id, payee_division, amount_fen, transfer_id FROM vch_obligations "
                            "WHERE batch_id = ? ORDER BY id", {batch_id})) {
      csv += r.str(0) + "," + r.str(1) + "," + r.str(2) + "," + r.str(3) + "," + r.str(4) + "," + std::to_string(r.i64(5)) + "," +
             core::Fen(r.i64(5)).to_yuan_string() + "," + r.str(6) + "\n";
    }
    return csv;
  });
}

Result<J> Service::flow_matrix(const std::string& from, const std::string& to, bool netting) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    std::map<std::string, std::string> funder_prov;
    for (auto& r : tx.query("SELECT code, division_code FROM vch_issuers")) funder_prov[r.str(0)] = r.str(1).empty() ? r.str(0) : province_of(r.str(1));
    std::map<std::string, std::map<std::string, int64_t>> gross;
    J cells = J::array();
    // Issuer × provider location (in 通用 mode the payee is the enterprise, the service still crossed the border).
    for (auto& r : tx.query("SELECT o.funder_code, substr(c.provider_division, 1, 2), COUNT(*), SUM(o.amount_fen) FROM vch_obligations o "
                            "JOIN vch_contracts c ON c.id = o.contract_id WHERE o.period >= ? AND o.period <= ? "
                            "GROUP BY o.funder_code, substr(c.provider_division, 1, 2) ORDER BY 1, 2", {from, to})) {
      std::string recv = r.str(1) + "0000";
      cells.push_back({{"funder", r.str(0)}, {"funder_province", funder_prov[r.str(0)]}, {"payee_province", recv},
                       {"count", r.i64(2)}, {"amount_fen", r.i64(3)}});
      gross[funder_prov[r.str(0)]][recv] += r.i64(3);
    }
    J out{{"from", from}, {"to", to}, {"cells", cells}};
    if (netting) {
      auto n = net_positions(gross);
      J net = J::array();
      int64_t moved_gross = 0, moved_net = 0;
      for (auto& [a, row] : gross) for (auto& [b, v] : row) if (a != b) moved_gross += v;
      for (auto& [j, v] : n) {
        net.push_back({{"jurisdiction", j}, {"net_fen", v}, {"role", v > 0 ? "pays_in" : v < 0 ? "receives" : "flat"}});
        if (v > 0) moved_net += v;
      }
      out["netting"] = {{"positions", net}, {"gross_cross_border_fen", moved_gross}, {"net_moved_fen", moved_net}};
    }
    return out;
  });
}

// ---------------------------------------------------------------- reports

Result<J> Service::report_flows(const std::string& from, const std::string& to) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT substr(signed_on, 1, 7), substr(enterprise_division, 1, 2), substr(provider_division, 1, 2), COUNT(*), "
                            "SUM(amount_fen), SUM(voucher_fen) FROM vch_contracts WHERE signed_on IS NOT NULL AND substr(signed_on, 1, 7) >= ? "
                            "AND substr(signed_on, 1, 7) <= ? AND state NOT IN ('draft','cancelled','rejected','expired') "
                            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", {from, to})) {
      a.push_back({{"month", r.str(0)}, {"enterprise_province", r.str(1) + "0000"}, {"provider_province", r.str(2) + "0000"},
                   {"count", r.i64(3)}, {"amount_fen", r.i64(4)}, {"voucher_fen", r.i64(5)}});
    }
    return J{{"from", from}, {"to", to}, {"items", a}};
  });
}

Result<J> Service::report_budgets(std::optional<int> year) {
  auto rows = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    auto rs = year ? tx.query("SELECT b.issuer_code, b.year, b.appropriated_fen, i.division_code, i.name_zh, i.name_en FROM vch_budgets b JOIN vch_issuers i ON i.code = b.issuer_code WHERE b.year = ? ORDER BY 1", {*year})
                   : tx.query("SELECT b.issuer_code, b.year, b.appropriated_fen, i.division_code, i.name_zh, i.name_en FROM vch_budgets b JOIN vch_issuers i ON i.code = b.issuer_code ORDER BY 2 DESC, 1");
    for (auto& r : rs) {
      a.push_back({{"issuer_code", r.str(0)}, {"year", r.i64(1)}, {"appropriated_fen", r.i64(2)}, {"division", r.str(3)},
                   {"name_zh", r.str(4)}, {"name_en", r.str(5)}});
    }
    return a;
  });
  if (!rows.ok()) return rows.error();
  for (auto& b : *rows) {
    int y = static_cast<int>(b["year"].get<int64_t>());
    auto ba = budget(b["issuer_code"], y, b["division"]), da = disbursed(b["issuer_code"], y, b["division"]);
    std::vector<Id128> ids = {ba.id, da.id};
    auto as = ledger_.lookup_accounts(ids);
    if (!as.ok()) return as.error();
    for (auto& a : *as) {
      if (a.id == ba.id) {
        b["ledger_appropriated_fen"] = a.balances.credits_posted;
        b["held_fen"] = a.balances.debits_pending;
        b["committed_fen"] = a.balances.debits_posted;
        b["available_fen"] = a.balances.credits_posted - a.balances.debits_pending - a.balances.debits_posted;
        int64_t cp = a.balances.credits_posted;
        b["utilisation_bp"] = cp > 0 ? (a.balances.debits_pending + a.balances.debits_posted) * 10000 / cp : 0;
      } else {
        b["paid_fen"] = a.balances.credits_posted;
      }
    }
    b.erase("division");
  }
  // Burn-down: approved (committed) amounts per issuer and month.
  auto burn = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT funder_code, period, SUM(amount_fen) FROM vch_obligations GROUP BY funder_code, period ORDER BY 1, 2")) {
      a.push_back({{"issuer_code", r.str(0)}, {"period", r.str(1)}, {"approved_fen", r.i64(2)}});
    }
    return a;
  });
  if (!burn.ok()) return burn.error();
  return J{{"budgets", *rows}, {"burn_down", *burn}};
}

Result<J> Service::report_categories(int limit) {
  limit = std::clamp(limit, 1, 100);
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT category, COUNT(*), SUM(amount_fen), SUM(voucher_fen) FROM vch_contracts WHERE signed_on IS NOT NULL "
                            "AND state NOT IN ('draft','cancelled','rejected','expired') GROUP BY category ORDER BY 3 DESC LIMIT " + std::to_string(limit))) {
      a.push_back({{"category", r.str(0)}, {"count", r.i64(1)}, {"amount_fen", r.i64(2)}, {"voucher_fen", r.i64(3)}});
    }
    return J{{"items", a}};
  });
}

Result<J> Service::report_summary() {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    const std::string live = " WHERE signed_on IS NOT NULL AND state NOT IN ('draft','cancelled','rejected','expired')";
    auto t = tx.query_one("SELECT COUNT(*), COALESCE(SUM(amount_fen), 0), COALESCE(SUM(voucher_fen), 0) FROM vch_contracts" + live);
    J pairs = J::array();
    for (auto& r : tx.query("SELECT substr(enterprise_division, 1, 2), substr(provider_division, 1, 2), COUNT(*), SUM(amount_fen) "
                            "FROM vch_contracts" + live + " GROUP BY 1, 2 ORDER BY 1, 2")) {
      pairs.push_back({{"enterprise_province", r.str(0) + "0000"}, {"provider_province", r.str(1) + "0000"}, {"count", r.i64(2)},
                       {"amount_fen", r.i64(3)}});
    }
    J states = J::object();
    for (auto& r : tx.query("SELECT state, COUNT(*) FROM vch_contracts GROUP BY state")) states[r.str(0)] = r.i64(1);
    auto paid = tx.query_one("SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM vch_obligations WHERE batch_id IS NOT NULL");
    return J{{"orders", t->i64(0)}, {"amount_fen", t->i64(1)}, {"voucher_fen", t->i64(2)}, {"pairs", pairs}, {"states", states},
             {"paid_fen", paid->i64(0)}, {"paid_obligations", paid->i64(1)}};
  });
}

Result<std::vector<std::string>> Service::check_consistency() {
  auto rows = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query(std::string("SELECT ") + kContractCols + " FROM vch_contracts ORDER BY id")) a.push_back(contract_json(r));
    return a;
  });
  if (!rows.ok()) return rows.error();
  std::vector<std::string> bad;
  for (auto& k : *rows) {
    std::string id = k["id"], st = k["state"];
    auto allow = contract_allow(id, "");
    auto as = ledger_.lookup_accounts(std::span(&allow.id, 1));
    if (!as.ok()) return as.error();
    ledger::Balances b;
    if (!as->empty()) b = (*as)[0].balances;
    int64_t v = k["voucher_fen"], ap = k["approved_fen"];
    bool ok = true;
    if (st == "draft") ok = b.debits_pending == 0 && b.debits_posted == 0;
    else if (st == "held" || st == "delivered" || st == "accepted" || st == "disputed") ok = b.debits_pending == v && b.debits_posted == 0;
    else if (st == "approved" || st == "settled") ok = b.debits_pending == 0 && b.debits_posted == ap;
    else ok = b.debits_pending == 0 && b.debits_posted == 0;  // cancelled, rejected, expired
    if (!ok) {
      bad.push_back(id + ": state " + st + " but CONTRACT_ALLOW pending " + std::to_string(b.debits_pending) + " posted " +
                    std::to_string(b.debits_posted));
    }
    std::vector<Id128> ids;
    for (auto key : {"hold_ids", "resolve_ids"}) for (auto& s : k[key]) ids.push_back(*Id128::parse(s.get<std::string>()));
    auto ts = ledger_.lookup_transfers(ids);
    if (!ts.ok()) return ts.error();
    if (ts->size() != ids.size()) bad.push_back(id + ": " + std::to_string(ids.size() - ts->size()) + " recorded transfers missing from the ledger");
  }
  // Every settled obligation was paid exactly once: its payout transfer exists with its amount.
  auto obs = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    J a = J::array();
    for (auto& r : tx.query("SELECT id, amount_fen, transfer_id FROM vch_obligations WHERE batch_id IS NOT NULL")) {
      a.push_back({r.str(0), r.i64(1), r.str(2)});
    }
    return a;
  });
  if (!obs.ok()) return obs.error();
  for (auto& o : *obs) {
    Id128 tid = *Id128::parse(o[2].get<std::string>());
    auto t = ledger_.lookup_transfers(std::span(&tid, 1));
    if (!t.ok()) return t.error();
    if (t->size() != 1 || (*t)[0].amount != o[1].get<int64_t>()) bad.push_back("obligation " + o[0].get<std::string>() + " payout missing or wrong");
  }
  return bad;
}

}  // namespace riverlink::vouchers
