// Shared by the oracle tests: compare RAPTOR with the Connection Scan oracle on random queries
// and check each journey's legs against the routing rules.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "transport/raptor/csa.hpp"
#include "transport/raptor/raptor.hpp"

namespace riverlink::transport::oracle {

inline std::uint64_t env_u64(const char* name, std::uint64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : def;
}

// Checks a journey leg by leg: continuity, change times, footpaths, one footpath hop.
inline ::testing::AssertionResult journey_ok(const Timetable& tt, const Query& q, const Journey& j) {
  auto is_in = [](const std::vector<std::uint32_t>& v, std::uint32_t s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  if (j.legs.empty()) {
    bool same = false;
    for (auto o : q.origins) same |= is_in(q.targets, o);
    if (!same || j.arr != q.departure) return ::testing::AssertionFailure() << "empty journey but origin is not a target";
    return ::testing::AssertionSuccess();
  }
  if (!is_in(q.origins, j.legs.front().from)) return ::testing::AssertionFailure() << "first leg does not start at an origin";
  if (!is_in(q.targets, j.legs.back().to)) return ::testing::AssertionFailure() << "last leg does not end at a target";
  if (j.legs.back().arr != j.arr) return ::testing::AssertionFailure() << "arrival mismatch";
  int trips = 0;
  std::int32_t t = q.departure;
  bool prev_trip = false, prev_walk = false;
  for (std::size_t i = 0; i < j.legs.size(); ++i) {
    const auto& l = j.legs[i];
    if (i > 0 && j.legs[i - 1].to != l.from) return ::testing::AssertionFailure() << "leg " << i << " is not connected";
    if (l.walk) {
      if (prev_walk) return ::testing::AssertionFailure() << "two footpaths in a row";
      std::int32_t dur = -1;
      for (auto e = tt.fp_begin[l.from]; e < tt.fp_begin[l.from + 1]; ++e)
        if (tt.fp_to[e] == l.to) dur = tt.fp_dur[e];
      if (dur < 0 || l.arr - l.dep != dur) return ::testing::AssertionFailure() << "walk leg " << i << " is not a footpath";
      if (l.dep < t) return ::testing::AssertionFailure() << "walk leg " << i << " leaves too early";
      t = l.arr;
      prev_walk = true;
      prev_trip = false;
    } else {
      ++trips;
      std::int32_t ready = prev_trip ? t + tt.mtt[l.from] : t;
      if (l.dep < ready) return ::testing::AssertionFailure() << "trip leg " << i << " departs " << l.dep << " before ready " << ready;
      const auto& r = tt.routes[l.route];
      auto tr = l.trip - r.trip_begin;
      if (tt.route_flags[r.stop_begin + l.board_pos] & 1) return ::testing::AssertionFailure() << "boarding where pickup is forbidden";
      if (tt.route_flags[r.stop_begin + l.alight_pos] & 2) return ::testing::AssertionFailure() << "alighting where drop-off is forbidden";
      if (!tt.active(tt.trip_days[l.trip], q.day - tt.first_day + l.day_offset)) return ::testing::AssertionFailure() << "trip not running";
      auto arr = tt.arr[r.time_begin + static_cast<std::size_t>(l.alight_pos) * r.n_trips + tr] + l.day_offset * 86400;
      if (arr != l.arr || l.alight_pos <= l.board_pos) return ::testing::AssertionFailure() << "trip leg " << i << " times wrong";
      t = l.arr;
      prev_trip = true;
      prev_walk = false;
    }
  }
  if (trips != j.trips || j.transfers != std::max(0, trips - 1)) return ::testing::AssertionFailure() << "transfer count wrong";
  return ::testing::AssertionSuccess();
}

struct Stats { int queries = 0, reachable = 0; };

// Random queries between stops that are served (or stations), on `day`.
inline Stats compare(const Timetable& tt, std::int32_t day, int n, std::uint64_t seed, std::int32_t t_lo, std::int32_t t_hi) {
  Stats st;
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t s = 0; s < tt.stops.size(); ++s)
    if (tt.stop_routes_begin[s + 1] > tt.stop_routes_begin[s] || tt.stops[s].location_type == 1) candidates.push_back(s);
  if (candidates.empty()) return st;
  ConnectionScan csa(tt, day);
  Raptor raptor(tt);
  std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
  std::uniform_int_distribution<std::int32_t> when(t_lo, t_hi);
  for (int i = 0; i < n; ++i) {
    Query q;
    q.origins = tt.resolve(tt.stops[candidates[pick(rng)]].id);
    q.targets = tt.resolve(tt.stops[candidates[pick(rng)]].id);
    q.day = day;
    q.departure = when(rng);
    if (rng() % 8 == 0) q.modes = static_cast<std::uint32_t>(rng() % kAllModes) | 1u;
    auto expected = csa.earliest(q.origins, q.targets, q.departure, q.modes);
    auto got = raptor.earliest(q);
    ++st.queries;
    std::string what = tt.stops[q.origins.empty() ? 0 : q.origins[0]].id + " -> " + tt.stops[q.targets.empty() ? 0 : q.targets[0]].id +
                       " at " + std::to_string(q.departure) + " modes " + std::to_string(q.modes) + " seed " + std::to_string(seed) + " #" + std::to_string(i);
    if (expected < 0) {
      EXPECT_FALSE(got.has_value()) << what << ": RAPTOR reached " << got->arr << ", CSA did not";
      continue;
    }
    ++st.reachable;
    EXPECT_TRUE(got.has_value()) << what << ": CSA reached " << expected << ", RAPTOR did not";
    if (!got) continue;
    EXPECT_EQ(got->arr, expected) << what;
    EXPECT_TRUE(journey_ok(tt, q, *got)) << what;
    // Range query over the next hour (every 50th query): every journey is valid and departs in
    // the window, none is dominated, none beats the oracle, and the earliest arrival is there.
    if (i % 50 == 0) {
      auto js = raptor.range(q, q.departure + 3600);
      for (const auto& rj : js) {
        EXPECT_GE(rj.dep, q.departure) << what;
        EXPECT_LE(rj.dep, q.departure + 3600) << what;
        Query qq = q;
        qq.departure = rj.dep;
        EXPECT_TRUE(journey_ok(tt, qq, rj)) << what << " (range)";
        auto best = csa.earliest(q.origins, q.targets, rj.dep, q.modes);
        EXPECT_GE(rj.arr, best) << what << " (range)";
      }
      for (std::size_t a = 0; a < js.size(); ++a) {
        for (std::size_t b = 0; b < js.size(); ++b) {
          if (a == b) continue;
          EXPECT_FALSE(js[a].dep >= js[b].dep && js[a].arr <= js[b].arr && js[a].trips <= js[b].trips) << what << " (range not Pareto)";
        }
      }
      // The earliest arrival from the window start is in the set when its journey departs
      // inside the window.
      if (got && got->dep <= q.departure + 3600) {
        std::int32_t fastest = INT32_MAX;
        for (const auto& rj : js) fastest = std::min(fastest, rj.arr);
        EXPECT_EQ(fastest, got->arr) << what << " (range)";
      }
    }
    // Fewest trips: with one round fewer, RAPTOR must not reach the same arrival.
    if (got->trips > 0) {
      Query fewer = q;
      fewer.max_rounds = got->trips - 1;
      auto g2 = raptor.earliest(fewer);
      EXPECT_TRUE(!g2 || g2->arr > got->arr) << what << ": fewer trips also arrive at " << got->arr;
    }
  }
  return st;
}

}  // namespace riverlink::transport::oracle
