#include "transport/gtfs/feed.hpp"

#include <zip.h>

#include <algorithm>
#include <tuple>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <unordered_map>

#include "transport/gtfs/csv.hpp"

namespace riverlink::transport::gtfs {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- small parsers

std::optional<std::int32_t> parse_time(std::string_view s) {
  // \d{1,3}:\d\d:\d\d
  auto c1 = s.find(':');
  if (c1 == std::string_view::npos || c1 < 1 || c1 > 3 || s.size() != c1 + 6 || s[c1 + 3] != ':') return std::nullopt;
  auto digits = [](std::string_view d) {
    for (char c : d) if (c < '0' || c > '9') return false;
    return true;
  };
  auto h = s.substr(0, c1), m = s.substr(c1 + 1, 2), sec = s.substr(c1 + 4, 2);
  if (!digits(h) || !digits(m) || !digits(sec)) return std::nullopt;
  int hh = 0, mm = (m[0] - '0') * 10 + (m[1] - '0'), ss = (sec[0] - '0') * 10 + (sec[1] - '0');
  for (char c : h) hh = hh * 10 + (c - '0');
  if (mm > 59 || ss > 59) return std::nullopt;
  return hh * 3600 + mm * 60 + ss;
}

namespace {
std::int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}
void civil_from_days(std::int32_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}
}  // namespace

std::optional<std::int32_t> parse_date(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  for (char c : s) if (c < '0' || c > '9') return std::nullopt;
  int y = std::stoi(std::string(s.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(4, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(6, 2))));
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  auto z = days_from_civil(y, m, d);
  int y2; unsigned m2, d2;
  civil_from_days(z, y2, m2, d2);
  if (m2 != m || d2 != d) return std::nullopt;  // e.g. 20230231
  return z;
}

std::string format_time(std::int32_t t) {
  char buf[32];
  if (t < 0) t = 0;
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

std::string format_date(std::int32_t day) {
  int y; unsigned m, d;
  civil_from_days(day, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", y, m, d);
  return buf;
}

int weekday(std::int32_t day) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

std::string feed_stem(const std::string& path) {
  fs::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  auto stem = p.filename().string();
  if (stem.size() > 4 && stem.substr(stem.size() - 4) == ".zip") stem.resize(stem.size() - 4);
  return stem;
}

namespace {

// ---------------------------------------------------------------- file access

struct SourceFiles {
  std::map<std::string, std::string> files;  // name -> raw bytes, for the GTFS files we read
};

const char* kWanted[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                         "calendar_dates.txt", "frequencies.txt", "transfers.txt", "feed_info.txt"};

Result<SourceFiles> read_zip(const std::string& path, Findings& findings) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return Error::make(ErrorKind::invalid, "transport.bad_zip", path + ": not a readable zip archive (" + msg + ")");
  }
  std::unique_ptr<zip_t, decltype(&zip_discard)> guard(z, &zip_discard);
  zip_int64_t n = zip_get_num_entries(z, 0);
  // Decide the folder prefix: root, or the single subfolder holding agency.txt/stops.txt.
  std::map<std::string, zip_uint64_t> by_name;
  std::string prefix;
  bool root_has = false;
  std::vector<std::string> sub_prefixes;
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* nm = zip_get_name(z, static_cast<zip_uint64_t>(i), 0);
    if (!nm) continue;
    std::string name = nm;
    by_name[name] = static_cast<zip_uint64_t>(i);
    if (name == "stops.txt") root_has = true;
    auto slash = name.rfind('/');
    if (slash != std::string::npos && name.substr(slash + 1) == "stops.txt" && name.rfind("__MACOSX", 0) != 0) {
      sub_prefixes.push_back(name.substr(0, slash + 1));
    }
  }
  if (!root_has && sub_prefixes.size() == 1) {
    prefix = sub_prefixes[0];
    findings.add("invalid_input_files_in_subfolder", Severity::warning, "", 0, "",
                 "the GTFS files sit in the subfolder '" + prefix + "' of the zip; read from there");
  }
  SourceFiles out;
  for (const char* w : kWanted) {
    auto it = by_name.find(prefix + w);
    if (it == by_name.end()) continue;
    zip_stat_t st;
    if (zip_stat_index(z, it->second, 0, &st) != 0) continue;
    zip_file_t* f = zip_fopen_index(z, it->second, 0);
    if (!f) {
      return Error::make(ErrorKind::invalid, "transport.bad_zip", path + ": cannot open " + w + " in the zip (" +
                                                                    zip_strerror(z) + ")");
    }
    std::string data;
    data.resize(st.valid & ZIP_STAT_SIZE ? st.size : 0);
    zip_int64_t got = data.empty() ? 0 : zip_fread(f, data.data(), data.size());
    zip_fclose(f);
    if (got < 0 || static_cast<std::size_t>(got) != data.size()) {
      return Error::make(ErrorKind::invalid, "transport.bad_zip", path + ": " + w + " is corrupt in the zip");
    }
    out.files[w] = std::move(data);
  }
  return out;
}

