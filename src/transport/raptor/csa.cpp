#include "transport/raptor/csa.hpp"

#include <algorithm>
#include <climits>

namespace riverlink::transport {

ConnectionScan::ConnectionScan(const Timetable& tt, std::int32_t day) : tt_(tt) {
  const std::int32_t d = day - tt.first_day;
  for (std::uint32_t r = 0; r < tt.routes.size(); ++r) {
    const auto& route = tt.routes[r];
    for (std::uint32_t t = 0; t < route.n_trips; ++t) {
      const auto slot = route.trip_begin + t;
      for (int o = -1; o <= 2; ++o) {
        if (!tt.active(tt.trip_days[slot], d + o)) continue;
        for (std::uint32_t i = 0; i + 1 < route.n_stops; ++i) {
          Conn c;
          c.dep = tt.dep[route.time_begin + static_cast<std::size_t>(i) * route.n_trips + t] + o * 86400;
          c.arr = tt.arr[route.time_begin + static_cast<std::size_t>(i + 1) * route.n_trips + t] + o * 86400;
          c.from = tt.route_stops[route.stop_begin + i];
          c.to = tt.route_stops[route.stop_begin + i + 1];
          c.instance = slot * 4 + static_cast<std::uint32_t>(o + 1);
          c.pos = static_cast<std::uint16_t>(i);
          c.no_pickup = tt.route_flags[route.stop_begin + i] & 1;
          c.no_drop = (tt.route_flags[route.stop_begin + i + 1] >> 1) & 1;
          c.mode = static_cast<std::uint8_t>(route.mode);
          conns_.push_back(c);
        }
      }
    }
  }
  std::sort(conns_.begin(), conns_.end(), [](const Conn& a, const Conn& b) {
    if (a.dep != b.dep) return a.dep < b.dep;
    if (a.arr != b.arr) return a.arr < b.arr;
    if (a.instance != b.instance) return a.instance < b.instance;
    return a.pos < b.pos;
  });
  reached_.assign(tt.trip_days.size() * 4, 0);
  arr_trip_.assign(tt.stops.size(), INT32_MAX);
  arr_foot_.assign(tt.stops.size(), INT32_MAX);
}

std::int32_t ConnectionScan::earliest(const std::vector<std::uint32_t>& origins, const std::vector<std::uint32_t>& targets,
                                      std::int32_t t0, std::uint32_t modes) {
  std::fill(reached_.begin(), reached_.end(), 0);
  std::fill(arr_trip_.begin(), arr_trip_.end(), INT32_MAX);
  std::fill(arr_foot_.begin(), arr_foot_.end(), INT32_MAX);
  std::vector<std::uint8_t> is_target(tt_.stops.size(), 0);
  for (auto t : targets) is_target[t] = 1;
  const std::int64_t limit = static_cast<std::int64_t>(t0) + 86400;
  std::int64_t best = limit + 1;
  for (auto o : origins) {
    arr_foot_[o] = t0;
    if (is_target[o]) best = std::min<std::int64_t>(best, t0);
  }
  for (auto o : origins) {
    for (auto e = tt_.fp_begin[o]; e < tt_.fp_begin[o + 1]; ++e) {
      auto w = tt_.fp_to[e];
      arr_foot_[w] = std::min(arr_foot_[w], t0 + tt_.fp_dur[e]);
      if (is_target[w]) best = std::min<std::int64_t>(best, arr_foot_[w]);
    }
  }
  auto it = std::lower_bound(conns_.begin(), conns_.end(), t0, [](const Conn& c, std::int32_t t) { return c.dep < t; });
  for (; it != conns_.end(); ++it) {
    const auto& c = *it;
    if (c.dep >= best) break;
    if (!((modes >> c.mode) & 1u)) continue;
    auto& reached = reached_[c.instance];
    if (!reached) {
      if (c.no_pickup) continue;
      std::int64_t ready = arr_foot_[c.from];
      if (arr_trip_[c.from] != INT32_MAX) ready = std::min<std::int64_t>(ready, static_cast<std::int64_t>(arr_trip_[c.from]) + tt_.mtt[c.from]);
      if (ready > c.dep) continue;
      reached = 1;
    }
    if (c.no_drop || c.arr >= arr_trip_[c.to]) continue;
    arr_trip_[c.to] = c.arr;
    if (is_target[c.to]) best = std::min<std::int64_t>(best, c.arr);
    for (auto e = tt_.fp_begin[c.to]; e < tt_.fp_begin[c.to + 1]; ++e) {
      auto w = tt_.fp_to[e];
      auto t = c.arr + tt_.fp_dur[e];
      if (t < arr_foot_[w]) {
        arr_foot_[w] = t;
        if (is_target[w]) best = std::min<std::int64_t>(best, t);
      }
    }
  }
  return best <= limit ? static_cast<std::int32_t>(best) : -1;
}

}  // namespace riverlink::transport
