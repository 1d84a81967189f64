// Feed sets and imports. A feed set is a folder of GTFS feeds (zips or feed folders) that the
// server loads as separate sources; `riverlink transit import` adds a feed to it only when the
// feed passes the import check and the whole set still builds, and rebuilds the set's
// timetable file. Nothing in the set changes when an import is refused.
#pragma once
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "transport/gtfs/feed.hpp"
#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

// The import check: a feed whose stop_times reference unknown stops or trips, whose
// stop_sequence decreases where the times increase (so that in stop_sequence order the times go
// backwards), whose times go backwards or are malformed, or that repeats a stop_sequence is
// refused (the loader alone would drop those trips and carry on).
// The error names the file, line and field of the first such finding and counts the rest.
Status check_importable(const gtfs::Feed& feed);

// Feeds of a set folder: its *.zip files and its sub-folders holding stops.txt, sorted.
std::vector<std::string> list_feed_set(const std::string& dir);
// A comma-separated list of feeds; a folder without stops.txt stands for the feed set in it.
std::vector<std::string> expand_feed_list(const std::string& csv);

// Loads and builds; strict: apply check_importable to every feed.
Result<Timetable> load_timetable(const std::vector<std::string>& paths, const BuildOptions& opts, bool strict);

// Checks `feeds`, builds the set with them (a feed replaces one with the same stem), then copies
// them into `set_dir` and writes `set_dir`/timetable.bin. Returns a summary.
Result<core::Json> import_feeds(const std::vector<std::string>& feeds, const std::string& set_dir, const BuildOptions& opts);

}  // namespace riverlink::transport
