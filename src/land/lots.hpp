// Lots: the auction engine behind a durable, idempotent, concurrent service.
//
// Each lot is an auction::Lot in memory, rebuilt on first use by replaying its event log from
// land_lot_events. Inputs (bids, registrations, opt-ins, calls, reveals, ticks) take the lot's
// mutex (the row-level lock of spec §7.8), read the server clock inside it, apply to the engine
// and queue the new log entries; a leader/follower group commit writes queued inputs of all
// lots in one transaction through audit::CommandRunner (one audit entry per batch, naming every
// input's digest) and only then answers the callers. Each input is idempotent by
// (actor, Idempotency-Key) in land_requests: the same key and payload replay the first result,
// a different payload is idempotency.mismatch. If a commit fails, the lots in the batch are
// dropped from memory and reloaded from the database, and the callers get the error.
//
// Deposits are ledger pending transfers (bidder wallet → lot escrow): held at registration,
// voided for losers and posted for the winner at settlement, posted and moved to the
// collective when the winner refuses to sign (and the bidder is blacklisted).
//
// Thread-safety: all members are thread-safe. db, runner, ledger and clock outlive the service.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "land/auction/engine.hpp"
#include "ledger/service.hpp"
#include "ledger/types.hpp"
#include "store/db.hpp"

namespace riverlink::land {

// auction::Params <-> JSON (durations in seconds, times as UTC ISO 8601, money in fen).
core::Json params_to_json(const auction::Params& p);
Result<auction::Params> params_from_json(const core::Json& j);
core::Json to_json(const auction::Lot& lot, bool reveal_sealed);
// An engine refusal as an Error: code "land.<result>", 422 for amounts, 403 for standing,
// 409 for state.
Error to_error(auction::Result r);

// Land's ledger codes and deterministic ledger ids ("land:<purpose>:<ref>" hashed).
namespace codes {
inline constexpr uint16_t clearing = 4100;  // bank clearing: deposits and payments come in here
inline constexpr uint16_t wallet = 4101;    // a bidder's deposit sub-account
inline constexpr uint16_t escrow = 4102;    // a lot's escrow (deposits, then the price)
inline constexpr uint16_t collective = 4103;
inline constexpr uint16_t treasury = 4104;  // county treasury (adjustment fund)
inline constexpr uint16_t deposit_hold = 4110;
inline constexpr uint16_t pay_in = 4111;
inline constexpr uint16_t price = 4112;
inline constexpr uint16_t forfeit = 4113;
inline constexpr uint16_t fund = 4114;
inline constexpr uint16_t proceeds = 4115;
inline constexpr uint16_t member = 4105;   // a member's payout account
inline constexpr uint16_t payout = 4116;
}  // namespace codes
ledger::Id128 ledger_id(std::string_view purpose, std::string_view ref);

struct LotInput {
  std::string title;
  std::string division_code;
  std::string collective_id;
  std::optional<std::string> case_id;
  int64_t deposit_fen = 0;
  auction::Params params;
};

struct InputReply {
  core::Json result;  // {"result": "<auction::Result>", "lot": {...}, "seq": n}
  bool replayed = false;
};

struct LotsOptions {
  size_t max_batch = 4096;  // inputs per group commit
  // A new leader waits this long for more inputs before writing its batch (0: write at once).
  int linger_us = 0;
};

struct LotsStats {
  int64_t batches = 0;
  int64_t inputs = 0;  // stored inputs (refused inputs are not stored)
};

class Lots {
 public:
  Lots(store::Database& db, audit::CommandRunner& runner, ledger::Service& ledger,
       const core::Clock& clock, LotsOptions opts = {});
  ~Lots();
  Lots(const Lots&) = delete;
  Lots& operator=(const Lots&) = delete;

  // Officer in the lot's jurisdiction.
  Result<core::Json> create(const auth::Principal& p, const audit::CommandContext& ctx,
                            const LotInput& in);
  // Bank confirmation of money arriving in a bidder's deposit sub-account (officer or CLI).
  Result<core::Json> pay_in(const auth::Principal& p, const audit::CommandContext& ctx,
                            const std::string& bidder, int64_t amount_fen);

  // Bidder: holds the lot's deposit from the bidder's wallet, then registers with the engine.
  Result<InputReply> register_bidder(const auth::Principal& p, const std::string& idem_key,
                                     const std::string& lot_id);
  Result<InputReply> bid(const auth::Principal& p, const std::string& idem_key,
                         const std::string& lot_id, int64_t amount_fen);
  Result<InputReply> opt_in(const auth::Principal& p, const std::string& idem_key,
                            const std::string& lot_id);
  Result<InputReply> quote(const auth::Principal& p, const std::string& idem_key,
                           const std::string& lot_id, int64_t amount_fen);
  // Officer (host / panel / supervisor).
  Result<InputReply> call(const auth::Principal& p, const std::string& idem_key,
                          const std::string& lot_id);
  Result<InputReply> adjust_increment(const auth::Principal& p, const std::string& idem_key,
                                      const std::string& lot_id, int64_t increment_fen);
  Result<InputReply> score(const auth::Principal& p, const std::string& idem_key,
                           const std::string& lot_id, int member, const std::string& bidder,
                           int score);
  Result<InputReply> award(const auth::Principal& p, const std::string& idem_key,
                           const std::string& lot_id);
  Result<InputReply> reveal_reserve(const auth::Principal& p, const std::string& idem_key,
                                    const std::string& lot_id, int64_t reserve_fen,
                                    const std::string& salt);
  // Processes deadlines of one lot now (system input; also done by every other input).
  Result<InputReply> tick(const std::string& lot_id);
  // Ticks every lot that is not decided; returns how many changed phase.
  Result<int> tick_all();

  // After the lot is decided: losers' deposits voided, the winner's posted into escrow.
  Result<core::Json> settle(const auth::Principal& p, const audit::CommandContext& ctx,
                            const std::string& lot_id);
  // The winner refused to sign: the deposit goes to the collective; the bidder is blacklisted.
  Result<core::Json> forfeit(const auth::Principal& p, const audit::CommandContext& ctx,
                             const std::string& lot_id, const std::string& reason);

  // Queries (public: announcements; bidders see their own standing).
  Result<core::Json> get(const std::string& lot_id, bool reveal_sealed = false);
  Result<core::Json> list(std::optional<std::string> division_scope, int limit);
  Result<core::Json> bids(const std::string& lot_id, int64_t after_seq, int limit);
  // One bidder's standing on a lot: registered, paddle, deposit, last bid, opted in, leading.
  Result<core::Json> standing(const std::string& lot_id, const std::string& bidder);
  // Rebuilds the lot from its stored log and checks it against the live state.
  Result<core::Json> verify_replay(const std::string& lot_id);
  Result<bool> blacklisted(const std::string& bidder);

  // Live updates: fn gets the lot's public JSON after every committed change. Returns a token.
  using Listener = std::function<void(const core::Json&)>;
  uint64_t subscribe(const std::string& lot_id, Listener fn);
  void unsubscribe(uint64_t token);

  // Forgets the in-memory lots (tests: restart).
  void drop_cache();
  // Group-commit counters since construction.
  LotsStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace riverlink::land
