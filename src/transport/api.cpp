#include "transport/api.hpp"

#include <algorithm>

#include "transport/feedset.hpp"
#include "transport/raptor/raptor.hpp"

namespace riverlink::transport {

using http::Request;
using http::Response;

// Search form of a name: ASCII lower case; spaces, hyphens, apostrophes and middle dots removed;
// pinyin tone marks dropped (ā á ǎ à -> a, ü -> u), so "Nánjīng", "nan jing" and "NANJING"
// all match "Nanjing". Chinese characters are kept as they are.
std::string search_key(std::string_view in) {
  static const std::pair<const char*, char> kTones[] = {
      {"ā", 'a'}, {"á", 'a'}, {"ǎ", 'a'}, {"à", 'a'}, {"ē", 'e'}, {"é", 'e'}, {"ě", 'e'}, {"è", 'e'},
      {"ī", 'i'}, {"í", 'i'}, {"ǐ", 'i'}, {"ì", 'i'}, {"ō", 'o'}, {"ó", 'o'}, {"ǒ", 'o'}, {"ò", 'o'},
      {"ū", 'u'}, {"ú", 'u'}, {"ǔ", 'u'}, {"ù", 'u'}, {"ǖ", 'u'}, {"ǘ", 'u'}, {"ǚ", 'u'}, {"ǜ", 'u'},
      {"ü", 'u'}, {"Ā", 'a'}, {"Á", 'a'}, {"É", 'e'}, {"Ō", 'o'}, {"Ü", 'u'}};
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (c != ' ' && c != '-' && c != '\'' && c != '_' && c != '\t') out += static_cast<char>(std::tolower(c));
      ++i;
      continue;
    }
    bool mapped = false;
    for (const auto& [from, to] : kTones) {
      std::string_view f(from);
      if (in.substr(i, f.size()) == f) { out += to; i += f.size(); mapped = true; break; }
    }
    if (mapped) continue;
    if (in.substr(i, 2) == "\xC2\xB7") { i += 2; continue; }  // middle dot
    out += static_cast<char>(c);
    ++i;
  }
  return out;
}

namespace {
std::string lower(std::string s) { return search_key(s); }
}  // namespace

core::Json TransitService::feeds() const {
  const auto snap = snapshot();
  const Timetable& tt_ = *snap;
  std::size_t served = 0;
  for (std::uint32_t s = 0; s < tt_.stops.size(); ++s) served += tt_.stop_routes_begin[s + 1] > tt_.stop_routes_begin[s];
  return {{"feeds", tt_.feeds},
          {"stops", tt_.stops.size()},
          {"served_stops", served},
          {"routes", tt_.routes.size()},
          {"trips", tt_.trip_days.size()},
          {"footpaths", tt_.fp_to.size()},
          {"first_service_date", gtfs::format_date(tt_.first_day)},
          {"last_service_date", gtfs::format_date(tt_.first_day + tt_.n_days - 1)},
          {"min_transfer_s", tt_.options.min_transfer_s},
          {"walk_radius_m", tt_.options.walk_radius_m},
          {"last_reload_error", [&] { std::lock_guard lock(mu_); return last_reload_error_; }()}};
}

Result<core::Json> TransitService::stops(const std::string& q, int limit) const {
  if (limit < 1 || limit > 200) return Error::field("transport.bad_limit", "limit", "limit must be 1-200");
  const auto snap = snapshot();
  const Timetable& tt_ = *snap;
  auto needle = lower(q);
  core::Json items = core::Json::array();
  for (const auto& s : tt_.stops) {
    if (s.location_type > 1) continue;
    if (!needle.empty() && lower(s.name).find(needle) == std::string::npos && lower(s.id).find(needle) == std::string::npos) continue;
    core::Json x = {{"stop_id", s.id}, {"name", s.name}, {"location_type", s.location_type}};
    if (s.lat == s.lat) { x["lat"] = s.lat; x["lon"] = s.lon; }  // NaN when unknown
    items.push_back(x);
    if (static_cast<int>(items.size()) >= limit) break;
  }
  return core::Json{{"items", items}};
}

