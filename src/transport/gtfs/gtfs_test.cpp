#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "transport/gtfs/csv.hpp"
#include "transport/gtfs/feed.hpp"
#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/raptor.hpp"
#include "transport/timetable/timetable.hpp"

#include <random>

using namespace riverlink::transport;
using namespace riverlink::transport::gtfs;
namespace fx = riverlink::transport::fixture;

namespace {

fx::Files base_feed() {
  return {
      {"agency.txt", "agency_id,agency_name,agency_url,agency_timezone\nA,Agency,http://a,Asia/Shanghai\n"},
      {"stops.txt",
       "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,stop_timezone\n"
       "A,Alpha,31.2,121.4,,,Asia/Shanghai\nB,Beta,31.21,121.41,,,Asia/Hong_Kong\nC,Gamma,31.22,121.42,,,\n"
       "D,Delta,31.23,121.43,,,\n"},
      {"routes.txt", "route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,1,One,3\nAIR,A,MU1,Flight,1100\n"},
      {"trips.txt", "route_id,service_id,trip_id\nR1,S,T1\nR1,S,T2\nAIR,S,F1\n"},
      {"stop_times.txt",
       "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
       "T1,9:15:00,9:15:00,A,1,0\nT1,,,B,2,100\nT1,,,C,3,400\nT1,9:25:00,9:25:00,D,4,500\n"
       "T2,25:00:00,25:00:00,A,1,\nT2,,,B,2,\nT2,25:30:00,25:30:00,C,3,\n"
       "F1,10:00:00,10:00:00,A,1,\nF1,11:00:00,11:00:00,D,2,\n"},
      {"calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nS,1,1,1,1,1,1,1,20260301,20260331\n"},
  };
}

riverlink::Result<Feed> load_files(const std::string& name, const fx::Files& files) {
  auto dir = fx::write_dir(fx::temp_dir(name), files);
  return load_feed(dir);
}

bool has_finding(const Feed& f, const std::string& code, const std::string& file = "", std::size_t line = 0, const std::string& field = "") {
  for (const auto& x : f.findings.items()) {
    if (x.code != code) continue;
    if (!file.empty() && x.file != file) continue;
    if (line && x.line != line) continue;
    if (!field.empty() && x.field != field) continue;
    return true;
  }
  return false;
}

}  // namespace

TEST(GtfsTime, ParsesSingleDigitHoursAndPast24) {
  EXPECT_EQ(parse_time("9:15:00"), 9 * 3600 + 15 * 60);
  EXPECT_EQ(parse_time("25:35:00"), 25 * 3600 + 35 * 60);
  EXPECT_EQ(parse_time("100:00:01"), 360001);
  EXPECT_FALSE(parse_time("9:5:00"));
  EXPECT_FALSE(parse_time("09:60:00"));
  EXPECT_FALSE(parse_time("abc"));
  EXPECT_FALSE(parse_time(""));
  EXPECT_EQ(parse_date("20260301"), parse_date("20260228").value() + 1);
  EXPECT_FALSE(parse_date("20260230"));
  EXPECT_EQ(format_time(26 * 3600 + 61), "26:01:01");
  EXPECT_EQ(weekday(*parse_date("20261127")), 4);  // a Friday
}

TEST(GtfsCsv, BomCrlfQuotesEmbeddedCommaAndNewline) {
  std::string text = "\xEF\xBB\xBFid,name,x\r\n1,\"a, b\",2\r\n2,\"multi\nline \"\"quoted\"\"\",3\r\n\r\n3, padded ,4";
  Findings f;
  normalise_encoding(text, "t.txt", f);
  CsvReader r(text, "t.txt", f);
  ASSERT_EQ(r.column("id"), 0);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.get(1), "a, b");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.get(1), "multi\nline \"quoted\"");
  EXPECT_EQ(r.get(2), "3");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.line(), 6u);
  EXPECT_EQ(r.get(1), "padded");
  EXPECT_FALSE(r.next());
  bool newline = false;
  for (const auto& x : f.items()) newline |= x.code == "new_line_in_value" && x.line == 3;
  EXPECT_TRUE(newline);
}

