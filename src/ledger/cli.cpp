#include "ledger/cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "ledger/bench.hpp"
#include "ledger/sim.hpp"

namespace riverlink::ledger {

namespace {
struct SimArgs {
  uint64_t seed = 1;
  std::string seeds;
  int64_t ops = 100'000;
  int threads = 1;
  std::string db;
  bool no_faults = false;
};
struct BenchArgs {
  std::string db;
  std::vector<int> batches;
  double seconds = 4.0;
  int accounts = 10'000;
};
}  // namespace

void add_commands(CLI::App& app) {
  auto* ledger = app.add_subcommand("ledger", "Ledger engine tools: simulator and benchmark");
  ledger->require_subcommand(1);

  auto sim_args = std::make_shared<SimArgs>();
  auto* sim = ledger->add_subcommand("sim", "Run the seeded ledger simulator against the reference model");
  sim->add_option("--seed", sim_args->seed, "PRNG seed (a failure prints the seed and step to replay)");
  sim->add_option("--seeds", sim_args->seeds, "Several seeds, comma-separated (overrides --seed)");
  sim->add_option("--ops", sim_args->ops, "Transfer events to submit per seed, retries included");
  sim->add_option("--threads", sim_args->threads, "Concurrent client threads (1 replays exactly)")
      ->check(CLI::Range(1, 64));
  sim->add_option("--db", sim_args->db, "Database URL (default: a temporary SQLite file; "
                                        "postgresql://... uses a fresh schema)");
  sim->add_flag("--no-faults", sim_args->no_faults, "Disable aborts, lost replies and restarts");
  sim->callback([sim_args] {
    std::vector<uint64_t> seeds{sim_args->seed};
    if (!sim_args->seeds.empty()) {
      seeds.clear();
      std::stringstream ss(sim_args->seeds);
      std::string part;
      while (std::getline(ss, part, ',')) seeds.push_back(std::stoull(part));
    }
    int64_t total = 0;
    double seconds = 0;
    for (uint64_t seed : seeds) {
      sim::SimOptions o;
      o.seed = seed;
      o.ops = sim_args->ops;
      o.threads = sim_args->threads;
      o.db_url = sim_args->db;
      o.faults = !sim_args->no_faults;
      o.log_every = 2000;
      auto r = sim::run_simulation(o, [](const std::string& line) { std::cerr << "  ... " << line << "\n"; });
      std::cout << sim::summary(r) << std::endl;
      if (r.violation) std::exit(1);
      total += r.ops;
      seconds += r.seconds;
    }
    std::cout << "ok: " << total << " ops over " << seeds.size() << " seed(s) without a violation in "
              << static_cast<int64_t>(seconds) << " s" << std::endl;
    std::exit(0);
  });

  auto bench_args = std::make_shared<BenchArgs>();
  auto* bench = ledger->add_subcommand("bench", "Measure durable transfers/s against the naive design");
  bench->add_option("--db", bench_args->db, "Database URL (default: a temporary SQLite file; "
                                            "postgresql://... uses a fresh schema)");
  bench->add_option("--batch", bench_args->batches, "Batch size(s) (default 1 100 1000)");
  bench->add_option("--seconds", bench_args->seconds, "Seconds per case");
  bench->add_option("--accounts", bench_args->accounts, "Number of accounts");
  bench->callback([bench_args] {
    BenchOptions o;
    o.db_url = bench_args->db;
    if (!bench_args->batches.empty()) o.batches = bench_args->batches;
    o.seconds_per_case = bench_args->seconds;
    o.accounts = bench_args->accounts;
    try {
      std::cout << format_report(run_bench(o)) << std::flush;
    } catch (const std::exception& e) {
      std::cerr << "ledger bench: " << e.what() << "\n";
      std::exit(1);
    }
    std::exit(0);
  });
}

}  // namespace riverlink::ledger
