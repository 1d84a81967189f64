#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.hpp"
#include "transport/cli.hpp"
#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/scenario.hpp"

namespace fx = riverlink::transport::fixture;

namespace {

int run(std::vector<std::string> args) {
  CLI::App app{"test"};
  int code = -1;
  riverlink::transport::add_commands(app, code);
  std::vector<char*> argv;
  std::string prog = "riverlink";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::fflush(stdout);
  return code;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(TransitCli, ValidateExitCodes) {
  auto dir = fx::temp_dir("cli_validate");
  auto good = fx::write_zip(dir + "/good.zip", fx::scenario_feed());
  EXPECT_EQ(run({"transit", "validate", good}), 0);
  auto files = fx::scenario_feed();
  files["stop_times.txt"] += "T1,09:00:00,09:00:00,NOWHERE,4,,\n";
  auto bad = fx::write_zip(dir + "/bad.zip", files);
  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"transit", "validate", bad, "--json"}), 1);
  auto out = testing::internal::GetCapturedStdout();
  auto j = riverlink::core::Json::parse(out);
  EXPECT_EQ(j["notices"][0]["code"], "foreign_key_violation");
  EXPECT_EQ(j["notices"][0]["file"], "stop_times.txt");
  EXPECT_EQ(j["notices"][0]["line"], 24);
  EXPECT_EQ(j["notices"][0]["field"], "stop_id");
  files.erase("stops.txt");
  auto unusable = fx::write_zip(dir + "/unusable.zip", files);
  EXPECT_EQ(run({"transit", "validate", unusable}), 2);
}

TEST(TransitCli, RouteJsonAndBuiltTimetable) {
  auto dir = fx::temp_dir("cli_route");
  auto feed = fx::write_zip(dir + "/demo.zip", fx::scenario_feed());
  testing::internal::CaptureStdout();
  ASSERT_EQ(run({"transit", "route", "--feeds", feed, "--from", "A", "--to", "D", "--at", "2026-03-02 08:00:00"}), 0);
  auto j = riverlink::core::Json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(j["arrival_time"], "08:40:00");
  EXPECT_EQ(j["transfers"], 1);
  EXPECT_EQ(j["journey"]["legs"].size(), 2u);
  EXPECT_EQ(j["journey"]["legs"][1]["mode"], "ferry");
  ASSERT_EQ(run({"transit", "build", "--feeds", feed, "--out", dir + "/tt.bin", "--min-transfer-s", "60"}), 0);
  testing::internal::CaptureStdout();
  ASSERT_EQ(run({"transit", "route", "--timetable", dir + "/tt.bin", "--from", "A", "--to", "D", "--at", "2026-03-02 08:00:00"}), 0);
  auto k = riverlink::core::Json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(k["arrival_time"], "08:30:00");
  EXPECT_EQ(run({"transit", "route", "--feeds", feed, "--from", "A", "--to", "D", "--at", "yesterday"}), 2);
}

TEST(TransitCli, MatrixOnTwoFeeds) {
  auto dir = fx::temp_dir("cli_matrix");
  auto a = fx::write_zip(dir + "/north.zip", fx::scenario_feed());
  auto b = fx::write_zip(dir + "/south.zip", fx::scenario_feed());
  std::ofstream(dir + "/q.csv") << "from_stop_id,to_stop_id,date,departure_time\n"
                                   "north:A,north:D,20260302,08:00:00\n"
                                   "north:D,south:A,20260302,25:00:00\n"
                                   "north:A,nowhere,20260302,08:00:00\n"
                                   "north:A,north:A,20260302,09:00:00\n";
  ASSERT_EQ(run({"transit", "matrix", "--feeds", a + "," + b, "--queries", dir + "/q.csv", "--out", dir + "/out.csv", "--min-transfer-s", "60",
                 "--walk-radius-m", "200"}),
            0);
  EXPECT_EQ(read(dir + "/out.csv"),
            "from_stop_id,to_stop_id,date,departure_time,arrival_time,transfers\n"
            "north:A,north:D,20260302,08:00:00,08:30:00,1\n"
            "north:D,south:A,20260302,25:00:00,25:30:00,0\n"
            "north:A,nowhere,20260302,08:00:00,,\n"
            "north:A,north:A,20260302,09:00:00,09:00:00,0\n");
  std::ofstream(dir + "/bad.csv") << "from_stop_id,to_stop_id,date,departure_time\nnorth:A,north:D,2026-03-02,08:00:00\n";
  EXPECT_EQ(run({"transit", "matrix", "--feeds", a, "--queries", dir + "/bad.csv", "--out", dir + "/bad_out.csv"}), 2);
  EXPECT_FALSE(std::ifstream(dir + "/bad_out.csv").good());  // no partial write
}

TEST(TransitCli, ImportRefusesABadFeedAndLeavesTheSet) {
  auto src = fx::temp_dir("cli_import_src");
  auto set = fx::temp_dir("cli_import_set");
  auto files = fx::scenario_feed();
  files["stop_times.txt"] += "T1,09:00:00,09:00:00,NOWHERE,4,,\n";
  auto bad = fx::write_zip(src + "/bad.zip", files);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run({"transit", "import", bad, "--set", set}), 1);
  auto err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("stop_times.txt:24"), std::string::npos) << err;
  EXPECT_TRUE(std::filesystem::is_empty(set));
  auto good = fx::write_zip(src + "/good.zip", fx::scenario_feed());
  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"transit", "import", good, "--set", set}), 0);
  auto out = riverlink::core::Json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(out["feeds"], riverlink::core::Json::array({"good"}));
  EXPECT_TRUE(std::filesystem::exists(set + "/timetable.bin"));
  EXPECT_TRUE(std::filesystem::exists(set + "/good.zip"));
  // The set folder serves as --feeds.
  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"transit", "route", "--feeds", set, "--from", "A", "--to", "D", "--at", "2026-03-02 07:55:00"}), 0);
  EXPECT_EQ(riverlink::core::Json::parse(testing::internal::GetCapturedStdout())["arrival_time"], "08:40:00");
}