Result<core::Json> TransitService::journeys(const std::string& from, const std::string& to, const std::string& at,
                                            const std::string& modes, int range_min) const {
  const auto snap = snapshot();
  const Timetable& tt_ = *snap;
  auto sp = at.find(' ');
  std::optional<std::int32_t> day, secs;
  if (sp == 10 && at[4] == '-' && at[7] == '-') {
    day = gtfs::parse_date(at.substr(0, 4) + at.substr(5, 2) + at.substr(8, 2));
    secs = gtfs::parse_time(at.substr(sp + 1));
  }
  if (!day || !secs) return Error::field("transport.bad_time", "at", "at must be \"YYYY-MM-DD HH:MM:SS\"");
  std::uint32_t mask = kAllModes;
  std::string bad;
  if (!modes.empty() && !parse_mode_mask(modes, mask, bad)) return Error::field("transport.bad_mode", "modes", "unknown mode '" + bad + "'");
  if (range_min < 0 || range_min > 24 * 60) return Error::field("transport.bad_range", "range_min", "range_min must be 0-1440");
  Query q;
  q.origins = tt_.resolve(from);
  q.targets = tt_.resolve(to);
  if (q.origins.empty()) return Error::field("transport.unknown_stop", "from", "no stop or station '" + from + "'");
  if (q.targets.empty()) return Error::field("transport.unknown_stop", "to", "no stop or station '" + to + "'");
  if (*day < tt_.first_day || *day >= tt_.first_day + tt_.n_days) {
    return Error::field("transport.outside_service", "at",
                        "date " + gtfs::format_date(*day) + " is outside the timetable's service dates " + gtfs::format_date(tt_.first_day) +
                            "-" + gtfs::format_date(tt_.first_day + tt_.n_days - 1));
  }
  q.day = *day;
  q.departure = *secs;
  q.modes = mask;
  Raptor raptor(tt_);
  core::Json out = {{"from", from}, {"to", to}, {"date", gtfs::format_date(*day)}, {"departure_time", gtfs::format_time(*secs)}};
  core::Json arr = core::Json::array();
  if (range_min > 0) {
    for (const auto& j : raptor.range(q, *secs + range_min * 60)) arr.push_back(journey_json(tt_, j));
  } else if (auto j = raptor.earliest(q)) {
    arr.push_back(journey_json(tt_, *j));
  }
  out["journeys"] = arr;
  return out;
}

Result<core::Json> TransitService::isochrone(const std::string& from, const std::string& at, const std::string& modes,
                                             int max_min) const {
  if (max_min < 1 || max_min > 24 * 60) return Error::field("transport.bad_max_min", "max_min", "max_min must be 1-1440");
  // Reuse the journey query's validation (time, modes, origin) with the origin as destination.
  auto probe = journeys(from, from, at, modes, 0);
  if (!probe.ok()) return probe.error();
  const auto snap = snapshot();
  const Timetable& tt_ = *snap;
  auto sp = at.find(' ');
  Query q;
  q.origins = tt_.resolve(from);
  q.day = *gtfs::parse_date(at.substr(0, 4) + at.substr(5, 2) + at.substr(8, 2));
  q.departure = *gtfs::parse_time(at.substr(sp + 1));
  std::uint32_t mask = kAllModes;
  std::string bad;
  if (!modes.empty()) parse_mode_mask(modes, mask, bad);
  q.modes = mask;
  Raptor raptor(tt_);
  auto arr = raptor.arrivals(q);
  core::Json items = core::Json::array();
  for (std::uint32_t s = 0; s < arr.size(); ++s) {
    const auto& st = tt_.stops[s];
    if (arr[s].time >= kInf || st.location_type != 0 || !(st.lat == st.lat)) continue;
    const int minutes = (arr[s].time - q.departure + 59) / 60;
    if (minutes > max_min) continue;
    items.push_back({{"stop_id", st.id}, {"name", st.name}, {"location_type", st.location_type}, {"lat", st.lat}, {"lon", st.lon},
                     {"arrival", gtfs::format_time(arr[s].time)}, {"minutes", minutes},
                     {"transfers", arr[s].trips > 0 ? arr[s].trips - 1 : 0}});
  }
  return core::Json{{"from", from}, {"date", gtfs::format_date(q.day)}, {"departure_time", gtfs::format_time(q.departure)},
                    {"max_minutes", max_min}, {"items", items}};
}

