// bench_land: bids/s and bid latency through the Lots service with every input logged
// durably (group commit; SQLite WAL with synchronous=FULL, or PostgreSQL).
//
//   bench_land [--db URL] [--threads N] [--lots L] [--seconds S] [--bidders B] [--linger-us U]
//
// Each thread plays bidders on a random lot in timed bidding: it reads the lot's next minimum
// and bids it plus 0-2 increments, so racing bids are refused (below_current, already_highest)
// as they would be live. Refused bids are stored too (their idempotency record). Prints
// inputs/s, accepted bids/s and latency percentiles, and checks every lot's stored log replays.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "land/service.hpp"
#include "store/migrate.hpp"

using namespace riverlink;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string url;
  int threads = 16, nlots = 1, seconds = 5, bidders = 32, linger_us = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--db") url = argv[i + 1];
    else if (k == "--threads") threads = std::stoi(argv[i + 1]);
    else if (k == "--lots") nlots = std::stoi(argv[i + 1]);
    else if (k == "--seconds") seconds = std::stoi(argv[i + 1]);
    else if (k == "--bidders") bidders = std::stoi(argv[i + 1]);
    else if (k == "--linger-us") linger_us = std::stoi(argv[i + 1]);
    else { std::fprintf(stderr, "unknown option %s\n", k.c_str()); return 2; }
  }
  std::string dir;
  if (url.empty()) {
    dir = (std::filesystem::temp_directory_path() / ("bench_land_" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
    url = "sqlite:" + dir + "/land.db";
  }
  auto db = store::Database::open(url, {.pool_size = threads + 4});
  if (auto m = store::migrate(*db, land::all_migrations()); !m.ok()) {
    std::fprintf(stderr, "migrate: %s\n", m.error().message.c_str());
    return 1;
  }
  core::SystemClock clock;
  audit::CommandRunner runner(*db, clock);
  ledger::Service ledger(*db, clock);
  land::Lots lots(*db, runner, ledger, clock, {.linger_us = linger_us});

  auth::Principal officer;
  officer.user_id = "bench-officer";
  officer.role = auth::Role::officer;
  officer.division_code = "320282";
  const int64_t now = core::to_unix_ms(clock.now());
  std::vector<std::string> lot_ids;
  int key = 0;
  const std::string run = std::to_string(now) + "-";  // keys unique per run (shared databases)
  for (int l = 0; l < nlots; ++l) {
    land::auction::Params p;
    p.start_price_fen = 100'000'000;
    p.increment_fen = 10'000;
    p.open_at_ms = now - 1000;
    p.close_at_ms = now + 3'600'000;  // listing open for the whole run
    land::LotInput in{"bench lot " + std::to_string(l), "320282", "bench-col", std::nullopt, 1'000'000, p};
    auto r = lots.create(officer, {"bench", run + "lot" + std::to_string(l)}, in);
    if (!r.ok()) { std::fprintf(stderr, "create: %s\n", r.error().message.c_str()); return 1; }
    lot_ids.push_back((*r)["id"]);
  }
  // Deposits: every bidder funds a wallet and registers on every lot (ledger pending holds).
  for (int b = 0; b < bidders; ++b) {
    const std::string id = "bidder" + std::to_string(b);
    if (auto r = lots.pay_in(officer, {"bench", run + "pay" + std::to_string(b)}, id, 1'000'000LL * nlots); !r.ok()) {
      std::fprintf(stderr, "pay_in: %s\n", r.error().message.c_str());
      return 1;
    }
    auth::Principal bp;
    bp.user_id = id;
    bp.role = auth::Role::bidder;
    for (const auto& lot : lot_ids) {
      auto r = lots.register_bidder(bp, run + "reg-" + std::to_string(++key), lot);
      if (!r.ok()) { std::fprintf(stderr, "register: %s\n", r.error().message.c_str()); return 1; }
    }
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> inputs{0}, accepted{0}, errors{0};
  std::vector<std::vector<double>> lat(threads);
  std::vector<std::thread> ts;
  const auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      int n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string& lot = lot_ids[rng() % lot_ids.size()];
        auth::Principal bp;
        bp.user_id = "bidder" + std::to_string(rng() % bidders);
        bp.role = auth::Role::bidder;
        auto g = lots.get(lot);
        if (!g.ok()) { ++errors; continue; }
        const int64_t amount = (*g)["next_min_fen"].get<int64_t>() + 10'000 * static_cast<int64_t>(rng() % 3);
        const auto s = Clock::now();
        auto r = lots.bid(bp, run + "t" + std::to_string(t) + "-" + std::to_string(++n), lot, amount);
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        if (!r.ok()) { ++errors; continue; }
        ++inputs;
        if (r->result["result"] == "ok") ++accepted;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double el = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))]; };
  bool replay_ok = true;
  for (const auto& lot : lot_ids) {
    auto v = lots.verify_replay(lot);
    replay_ok = replay_ok && v.ok() && (*v)["matches"].get<bool>();
  }
  std::printf("backend=%s lots=%d threads=%d bidders=%d seconds=%.1f\n",
              std::string(store::backend_name(db->backend())).c_str(), nlots, threads, bidders, el);
  std::printf("  durable bid inputs/s   %10.0f  (%lld total, %lld errors)\n", inputs / el,
              static_cast<long long>(inputs.load()), static_cast<long long>(errors.load()));
  std::printf("  accepted bids/s        %10.0f  (%lld accepted)\n", accepted / el,
              static_cast<long long>(accepted.load()));
  std::printf("  bid latency ms         p50 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.99),
              all.empty() ? 0.0 : all.back());
  const auto st = lots.stats();
  std::printf("  group commits                %lld  (mean %.1f inputs per commit, linger %d us)\n",
              static_cast<long long>(st.batches), st.batches ? static_cast<double>(st.inputs) / st.batches : 0.0, linger_us);
  std::printf("  replay of every lot's stored log: %s\n", replay_ok ? "matches" : "MISMATCH");
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return replay_ok && errors == 0 ? 0 : 1;
}
