// The ledger simulator: a seeded workload (single-phase, pending, post, void, expiry,
// linked chains, bad input, overflow, duplicate and reordered retries) driven through the
// real Service by several threads, with injected transaction aborts, lost replies, cache
// drops and close/reopen of the database. Every committed batch is replayed in commit order
// through the reference Model, which must predict every reply; after every step the
// invariants are checked against the database:
//   - Σ debits = Σ credits per ledger, pending and posted;
//   - no flagged account past its limit, pending amounts counted;
//   - each pending transfer resolved at most once;
//   - each linked chain all or nothing;
//   - replaying any batch k times equals once (the model predicts every retry's replies);
//   - balances recomputed from the journal equal the stored balances and each row's snapshot.
// A violation names the seed and step; `--threads 1` replays a run exactly.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/types.hpp"

namespace riverlink::ledger::sim {

struct SimOptions {
  uint64_t seed = 1;
  int64_t ops = 10'000;  // transfer events to submit, retries included
  int threads = 1;
  std::string db_url;    // "" temporary SQLite; "postgresql://..." a fresh schema
  bool faults = true;    // aborts, lost replies, cache drops, restarts
  int64_t log_every = 0; // progress line every N steps (0: none)
};

struct SimReport {
  uint64_t seed = 0;
  std::string backend;
  int64_t ops = 0, steps = 0, commits = 0;
  int64_t ok = 0, exists = 0, rejected = 0;
  int64_t retried_batches = 0, aborted_batches = 0, lost_replies = 0;
  int64_t restarts = 0, cache_drops = 0, expired = 0, chains = 0;
  std::array<int64_t, kCreateTransferResultCount> by_result{};
  double seconds = 0;
  std::optional<std::string> violation;  // "seed S step N: what"
};

// Runs one simulation. Never throws; set-up failures are reported as a violation.
SimReport run_simulation(const SimOptions& o,
                         const std::function<void(const std::string&)>& log = {});

std::string summary(const SimReport& r);

// Seeds from RIVERLINK_SIM_SEED ("7" or "1,2,3") when set, else `fallback`.
std::vector<uint64_t> seeds_from_env(std::vector<uint64_t> fallback);

}  // namespace riverlink::ledger::sim