TEST(GtfsCsv, Latin1IsTranscoded) {
  std::string text = "stop_id,stop_name\n1,Trondheim S\xF8r\n";
  Findings f;
  EXPECT_TRUE(normalise_encoding(text, "stops.txt", f));
  EXPECT_NE(text.find("S\xC3\xB8r"), std::string::npos);
  ASSERT_EQ(f.items().size(), 1u);
  EXPECT_EQ(f.items()[0].code, "invalid_character");
  EXPECT_EQ(f.items()[0].line, 2u);
  std::string utf8 = "a,\xE4\xB8\x8A\xE6\xB5\xB7\n";
  EXPECT_FALSE(normalise_encoding(utf8, "x", f));
}

TEST(GtfsFeed, LoadsEdgeCasesAndInterpolates) {
  auto f = load_files("edge", base_feed());
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->stops.size(), 4u);
  EXPECT_EQ(f->stops[1].timezone, "Asia/Hong_Kong");
  EXPECT_EQ(f->timezone, "Asia/Shanghai");
  ASSERT_EQ(f->trips.size(), 3u);
  const auto& t1 = f->trips[0];
  ASSERT_EQ(t1.count, 4u);
  // By distance: 100/500 and 400/500 of 600 s.
  EXPECT_EQ(f->stop_times[t1.first + 1].arr, 9 * 3600 + 15 * 60 + 120);
  EXPECT_EQ(f->stop_times[t1.first + 2].arr, 9 * 3600 + 15 * 60 + 480);
  const auto& t2 = f->trips[1];
  // Evenly: halfway between 25:00 and 25:30.
  EXPECT_EQ(f->stop_times[t2.first + 1].arr, 25 * 3600 + 15 * 60);
  EXPECT_EQ(mode_of_route_type(f->routes[1].type), Mode::air);
  EXPECT_EQ(f->findings.errors(), 0u) << f->findings.to_text();
}

TEST(GtfsFeed, CalendarDatesOnlyAndNonContiguousTrips) {
  auto files = base_feed();
  files.erase("calendar.txt");
  files["calendar_dates.txt"] = "service_id,date,exception_type\nS,20260302,1\nS,20260303,1\n";
  files["stop_times.txt"] =
      "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
      "T1,10:10:00,10:10:00,B,2\nT2,11:00:00,11:00:00,A,1\nT1,10:00:00,10:00:00,A,1\nT2,11:10:00,11:10:00,C,5\n"
      "F1,10:00:00,10:00:00,A,1\nF1,11:00:00,11:00:00,D,2\n";
  auto f = load_files("cdonly", files);
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->services.size(), 1u);
  EXPECT_EQ(f->services[0].added.size(), 2u);
  EXPECT_EQ(f->trips[0].count, 2u);
  EXPECT_EQ(f->stop_times[f->trips[0].first].stop, 0);  // sorted by stop_sequence
  EXPECT_TRUE(has_finding(*f, "unsorted_stop_times"));
}

TEST(GtfsFeed, MissingRequiredFileIsAClearError) {
  auto files = base_feed();
  files.erase("stops.txt");
  auto f = load_files("missing", files);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("stops.txt"), std::string::npos);
  EXPECT_NE(f.error().message.find("missing_required_file"), std::string::npos);
  files = base_feed();
  files.erase("calendar.txt");
  auto g = load_files("nocal", files);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("calendar"), std::string::npos);
}

TEST(GtfsFeed, BrokenZipIsAClearError) {
  auto dir = fx::temp_dir("brokenzip");
  auto path = dir + "/broken.zip";
  std::ofstream(path) << "PK\x03\x04 this is not really a zip";
  auto f = load_feed(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("broken.zip"), std::string::npos);
  EXPECT_EQ(f.error().code, "transport.bad_zip");
  auto g = load_feed(dir + "/absent.zip");
  ASSERT_FALSE(g.ok());
}

