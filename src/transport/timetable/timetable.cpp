#include "transport/timetable/timetable.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace riverlink::transport {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::rail: return "rail";
    case Mode::hsr: return "hsr";
    case Mode::metro: return "metro";
    case Mode::tram: return "tram";
    case Mode::bus: return "bus";
    case Mode::coach: return "coach";
    case Mode::ferry: return "ferry";
    case Mode::air: return "air";
    default: return "other";
  }
}

bool parse_mode_mask(const std::string& csv, std::uint32_t& mask, std::string& bad) {
  mask = 0;
  std::stringstream ss(csv);
  std::string item;
  auto bit = [](Mode m) { return 1u << static_cast<int>(m); };
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    if (item == "road") { mask |= bit(Mode::bus) | bit(Mode::coach); continue; }
    if (item == "water") { mask |= bit(Mode::ferry); continue; }
    if (item == "all") { mask |= kAllModes; continue; }
    bool found = false;
    for (int i = 0; i < static_cast<int>(Mode::count_); ++i) {
      if (item == mode_name(static_cast<Mode>(i))) { mask |= 1u << i; found = true; }
    }
    if (!found) { bad = item; return false; }
  }
  return mask != 0 || (bad = "(empty)", false);
}

Mode mode_of_route_type(int t) {
  switch (t) {
    case 0: case 5: return Mode::tram;
    case 1: case 12: return Mode::metro;
    case 2: return Mode::rail;
    case 3: case 11: return Mode::bus;
    case 4: return Mode::ferry;
    default: break;
  }
  if (t == 101) return Mode::hsr;
  if (t >= 100 && t < 200) return Mode::rail;
  if (t >= 200 && t < 300) return Mode::coach;
  if (t >= 400 && t < 500) return Mode::metro;
  if (t >= 700 && t < 800) return Mode::bus;
  if (t >= 900 && t < 1000) return Mode::tram;
  if (t >= 1000 && t < 1100) return Mode::ferry;
  if (t >= 1100 && t < 1200) return Mode::air;
  if (t >= 1200 && t < 1300) return Mode::ferry;
  return Mode::other;
}

double haversine_m(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kR = 6371000.0, kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kR * std::asin(std::min(1.0, std::sqrt(a)));
}

std::vector<std::uint32_t> Timetable::resolve(const std::string& id) const {
  auto it = stop_index.find(id);
  if (it == stop_index.end()) return {};
  auto s = it->second;
  if (stops[s].location_type == 1) {
    return {children.begin() + children_begin[s], children.begin() + children_begin[s + 1]};
  }
  return {s};
}

std::size_t Timetable::memory_bytes() const {
  std::size_t b = bitsets.size() * 8 + mtt.size() * 4 + children.size() * 4 + children_begin.size() * 4 +
                  routes.size() * sizeof(TRoute) + route_stops.size() * 4 + route_flags.size() + arr.size() * 4 +
                  dep.size() * 4 + trip_days.size() * 4 + trip_info.size() * 4 + stop_routes_begin.size() * 4 +
                  stop_routes.size() * 8 + fp_begin.size() * 4 + fp_to.size() * 8;
  for (const auto& s : stops) b += sizeof(TStop) + s.id.capacity() + s.name.capacity();
  for (const auto& i : infos) b += sizeof(TripInfo) + i.trip_id.capacity() + i.route_id.capacity() + i.route_name.capacity() + i.headsign.capacity();
  return b;
}

void Timetable::build_indexes() {
  stop_index.clear();
  stop_index.reserve(stops.size());
  for (std::uint32_t i = 0; i < stops.size(); ++i) stop_index.emplace(stops[i].id, i);
}

namespace {

struct BitsetStore {
  std::uint32_t words;
  std::vector<std::uint64_t>& data;
  std::map<std::vector<std::uint64_t>, std::uint32_t> index;
  std::uint32_t add(const std::vector<std::uint64_t>& b) {
    auto it = index.find(b);
    if (it != index.end()) return it->second;
    auto ix = static_cast<std::uint32_t>(data.size() / words);
    data.insert(data.end(), b.begin(), b.end());
    index.emplace(b, ix);
    return ix;
  }
};

struct Instance {
  std::uint16_t feed;
  std::uint32_t trip;    // index in the feed's trips
  std::int32_t offset;   // added to the template's times (frequency expansion)
  std::uint32_t days;    // bitset index
  std::uint32_t info;
};

}  // namespace

