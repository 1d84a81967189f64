// The ledger benchmark: durable transfers/s through the Service for several batch sizes,
// against the naive design (one database transaction per transfer that reads and updates
// balance rows). Used by bench/ledger (bench_ledger) and `riverlink ledger bench`.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace riverlink::ledger {

struct BenchOptions {
  std::string db_url;                 // "" temporary SQLite; "postgresql://..." a fresh schema
  std::vector<int> batches = {1, 100, 1000};
  int accounts = 10'000;
  int64_t transfers_per_batch_size = 200'000;  // cap per batch size (scaled down for small batches)
  double seconds_per_case = 4.0;      // each case stops after this long
  int concurrent_threads = 8;         // an extra case: batch 1 from N threads (group commit)
};

struct BenchCase {
  std::string name;  // "batch 1000", "naive", ...
  int batch = 0;
  int64_t transfers = 0;
  double seconds = 0;
  double per_second() const { return seconds > 0 ? transfers / seconds : 0; }
};

struct BenchReport {
  std::string backend;
  std::vector<BenchCase> cases;
};

// Throws std::runtime_error on set-up failures.
BenchReport run_bench(const BenchOptions& o, const std::function<void(const BenchCase&)>& progress = {});
std::string format_report(const BenchReport& r);

}  // namespace riverlink::ledger
