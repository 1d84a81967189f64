// Read-only journey-planning API over a loaded timetable (public timetable information):
//   GET /api/v1/transit/feeds      loaded feeds, counts, service dates
//   GET /api/v1/transit/stops      stop search by name or id (q, limit)
//   GET /api/v1/transit/journeys   earliest arrival (or a range Pareto set) from -> to at a time
#pragma once
#include <memory>

#include "http/router.hpp"
#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

class TransitService {
 public:
  explicit TransitService(Timetable tt) : tt_(std::move(tt)) {}
  const Timetable& timetable() const { return tt_; }
  core::Json feeds() const;
  Result<core::Json> stops(const std::string& q, int limit) const;
  // at: "YYYY-MM-DD HH:MM:SS" (hours may exceed 23); modes: as for the CLI; range_min 0: earliest.
  Result<core::Json> journeys(const std::string& from, const std::string& to, const std::string& at,
                              const std::string& modes, int range_min) const;
  // Travel time from `from` to every stop reachable within max_min minutes.
  Result<core::Json> isochrone(const std::string& from, const std::string& at, const std::string& modes, int max_min) const;

 private:
  Timetable tt_;
};

void register_routes(http::Router& router, const TransitService& service);

// The form of a name or query used by stop search (case, spaces and pinyin tone marks ignored).
std::string search_key(std::string_view text);

}  // namespace riverlink::transport
