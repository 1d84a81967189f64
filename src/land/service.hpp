// Land service: parcels, collectives and members, the entry-case state machine (spec §5),
// the adjustment fund (§9), distribution inside the collective (§10) and acquired rights
// (§11). Trading runs in Lots (lots.hpp); this service creates the lot at announcement and
// reads its result. Every command runs through audit::CommandRunner; money moves on the
// ledger with deterministic transfer ids, so a retried command never moves money twice.
//
// Thread-safety: all members are thread-safe.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "land/calendar.hpp"
#include "land/lots.hpp"
#include "ledger/service.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::land {

std::vector<store::Migration> migrations();
// audit + ledger + land: what a land database needs.
std::vector<store::Migration> all_migrations();

// Geodesic area (m²) of a GeoJSON Polygon on the WGS 84 ellipsoid (PROJ's geodesic
// routines, Karney's algorithm); holes are subtracted. Errors name the field.
Result<double> geodesic_area_m2(const core::Json& polygon);
// 1 mu = 10000/15 m² (display conversion only).
inline double m2_to_mu(double m2) { return m2 * 15.0 / 10000.0; }

// Parcel eligibility (spec §3.1): the clauses that fail, empty when eligible.
std::vector<std::string> eligibility_failures(const core::Json& parcel_doc);

// Maximum assignment term by use (Interim Regs Art. 12 [verified]); 0 for unknown uses.
int max_term_years(std::string_view use);
inline constexpr int kMaxLeaseYears = 20;  // Civil Code Art. 705 [verified]

struct Config {
  int filing_lead_working_days = 10;  // Impl. Regs Art. 40 [verified]
  int review_window_working_days = 5;  // Impl. Regs Art. 40 [verified]
  int announce_lead_days = 20;        // Order 39 Art. 8 [secondary]: calendar days
  uint32_t vote_threshold_num = 2;    // LAL Art. 63 ¶2 [verified]: ≥ 2/3
  uint32_t vote_threshold_den = 3;
  // Deadlines the ticker enforces (see enforce_deadlines). Defaults from 国土资发〔2010〕34号
  // [unverified] and Taicang Art. 30 [verified]: configurable data, not law.
  int sign_within_working_days = 10;     // contract signed within N working days of the deal
  int deposit_refund_working_days = 5;   // losers' deposits released within N working days
  uint32_t down_payment_bp = 5000;       // share of the price due first ...
  int down_payment_days = 30;            // ... within N days of signing
  int balance_days = 365;                // the balance within N days of signing
};

class Service {
 public:
  Service(store::Database& db, audit::CommandRunner& runner, ledger::Service& ledger,
          const core::Clock& clock, const WorkCalendar& calendar, Config cfg = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  Lots& lots();
  const WorkCalendar& calendar() const;

  // Collectives and parcels (officer in the division).
  // body: {name, division_code, kind, retention_bp, payout_mode, members: [{id, name, shares,
  //        is_representative}]}
  Result<core::Json> create_collective(const auth::Principal& p, const audit::CommandContext& ctx,
                                       const core::Json& body);
  // body: {code, name, division_code, collective_id, geometry (GeoJSON Polygon), planned_use,
  //        land_class, zone, ownership_registered, in_ecological_red_line,
  //        in_permanent_basic_farmland, planning {plot_ratio_max, height_max_m, term_years},
  //        encumbrances: [{kind, resolved}], registration_status}
  Result<core::Json> create_parcel(const auth::Principal& p, const audit::CommandContext& ctx,
                                   const core::Json& body);
  Result<core::Json> parcel(const std::string& id);
  Result<core::Json> parcels(const std::optional<std::string>& division_scope, int limit);

  // Entry cases. command names the transition (see cases.cpp for the table); body its fields.
  Result<core::Json> open_case(const auth::Principal& p, const audit::CommandContext& ctx,
                               const std::string& parcel_id, const std::string& route);
  Result<core::Json> transition(const auth::Principal& p, const audit::CommandContext& ctx,
                                const std::string& case_id, const std::string& command,
                                const core::Json& body);
  Result<core::Json> get_case(const auth::Principal& p, const std::string& case_id);
  Result<core::Json> cases(const auth::Principal& p, const std::optional<std::string>& state,
                           int limit);
  Result<core::Json> case_events(const auth::Principal& p, const std::string& case_id);

  // Adjustment fund rate tables. body: {id, name, jurisdiction, base, effective_from,
  // effective_to?, min_bp, max_bp, source, rates: [{use, zone, method, event, rate_bp}]}
  Result<core::Json> put_rate_table(const auth::Principal& p, const audit::CommandContext& ctx,
                                    const core::Json& body);
  // {table_id, use, zone, method, event, price_fen, acquisition_cost_fen, development_cost_fen}
  Result<core::Json> assess_fund(const core::Json& query);

  // Distribution statements of a case (agent of the collective, officer, the members' view).
  Result<core::Json> statements(const auth::Principal& p, const std::string& case_id);

  // Acquired rights: lease (≤ 20 years), mortgage, transfer, renewal, expiry.
  // body: {kind: lease|mortgage|transfer|renew|expire|register_mortgage|discharge, ...}
  Result<core::Json> right_action(const auth::Principal& p, const audit::CommandContext& ctx,
                                  const std::string& right_id, const core::Json& body);
  Result<core::Json> rights(const std::string& case_id);

  // Deadlines that pass without a request (the ticker's work, clock-driven, no HTTP):
  // lots whose listing/countdown deadline passed are ticked; decided lots' deposits are
  // released (losers) or applied (winner); a scheme left unreviewed past its review window is
  // cleared (Impl. Regs Art. 40); a winner past the signing deadline forfeits the deposit and
  // is blacklisted (the case goes back to not_sold); a missed payment instalment is marked
  // overdue. Idempotent: safe to run at any time, from several processes.
  Result<core::Json> enforce_deadlines();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace riverlink::land