Result<core::Json> TransitService::reload(const auth::Principal& p, const audit::CommandContext& ctx, audit::CommandRunner& commands) {
  if (auto s = auth::require_role(p, {auth::Role::platform_admin}); !s.ok()) return s.error();
  if (feed_list_.empty()) {
    return Error::make(ErrorKind::conflict, "transport.no_feed_set",
                       "the server runs the built-in demo network; configure RIVERLINK_TRANSIT_FEEDS to reload feeds");
  }
  auto paths = expand_feed_list(feed_list_);
  auto tt = load_timetable(paths, opts_, true);
  if (!tt.ok()) {
    std::lock_guard lock(mu_);
    last_reload_error_ = tt.error().message;
    return tt.error();
  }
  core::Json summary = {{"feeds", tt->feeds}, {"stops", tt->stops.size()}, {"trips", tt->trip_days.size()},
                        {"stop_times", tt->stop_time_rows}, {"first_service_date", gtfs::format_date(tt->first_day)},
                        {"last_service_date", gtfs::format_date(tt->first_day + tt->n_days - 1)}};
  auto next = std::make_shared<const Timetable>(std::move(*tt));
  auto out = commands.run(ctx, "transport", "timetable.reload", {{"feeds", paths}},
                          [&](store::Tx&) -> Result<core::Json> { return summary; });
  if (!out.ok()) return out.error();
  if (!out->replayed) {
    std::lock_guard lock(mu_);
    tt_ptr_ = std::move(next);
    last_reload_error_.clear();
  }
  core::Json r = out->result;
  r["replayed"] = out->replayed;
  return r;
}

void register_routes(http::Router& router, TransitService& service, audit::CommandRunner* commands) {
  if (commands) {
    router.add({.method = "POST", .pattern = "/api/v1/transit/reload",
                .summary = "Reload the configured GTFS feed set; a bad feed is refused and the last good timetable stays",
                .tag = "transport", .roles = {auth::Role::platform_admin}, .command = true},
               [&service, commands](Request& r) {
                 auto res = service.reload(r.user(), {r.user().actor(), r.idempotency_key()}, *commands);
                 return res.ok() ? Response::json(200, *res) : Response::problem(res.error(), r.path);
               });
  }
  router.add({.method = "GET", .pattern = "/api/v1/transit/feeds", .summary = "Loaded GTFS feeds and timetable size", .tag = "transport",
              .access = http::Access::public_},
             [&service](Request&) { return Response::json(200, service.feeds()); });
  router.add({.method = "GET", .pattern = "/api/v1/transit/stops", .summary = "Search stops and stations by name or id", .tag = "transport",
              .access = http::Access::public_,
              .query = {{"q", "substring of the name or id (case-insensitive)"}, {"limit", "1-200, default 20"}}},
             [&service](Request& r) {
               int limit = 20;
               if (auto l = r.query("limit")) {
                 try { limit = std::stoi(*l); } catch (...) { return Response::problem(Error::field("transport.bad_limit", "limit", "limit must be an integer")); }
               }
               auto res = service.stops(r.query("q").value_or(""), limit);
               return res.ok() ? Response::json(200, *res) : Response::problem(res.error());
             });
  router.add({.method = "GET", .pattern = "/api/v1/transit/isochrone",
              .summary = "Travel time from a stop or station to every stop reachable within a limit", .tag = "transport",
              .access = http::Access::public_,
              .query = {{"from", "origin stop or station id", true}, {"at", "departure \"YYYY-MM-DD HH:MM:SS\"", true},
                        {"max_min", "limit in minutes, 1-1440 (default 360)"}, {"modes", "as for journeys"}}},
             [&service](Request& r) {
               int max_min = 360;
               if (auto v = r.query("max_min")) {
                 try { max_min = std::stoi(*v); } catch (...) { return Response::problem(Error::field("transport.bad_max_min", "max_min", "max_min must be an integer")); }
               }
               auto res = service.isochrone(r.query("from").value_or(""), r.query("at").value_or(""), r.query("modes").value_or(""), max_min);
               return res.ok() ? Response::json(200, *res) : Response::problem(res.error());
             });
  router.add({.method = "GET", .pattern = "/api/v1/transit/journeys",
              .summary = "Earliest arrival with fewest transfers (or a Pareto set over a departure window)", .tag = "transport",
              .access = http::Access::public_,
              .query = {{"from", "origin stop or station id", true}, {"to", "destination stop or station id", true},
                        {"at", "departure \"YYYY-MM-DD HH:MM:SS\"", true}, {"modes", "rail,hsr,metro,tram,bus,coach,ferry,air,other,road,water"},
                        {"range_min", "departure window in minutes (range query)"}}},
             [&service](Request& r) {
               int range = 0;
               if (auto v = r.query("range_min")) {
                 try { range = std::stoi(*v); } catch (...) { return Response::problem(Error::field("transport.bad_range", "range_min", "range_min must be an integer")); }
               }
               auto res = service.journeys(r.query("from").value_or(""), r.query("to").value_or(""), r.query("at").value_or(""),
                                           r.query("modes").value_or(""), range);
               return res.ok() ? Response::json(200, *res) : Response::problem(res.error());
             });
}

}  // namespace riverlink::transport
