#include "transport/gtfs/fixture.hpp"

#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace riverlink::transport::fixture {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("riverlink_transport_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string write_dir(const std::string& dir, const Files& files) {
  fs::create_directories(dir);
  for (const auto& [name, text] : files) {
    std::ofstream out(fs::path(dir) / name, std::ios::binary);
    out << text;
  }
  return dir;
}

std::string write_zip(const std::string& path, const Files& files, const std::string& subfolder) {
  fs::remove(path);
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error("zip_open failed");
  for (const auto& [name, text] : files) {
    zip_source_t* src = zip_source_buffer(z, text.data(), text.size(), 0);
    zip_file_add(z, (subfolder.empty() ? name : subfolder + "/" + name).c_str(), src, ZIP_FL_OVERWRITE);
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
  return path;
}

std::string shared_gtfs_dir() {
  std::vector<std::string> roots;
  if (const char* e = std::getenv("RIVERLINK_SHARED_DIR")) roots.emplace_back(e);
#ifdef RIVERLINK_SOURCE_DIR
  roots.emplace_back(std::string(RIVERLINK_SOURCE_DIR) + "/../shared");
#endif
  for (const auto& r : roots) {
    auto p = fs::path(r) / "data" / "gtfs";
    std::error_code ec;
    if (fs::is_directory(p, ec)) return p.string();
  }
  return "";
}

namespace {
std::string hms(int t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}
}  // namespace

Files random_feed(std::uint64_t seed, const RandomFeedOptions& o) {
  std::mt19937_64 rng(seed);
  auto uni = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  Files f;
  f["agency.txt"] = "agency_id,agency_name,agency_url,agency_timezone\nA,\"Demo, Agency\",http://example.com,Asia/Shanghai\n";
  // Stops: a 3 km square near Shanghai; stations with 2-3 platforms each.
  std::string stops = "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n";
  std::vector<std::string> platform_ids;
  std::vector<std::string> station_ids;
  for (int s = 0; s < o.stations; ++s) {
    double lat = 31.2 + uni(0, 3000) / 111000.0, lon = 121.4 + uni(0, 3000) / 95000.0;
    std::string sid = "ST" + std::to_string(s);
    station_ids.push_back(sid);
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s,Station %d,%.6f,%.6f,1,\n", sid.c_str(), s, lat, lon);
    stops += buf;
    int n = uni(2, 3);
    for (int k = 0; k < n; ++k) {
      std::string pid = sid + "P" + std::to_string(k);
      std::snprintf(buf, sizeof buf, "%s,Station %d platform %d,%.6f,%.6f,0,%s\n", pid.c_str(), s, k, lat + k * 0.0003, lon, sid.c_str());
      stops += buf;
      platform_ids.push_back(pid);
    }
  }
  for (int s = 0; s < o.stops; ++s) {
    double lat = 31.2 + uni(0, 3000) / 111000.0, lon = 121.4 + uni(0, 3000) / 95000.0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "S%d,Stop %d,%.6f,%.6f,,\n", s, s, lat, lon);
    stops += buf;
    platform_ids.push_back("S" + std::to_string(s));
  }
  f["stops.txt"] = stops;
  // Services: weekly, weekly with removals, calendar_dates only.
  f["calendar.txt"] =
      "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
      "WK,1,1,1,1,1,0,0,20260301,20260314\n"
      "WE,0,0,0,0,0,1,1,20260301,20260314\n"
      "ALL,1,1,1,1,1,1,1,20260301,20260314\n";
  f["calendar_dates.txt"] =
      "service_id,date,exception_type\n"
      "ALL,20260305,2\nALL,20260310,2\nWK,20260307,1\n"
      "CD,20260302,1\nCD,20260304,1\nCD,20260305,1\nCD,20260309,1\nCD,20260312,1\n";
  const char* services[] = {"WK", "WE", "ALL", "CD"};
  const int types[] = {3, 2, 4, 1100, 101, 200, 1, 3, 3, 2};
  std::string routes = "route_id,agency_id,route_short_name,route_long_name,route_type\n";
  std::string trips = "route_id,service_id,trip_id,trip_headsign,shape_id\n";
  std::string st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type,shape_dist_traveled\n";
  std::string freq = "trip_id,start_time,end_time,headway_secs,exact_times\n";
  int trip_no = 0;
  for (int r = 0; r < o.routes; ++r) {
    std::string rid = "R" + std::to_string(r);
    routes += rid + ",A," + std::to_string(r) + ",Route " + std::to_string(r) + "," + std::to_string(types[uni(0, 9)]) + "\n";
    int len = uni(2, 8);
    std::vector<std::string> seq;
    while (static_cast<int>(seq.size()) < len) {
      auto& p = platform_ids[uni(0, static_cast<int>(platform_ids.size()) - 1)];
      bool dup = false;
      for (auto& x : seq) dup |= x == p;
      if (!dup) seq.push_back(p);
    }
    std::vector<int> base_hop(len);
    for (auto& h : base_hop) h = uni(60, 900);
    std::vector<int> pick(len, 0), drop(len, 0);
    for (int i = 1; i + 1 < len; ++i) {
      if (chance(0.1)) pick[i] = 1;
      if (chance(0.1)) drop[i] = 1;
    }
    int ntrips = uni(1, o.max_trips);
    for (int t = 0; t < ntrips; ++t) {
      std::string tid = "T" + std::to_string(trip_no++);
      trips += rid + "," + services[uni(0, 3)] + "," + tid + ",To " + seq.back() + ",\n";
      int time = uni(3 * 3600, 27 * 3600);
      double speed = chance(0.2) ? 1.6 : 1.0;  // some slow trips overtaken by others
      std::vector<std::string> rows;
      double dist = 0;
      for (int i = 0; i < len; ++i) {
        if (i > 0) { time += static_cast<int>(base_hop[i] * speed); dist += base_hop[i]; }
        int dwell = chance(0.3) ? uni(0, 60) : 0;
        bool empty = i > 0 && i + 1 < len && chance(0.15);
        std::string a = empty ? "" : hms(time), d = empty ? "" : hms(time + dwell);
        st += tid + "," + a + "," + d + "," + seq[i] + "," + std::to_string(i * 10 + uni(0, 5)) + "," +
              (pick[i] ? "1" : (chance(0.5) ? "0" : "")) + "," + (drop[i] ? "1" : "0") + "," + std::to_string(static_cast<int>(dist)) + "\n";
        time += dwell;
      }
      if (chance(0.15)) {
        int s0 = uni(5 * 3600, 20 * 3600);
        freq += tid + "," + hms(s0) + "," + hms(s0 + uni(1800, 3 * 3600)) + "," + std::to_string(uni(300, 1800)) + "," + (chance(0.5) ? "1" : "0") + "\n";
      }
    }
  }
  f["routes.txt"] = routes;
  f["trips.txt"] = trips;
  f["stop_times.txt"] = st;
  f["frequencies.txt"] = freq;
  std::string tr = "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_route_id,to_route_id\n";
  for (int k = 0; k < 6; ++k) {
    auto& a = platform_ids[uni(0, static_cast<int>(platform_ids.size()) - 1)];
    auto& b = platform_ids[uni(0, static_cast<int>(platform_ids.size()) - 1)];
    int type = uni(0, 3);
    tr += a + "," + b + "," + std::to_string(type) + "," + (chance(0.3) ? "" : std::to_string(uni(0, 600))) + ",,\n";
    auto& c = platform_ids[uni(0, static_cast<int>(platform_ids.size()) - 1)];
    tr += c + "," + c + ",2," + std::to_string(uni(0, 300)) + ",,\n";
  }
  if (!station_ids.empty()) tr += station_ids[0] + "," + station_ids[0] + ",2,30,,\n";
  f["transfers.txt"] = tr;
  return f;
}

}  // namespace riverlink::transport::fixture