TEST(GtfsFeed, ZipWithSubfolderIsRead) {
  auto dir = fx::temp_dir("subzip");
  auto path = fx::write_zip(dir + "/nested.zip", base_feed(), "gtfs");
  auto f = load_feed(path);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->name, "nested");
  EXPECT_TRUE(has_finding(*f, "invalid_input_files_in_subfolder"));
  EXPECT_EQ(f->trips.size(), 3u);
}

TEST(GtfsFeed, UnknownStopDecreasingSequenceAndBackwardTimesAreReported) {
  auto files = base_feed();
  files["stop_times.txt"] =
      "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
      "T1,10:00:00,10:00:00,A,1\nT1,10:10:00,10:10:00,NOPE,2\n"           // line 3: unknown stop
      "T2,11:00:00,11:00:00,A,1\nT2,10:50:00,10:50:00,B,2\n"              // line 5: backwards
      "F1,10:00:00,10:00:00,A,2\nF1,11:00:00,11:00:00,D,2\n";             // line 7: repeated sequence
  auto f = load_files("bad", files);
  ASSERT_FALSE(f.ok());  // no usable trip left: a clear error listing the findings
  EXPECT_NE(f.error().message.find("stop_times.txt:3 [stop_id]"), std::string::npos) << f.error().message;
  EXPECT_NE(f.error().message.find("stop_time_with_arrival_before_previous_departure_time stop_times.txt:5"), std::string::npos);
  EXPECT_NE(f.error().message.find("duplicate_key stop_times.txt:7 [stop_sequence]"), std::string::npos);
  // With one good trip the feed loads; the bad trips are dropped and reported.
  files["stop_times.txt"] += "T1,,,X,3\n";
  files["trips.txt"] += "R1,S,GOOD\n";
  files["stop_times.txt"] += "GOOD,10:00:00,10:00:00,A,1\nGOOD,10:05:00,10:05:00,B,2\n";
  auto g = load_files("bad2", files);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_TRUE(has_finding(*g, "foreign_key_violation", "stop_times.txt", 3, "stop_id"));
  EXPECT_FALSE(g->trips[0].usable);
  EXPECT_FALSE(g->trips[1].usable);
  EXPECT_TRUE(g->trips[3].usable);
  EXPECT_GE(g->findings.errors(), 3u);
}

TEST(GtfsFeed, BadValuesNameFileLineAndField) {
  auto files = base_feed();
  files["stop_times.txt"] =
      "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
      "T1,10:00:00,10:00:00,A,1\nT1,10:x0:00,10:10:00,B,2\n"
      "T2,11:00:00,11:00:00,A,1\nT2,12:00:00,12:00:00,B,2\n";
  files["routes.txt"] += "X,A,,,3\n";
  auto f = load_files("badvals", files);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(has_finding(*f, "invalid_time", "stop_times.txt", 3, "arrival_time"));
  EXPECT_TRUE(has_finding(*f, "route_both_short_and_long_name_missing", "routes.txt", 4));
  EXPECT_TRUE(has_finding(*f, "missing_stop_times_record", "trips.txt"));
  auto j = f->findings.to_json();
  EXPECT_GT(j["errors"].get<int>(), 0);
  EXPECT_EQ(j["notices"][0].count("severity"), 1u);
}

TEST(GtfsFeed, FrequenciesAndTransfersAreRead) {
  auto files = base_feed();
  files["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs,exact_times\nF1,6:00:00,7:00:00,600,1\nT1,6:00:00,6:30:00,900,\n";
  files["transfers.txt"] = "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_route_id,to_route_id\nA,A,2,300,,\nA,B,2,,R1,AIR\nB,C,3,,,\n";
  auto f = load_files("freq", files);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->frequencies.size(), 2u);
  EXPECT_TRUE(f->frequencies[0].exact_times);
  EXPECT_FALSE(f->frequencies[1].exact_times);
  ASSERT_EQ(f->transfers.size(), 3u);
  EXPECT_EQ(f->transfers[0].min_time, 300);
  EXPECT_EQ(f->transfers[1].from_route, "R1");
  EXPECT_EQ(f->transfers[1].min_time, -1);
}

