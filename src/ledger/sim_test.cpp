// CI runs of the simulator: fixed seeds, a few thousand operations each (the `ledger sim`
// CLI runs the long ones). RIVERLINK_SIM_SEED=7 (or 1,2,3) replays specific seeds;
// RIVERLINK_SIM_OPS overrides the operation count.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ledger/sim.hpp"
#include "store/testing.hpp"

using namespace riverlink::ledger::sim;

namespace {
int64_t ops() {
  const char* v = std::getenv("RIVERLINK_SIM_OPS");
  return v && *v ? std::stoll(v) : 2500;
}
std::string db_url() {
  const char* pg = std::getenv("RIVERLINK_TEST_PG_URL");
  return pg && *pg ? pg : "";
}
}  // namespace

TEST(LedgerSim, FixedSeedsSingleThreaded) {
  for (uint64_t seed : seeds_from_env({1, 2, 3, 4})) {
    SimOptions o;
    o.seed = seed;
    o.ops = ops();
    o.threads = 1;
    o.db_url = db_url();
    auto r = run_simulation(o);
    std::cout << summary(r) << "\n";
    EXPECT_FALSE(r.violation) << *r.violation << "\nreplay: RIVERLINK_SIM_SEED=" << seed;
    EXPECT_GE(r.ops, o.ops);
  }
}

TEST(LedgerSim, FixedSeedsConcurrent) {
  for (uint64_t seed : seeds_from_env({11, 12})) {
    SimOptions o;
    o.seed = seed;
    o.ops = ops();
    o.threads = 4;
    o.db_url = db_url();
    auto r = run_simulation(o);
    std::cout << summary(r) << "\n";
    EXPECT_FALSE(r.violation) << *r.violation << "\nreplay: RIVERLINK_SIM_SEED=" << seed;
  }
}
