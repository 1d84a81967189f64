// bench/transport: load the largest shared feed, then 1,000 random earliest-arrival queries
// (fixed seed, one thread) and one 2-hour range query. Usage: bench_transport [FEED.zip] [N]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "transport/gtfs/feed.hpp"
#include "transport/raptor/raptor.hpp"
#include "transport/timetable/timetable.hpp"

using namespace riverlink::transport;
using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

static long peak_rss_kb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int main(int argc, char** argv) {
  std::string path;
  if (argc > 1) path = argv[1];
  else {
    const char* e = std::getenv("RIVERLINK_SHARED_DIR");
    path = std::string(e ? e : RIVERLINK_SOURCE_DIR "/../shared") + "/data/gtfs/hart_tampa_full.zip";
  }
  int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "bench_transport: %s not found\n", path.c_str());
    return 2;
  }
  long rss0 = peak_rss_kb();
  auto t0 = Clock::now();
  auto feed = gtfs::load_feed(path);
  if (!feed.ok()) { std::fprintf(stderr, "%s\n", feed.error().message.c_str()); return 2; }
  double parse_ms = ms_since(t0);
  std::size_t rows = feed->stop_time_rows;
  std::vector<gtfs::Feed> feeds;
  feeds.push_back(std::move(*feed));
  auto t1 = Clock::now();
  auto tt = build_timetable(feeds, {});
  if (!tt.ok()) { std::fprintf(stderr, "%s\n", tt.error().message.c_str()); return 2; }
  double build_ms = ms_since(t1);
  double load_ms = ms_since(t0);
  long rss1 = peak_rss_kb();
  feeds.clear();
  auto tmp = (std::filesystem::temp_directory_path() / "bench_transport_tt.bin").string();
  (void)tt->save(tmp);
  auto t2 = Clock::now();
  auto back = Timetable::load(tmp);
  double bin_ms = ms_since(t2);
  std::filesystem::remove(tmp);
  std::printf("feed %s\n", path.c_str());
  std::printf("machine: %u hardware threads\n", std::thread::hardware_concurrency());
  std::printf("stop_times rows %zu; stops %zu; routes %zu; trips %zu; footpaths %zu\n", rows, tt->stops.size(), tt->routes.size(),
              tt->trip_days.size(), tt->fp_to.size());
  std::printf("load: parse %.0f ms + build %.0f ms = %.0f ms; %.2f M stop_times rows/s\n", parse_ms, build_ms, load_ms,
              rows / (load_ms / 1000.0) / 1e6);
  std::printf("peak RSS during load %.1f MB (%.0f bytes per stop_times row); timetable in memory %.1f MB (%.0f bytes/row)\n",
              (rss1 - rss0) / 1024.0, (rss1 - rss0) * 1024.0 / rows, tt->memory_bytes() / 1e6, static_cast<double>(tt->memory_bytes()) / rows);
  std::printf("binary timetable load %.1f ms (%s)\n", bin_ms, back.ok() ? "ok" : back.error().message.c_str());

  // Busiest day.
  std::vector<std::size_t> per(tt->n_bitsets(), 0);
  for (auto b : tt->trip_days) ++per[b];
  std::int32_t day = 0;
  std::size_t best = 0;
  for (std::int32_t d = 0; d < tt->n_days; ++d) {
    std::size_t c = 0;
    for (std::size_t b = 0; b < per.size(); ++b) if (per[b] && tt->active(static_cast<std::uint32_t>(b), d)) c += per[b];
    if (c > best) { best = c; day = d; }
  }
  day += tt->first_day;
  std::vector<std::uint32_t> served;
  for (std::uint32_t s = 0; s < tt->stops.size(); ++s)
    if (tt->stop_routes_begin[s + 1] > tt->stop_routes_begin[s]) served.push_back(s);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, served.size() - 1);
  std::uniform_int_distribution<std::int32_t> when(6 * 3600, 20 * 3600);
  Raptor raptor(*tt);
  std::vector<double> times;
  int reached = 0;
  for (int i = 0; i < n; ++i) {
    Query q{{served[pick(rng)]}, {served[pick(rng)]}, day, when(rng)};
    auto t = Clock::now();
    auto j = raptor.earliest(q);
    times.push_back(ms_since(t));
    reached += j.has_value();
  }
  std::sort(times.begin(), times.end());
  double sum = 0;
  for (double x : times) sum += x;
  std::printf("earliest arrival, %d queries on %s (seed 42, 1 thread): %d reachable; mean %.2f ms, median %.2f ms, p99 %.2f ms, max %.2f ms\n",
              n, gtfs::format_date(day).c_str(), reached, sum / n, times[times.size() / 2], times[times.size() * 99 / 100], times.back());
  Query q{{served[pick(rng)]}, {served[pick(rng)]}, day, 7 * 3600};
  auto t3 = Clock::now();
  auto js = raptor.range(q, 9 * 3600);
  std::printf("range query 07:00-09:00 %s -> %s: %zu Pareto journeys in %.1f ms\n", tt->stops[q.origins[0]].id.c_str(),
              tt->stops[q.targets[0]].id.c_str(), js.size(), ms_since(t3));
  return 0;
}
