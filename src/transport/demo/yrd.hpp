// Demo GTFS network for the Yangtze River Delta (labelled demo: the station and port
// coordinates are real places, the timetables are plausible inventions, not published ones).
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace riverlink::transport::demo {

struct YrdOptions {
  std::string start_date = "20260101";  // YYYYMMDD, first service day
  int days = 1096;  // three years, so the demo stays in service
  int airport_min_transfer_s = 2700;  // check-in buffer at airports (demo parameter)
};

// File name -> CSV text of a complete GTFS feed.
std::map<std::string, std::string> yrd_feed(const YrdOptions& opts = {});

}  // namespace riverlink::transport::demo