Result<Timetable> build_timetable(const std::vector<gtfs::Feed>& feeds, const BuildOptions& opts) {
  Timetable tt;
  tt.options = opts;
  if (feeds.empty()) return Error::make(ErrorKind::invalid, "transport.no_feeds", "no feeds to build a timetable from");
  const bool prefix = feeds.size() > 1;
  std::vector<std::uint32_t> stop_base;
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    const auto& feed = feeds[f];
    tt.feeds.push_back(feed.name);
    tt.stop_time_rows += feed.stop_time_rows;
    stop_base.push_back(static_cast<std::uint32_t>(tt.stops.size()));
    for (const auto& s : feed.stops) {
      TStop t;
      t.id = prefix ? feed.name + ":" + s.id : s.id;
      t.name = s.name;
      t.lat = s.lat;
      t.lon = s.lon;
      t.parent = s.parent < 0 ? -1 : static_cast<std::int32_t>(stop_base.back()) + s.parent;
      t.location_type = static_cast<std::uint8_t>(s.location_type);
      t.feed = static_cast<std::uint16_t>(f);
      tt.stops.push_back(std::move(t));
    }
  }
  const auto n_stops = static_cast<std::uint32_t>(tt.stops.size());
  tt.build_indexes();
  if (tt.stop_index.size() != n_stops) {
    return Error::make(ErrorKind::invalid, "transport.duplicate_feed",
                       "two loaded feeds produce the same stop ids; give the feed files different names");
  }

  // Children CSR (location_type 0 children of each stop).
  tt.children_begin.assign(n_stops + 1, 0);
  for (const auto& s : tt.stops) if (s.parent >= 0 && s.location_type == 0) ++tt.children_begin[s.parent + 1];
  for (std::uint32_t i = 0; i < n_stops; ++i) tt.children_begin[i + 1] += tt.children_begin[i];
  tt.children.resize(tt.children_begin.back());
  {
    auto pos = tt.children_begin;
    for (std::uint32_t i = 0; i < n_stops; ++i)
      if (tt.stops[i].parent >= 0 && tt.stops[i].location_type == 0) tt.children[pos[tt.stops[i].parent]++] = i;
  }

  // Minimum transfer times: default, overridden by transfer_type=2 rows with from = to (a
  // station's row applies to its children); the smallest applicable row wins.
  std::vector<std::int32_t> override_mtt(n_stops, -1);
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    for (const auto& t : feeds[f].transfers) {
      if (t.type != 2 || t.from_stop < 0 || t.from_stop != t.to_stop) continue;
      auto s = stop_base[f] + static_cast<std::uint32_t>(t.from_stop);
      auto v = std::max(0, t.min_time);
      if (override_mtt[s] < 0 || v < override_mtt[s]) override_mtt[s] = v;
    }
  }
  tt.mtt.assign(n_stops, opts.min_transfer_s);
  for (std::uint32_t s = 0; s < n_stops; ++s) {
    std::int32_t best = override_mtt[s];
    auto p = tt.stops[s].parent;
    if (p >= 0 && tt.stops[p].location_type == 1 && override_mtt[p] >= 0 && (best < 0 || override_mtt[p] < best)) best = override_mtt[p];
    if (best >= 0) tt.mtt[s] = best;
  }

  // Service days.
  std::int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (const auto& feed : feeds) {
    for (const auto& s : feed.services) {
      if (s.weekdays && s.end_day >= s.start_day) { lo = std::min(lo, s.start_day); hi = std::max(hi, s.end_day); }
      for (auto d : s.added) { lo = std::min(lo, d); hi = std::max(hi, d); }
    }
  }
  if (lo > hi) { lo = 0; hi = 0; }
  if (hi - lo > 3660) {
    return Error::make(ErrorKind::invalid, "transport.service_span",
                       "service days span more than 10 years (" + gtfs::format_date(lo) + " to " + gtfs::format_date(hi) + ")");
  }
  tt.first_day = lo;
  tt.n_days = hi - lo + 1;
  tt.words_per_bitset = static_cast<std::uint32_t>((tt.n_days + 63) / 64);
  BitsetStore store{tt.words_per_bitset, tt.bitsets, {}};
  std::vector<std::vector<std::uint32_t>> service_bits(feeds.size());
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    for (const auto& s : feeds[f].services) {
      std::vector<std::uint64_t> b(tt.words_per_bitset, 0);
      auto set = [&](std::int32_t d, bool on) {
        auto i = static_cast<std::uint32_t>(d - lo);
        if (on) b[i / 64] |= 1ull << (i % 64); else b[i / 64] &= ~(1ull << (i % 64));
      };
      if (s.weekdays)
        for (auto d = s.start_day; d <= s.end_day; ++d)
          if ((s.weekdays >> gtfs::weekday(d)) & 1) set(d, true);
      for (auto d : s.added) set(d, true);
      for (auto d : s.removed) if (d >= lo && d <= hi) set(d, false);
      service_bits[f].push_back(store.add(b));
    }
  }

  // Trip instances grouped by pattern (stop sequence + pickup/drop-off + mode).
  std::unordered_map<std::string, std::uint32_t> pattern_ix;
  std::vector<std::vector<Instance>> patterns;
  std::vector<std::pair<std::uint16_t, std::uint32_t>> pattern_template;  // (feed, a trip) for the stop list
  std::vector<Mode> pattern_mode;
  std::string key;
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    const auto& feed = feeds[f];
    std::vector<std::vector<const gtfs::Frequency*>> freq(feed.trips.size());
    for (const auto& fr : feed.frequencies) freq[fr.trip].push_back(&fr);
    for (std::uint32_t t = 0; t < feed.trips.size(); ++t) {
      const auto& trip = feed.trips[t];
      if (!trip.usable) continue;
      const auto* st = feed.stop_times.data() + trip.first;
      const auto& route = feed.routes[trip.route];
      Mode mode = mode_of_route_type(route.type);
      key.clear();
      key.push_back(static_cast<char>(mode));
      for (std::uint32_t i = 0; i < trip.count; ++i) {
        std::uint32_t sid = stop_base[f] + static_cast<std::uint32_t>(st[i].stop);
        key.append(reinterpret_cast<const char*>(&sid), 4);
        char flags = static_cast<char>((st[i].pickup == 1 ? 1 : 0) | (st[i].drop_off == 1 ? 2 : 0));
        key.push_back(flags);
      }
      auto [it, fresh] = pattern_ix.emplace(key, static_cast<std::uint32_t>(patterns.size()));
      if (fresh) {
        patterns.emplace_back();
        pattern_template.emplace_back(static_cast<std::uint16_t>(f), t);
        pattern_mode.push_back(mode);
      }
      auto info = static_cast<std::uint32_t>(tt.infos.size());
      tt.infos.push_back({trip.id, route.id, route.short_name.empty() ? route.long_name : route.short_name, trip.headsign,
                          static_cast<std::uint16_t>(f)});
      auto days = service_bits[f][trip.service];
      auto& pat = patterns[it->second];
      if (freq[t].empty()) {
        pat.push_back({static_cast<std::uint16_t>(f), t, 0, days, info});
      } else {
        for (const auto* fr : freq[t]) {
          for (std::int32_t s = fr->start; s < fr->end; s += fr->headway)
            pat.push_back({static_cast<std::uint16_t>(f), t, s - st[0].dep, days, info});
        }
      }
    }
  }

  // Routes: split each pattern into FIFO (non-overtaking) groups.
  auto time_at = [&](const Instance& x, std::uint32_t i, bool departure) {
    const auto& trip = feeds[x.feed].trips[x.trip];
    const auto& st = feeds[x.feed].stop_times[trip.first + i];
    return (departure ? st.dep : st.arr) + x.offset;
  };
  std::vector<std::uint32_t> union_scratch;
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    auto& inst = patterns[p];
    const auto& tmpl = feeds[pattern_template[p].first].trips[pattern_template[p].second];
    const std::uint32_t n = tmpl.count;
    std::sort(inst.begin(), inst.end(), [&](const Instance& a, const Instance& b) {
      auto da = time_at(a, 0, true), db = time_at(b, 0, true);
      if (da != db) return da < db;
      return time_at(a, n - 1, false) < time_at(b, n - 1, false);
    });
    std::vector<std::vector<std::uint32_t>> groups;  // indices into inst
    for (std::uint32_t k = 0; k < inst.size(); ++k) {
      bool placed = false;
      for (auto& g : groups) {
        const auto& last = inst[g.back()];
        bool ok = true;
        for (std::uint32_t i = 0; i < n && ok; ++i)
          ok = time_at(last, i, false) <= time_at(inst[k], i, false) && time_at(last, i, true) <= time_at(inst[k], i, true);
        if (ok) { g.push_back(k); placed = true; break; }
      }
      if (!placed) groups.push_back({k});
    }
    for (const auto& g : groups) {
      TRoute r;
      r.mode = pattern_mode[p];
      r.stop_begin = static_cast<std::uint32_t>(tt.route_stops.size());
      r.n_stops = n;
      r.trip_begin = static_cast<std::uint32_t>(tt.trip_days.size());
      r.n_trips = static_cast<std::uint32_t>(g.size());
      r.time_begin = tt.arr.size();
      const auto* st = feeds[pattern_template[p].first].stop_times.data() + tmpl.first;
      for (std::uint32_t i = 0; i < n; ++i) {
        tt.route_stops.push_back(stop_base[pattern_template[p].first] + static_cast<std::uint32_t>(st[i].stop));
        tt.route_flags.push_back(static_cast<std::uint8_t>((st[i].pickup == 1 ? 1 : 0) | (st[i].drop_off == 1 ? 2 : 0)));
      }
      r.min_time = INT32_MAX;
      r.max_time = INT32_MIN;
      for (std::uint32_t i = 0; i < n; ++i) {
        for (auto k : g) {
          auto a = time_at(inst[k], i, false), d = time_at(inst[k], i, true);
          tt.arr.push_back(a);
          tt.dep.push_back(d);
          r.min_time = std::min(r.min_time, a);
          r.max_time = std::max(r.max_time, d);
        }
      }
      std::vector<std::uint64_t> uni(tt.words_per_bitset, 0);
      for (auto k : g) {
        tt.trip_days.push_back(inst[k].days);
        tt.trip_info.push_back(inst[k].info);
        for (std::uint32_t w = 0; w < tt.words_per_bitset; ++w)
          uni[w] |= tt.bitsets[static_cast<std::size_t>(inst[k].days) * tt.words_per_bitset + w];
      }
      r.days = store.add(uni);
      tt.routes.push_back(r);
    }
    inst.clear();
    inst.shrink_to_fit();
  }

  // stop -> routes.
  tt.stop_routes_begin.assign(n_stops + 1, 0);
  for (const auto& r : tt.routes)
    for (std::uint32_t i = 0; i < r.n_stops; ++i) ++tt.stop_routes_begin[tt.route_stops[r.stop_begin + i] + 1];
  for (std::uint32_t i = 0; i < n_stops; ++i) tt.stop_routes_begin[i + 1] += tt.stop_routes_begin[i];
  tt.stop_routes.resize(tt.stop_routes_begin.back());
  tt.stop_routes_pos.resize(tt.stop_routes_begin.back());
  {
    auto pos = tt.stop_routes_begin;
    for (std::uint32_t ri = 0; ri < tt.routes.size(); ++ri) {
      const auto& r = tt.routes[ri];
      for (std::uint32_t i = 0; i < r.n_stops; ++i) {
        auto s = tt.route_stops[r.stop_begin + i];
        tt.stop_routes[pos[s]] = ri;
        tt.stop_routes_pos[pos[s]++] = i;
      }
    }
  }

  // Footpaths.
  struct Edge { std::uint32_t from, to; std::int32_t dur; };
  std::vector<Edge> edges;
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    for (const auto& t : feeds[f].transfers) {
      if (t.from_stop < 0 || t.to_stop < 0 || t.from_stop == t.to_stop || t.type > 2) continue;
      edges.push_back({stop_base[f] + static_cast<std::uint32_t>(t.from_stop), stop_base[f] + static_cast<std::uint32_t>(t.to_stop),
                       std::max(0, t.min_time)});
    }
  }
  for (std::uint32_t st = 0; st < n_stops; ++st) {
    auto b = tt.children_begin[st], e = tt.children_begin[st + 1];
    if (e - b < 2) continue;
    auto dur = override_mtt[st] >= 0 ? override_mtt[st] : opts.min_transfer_s;
    for (auto i = b; i < e; ++i)
      for (auto j = b; j < e; ++j)
        if (i != j) edges.push_back({tt.children[i], tt.children[j], dur});
  }
  if (opts.walk_radius_m > 0) {
    // Grid of cells about radius wide; compare neighbouring cells only.
    const double cell_lat = opts.walk_radius_m / 111000.0;
    std::unordered_map<std::int64_t, std::vector<std::uint32_t>> grid;
    auto cell_key = [](std::int64_t a, std::int64_t b) { return a * 4000003 + b; };
    std::vector<std::pair<std::int64_t, std::int64_t>> cells(n_stops);
    for (std::uint32_t s = 0; s < n_stops; ++s) {
      const auto& x = tt.stops[s];
      if (x.location_type != 0 || std::isnan(x.lat)) continue;
      double cell_lon = cell_lat / std::max(0.01, std::cos(x.lat * M_PI / 180.0));
      (void)cell_lon;
      // Use latitude cells and longitude cells scaled at the equator-safe minimum of 60 deg.
      std::int64_t a = static_cast<std::int64_t>(std::floor(x.lat / cell_lat));
      std::int64_t b = static_cast<std::int64_t>(std::floor(x.lon / (cell_lat * 2.0)));
      cells[s] = {a, b};
      grid[cell_key(a, b)].push_back(s);
    }
    for (std::uint32_t s = 0; s < n_stops; ++s) {
      const auto& x = tt.stops[s];
      if (x.location_type != 0 || std::isnan(x.lat)) continue;
      // Longitude cells are 2*cell_lat wide in degrees; at |lat| > 60 deg a degree of longitude
      // is under half a degree of latitude, so widen the search there.
      double coslat = std::max(0.01, std::cos(x.lat * M_PI / 180.0));
      std::int64_t span_b = static_cast<std::int64_t>(std::ceil(1.0 / (2.0 * coslat))) ;
      for (std::int64_t da = -1; da <= 1; ++da) {
        for (std::int64_t db = -span_b; db <= span_b; ++db) {
          auto it = grid.find(cell_key(cells[s].first + da, cells[s].second + db));
          if (it == grid.end()) continue;
          for (auto o : it->second) {
            if (o == s) continue;
            double d = haversine_m(x.lat, x.lon, tt.stops[o].lat, tt.stops[o].lon);
            if (d <= opts.walk_radius_m) edges.push_back({s, o, static_cast<std::int32_t>(std::ceil(d / opts.walk_speed_mps))});
          }
        }
      }
    }
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    if (a.from != b.from) return a.from < b.from;
    if (a.to != b.to) return a.to < b.to;
    return a.dur < b.dur;
  });
  tt.fp_begin.assign(n_stops + 1, 0);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (i > 0 && edges[i].from == edges[i - 1].from && edges[i].to == edges[i - 1].to) continue;
    tt.fp_to.push_back(edges[i].to);
    tt.fp_dur.push_back(edges[i].dur);
    ++tt.fp_begin[edges[i].from + 1];
  }
  for (std::uint32_t i = 0; i < n_stops; ++i) tt.fp_begin[i + 1] += tt.fp_begin[i];
  return tt;
}