TEST(GtfsFeed, RouteAndTripSpecificTransfersAreValidated) {
  auto files = base_feed();
  files["transfers.txt"] =
      "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_route_id,to_route_id,from_trip_id,to_trip_id\n"
      "A,A,2,60,R1,AIR,T1,F1\n"   // line 2: kept (trip T1 on R1, F1 on AIR)
      "A,A,2,30,NOPE,,,\n"        // line 3: unknown route
      "A,A,2,30,,,T9,\n"          // line 4: unknown trip
      "A,A,2,30,AIR,,T1,\n"       // line 5: T1 is not on AIR
      "B,B,2,90,,,,F1\n";         // line 6: kept
  auto f = load_files("trsp", files);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->transfers.size(), 2u);
  EXPECT_EQ(f->transfers[0].from_trip, "T1");
  EXPECT_EQ(f->transfers[1].to_trip, "F1");
  EXPECT_TRUE(has_finding(*f, "foreign_key_violation", "transfers.txt", 3, "from_route_id"));
  EXPECT_TRUE(has_finding(*f, "foreign_key_violation", "transfers.txt", 4, "from_trip_id"));
  EXPECT_TRUE(has_finding(*f, "transfer_with_invalid_trip_and_route", "transfers.txt", 5, "from_trip_id"));
}

TEST(GtfsFeed, MutatedFeedsNeverCrash) {
  // Random byte edits, truncations and deleted separators in every file: loading must end in
  // a feed or a clear error, never a crash (ASan/UBSan check the rest).
  std::mt19937_64 rng(99);
  auto base = fx::random_feed(3, {.stops = 12, .stations = 2, .routes = 4, .max_trips = 3});
  int loaded = 0, rejected = 0;
  const char* env = std::getenv("RIVERLINK_FUZZ_ROUNDS");  // more: RIVERLINK_FUZZ_ROUNDS=5000
  const int rounds = env ? std::atoi(env) : 150;
  for (int round = 0; round < rounds; ++round) {
    auto files = base;
    for (auto& [name, text] : files) {
      if (text.empty()) continue;
      int edits = static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        auto pos = rng() % text.size();
        switch (rng() % 6) {
          case 0: text[pos] = static_cast<char>(rng() % 256); break;
          case 1: text.erase(pos, rng() % 20); break;
          case 2: text.insert(pos, "\""); break;
          case 3: text.insert(pos, ",,"); break;
          case 4: text.insert(pos, "\r\n"); break;
          default: text.resize(pos); break;
        }
        if (text.empty()) break;
      }
    }
    if (rng() % 10 == 0) files.erase(files.begin());
    auto dir = fx::temp_dir("mutated");
    auto f = (round % 2) ? load_feed(fx::write_dir(dir, files)) : load_feed(fx::write_zip(dir + "/m.zip", files));
    if (!f.ok()) {
      ++rejected;
      EXPECT_FALSE(f.error().message.empty());
      continue;
    }
    ++loaded;
    std::vector<Feed> feeds;
    feeds.push_back(std::move(*f));
    auto tt = build_timetable(feeds, {});
    if (tt.ok()) {
      // Route a few queries on whatever survived.
      riverlink::transport::Raptor r(*tt);
      for (std::uint32_t s = 0; s < tt->stops.size() && s < 5; ++s)
        (void)r.earliest({{s}, {static_cast<std::uint32_t>(tt->stops.size() - 1)}, tt->first_day, 8 * 3600});
    }
  }
  EXPECT_GT(loaded, 0);
  EXPECT_EQ(rejected + loaded, rounds);
}
