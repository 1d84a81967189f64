// GTFS feed loader: a zip file (libzip) or a folder, parsed into resolved, index-based tables.
// Bad rows are reported as findings (file, line, field) and dropped; a feed that cannot be used
// at all (missing required file, broken zip) is an Error.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "transport/gtfs/findings.hpp"

namespace riverlink::transport::gtfs {

constexpr std::int32_t kNoTime = INT32_MIN;

struct Stop {
  std::string id, name, timezone;
  double lat = 0, lon = 0;
  int location_type = 0;
  std::int32_t parent = -1;  // index into stops
  std::string parent_id;
};

struct Route {
  std::string id, agency_id, short_name, long_name;
  int type = 3;
};

struct Service {
  std::string id;
  std::int32_t start_day = 0, end_day = -1;  // days since 1970-01-01 (inclusive); end < start: none
  std::uint8_t weekdays = 0;                 // bit 0 = Monday ... bit 6 = Sunday
  std::vector<std::int32_t> added, removed;  // days since 1970-01-01
};

struct StopTime {
  std::int32_t stop = -1;
  std::int32_t arr = kNoTime, dep = kNoTime;  // seconds after service-day noon-12h; kNoTime: empty
  std::uint8_t pickup = 0, drop_off = 0;
  float dist = -1;  // shape_dist_traveled, -1 when absent
};

struct Trip {
  std::string id, headsign, block_id;
  std::int32_t route = -1, service = -1;
  std::uint32_t first = 0, count = 0;  // range in Feed::stop_times (sorted by stop_sequence)
  bool usable = true;
};

struct Frequency {
  std::int32_t trip = -1;
  std::int32_t start = 0, end = 0, headway = 0;
  bool exact_times = false;
};

struct Transfer {
  std::int32_t from_stop = -1, to_stop = -1;
  int type = 0;
  std::int32_t min_time = -1;  // -1: empty
  std::string from_route, to_route, from_trip, to_trip;
};

struct Feed {
  std::string name;  // file stem, e.g. "bart_metro_2023"
  std::string timezone;
  std::vector<Stop> stops;
  std::vector<Route> routes;
  std::vector<Service> services;
  std::vector<Trip> trips;
  std::vector<StopTime> stop_times;
  std::vector<Frequency> frequencies;
  std::vector<Transfer> transfers;
  std::size_t stop_time_rows = 0;  // rows read from stop_times.txt
  Findings findings;
};

struct LoadOptions {
  bool interpolate = true;  // fill empty intermediate times (by distance, else evenly)
};

// Loads a feed from a .zip file or a folder. Never throws on bad data.
Result<Feed> load_feed(const std::string& path, const LoadOptions& opts = {});
// Loads a feed held in memory (file name -> bytes), e.g. a generated demo feed.
Result<Feed> load_feed_from_memory(const std::string& name, std::map<std::string, std::string> files,
                                   const LoadOptions& opts = {});

// Parses H:MM:SS / HH:MM:SS / HHH:MM:SS into seconds; nullopt when malformed.
std::optional<std::int32_t> parse_time(std::string_view s);
// Parses YYYYMMDD into days since 1970-01-01; nullopt when malformed.
std::optional<std::int32_t> parse_date(std::string_view s);
std::string format_time(std::int32_t seconds);
std::string format_date(std::int32_t day);
// Days since 1970-01-01 -> weekday, 0 = Monday.
int weekday(std::int32_t day);
// The file name without folders and extension ("a/b/hart.zip" -> "hart").
std::string feed_stem(const std::string& path);

}  // namespace riverlink::transport::gtfs
