// bench_ledger: durable transfers/s for batch sizes 1, 100 and 1000, batch 1 from several
// threads (group commit), and the naive one-transaction-per-transfer design, on SQLite and,
// when RIVERLINK_BENCH_PG_URL or --pg URL is given, on PostgreSQL.
//   bench_ledger [--pg URL] [--seconds S] [--accounts N]
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "ledger/bench.hpp"

int main(int argc, char** argv) {
  using namespace riverlink::ledger;
  std::string pg;
  if (const char* env = std::getenv("RIVERLINK_BENCH_PG_URL")) pg = env;
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--pg") pg = next();
    else if (a == "--seconds") o.seconds_per_case = std::stod(next());
    else if (a == "--accounts") o.accounts = std::stoi(next());
    else {
      std::cerr << "usage: bench_ledger [--pg URL] [--seconds S] [--accounts N]\n";
      return 2;
    }
  }
  try {
    auto progress = [](const BenchCase& c) {
      std::cerr << "  " << c.name << ": " << static_cast<int64_t>(c.per_second()) << " transfers/s\n";
    };
    std::cout << format_report(run_bench(o, progress)) << std::flush;
    if (!pg.empty()) {
      o.db_url = pg;
      std::cout << "\n" << format_report(run_bench(o, progress)) << std::flush;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_ledger: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
