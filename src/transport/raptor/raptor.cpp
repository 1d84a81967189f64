#include "transport/raptor/raptor.hpp"

#include <algorithm>

namespace riverlink::transport {

Raptor::Raptor(const Timetable& tt) : tt_(tt) {
  const auto n = tt.stops.size();
  best_trip_.assign(n, kInf);
  best_foot_.assign(n, kInf);
  marked_.assign(n, 0);
  target_flag_.assign(n, 0);
  route_start_.assign(tt.routes.size(), UINT32_MAX);
}

void Raptor::run(const Query& q) {
  const auto n = tt_.stops.size();
  std::fill(best_trip_.begin(), best_trip_.end(), kInf);
  std::fill(best_foot_.begin(), best_foot_.end(), kInf);
  std::fill(target_flag_.begin(), target_flag_.end(), 0);
  for (auto t : q.targets) target_flag_[t] = 1;
  round_arrival_.clear();
  round_target_.clear();
  const std::int32_t t0 = q.departure;
  const std::int32_t horizon = t0 + kHorizon;
  target_best_ = horizon + 1;  // labels must be < target_best_
  const std::int32_t d = q.day - tt_.first_day;

  if (tl_.empty()) { tl_.emplace_back(n); fl_.emplace_back(n); }
  std::fill(tl_[0].begin(), tl_[0].end(), TripLabel{});
  std::fill(fl_[0].begin(), fl_[0].end(), FootLabel{});
  marked_list_.clear();
  auto mark = [&](std::uint32_t s) {
    if (!marked_[s]) { marked_[s] = 1; marked_list_.push_back(s); }
  };
  std::int32_t arr0 = kInf;
  std::uint32_t tgt0 = 0;
  for (auto o : q.origins) {
    fl_[0][o] = FootLabel{t0, UINT32_MAX, 0, 0};
    best_foot_[o] = t0;
    mark(o);
    if (is_target(o) && t0 < arr0) { arr0 = t0; tgt0 = o; }
  }
  for (auto o : q.origins) {
    for (auto e = tt_.fp_begin[o]; e < tt_.fp_begin[o + 1]; ++e) {
      auto w = tt_.fp_to[e];
      auto t = t0 + tt_.fp_dur[e];
      if (t < best_foot_[w] && t <= horizon) {
        fl_[0][w] = FootLabel{t, o, tt_.fp_dur[e], 0};
        best_foot_[w] = t;
        mark(w);
        if (is_target(w) && t < arr0) { arr0 = t; tgt0 = w; }
      }
    }
  }
  if (arr0 < target_best_) target_best_ = arr0;
  round_arrival_.push_back(arr0);
  round_target_.push_back(tgt0);

  int k = 1;
  for (; k <= q.max_rounds && !marked_list_.empty(); ++k) {
    if (static_cast<int>(tl_.size()) <= k) { tl_.emplace_back(n); fl_.emplace_back(n); }
    tl_[k] = tl_[k - 1];
    fl_[k] = fl_[k - 1];
    const auto& ptl = tl_[k - 1];
    const auto& pfl = fl_[k - 1];
    auto& ctl = tl_[k];
    auto& cfl = fl_[k];
    // Routes touched by marked stops, from the earliest marked position.
    touched_routes_.clear();
    for (auto s : marked_list_) {
      marked_[s] = 0;
      for (auto e = tt_.stop_routes_begin[s]; e < tt_.stop_routes_begin[s + 1]; ++e) {
        auto r = tt_.stop_routes[e];
        if (!((q.modes >> static_cast<int>(tt_.routes[r].mode)) & 1u)) continue;
        auto pos = tt_.stop_routes_pos[e];
        if (route_start_[r] == UINT32_MAX) { touched_routes_.push_back(r); route_start_[r] = pos; }
        else if (pos < route_start_[r]) route_start_[r] = pos;
      }
    }
    marked_list_.clear();
    trip_improved_.clear();
    std::int32_t round_best = round_arrival_.back();
    std::uint32_t round_tgt = round_target_.back();
    for (auto r : touched_routes_) {
      const auto& route = tt_.routes[r];
      const std::uint32_t start = route_start_[r];
      route_start_[r] = UINT32_MAX;
      const std::uint32_t nt = route.n_trips;
      const std::int32_t* A = tt_.arr.data() + route.time_begin;
      const std::int32_t* D = tt_.dep.data() + route.time_begin;
      const std::uint32_t* rs = tt_.route_stops.data() + route.stop_begin;
      const std::uint8_t* rf = tt_.route_flags.data() + route.stop_begin;
      for (int o = -1; o <= 2; ++o) {
        const std::int32_t shift = o * 86400;
        if (route.max_time + shift < t0 || route.min_time + shift >= target_best_) continue;
        if (!tt_.active(route.days, d + o)) continue;
        std::int64_t cur = -1;
        std::uint16_t board = 0;
        std::uint8_t board_foot = 0;
        for (std::uint32_t i = start; i < route.n_stops; ++i) {
          const auto s = rs[i];
          if (cur >= 0 && !(rf[i] & 2)) {
            const std::int32_t a = A[static_cast<std::size_t>(i) * nt + cur] + shift;
            if (a < best_trip_[s] && a < target_best_) {
              ctl[s] = TripLabel{a, r, static_cast<std::uint32_t>(cur), board, static_cast<std::uint16_t>(i),
                                 static_cast<std::int8_t>(o), static_cast<std::uint8_t>(k), board_foot};
              best_trip_[s] = a;
              trip_improved_.push_back(s);
              if (is_target(s)) {
                target_best_ = a;
                if (a < round_best) { round_best = a; round_tgt = s; }
              }
            }
          }
          if (rf[i] & 1) continue;  // no pickup here
          const std::int32_t by_trip = ptl[s].time < kInf ? ptl[s].time + tt_.mtt[s] : kInf;
          const std::int32_t by_foot = pfl[s].time;
          const std::int32_t ready = std::min(by_trip, by_foot);
          if (ready >= kInf) continue;
          const std::int32_t* Di = D + static_cast<std::size_t>(i) * nt;
          const std::uint32_t limit = cur >= 0 ? static_cast<std::uint32_t>(cur) : nt;
          if (cur >= 0 && ready > Di[cur] + shift) continue;
          // First trip with departure >= ready (binary search, no cached position), active that day.
          std::uint32_t t = static_cast<std::uint32_t>(std::lower_bound(Di, Di + limit, ready - shift) - Di);
          while (t < limit && !tt_.active(tt_.trip_days[route.trip_begin + t], d + o)) ++t;
          if (t < limit) {
            cur = t;
            board = static_cast<std::uint16_t>(i);
            board_foot = by_foot <= by_trip ? 1 : 0;
          }
        }
      }
    }
    // Footpaths from stops improved by a trip in this round.
    for (auto s : trip_improved_) {
      if (ctl[s].round != k) continue;
      mark(s);
      const std::int32_t base = ctl[s].time;
      for (auto e = tt_.fp_begin[s]; e < tt_.fp_begin[s + 1]; ++e) {
        auto w = tt_.fp_to[e];
        auto t = base + tt_.fp_dur[e];
        if (t < best_foot_[w] && t < target_best_ &&
            (best_trip_[w] >= kInf || t < best_trip_[w] + tt_.mtt[w] || is_target(w))) {
          cfl[w] = FootLabel{t, s, tt_.fp_dur[e], static_cast<std::uint8_t>(k)};
          best_foot_[w] = t;
          mark(w);
          if (is_target(w)) {
            target_best_ = t;
            if (t < round_best) { round_best = t; round_tgt = w; }
          }
        }
      }
    }
    round_arrival_.push_back(round_best);
    round_target_.push_back(round_tgt);
  }
  for (auto s : marked_list_) marked_[s] = 0;
  marked_list_.clear();
  rounds_ = k - 1;
}

std::vector<Raptor::StopArrival> Raptor::arrivals(const Query& q) {
  Query all = q;
  all.targets.clear();
  run(all);
  std::vector<StopArrival> out(tt_.stops.size());
  for (std::uint32_t s = 0; s < out.size(); ++s) {
    const std::int32_t best = std::min(best_trip_[s], best_foot_[s]);
    if (best >= kInf) continue;
    out[s].time = best;
    for (int k = 0; k <= rounds_; ++k) {
      if (std::min(tl_[k][s].time, fl_[k][s].time) == best) { out[s].trips = k; break; }
    }
  }
  return out;
}

Journey Raptor::extract(const Query& q, int round) const {
  Journey j;
  std::uint32_t s = round_target_[round];
  std::int32_t arr = round_arrival_[round];
  // Pick the label at `round` giving the arrival: on foot or by trip.
  bool foot = fl_[round][s].time == arr && !(tl_[round][s].time == arr);
  int k = round;
  std::vector<Leg> legs;
  while (true) {
    if (foot) {
      const auto& f = fl_[k][s];
      if (f.from == UINT32_MAX) break;  // the origin itself
      legs.push_back(Leg{.walk = true, .from = f.from, .to = s, .dep = f.time - f.dur, .arr = f.time});
      k = f.round;
      s = f.from;
      if (k == 0) break;  // walked from an origin
      foot = false;       // a footpath always follows a trip (after round 0)
      continue;
    }
    const auto& t = tl_[k][s];
    const auto& route = tt_.routes[t.route];
    const std::int32_t shift = t.offset * 86400;
    Leg leg;
    leg.walk = false;
    leg.route = t.route;
    leg.trip = route.trip_begin + t.trip;
    leg.day_offset = t.offset;
    leg.board_pos = t.board;
    leg.alight_pos = t.alight;
    leg.from = tt_.route_stops[route.stop_begin + t.board];
    leg.to = s;
    leg.dep = tt_.dep[route.time_begin + static_cast<std::size_t>(t.board) * route.n_trips + t.trip] + shift;
    leg.arr = t.time;
    legs.push_back(leg);
    ++j.trips;
    s = leg.from;
    foot = t.board_foot;
    k = t.round - 1;
    k = foot ? fl_[k][s].round : tl_[k][s].round;
    if (foot && k == 0 && fl_[0][s].from == UINT32_MAX) break;
  }
  std::reverse(legs.begin(), legs.end());
  j.legs = std::move(legs);
  j.arr = arr;
  j.dep = j.legs.empty() ? q.departure : j.legs.front().dep;
  j.transfers = j.trips > 0 ? j.trips - 1 : 0;
  return j;
}

std::optional<Journey> Raptor::earliest(const Query& q) {
  if (q.origins.empty() || q.targets.empty()) return std::nullopt;
  run(q);
  const std::int32_t best = round_arrival_.back();
  if (best >= kInf || best > q.departure + kHorizon) return std::nullopt;
  int k = 0;
  while (round_arrival_[k] != best) ++k;
  auto j = extract(q, k);
  return j;
}

std::vector<Journey> Raptor::range(const Query& q, std::int32_t window_end) {
  std::vector<Journey> out;
  if (q.origins.empty() || q.targets.empty()) return out;
  // Candidate departures: each trip departure at an origin (or at a stop one footpath away,
  // minus the walk) inside the window; plus the window start itself.
  std::vector<std::int32_t> cand{q.departure};
  const std::int32_t d = q.day - tt_.first_day;
  auto add_stop = [&](std::uint32_t s, std::int32_t walk) {
    for (auto e = tt_.stop_routes_begin[s]; e < tt_.stop_routes_begin[s + 1]; ++e) {
      const auto& route = tt_.routes[tt_.stop_routes[e]];
      if (!((q.modes >> static_cast<int>(route.mode)) & 1u)) continue;
      auto pos = tt_.stop_routes_pos[e];
      if (tt_.route_flags[route.stop_begin + pos] & 1) continue;
      for (int o = -1; o <= 2; ++o) {
        if (!tt_.active(route.days, d + o)) continue;
        for (std::uint32_t t = 0; t < route.n_trips; ++t) {
          auto dep = tt_.dep[route.time_begin + static_cast<std::size_t>(pos) * route.n_trips + t] + o * 86400 - walk;
          if (dep < q.departure || dep > window_end) continue;
          if (!tt_.active(tt_.trip_days[route.trip_begin + t], d + o)) continue;
          cand.push_back(dep);
        }
      }
    }
  };
  for (auto o : q.origins) {
    add_stop(o, 0);
    for (auto e = tt_.fp_begin[o]; e < tt_.fp_begin[o + 1]; ++e) add_stop(tt_.fp_to[e], tt_.fp_dur[e]);
  }
  std::sort(cand.begin(), cand.end());
  cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
  std::vector<Journey> all;
  for (auto it = cand.rbegin(); it != cand.rend(); ++it) {
    Query qq = q;
    qq.departure = *it;
    run(qq);
    std::int32_t prev = kInf;
    for (int k = 0; k < static_cast<int>(round_arrival_.size()); ++k) {
      auto a = round_arrival_[k];
      if (a < prev && a <= qq.departure + kHorizon) {
        auto j = extract(qq, k);
        if (j.legs.empty() || j.legs.front().walk) j.dep = qq.departure;
        if (j.dep <= window_end) all.push_back(std::move(j));  // journeys leaving after the window belong to a later one
        prev = a;
      }
    }
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    bool dominated = false;
    for (std::size_t k = 0; k < all.size() && !dominated; ++k) {
      if (k == i) continue;
      const auto& a = all[k];
      const auto& b = all[i];
      bool weakly = a.dep >= b.dep && a.arr <= b.arr && a.trips <= b.trips;
      bool strictly = a.dep > b.dep || a.arr < b.arr || a.trips < b.trips;
      if (weakly && (strictly || k < i)) dominated = true;  // equal: keep the first
    }
    if (!dominated) out.push_back(all[i]);
  }
  std::sort(out.begin(), out.end(), [](const Journey& a, const Journey& b) {
    return a.dep != b.dep ? a.dep < b.dep : a.trips < b.trips;
  });
  return out;
}

namespace {
// A stop as {stop_id, name, lat, lon} (coordinates only when known).
core::Json stop_ref(const Timetable& tt, std::uint32_t s) {
  core::Json x = {{"stop_id", tt.stops[s].id}, {"name", tt.stops[s].name}};
  if (tt.stops[s].lat == tt.stops[s].lat && tt.stops[s].lon == tt.stops[s].lon) {
    x["lat"] = tt.stops[s].lat;
    x["lon"] = tt.stops[s].lon;
  }
  return x;
}
}  // namespace

core::Json journey_json(const Timetable& tt, const Journey& j) {
  core::Json legs = core::Json::array();
  for (const auto& l : j.legs) {
    core::Json x = {{"mode", l.walk ? "walk" : mode_name(tt.routes[l.route].mode)},
                    {"from", stop_ref(tt, l.from)},
                    {"to", stop_ref(tt, l.to)},
                    {"departure", gtfs::format_time(l.dep)},
                    {"arrival", gtfs::format_time(l.arr)}};
    if (!l.walk) {
      const auto& info = tt.infos[tt.trip_info[l.trip]];
      x["route_id"] = info.route_id;
      x["route_name"] = info.route_name;
      x["trip_id"] = info.trip_id;
      x["headsign"] = info.headsign;
      x["service_day_offset"] = l.day_offset;
      core::Json stops = core::Json::array();
      const auto& r = tt.routes[l.route];
      auto t = l.trip - r.trip_begin;
      for (auto p = l.board_pos; p <= l.alight_pos; ++p) {
        auto s = tt.route_stops[r.stop_begin + p];
        auto idx = r.time_begin + static_cast<std::size_t>(p) * r.n_trips + t;
        core::Json st = stop_ref(tt, s);
        st["arrival"] = gtfs::format_time(tt.arr[idx] + l.day_offset * 86400);
        st["departure"] = gtfs::format_time(tt.dep[idx] + l.day_offset * 86400);
        stops.push_back(st);
      }
      x["stops"] = stops;
    } else {
      x["duration_s"] = l.arr - l.dep;
    }
    legs.push_back(x);
  }
  return {{"departure", gtfs::format_time(j.dep)},
          {"arrival", gtfs::format_time(j.arr)},
          {"transfers", j.transfers},
          {"legs", legs}};
}

}  // namespace riverlink::transport
