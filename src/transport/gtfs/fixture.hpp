// Test fixtures: small GTFS feeds written as folders or zips, and a seeded random feed
// generator covering the loader's and router's edge cases without the shared data.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace riverlink::transport::fixture {

using Files = std::map<std::string, std::string>;

// A fresh empty folder under the system temp folder.
std::string temp_dir(const std::string& name);
std::string write_dir(const std::string& dir, const Files& files);
// Writes a zip; entries are stored under `subfolder` when given.
std::string write_zip(const std::string& path, const Files& files, const std::string& subfolder = "");
// Folder of the shared GTFS feeds (env RIVERLINK_SHARED_DIR or <source>/../shared), "" if absent.
std::string shared_gtfs_dir();

struct RandomFeedOptions {
  int stops = 40;
  int stations = 4;
  int routes = 12;
  int max_trips = 12;
};
// A random but valid feed: stations with platforms, calendar and calendar_dates-only services,
// times past 24:00, empty intermediate times, frequencies (exact_times 0/1), transfers
// (type 2 same-stop and station overrides, footpaths, type 3), pickup/drop-off restrictions,
// overtaking trips, several modes. Service dates lie in 2026-03-01..2026-03-14.
Files random_feed(std::uint64_t seed, const RandomFeedOptions& opts = {});

}  // namespace riverlink::transport::fixture