Result<SourceFiles> read_dir(const std::string& path) {
  SourceFiles out;
  for (const char* w : kWanted) {
    fs::path p = fs::path(path) / w;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    std::ifstream in(p, std::ios::binary);
    if (!in) return Error::make(ErrorKind::invalid, "transport.unreadable", p.string() + ": cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    out.files[w] = ss.str();
  }
  return out;
}

// ---------------------------------------------------------------- helpers

struct SvHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using IdMap = std::unordered_map<std::string, std::int32_t, SvHash, std::equal_to<>>;

std::int32_t lookup(const IdMap& m, std::string_view id) {
  auto it = m.find(id);
  return it == m.end() ? -1 : it->second;
}

bool is_null_placeholder(std::string_view v) {
  return v == "NULL" || v == "null" || v == "None" || v == "\\N";
}

template <class T>
bool parse_int(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

struct Ctx {
  Feed& feed;
  Findings& f;
  IdMap stop_ix, route_ix, trip_ix, service_ix;

  void error(const std::string& code, const CsvReader& r, const std::string& field, const std::string& msg) {
    f.add(code, Severity::error, r.file(), r.line(), field, msg);
  }
  void warn(const std::string& code, const CsvReader& r, const std::string& field, const std::string& msg) {
    f.add(code, Severity::warning, r.file(), r.line(), field, msg);
  }
};

bool require_columns(Ctx& c, const CsvReader& r, std::initializer_list<const char*> cols) {
  bool ok = true;
  for (const char* col : cols) {
    if (r.column(col) < 0) {
      c.f.add("missing_required_column", Severity::error, r.file(), 1, col, "required column is missing");
      ok = false;
    }
  }
  return ok;
}

int service_ix(Ctx& c, std::string_view id) {
  auto it = c.service_ix.find(id);
  if (it != c.service_ix.end()) return it->second;
  auto ix = static_cast<std::int32_t>(c.feed.services.size());
  c.feed.services.push_back(Service{.id = std::string(id)});
  c.service_ix.emplace(std::string(id), ix);
  return ix;
}

void load_agency(Ctx& c, std::string_view text) {
  CsvReader r(text, "agency.txt", c.f);
  require_columns(c, r, {"agency_timezone"});
  int tz = r.column("agency_timezone"), name = r.column("agency_name");
  while (r.next()) {
    auto t = std::string(r.get(tz));
    if (name >= 0 && r.get(name).empty()) c.error("missing_required_field", r, "agency_name", "agency_name is empty");
    if (t.empty()) {
      c.error("missing_required_field", r, "agency_timezone", "agency_timezone is empty");
      continue;
    }
    if (t.find('/') == std::string::npos && t != "UTC") c.error("invalid_timezone", r, "agency_timezone", "'" + t + "' is not a tz database name");
    if (c.feed.timezone.empty()) c.feed.timezone = t;
    else if (c.feed.timezone != t) {
      c.error("inconsistent_agency_timezone", r, "agency_timezone",
              "agency timezone " + t + " differs from " + c.feed.timezone);
    }
  }
}

void load_stops(Ctx& c, std::string_view text) {
  CsvReader r(text, "stops.txt", c.f);
  require_columns(c, r, {"stop_id"});
  int id = r.column("stop_id"), name = r.column("stop_name"), lat = r.column("stop_lat"), lon = r.column("stop_lon"),
      lt = r.column("location_type"), parent = r.column("parent_station"), tz = r.column("stop_timezone");
  while (r.next()) {
    Stop s;
    s.id = std::string(r.get(id));
    if (s.id.empty()) { c.error("missing_required_field", r, "stop_id", "stop_id is empty"); continue; }
    s.name = std::string(r.get(name));
    s.timezone = std::string(r.get(tz));
    auto ltv = r.get(lt);
    if (!ltv.empty() && (!parse_int(ltv, s.location_type) || s.location_type < 0 || s.location_type > 4)) {
      c.error("invalid_integer", r, "location_type", "'" + std::string(ltv) + "' is not a location type 0-4");
      s.location_type = 0;
    }
    if (s.name.empty() && s.location_type <= 2) c.error("missing_stop_name", r, "stop_name", "stop " + s.id + " has no name");
    bool has_lat = parse_double(r.get(lat), s.lat), has_lon = parse_double(r.get(lon), s.lon);
    if (!has_lat || !has_lon || std::abs(s.lat) > 90 || std::abs(s.lon) > 180) {
      if (s.location_type <= 2) c.error("stop_without_location", r, has_lat ? "stop_lon" : "stop_lat", "stop " + s.id + " has no valid coordinates");
      s.lat = s.lon = std::nan("");
    } else if (std::abs(s.lat) < 1e-6 && std::abs(s.lon) < 1e-6) {
      c.error("point_near_origin", r, "stop_lat", "stop " + s.id + " is at (0, 0)");
    }
    auto pv = r.get(parent);
    if (!pv.empty() && !is_null_placeholder(pv)) s.parent_id = std::string(pv);
    if (!c.stop_ix.emplace(s.id, static_cast<std::int32_t>(c.feed.stops.size())).second) {
      c.error("duplicate_key", r, "stop_id", "stop_id " + s.id + " appears twice; the later row is dropped");
      continue;
    }
    c.feed.stops.push_back(std::move(s));
  }
  for (auto& s : c.feed.stops) {
    if (s.parent_id.empty()) continue;
    s.parent = lookup(c.stop_ix, s.parent_id);
    if (s.parent < 0) {
      c.f.add("foreign_key_violation", Severity::error, "stops.txt", 0, "parent_station",
              "stop " + s.id + " names unknown parent_station " + s.parent_id);
    } else if (s.location_type == 1) {
      c.f.add("station_with_parent_station", Severity::error, "stops.txt", 0, "parent_station", "station " + s.id + " has a parent");
      s.parent = -1;
    }
  }
}

void load_routes(Ctx& c, std::string_view text) {
  CsvReader r(text, "routes.txt", c.f);
  require_columns(c, r, {"route_id", "route_type"});
  int id = r.column("route_id"), ag = r.column("agency_id"), sn = r.column("route_short_name"),
      ln = r.column("route_long_name"), ty = r.column("route_type");
  while (r.next()) {
    Route rt;
    rt.id = std::string(r.get(id));
    if (rt.id.empty()) { c.error("missing_required_field", r, "route_id", "route_id is empty"); continue; }
    rt.agency_id = std::string(r.get(ag));
    rt.short_name = std::string(r.get(sn));
    rt.long_name = std::string(r.get(ln));
    if (rt.short_name.empty() && rt.long_name.empty())
      c.error("route_both_short_and_long_name_missing", r, "route_short_name", "route " + rt.id + " has no name");
    auto tv = r.get(ty);
    if (!parse_int(tv, rt.type)) {
      c.error("invalid_integer", r, "route_type", "'" + std::string(tv) + "' is not a route type; taken as 3 (bus)");
      rt.type = 3;
    } else if (!((rt.type >= 0 && rt.type <= 7) || rt.type == 11 || rt.type == 12 || (rt.type >= 100 && rt.type <= 1799))) {
      c.warn("unexpected_enum_value", r, "route_type", "route_type " + std::to_string(rt.type) + " is not known; mode 'other'");
    }
    if (!c.route_ix.emplace(rt.id, static_cast<std::int32_t>(c.feed.routes.size())).second) {
      c.error("duplicate_key", r, "route_id", "route_id " + rt.id + " appears twice; the later row is dropped");
      continue;
    }
    c.feed.routes.push_back(std::move(rt));
  }
}

void load_calendar(Ctx& c, std::string_view text) {
  CsvReader r(text, "calendar.txt", c.f);
  require_columns(c, r, {"service_id", "start_date", "end_date"});
  const char* days[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  int dc[7];
  for (int i = 0; i < 7; ++i) dc[i] = r.column(days[i]);
  int id = r.column("service_id"), sd = r.column("start_date"), ed = r.column("end_date");
  std::unordered_map<std::string, bool> seen;
  while (r.next()) {
    auto sid = r.get(id);
    if (sid.empty()) { c.error("missing_required_field", r, "service_id", "service_id is empty"); continue; }
    if (seen.count(std::string(sid))) { c.error("duplicate_key", r, "service_id", "service_id " + std::string(sid) + " appears twice"); continue; }
    seen[std::string(sid)] = true;
    auto s = parse_date(r.get(sd)), e = parse_date(r.get(ed));
    if (!s) { c.error("invalid_date", r, "start_date", "'" + std::string(r.get(sd)) + "' is not a YYYYMMDD date"); continue; }
    if (!e) { c.error("invalid_date", r, "end_date", "'" + std::string(r.get(ed)) + "' is not a YYYYMMDD date"); continue; }
    if (*e < *s) c.error("start_and_end_range_out_of_order", r, "end_date", "end_date is before start_date");
    auto& svc = c.feed.services[service_ix(c, sid)];
    svc.start_day = *s;
    svc.end_day = *e;
    for (int i = 0; i < 7; ++i) {
      auto v = r.get(dc[i]);
      if (v == "1") svc.weekdays |= static_cast<std::uint8_t>(1 << i);
      else if (!v.empty() && v != "0") c.error("unexpected_enum_value", r, days[i], "'" + std::string(v) + "' is not 0 or 1");
    }
  }
}

void load_calendar_dates(Ctx& c, std::string_view text) {
  CsvReader r(text, "calendar_dates.txt", c.f);
  require_columns(c, r, {"service_id", "date", "exception_type"});
  int id = r.column("service_id"), dt = r.column("date"), ex = r.column("exception_type");
  while (r.next()) {
    auto sid = r.get(id);
    if (sid.empty()) { c.error("missing_required_field", r, "service_id", "service_id is empty"); continue; }
    auto d = parse_date(r.get(dt));
    if (!d) { c.error("invalid_date", r, "date", "'" + std::string(r.get(dt)) + "' is not a YYYYMMDD date"); continue; }
    auto e = r.get(ex);
    auto& svc = c.feed.services[service_ix(c, sid)];
    if (e == "1") svc.added.push_back(*d);
    else if (e == "2") svc.removed.push_back(*d);
    else c.error("unexpected_enum_value", r, "exception_type", "'" + std::string(e) + "' is not 1 or 2");
  }
}

void load_trips(Ctx& c, std::string_view text) {
  CsvReader r(text, "trips.txt", c.f);
  require_columns(c, r, {"route_id", "service_id", "trip_id"});
  int rid = r.column("route_id"), sid = r.column("service_id"), tid = r.column("trip_id"),
      hs = r.column("trip_headsign"), bl = r.column("block_id");
  while (r.next()) {
    Trip t;
    t.id = std::string(r.get(tid));
    if (t.id.empty()) { c.error("missing_required_field", r, "trip_id", "trip_id is empty"); continue; }
    t.route = lookup(c.route_ix, r.get(rid));
    if (t.route < 0) {
      c.error("foreign_key_violation", r, "route_id", "trip " + t.id + " names unknown route_id " + std::string(r.get(rid)) + "; trip dropped");
      continue;
    }
    t.service = lookup(c.service_ix, r.get(sid));
    if (t.service < 0) {
      c.error("foreign_key_violation", r, "service_id", "trip " + t.id + " names unknown service_id " + std::string(r.get(sid)) + "; trip dropped");
      continue;
    }
    t.headsign = std::string(r.get(hs));
    t.block_id = std::string(r.get(bl));
    if (!c.trip_ix.emplace(t.id, static_cast<std::int32_t>(c.feed.trips.size())).second) {
      c.error("duplicate_key", r, "trip_id", "trip_id " + t.id + " appears twice; the later row is dropped");
      continue;
    }
    c.feed.trips.push_back(std::move(t));
  }
}

struct RawStopTime {
  std::int32_t trip;
  std::int32_t seq;
  std::uint32_t line;
  StopTime st;
};

void interpolate_trip(StopTime* st, std::uint32_t n) {
  // Fill empty times between timed stops: by shape distance when all involved rows have it and
  // it increases, else evenly by position. Truncated to whole seconds.
  std::uint32_t prev = 0;
  for (std::uint32_t i = 1; i < n; ++i) {
    if (st[i].arr == kNoTime) continue;
    if (i > prev + 1) {
      std::int32_t t0 = st[prev].dep, t1 = st[i].arr;
      bool by_dist = st[prev].dist >= 0 && st[i].dist > st[prev].dist;
      for (std::uint32_t k = prev + 1; k < i && by_dist; ++k)
        by_dist = st[k].dist >= st[prev].dist && st[k].dist <= st[i].dist;
      for (std::uint32_t k = prev + 1; k < i; ++k) {
        double frac = by_dist ? (st[k].dist - st[prev].dist) / (st[i].dist - st[prev].dist)
                              : static_cast<double>(k - prev) / static_cast<double>(i - prev);
        auto t = t0 + static_cast<std::int32_t>(std::floor(frac * static_cast<double>(t1 - t0)));
        st[k].arr = st[k].dep = t;
      }
    }
    prev = i;
  }
}

void load_stop_times(Ctx& c, std::string& text, const LoadOptions& opts) {
  CsvReader r(text, "stop_times.txt", c.f);
  require_columns(c, r, {"trip_id", "stop_id", "stop_sequence"});
  int tid = r.column("trip_id"), sid = r.column("stop_id"), seq = r.column("stop_sequence"), arr = r.column("arrival_time"),
      dep = r.column("departure_time"), pu = r.column("pickup_type"), dr = r.column("drop_off_type"),
      dist = r.column("shape_dist_traveled"), tp = r.column("timepoint");
  std::vector<RawStopTime> raw;
  raw.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);  // exact: no growth spike
  std::vector<char> bad_trip(c.feed.trips.size(), 0);
  std::string last_trip_id;
  std::int32_t last_trip = -1;
  std::size_t rows = 0;
  while (r.next()) {
    ++rows;
    auto tv = r.get(tid);
    std::int32_t trip;
    if (last_trip >= 0 && tv == last_trip_id) {
      trip = last_trip;
    } else {
      trip = lookup(c.trip_ix, tv);
      if (trip < 0) {
        c.error("foreign_key_violation", r, "trip_id", "unknown trip_id '" + std::string(tv) + "'; row dropped");
        continue;
      }
      last_trip = trip;
      last_trip_id.assign(tv);
    }
    RawStopTime x{trip, 0, static_cast<std::uint32_t>(r.line()), {}};
    auto sv = r.get(sid);
    x.st.stop = lookup(c.stop_ix, sv);
    if (x.st.stop < 0) {
      c.error("foreign_key_violation", r, "stop_id", "unknown stop_id '" + std::string(sv) + "' in trip " + c.feed.trips[trip].id + "; trip dropped");
      bad_trip[trip] = 1;
      continue;
    }
    if (!parse_int(r.get(seq), x.seq) || x.seq < 0) {
      c.error("invalid_integer", r, "stop_sequence", "'" + std::string(r.get(seq)) + "' is not a non-negative integer; trip dropped");
      bad_trip[trip] = 1;
      continue;
    }
    auto av = r.get(arr), dv = r.get(dep);
    if (!av.empty()) {
      if (auto t = parse_time(av)) x.st.arr = *t;
      else { c.error("invalid_time", r, "arrival_time", "'" + std::string(av) + "' is not H:MM:SS; trip dropped"); bad_trip[trip] = 1; continue; }
    }
    if (!dv.empty()) {
      if (auto t = parse_time(dv)) x.st.dep = *t;
      else { c.error("invalid_time", r, "departure_time", "'" + std::string(dv) + "' is not H:MM:SS; trip dropped"); bad_trip[trip] = 1; continue; }
    }
    if ((x.st.arr == kNoTime) != (x.st.dep == kNoTime)) {
      c.error("stop_time_with_only_arrival_or_departure_time", r, x.st.arr == kNoTime ? "arrival_time" : "departure_time",
              "only one of arrival_time and departure_time is given; it is used for both");
      if (x.st.arr == kNoTime) x.st.arr = x.st.dep; else x.st.dep = x.st.arr;
    }
    if (x.st.arr == kNoTime && r.get(tp) == "1")
      c.error("stop_time_timepoint_without_times", r, "arrival_time", "timepoint=1 without times");
    int v = 0;
    if (parse_int(r.get(pu), v)) {
      if (v < 0 || v > 3) c.error("unexpected_enum_value", r, "pickup_type", "pickup_type " + std::to_string(v));
      x.st.pickup = static_cast<std::uint8_t>(v);
    }
    if (parse_int(r.get(dr), v)) {
      if (v < 0 || v > 3) c.error("unexpected_enum_value", r, "drop_off_type", "drop_off_type " + std::to_string(v));
      x.st.drop_off = static_cast<std::uint8_t>(v);
    }
    double dv_ = -1;
    x.st.dist = parse_double(r.get(dist), dv_) ? static_cast<float>(dv_) : -1.0f;
    raw.push_back(x);
  }
  c.feed.stop_time_rows = rows;
  std::string().swap(text);  // the parsed text is no longer needed: keep peak memory down
  // Group by trip (counting sort of row indices; trips may be non-contiguous in the file).
  auto& trips = c.feed.trips;
  std::vector<std::uint32_t> start(trips.size() + 1, 0);
  for (const auto& x : raw) ++start[x.trip + 1];
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<std::uint32_t> order(raw.size());
  {
    auto pos = start;
    for (std::uint32_t i = 0; i < raw.size(); ++i) order[pos[raw[i].trip]++] = i;
  }
  auto& out = c.feed.stop_times;
  out.reserve(raw.size());
  std::vector<RawStopTime> rows_t;
  std::size_t unsorted = 0;
  for (std::size_t t = 0; t < trips.size(); ++t) {
    auto ob = order.begin() + start[t], oe = order.begin() + start[t + 1];
    rows_t.clear();
    for (auto it = ob; it != oe; ++it) rows_t.push_back(raw[*it]);
    auto b = rows_t.begin(), e = rows_t.end();
    auto& trip = trips[t];
    if (b == e) {
      if (!bad_trip[t]) c.f.add("missing_stop_times_record", Severity::error, "trips.txt", 0, "trip_id", "trip " + trip.id + " has no stop_times; dropped");
      trip.usable = false;
      continue;
    }
    if (bad_trip[t]) { trip.usable = false; continue; }
    const bool was_unsorted = !std::is_sorted(b, e, [](const RawStopTime& a, const RawStopTime& y) { return a.seq < y.seq; });
    if (was_unsorted) {
      ++unsorted;
      std::stable_sort(b, e, [](const RawStopTime& a, const RawStopTime& y) { return a.seq < y.seq; });
    }
    bool ok = true;
    for (auto it = b + 1; it != e && ok; ++it) {
      if (it->seq == (it - 1)->seq) {
        c.f.add("duplicate_key", Severity::error, "stop_times.txt", it->line, "stop_sequence",
                "trip " + trip.id + " repeats stop_sequence " + std::to_string(it->seq) + "; trip dropped");
        ok = false;
      }
    }
    if (ok && (b->st.arr == kNoTime || (e - 1)->st.arr == kNoTime)) {
      auto& edge = b->st.arr == kNoTime ? *b : *(e - 1);
      c.f.add("missing_trip_edge", Severity::error, "stop_times.txt", edge.line, "arrival_time",
              "trip " + trip.id + " has no time at its first or last stop; trip dropped");
      ok = false;
    }
    // Times must not go backwards along the trip (checked on the given times).
    if (ok) {
      std::int32_t last = INT32_MIN;
      for (auto it = b; it != e && ok; ++it) {
        if (it->st.arr == kNoTime) continue;
        if (it->st.arr < last) {
          c.f.add("stop_time_with_arrival_before_previous_departure_time", Severity::error, "stop_times.txt", it->line,
                  was_unsorted ? "stop_sequence" : "arrival_time",
                  "trip " + trip.id + (was_unsorted ? ": stop_sequence decreases where its rows' times increase; in stop_sequence order it" : "") +
                      " arrives at " + format_time(it->st.arr) + ", before the previous departure " + format_time(last) + "; trip dropped");
          ok = false;
        } else if (it->st.dep < it->st.arr) {
          c.f.add("stop_time_with_arrival_before_previous_departure_time", Severity::error, "stop_times.txt", it->line, "departure_time",
                  "trip " + trip.id + " departs before it arrives; trip dropped");
          ok = false;
        }
        last = it->st.dep;
      }
    }
    if (ok && e - b < 2) {
      c.f.add("unusable_trip", Severity::warning, "trips.txt", 0, "trip_id", "trip " + trip.id + " has fewer than two stops; dropped");
      ok = false;
    }
    if (!ok) { trip.usable = false; continue; }
    trip.first = static_cast<std::uint32_t>(out.size());
    trip.count = static_cast<std::uint32_t>(e - b);
    bool has_gap = false;
    for (auto it = b; it != e; ++it) {
      out.push_back(it->st);
      has_gap |= it->st.arr == kNoTime;
    }
    if (has_gap) {
      if (opts.interpolate) interpolate_trip(out.data() + trip.first, trip.count);
      else { trip.usable = false; }
    }
  }
  raw.clear();
  raw.shrink_to_fit();
  if (unsorted)
    c.f.add("unsorted_stop_times", Severity::info, "stop_times.txt", 0, "stop_sequence",
            std::to_string(unsorted) + " trips list their stop_times out of stop_sequence order; sorted");
}

void load_frequencies(Ctx& c, std::string_view text) {
  CsvReader r(text, "frequencies.txt", c.f);
  require_columns(c, r, {"trip_id", "start_time", "end_time", "headway_secs"});
  int tid = r.column("trip_id"), st = r.column("start_time"), et = r.column("end_time"), hw = r.column("headway_secs"),
      ex = r.column("exact_times");
  while (r.next()) {
    Frequency f;
    f.trip = lookup(c.trip_ix, r.get(tid));
    if (f.trip < 0) { c.error("foreign_key_violation", r, "trip_id", "unknown trip_id '" + std::string(r.get(tid)) + "'"); continue; }
    auto s = parse_time(r.get(st)), e = parse_time(r.get(et));
    if (!s) { c.error("invalid_time", r, "start_time", "'" + std::string(r.get(st)) + "' is not H:MM:SS"); continue; }
    if (!e) { c.error("invalid_time", r, "end_time", "'" + std::string(r.get(et)) + "' is not H:MM:SS"); continue; }
    if (!parse_int(r.get(hw), f.headway) || f.headway <= 0) {
      c.error("invalid_integer", r, "headway_secs", "'" + std::string(r.get(hw)) + "' is not a positive integer");
      continue;
    }
    f.start = *s;
    f.end = *e;
    f.exact_times = r.get(ex) == "1";
    c.feed.frequencies.push_back(f);
  }
  // overlapping_frequency: same trip, intervals overlapping.
  auto fr = c.feed.frequencies;
  std::sort(fr.begin(), fr.end(), [](const Frequency& a, const Frequency& b) { return a.trip != b.trip ? a.trip < b.trip : a.start < b.start; });
  for (std::size_t i = 1; i < fr.size(); ++i) {
    if (fr[i].trip == fr[i - 1].trip && fr[i].start < fr[i - 1].end)
      c.f.add("overlapping_frequency", Severity::error, "frequencies.txt", 0, "start_time",
              "frequencies of trip " + c.feed.trips[fr[i].trip].id + " overlap");
  }
}

void load_transfers(Ctx& c, std::string_view text) {
  CsvReader r(text, "transfers.txt", c.f);
  int fs_ = r.column("from_stop_id"), ts = r.column("to_stop_id"), ty = r.column("transfer_type"), mt = r.column("min_transfer_time"),
      fr = r.column("from_route_id"), tr = r.column("to_route_id"), ft = r.column("from_trip_id"), tt = r.column("to_trip_id");
  while (r.next()) {
    Transfer t;
    auto tv = r.get(ty);
    if (!tv.empty() && (!parse_int(tv, t.type) || t.type < 0 || t.type > 5)) {
      c.error("unexpected_enum_value", r, "transfer_type", "'" + std::string(tv) + "' is not a transfer type 0-5; row dropped");
      continue;
    }
    auto fv = r.get(fs_), tov = r.get(ts);
    t.from_stop = fv.empty() ? -1 : lookup(c.stop_ix, fv);
    t.to_stop = tov.empty() ? -1 : lookup(c.stop_ix, tov);
    if (!fv.empty() && t.from_stop < 0) { c.error("foreign_key_violation", r, "from_stop_id", "unknown stop '" + std::string(fv) + "'; row dropped"); continue; }
    if (!tov.empty() && t.to_stop < 0) { c.error("foreign_key_violation", r, "to_stop_id", "unknown stop '" + std::string(tov) + "'; row dropped"); continue; }
    auto mv = r.get(mt);
    if (!mv.empty() && (!parse_int(mv, t.min_time) || t.min_time < 0)) {
      c.error("invalid_integer", r, "min_transfer_time", "'" + std::string(mv) + "' is not a non-negative integer");
      t.min_time = -1;
    }
    t.from_route = std::string(r.get(fr));
    t.to_route = std::string(r.get(tr));
    t.from_trip = std::string(r.get(ft));
    t.to_trip = std::string(r.get(tt));
    // Route- and trip-specific rows: the ids must exist, and a trip must belong to the route
    // named beside it (validator: foreign_key_violation, transfer_with_invalid_trip_and_route).
    bool ok = true;
    for (auto [id, field, ix] : {std::tuple{&t.from_route, "from_route_id", &c.route_ix}, std::tuple{&t.to_route, "to_route_id", &c.route_ix},
                                 std::tuple{&t.from_trip, "from_trip_id", &c.trip_ix}, std::tuple{&t.to_trip, "to_trip_id", &c.trip_ix}}) {
      if (ok && !id->empty() && lookup(*ix, *id) < 0) {
        c.error("foreign_key_violation", r, field, "unknown " + std::string(field).substr(0, std::string(field).size() - 3) + " '" + *id + "'; row dropped");
        ok = false;
      }
    }
    for (auto [trip, route, field] : {std::tuple{&t.from_trip, &t.from_route, "from_trip_id"}, std::tuple{&t.to_trip, &t.to_route, "to_trip_id"}}) {
      if (!ok || trip->empty() || route->empty()) continue;
      auto ti = lookup(c.trip_ix, *trip);
      auto ri = c.feed.trips[ti].route;
      if (ri < 0 || c.feed.routes[ri].id != *route) {
        c.error("transfer_with_invalid_trip_and_route", r, field, "trip '" + *trip + "' does not belong to route '" + *route + "'; row dropped");
        ok = false;
      }
    }
    if (!ok) continue;
    c.feed.transfers.push_back(std::move(t));
  }
}

}  // namespace

namespace {
Result<Feed> load_files(Feed feed, const std::string& path, std::map<std::string, std::string>& fm, const LoadOptions& opts);
}  // namespace

Result<Feed> load_feed(const std::string& path, const LoadOptions& opts) {
  Feed feed;
  feed.name = feed_stem(path);
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error::make(ErrorKind::not_found, "transport.no_feed", path + ": no such file or folder");
  Result<SourceFiles> files = fs::is_directory(path, ec) ? read_dir(path) : read_zip(path, feed.findings);
  if (!files.ok()) return files.error();
  return load_files(std::move(feed), path, files->files, opts);
}

Result<Feed> load_feed_from_memory(const std::string& name, std::map<std::string, std::string> files, const LoadOptions& opts) {
  Feed feed;
  feed.name = name;
  for (auto it = files.begin(); it != files.end();) {
    bool keep = false;
    for (const char* w : kWanted) keep |= it->first == w;
    it = keep ? std::next(it) : files.erase(it);
  }
  return load_files(std::move(feed), name, files, opts);
}

namespace {
Result<Feed> load_files(Feed feed, const std::string& path, std::map<std::string, std::string>& fm, const LoadOptions& opts) {
  for (const char* req : {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"}) {
    if (!fm.count(req)) {
      return Error::make(ErrorKind::invalid, "transport.missing_required_file",
                         path + ": missing_required_file: " + req + " is required and absent");
    }
  }
  if (!fm.count("calendar.txt") && !fm.count("calendar_dates.txt")) {
    return Error::make(ErrorKind::invalid, "transport.missing_calendar",
                       path + ": missing_calendar_and_calendar_date_files: neither calendar.txt nor calendar_dates.txt is present");
  }
  for (auto& [name, bytes] : fm) normalise_encoding(bytes, name, feed.findings);
  Ctx c{feed, feed.findings, {}, {}, {}, {}};
  auto empty_required = [&](const char* name) {
    auto& t = fm[name];
    return t.find_first_not_of(" \t\r\n") == std::string::npos;
  };
  for (const char* req : {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"}) {
    if (empty_required(req)) {
      return Error::make(ErrorKind::invalid, "transport.empty_file", path + ": empty_file: " + req + " is empty");
    }
  }
  load_agency(c, fm["agency.txt"]);
  load_stops(c, fm["stops.txt"]);
  fm.erase("stops.txt");
  load_routes(c, fm["routes.txt"]);
  if (fm.count("calendar.txt")) load_calendar(c, fm["calendar.txt"]);
  if (fm.count("calendar_dates.txt")) load_calendar_dates(c, fm["calendar_dates.txt"]);
  load_trips(c, fm["trips.txt"]);
  fm.erase("trips.txt");
  load_stop_times(c, fm["stop_times.txt"], opts);
  fm.erase("stop_times.txt");
  if (fm.count("frequencies.txt")) load_frequencies(c, fm["frequencies.txt"]);
  if (fm.count("transfers.txt")) load_transfers(c, fm["transfers.txt"]);
  std::size_t usable = 0;
  for (const auto& t : feed.trips) usable += t.usable;
  if (feed.stops.empty()) return Error::make(ErrorKind::invalid, "transport.unusable_feed", path + ": stops.txt has no usable stops");
  if (usable == 0) {
    return Error::make(ErrorKind::invalid, "transport.unusable_feed",
                       path + ": no usable trips (" + std::to_string(feed.findings.errors()) + " errors):\n" + feed.findings.to_text());
  }
  if (feed.timezone.empty()) feed.findings.add("missing_required_field", Severity::error, "agency.txt", 0, "agency_timezone", "no agency timezone");
  return feed;
}
}  // namespace

}  // namespace riverlink::transport::gtfs
