// Vouchers service: issuers and versioned policies, the catalogue, the marketplace
// (demands → quotes → contracts → delivery → acceptance), redemption on the ledger,
// anti-fraud flags, settlement and reports.
//
// Every state change is one audit::CommandRunner command. Steps that move quota or money
// first submit deterministic ledger transfers (ids derived from the command's actor,
// idempotency key and leg index; the ledger's limit flags refuse over-cap claims), then
// record the workflow state in the command; a replay of the same key finds the transfers
// already in the ledger ("exists") and the command's first result.
// Thread-safety: all members are thread-safe.
#pragma once
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "ledger/service.hpp"
#include "store/db.hpp"
#include "vouchers/model.hpp"

namespace riverlink::vouchers {

std::vector<store::Migration> migrations();

// Ledger account codes (ledger.md §3.3).
namespace codes {
inline constexpr uint16_t treasury_src = 1001, budget_avail = 1002, payable = 2001, disbursed = 2002,
                          quota_src = 5001, ent_quota = 5002, ent_used = 5003, grp_quota = 5004,
                          grp_used = 5005, contract_allow = 5006, contract_used = 5007;
// Transfer reason codes.
inline constexpr uint16_t appropriate = 1, grant = 2, registration = 3, hold = 4, pay = 8;
}  // namespace codes

struct SearchQuery {
  std::string text;                      // free text (Chinese or English); empty = all
  std::optional<std::string> category;
  std::optional<std::string> division;   // services located within this division
  std::optional<std::string> kind;       // service | instrument
  std::optional<int64_t> max_price_fen;
  std::optional<std::string> recognised_by;  // issuer code: only providers it recognises
  int limit = 20;                        // 1..100
};

using J = core::Json;
using P = auth::Principal;
using Ctx = audit::CommandContext;

class Service {
 public:
  Service(store::Database& db, audit::CommandRunner& commands, ledger::Service& ledger,
          const core::Clock& clock, core::IdGenerator& ids);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Issuers, policies, budgets.
  Result<J> upsert_issuer(const P& p, const Ctx& c, const J& body);
  Result<J> publish_policy(const P& p, const Ctx& c, const J& body);
  Result<J> appropriate(const P& p, const Ctx& c, const std::string& issuer, int year, int64_t amount_fen);
  Result<J> list_issuers();
  Result<J> list_policies(const std::optional<std::string>& issuer);
  Result<J> get_policy(const std::string& id);

  // Parties and catalogue.
  Result<J> register_party(const P& p, const Ctx& c, const J& body);
  Result<J> recognise(const P& p, const Ctx& c, const std::string& provider_id, const std::string& issuer,
                      const std::string& state);
  Result<J> add_service(const P& p, const Ctx& c, const J& body);
  Result<J> search(const SearchQuery& q);
  Result<J> get_party(const std::string& id);
  Result<J> my_party(const P& p);

  // Voucher grants (R2) and quota view.
  Result<J> grant(const P& p, const Ctx& c, const std::string& enterprise_id, const std::string& issuer, int year);
  Result<J> quota(const P& p, const std::string& enterprise_id);

  // Marketplace.
  Result<J> post_demand(const P& p, const Ctx& c, const J& body);
  Result<J> submit_quote(const P& p, const Ctx& c, const std::string& demand_id, const J& body);
  Result<J> award(const P& p, const Ctx& c, const std::string& quote_id);  // → draft contract
  Result<J> sign(const P& p, const Ctx& c, const std::string& contract_id,
                 const std::optional<std::string>& policy_id);            // → held (R3 + R4)
  Result<J> deliver(const P& p, const Ctx& c, const std::string& contract_id, const J& evidence);
  Result<J> accept(const P& p, const Ctx& c, const std::string& contract_id, const std::string& invoice_no);
  Result<J> dispute(const P& p, const Ctx& c, const std::string& contract_id, const std::string& reason);
  Result<J> review(const P& p, const Ctx& c, const std::string& contract_id, bool approve,
                   std::optional<int64_t> approved_fen, const std::string& note);  // R5 / R6
  Result<J> cancel(const P& p, const Ctx& c, const std::string& contract_id);       // R6
  Result<J> expire_due(const P& p, const Ctx& c);                                   // R7
  Result<J> rate(const P& p, const Ctx& c, const std::string& contract_id, int score, const std::string& comment);
  Result<J> decide_flag(const P& p, const Ctx& c, const std::string& flag_id, bool uphold, const std::string& note);
  // kind "invoice": an invoice number; kind "contract": this platform's contract id. A claim that
  // matches an open contract of another issuer flags it (duplicate_claim) for an officer.
  Result<J> register_external_claim(const P& p, const Ctx& c, const std::string& reference,
                                    const std::string& issuer, const std::string& source,
                                    const std::string& kind = "invoice");

