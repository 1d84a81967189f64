#include "transport/demo/yrd.hpp"

#include <cstdio>
#include <vector>

#include "transport/gtfs/feed.hpp"

namespace riverlink::transport::demo {

namespace {

struct Place { const char* id; const char* name; double lat, lon; };

// Real stations, ports and airports (approximate coordinates).
const Place kPlaces[] = {
    {"SHHQ", "上海虹桥站 Shanghai Hongqiao Railway Station", 31.1945, 121.3203},
    {"SH", "上海站 Shanghai Railway Station", 31.2497, 121.4554},
    {"SZ", "苏州站 Suzhou Railway Station", 31.3310, 120.6103},
    {"WX", "无锡站 Wuxi Railway Station", 31.5870, 120.3020},
    {"CZ", "常州站 Changzhou Railway Station", 31.7870, 119.9690},
    {"ZJ", "镇江站 Zhenjiang Railway Station", 32.2110, 119.4440},
    {"NJ", "南京站 Nanjing Railway Station", 32.0893, 118.7975},
    {"NJN", "南京南站 Nanjing South Railway Station", 31.9700, 118.7970},
    {"JXN", "嘉兴南站 Jiaxing South Railway Station", 30.7160, 120.7960},
    {"HZD", "杭州东站 Hangzhou East Railway Station", 30.2910, 120.2130},
    {"HFN", "合肥南站 Hefei South Railway Station", 31.7990, 117.2910},
    {"NT", "南通站 Nantong Railway Station", 32.0530, 120.8760},
    {"SQBUS", "宿迁汽车站 Suqian Bus Station", 33.9630, 118.2750},
    {"NJZYM", "南京中央门长途汽车站 Nanjing Zhongyangmen Coach Station", 32.0890, 118.7810},
    {"ZJXJ", "镇江西津渡轮渡 Zhenjiang Xijin Ferry", 32.2150, 119.4260},
    {"YZGZ", "扬州瓜洲轮渡 Guazhou Ferry (Yangzhou)", 32.2530, 119.4180},
    {"SHA", "上海虹桥国际机场 Shanghai Hongqiao Airport", 31.1979, 121.3363},
    {"TXN", "黄山屯溪国际机场 Huangshan Tunxi Airport", 29.7333, 118.2560},
};

struct Line {
  const char* route_id;
  const char* short_name;
  const char* long_name;
  int route_type;
  std::vector<const char*> stops;
  std::vector<int> run_min;  // minutes between consecutive stops
  int dwell_min;
  int first_min, last_min, headway_min;  // departures from the first stop
};

std::string hms(int minutes) {
  std::string h = std::to_string(minutes / 60), m = std::to_string(minutes % 60);
  return (h.size() < 2 ? "0" + h : h) + ":" + (m.size() < 2 ? "0" + m : m) + ":00";
}

}  // namespace

std::map<std::string, std::string> yrd_feed(const YrdOptions& o) {
  std::map<std::string, std::string> f;
  f["agency.txt"] =
      "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
      "DEMO,\"riverlink YRD demo network (DEMO DATA, not a published timetable)\",https://example.invalid/riverlink-demo,Asia/Shanghai,zh\n";
  f["feed_info.txt"] = "feed_publisher_name,feed_publisher_url,feed_lang\n\"riverlink demo (labelled demo)\",https://example.invalid/riverlink-demo,zh\n";
  std::string stops = "stop_id,stop_name,stop_lat,stop_lon,location_type\n";
  for (const auto& p : kPlaces) {
    char coords[64];
    std::snprintf(coords, sizeof coords, "%.4f,%.4f", p.lat, p.lon);
    stops += std::string(p.id) + ",\"" + p.name + "\"," + coords + ",0\n";
  }
  f["stops.txt"] = stops;
  auto start = gtfs::parse_date(o.start_date).value_or(*gtfs::parse_date("20260101"));
  f["calendar.txt"] = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nDAILY,1,1,1,1,1,1,1," +
                      gtfs::format_date(start) + "," + gtfs::format_date(start + o.days - 1) + "\n";
  const std::vector<Line> lines = {
      {"HSR-SHNJ", "沪宁城际", "Shanghai–Nanjing Intercity HSR (demo)", 101, {"SHHQ", "SZ", "WX", "CZ", "ZJ", "NJ"}, {25, 15, 15, 20, 20}, 2, 6 * 60, 21 * 60 + 30, 30},
      {"HSR-SHHZ", "沪杭高铁", "Shanghai–Hangzhou HSR (demo)", 101, {"SHHQ", "JXN", "HZD"}, {22, 25}, 2, 6 * 60 + 15, 21 * 60 + 45, 30},
      {"HSR-NJHF", "合宁高铁", "Nanjing–Hefei HSR (demo)", 101, {"NJN", "HFN"}, {60}, 0, 6 * 60 + 30, 21 * 60 + 30, 60},
      {"RAIL-SHNT", "沪苏通", "Shanghai–Suzhou–Nantong Railway (demo)", 2, {"SH", "SZ", "NT"}, {30, 70}, 3, 7 * 60, 19 * 60, 120},
      {"COACH-SQNJ", "宿迁—南京", "Suqian–Nanjing Coach (demo)", 200, {"SQBUS", "NJZYM"}, {180}, 0, 6 * 60 + 30, 18 * 60, 90},
      {"FERRY-ZJGZ", "西津渡—瓜洲", "Yangtze Ferry Zhenjiang–Guazhou (demo)", 1200, {"ZJXJ", "YZGZ"}, {20}, 0, 6 * 60, 22 * 60, 30},
      {"AIR-SHATXN", "MU-demo", "Shanghai Hongqiao–Huangshan Flight (demo)", 1100, {"SHA", "TXN"}, {70}, 0, 8 * 60 + 30, 18 * 60 + 30, 600},
  };
  std::string routes = "route_id,agency_id,route_short_name,route_long_name,route_type\n";
  std::string trips = "route_id,service_id,trip_id,trip_headsign,direction_id\n";
  std::string st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n";
  for (const auto& l : lines) {
    routes += std::string(l.route_id) + ",DEMO,\"" + l.short_name + "\",\"" + l.long_name + "\"," + std::to_string(l.route_type) + "\n";
    for (int dir = 0; dir < 2; ++dir) {
      std::vector<const char*> seq = l.stops;
      std::vector<int> run = l.run_min;
      if (dir == 1) { seq.assign(l.stops.rbegin(), l.stops.rend()); run.assign(l.run_min.rbegin(), l.run_min.rend()); }
      int n = 0;
      for (int t0 = l.first_min; t0 <= l.last_min; t0 += l.headway_min, ++n) {
        std::string tid = std::string(l.route_id) + (dir ? "-B-" : "-A-") + std::to_string(n + 1);
        trips += std::string(l.route_id) + ",DAILY," + tid + ",\"" + seq.back() + "\"," + std::to_string(dir) + "\n";
        int t = t0;
        for (std::size_t i = 0; i < seq.size(); ++i) {
          if (i > 0) t += run[i - 1];
          int dwell = (i > 0 && i + 1 < seq.size()) ? l.dwell_min : 0;
          st += tid + "," + hms(t) + "," + hms(t + dwell) + "," + seq[i] + "," + std::to_string(i + 1) + "\n";
          t += dwell;
        }
      }
    }
  }
  f["routes.txt"] = routes;
  f["trips.txt"] = trips;
  f["stop_times.txt"] = st;
  // Interchanges that are too far apart for generated footpaths (walk / shuttle times, demo).
  f["transfers.txt"] =
      "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
      "SHHQ,SHA,2,900\nSHA,SHHQ,2,900\n"
      "NJZYM,NJ,2,600\nNJ,NJZYM,2,600\n"
      "ZJ,ZJXJ,2,1200\nZJXJ,ZJ,2,1200\n"
      "NJ,NJN,2,1800\nNJN,NJ,2,1800\n"
      "SH,SHHQ,2,2400\nSHHQ,SH,2,2400\n"
      "SHA,SHA,2," + std::to_string(o.airport_min_transfer_s) + "\nTXN,TXN,2," + std::to_string(o.airport_min_transfer_s) + "\n";
  return f;
}

}  // namespace riverlink::transport::demo
