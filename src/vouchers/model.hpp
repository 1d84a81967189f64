// Voucher rules as plain, deterministic functions: the policy-version record, the redemption
// amount (vouchers.md §6: floor, basis points, caps), the funding split (largest remainder),
// multilateral netting (§10.3) and the ledger ids the module derives. No I/O, no clock.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/fen.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "ledger/types.hpp"

namespace riverlink::vouchers {

enum class PayeeMode { provider_redeems /*通兑*/, enterprise_reimbursed /*通用*/ };
std::string_view payee_mode_name(PayeeMode m);

struct CategoryRule {
  std::string code;
  std::optional<uint32_t> ratio_bp;             // overrides the default ratio
  std::optional<int64_t> per_contract_cap_fen;  // tighter cap for this category
};

struct FundingShare {
  std::string issuer;  // issuer code, e.g. "JS" and the city co-issuer "JS-SZ"
  uint32_t share_bp = 0;
};

// Every money rule of one policy version. Parsed from and written to JSON (vch_policies.params).
struct PolicyParams {
  uint32_t ratio_bp = 0;                    // share of the eligible amount the voucher may cover
  int64_t per_contract_cap_fen = 0;
  int64_t enterprise_annual_cap_fen = 0;
  int64_t group_annual_cap_fen = 0;         // same actual controller; 0 = no group cap
  std::vector<CategoryRule> categories;     // eligible categories
  std::vector<std::string> recognised_provider_divisions;  // province (or finer) codes
  PayeeMode payee_mode = PayeeMode::provider_redeems;
  uint32_t validity_days = 365;             // grant validity from issue
  int64_t annual_budget_fen = 0;
  std::vector<FundingShare> funding;        // Σ share_bp = 10000
  bool related_party_forbidden = true;
  bool duplicate_subsidy_forbidden = true;
  uint32_t price_deviation_bp = 5000;       // flag when |price − catalogue| > this share of catalogue
  uint32_t publicity_days = 0;
  std::string settlement_cycle = "monthly";
};

Result<PolicyParams> parse_params(const core::Json& j);  // field errors name "params.<field>"
core::Json to_json(const PolicyParams& p);

struct Policy {
  std::string id;
  std::string issuer_code;
  int version = 0;
  std::string doc_ref;
  std::string label;
  std::string effective_from;  // YYYY-MM-DD
  std::string effective_to;
  PolicyParams params;
  bool covers(const std::string& date) const { return effective_from <= date && date <= effective_to; }
};

struct Share {
  std::string issuer;
  int64_t amount_fen = 0;
};

struct VoucherCalc {
  int64_t by_ratio_fen = 0;
  int64_t max_voucher_fen = 0;  // min(by_ratio, contract cap, category cap)
  int64_t copay_fen = 0;
  std::vector<Share> split;     // Σ amount = max_voucher
};

// Returns nullopt when the category is not eligible under the policy.
std::optional<VoucherCalc> compute_voucher(const PolicyParams& p, const std::string& category,
                                           int64_t amount_fen);
// Splits `total` by share_bp with the largest-remainder method: Σ parts == total exactly.
std::vector<Share> split_funding(const std::vector<FundingShare>& f, int64_t total);

// Multilateral netting: gross[payer][receiver] → net position per jurisdiction
// (> 0: pays in, < 0: receives). Σ net == 0.
std::map<std::string, int64_t> net_positions(
    const std::map<std::string, std::map<std::string, int64_t>>& gross);

// Deterministic ledger ids: accounts from their name, transfers from a digest of the
// command's (actor, idempotency key) and the leg index.
ledger::Id128 derive_id(const std::string& text);
std::string command_digest(const std::string& actor, const std::string& idem_key);

bool valid_date(const std::string& s);  // YYYY-MM-DD
std::string add_days(const std::string& date, int days);

}  // namespace riverlink::vouchers