  Result<J> get_contract(const P& p, const std::string& id);
  Result<J> list_contracts(const P& p, const std::optional<std::string>& state, int limit);
  Result<J> list_demands(const P& p, int limit);
  Result<J> list_quotes(const P& p, const std::string& demand_id);
  Result<J> list_flags(const P& p, const std::optional<std::string>& state);
  // The audit entries of a contract's commands (demand, quote, award, sign ... flags), oldest first.
  Result<J> contract_audit(const P& p, const std::string& id);
  // The caller's own catalogue entries (providers) and payouts (payees; officers: their issuers').
  Result<J> my_services(const P& p);
  Result<J> payouts(const P& p, int limit);

  // Settlement (R8, gross Mode A) and its reports.
  Result<J> settle(const P& p, const Ctx& c, const std::string& issuer, const std::string& period);
  Result<J> list_batches(const std::optional<std::string>& issuer);
  Result<std::string> batch_csv(const std::string& batch_id);
  Result<J> flow_matrix(const std::string& period_from, const std::string& period_to, bool netting);

  // Reports.
  Result<J> report_flows(const std::string& from_month, const std::string& to_month);
  Result<J> report_budgets(std::optional<int> year);
  Result<J> report_categories(int limit);
  // Order totals straight from the contracts table (the figures the flow chart must add up to).
  Result<J> report_summary();

  // Workflow ↔ ledger agreement (INV-12): one line per disagreement; empty when consistent.
  Result<std::vector<std::string>> check_consistency();

  const core::Clock& clock() const { return clock_; }
  std::string today() const;

 private:
  struct Loaded;
  Result<J> resolve(const P& p, const Ctx& c, const std::string& contract_id, const std::string& command,
                    const std::string& target_state, const std::vector<std::string>& from_states,
                    std::optional<int64_t> approved_fen, const J& payload,
                    const std::function<Status(store::Tx&, const J&)>& extra = {});
  std::mutex& stripe(const std::string& key);

  store::Database& db_;
  audit::CommandRunner& commands_;
  ledger::Service& ledger_;
  const core::Clock& clock_;
  core::IdGenerator& ids_;
  std::array<std::mutex, 64> stripes_;
};

// Demo data (labelled demo): issuers, demo policies, budgets, a few hundred providers and
// services, a year of cross-jurisdiction orders, and the 450,000 / 300,000 elevator contract.
struct SeedOptions {
  uint64_t seed = 20260;
  int providers = 240;
  int enterprises = 60;
  int orders = 400;
  std::string enterprise_user_id;  // the demo "enterprise" login (Suzhou) owns the elevator maker
  std::string provider_user_id;    // the demo "provider" login (Shanghai) owns the lab
};
struct SeedResult {
  bool already_seeded = false;
  int providers = 0, services = 0, contracts = 0;
  std::string elevator_contract_id;
};
// Runs its own Service on a manual clock walking through the demo year; idempotent.
Result<SeedResult> seed_demo(store::Database& db, audit::CommandRunner& commands, ledger::Service& ledger,
                             core::IdGenerator& ids, const core::Clock& now, const SeedOptions& o);

}  // namespace riverlink::vouchers
