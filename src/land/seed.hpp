// Demo data for the land module (labelled demo): collectives and parcels in Yixing (320282)
// townships, fund rate tables, and entry cases in several states, among them one completed
// listing that went to timed bidding (with a sealed reserve, settlement, fund, distribution
// statements and registration) and one live listing open for bids now.
#pragma once
#include <optional>
#include <string>

#include "audit/command.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "ledger/service.hpp"
#include "store/db.hpp"

namespace riverlink::land {

struct SeedInput {
  // The demo bidder's user id: funded so it can register on the live lot from the web app.
  std::optional<std::string> bidder_user_id;
};

// Idempotent: does nothing when the demo parcels exist. The history is replayed on a manual
// clock set to past dates; audit and ledger entries carry today's time.
Result<core::Json> seed_demo(store::Database& db, audit::CommandRunner& runner,
                             ledger::Service& ledger, const core::Clock& clock,
                             const SeedInput& in = {});

}  // namespace riverlink::land