// ---------------------------------------------------------------- serialisation

namespace {

constexpr char kMagic[8] = {'R', 'L', 'T', 'T', 'B', 'I', 'N', '\0'};

struct Writer {
  std::string out;
  template <class T>
  void pod(const T& v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) { pod<std::uint32_t>(static_cast<std::uint32_t>(s.size())); out.append(s); }
  template <class T>
  void vec(const std::vector<T>& v) {
    pod<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
};

struct Reader {
  const char* p;
  const char* end;
  bool ok = true;
  template <class T>
  void pod(T& v) {
    if (static_cast<std::size_t>(end - p) < sizeof v) { ok = false; return; }
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
  }
  void str(std::string& s) {
    std::uint32_t n = 0;
    pod(n);
    if (!ok || static_cast<std::size_t>(end - p) < n) { ok = false; return; }
    s.assign(p, n);
    p += n;
  }
  template <class T>
  void vec(std::vector<T>& v) {
    std::uint64_t n = 0;
    pod(n);
    if (!ok || n > static_cast<std::uint64_t>(end - p) / sizeof(T)) { ok = false; return; }
    v.resize(n);
    std::memcpy(v.data(), p, n * sizeof(T));
    p += n * sizeof(T);
  }
};

std::uint64_t fnv1a(const char* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  // 8 bytes at a time (not canonical FNV, but a stable checksum).
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  return h;
}

}  // namespace

Status Timetable::save(const std::string& path) const {
  Writer w;
  w.pod<std::uint64_t>(feeds.size());
  for (const auto& f : feeds) w.str(f);
  w.pod(first_day); w.pod(n_days); w.pod(words_per_bitset);
  w.vec(bitsets);
  w.pod<std::uint64_t>(stops.size());
  for (const auto& s : stops) {
    w.str(s.id); w.str(s.name); w.pod(s.lat); w.pod(s.lon); w.pod(s.parent); w.pod(s.location_type); w.pod(s.feed);
  }
  w.vec(mtt); w.vec(children_begin); w.vec(children);
  w.vec(routes); w.vec(route_stops); w.vec(route_flags); w.vec(arr); w.vec(dep);
  w.vec(trip_days); w.vec(trip_info);
  w.pod<std::uint64_t>(infos.size());
  for (const auto& i : infos) { w.str(i.trip_id); w.str(i.route_id); w.str(i.route_name); w.str(i.headsign); w.pod(i.feed); }
  w.vec(stop_routes_begin); w.vec(stop_routes); w.vec(stop_routes_pos);
  w.vec(fp_begin); w.vec(fp_to); w.vec(fp_dur);
  w.pod(options.min_transfer_s); w.pod(options.walk_radius_m); w.pod(options.walk_speed_mps);
  w.pod<std::uint64_t>(stop_time_rows);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error::make(ErrorKind::invalid, "transport.write_failed", path + ": cannot be written");
  std::uint32_t version = kVersion;
  std::uint64_t size = w.out.size(), sum = fnv1a(w.out.data(), w.out.size());
  out.write(kMagic, 8);
  out.write(reinterpret_cast<const char*>(&version), 4);
  out.write(reinterpret_cast<const char*>(&size), 8);
  out.write(reinterpret_cast<const char*>(&sum), 8);
  out.write(w.out.data(), static_cast<std::streamsize>(w.out.size()));
  if (!out) return Error::make(ErrorKind::invalid, "transport.write_failed", path + ": write failed");
  return ok_status();
}

Result<Timetable> Timetable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::not_found, "transport.no_timetable", path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  auto bad = [&](const std::string& why) { return Error::make(ErrorKind::invalid, "transport.bad_timetable", path + ": " + why); };
  if (data.size() < 28 || std::memcmp(data.data(), kMagic, 8) != 0) return bad("not a riverlink timetable file");
  std::uint32_t version;
  std::uint64_t size, sum;
  std::memcpy(&version, data.data() + 8, 4);
  std::memcpy(&size, data.data() + 12, 8);
  std::memcpy(&sum, data.data() + 20, 8);
  if (version != kVersion) return bad("version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion));
  if (size != data.size() - 28) return bad("truncated file");
  if (fnv1a(data.data() + 28, size) != sum) return bad("checksum mismatch");
  Timetable tt;
  Reader r{data.data() + 28, data.data() + data.size()};
  std::uint64_t n = 0;
  r.pod(n);
  if (n > 65535) return bad("corrupt header");
  tt.feeds.resize(n);
  for (auto& f : tt.feeds) r.str(f);
  r.pod(tt.first_day); r.pod(tt.n_days); r.pod(tt.words_per_bitset);
  r.vec(tt.bitsets);
  r.pod(n);
  if (!r.ok || n > size) return bad("corrupt stops");
  tt.stops.resize(n);
  for (auto& s : tt.stops) {
    r.str(s.id); r.str(s.name); r.pod(s.lat); r.pod(s.lon); r.pod(s.parent); r.pod(s.location_type); r.pod(s.feed);
  }
  r.vec(tt.mtt); r.vec(tt.children_begin); r.vec(tt.children);
  r.vec(tt.routes); r.vec(tt.route_stops); r.vec(tt.route_flags); r.vec(tt.arr); r.vec(tt.dep);
  r.vec(tt.trip_days); r.vec(tt.trip_info);
  r.pod(n);
  if (!r.ok || n > size) return bad("corrupt trips");
  tt.infos.resize(n);
  for (auto& i : tt.infos) { r.str(i.trip_id); r.str(i.route_id); r.str(i.route_name); r.str(i.headsign); r.pod(i.feed); }
  r.vec(tt.stop_routes_begin); r.vec(tt.stop_routes); r.vec(tt.stop_routes_pos);
  r.vec(tt.fp_begin); r.vec(tt.fp_to); r.vec(tt.fp_dur);
  r.pod(tt.options.min_transfer_s); r.pod(tt.options.walk_radius_m); r.pod(tt.options.walk_speed_mps);
  r.pod(tt.stop_time_rows);
  if (!r.ok || r.p != r.end) return bad("corrupt body");
  if (tt.mtt.size() != tt.stops.size() || tt.fp_begin.size() != tt.stops.size() + 1 ||
      tt.stop_routes_begin.size() != tt.stops.size() + 1 || tt.arr.size() != tt.dep.size())
    return bad("inconsistent sizes");
  tt.build_indexes();
  return tt;
}

}  // namespace riverlink::transport
