// Feed imports and server reloads: each bad input of the issue is refused with a clear error
// naming the feed (and file, line, field where there is one), the feed set stays unchanged and
// the running service keeps answering from the last good timetable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit/audit.hpp"
#include "store/testing.hpp"
#include "transport/api.hpp"
#include "transport/feedset.hpp"
#include "transport/gtfs/fixture.hpp"
#include "transport/raptor/scenario.hpp"

using namespace riverlink;
using namespace riverlink::transport;
namespace fx = riverlink::transport::fixture;
namespace fs = std::filesystem;

namespace {

struct BadCase {
  const char* name;
  const char* code;      // error code
  const char* mentions;  // text the message must contain
  std::function<void(const std::string& dir)> write;
};

fx::Files with_stop_times(const std::string& t1_rows) {
  auto f = fx::scenario_feed();
  auto& st = f["stop_times.txt"];
  const std::string orig = "T1,08:00:00,08:00:00,A,1,,\nT1,08:10:00,08:10:00,B,2,,\nT1,08:20:00,08:20:00,C,3,,\n";
  st.replace(st.find(orig), orig.size(), t1_rows);
  return f;
}

std::vector<BadCase> bad_cases() {
  return {
      {"missing required file", "transport.missing_required_file", "stops.txt",
       [](const std::string& d) {
         auto f = fx::scenario_feed();
         f.erase("stops.txt");
         fx::write_zip(d + "/bad.zip", f);
       }},
      {"broken zip", "transport.bad_zip", "bad.zip",
       [](const std::string& d) { std::ofstream(d + "/bad.zip") << "PK\x03\x04 this is not really a zip archive"; }},
      {"unknown stop id", "transport.feed_refused", "stop_times.txt:3 field stop_id",
       [](const std::string& d) {
         fx::write_zip(d + "/bad.zip", with_stop_times("T1,08:00:00,08:00:00,A,1,,\nT1,08:10:00,08:10:00,NOWHERE,2,,\nT1,08:20:00,08:20:00,C,3,,\n"));
       }},
      {"decreasing stop_sequence", "transport.feed_refused", "field stop_sequence: stop_time_with_arrival_before_previous_departure_time: trip T1: stop_sequence decreases",
       [](const std::string& d) {
         fx::write_zip(d + "/bad.zip", with_stop_times("T1,08:00:00,08:00:00,A,3,,\nT1,08:10:00,08:10:00,B,2,,\nT1,08:20:00,08:20:00,C,1,,\n"));
       }},
      {"times going backwards", "transport.feed_refused", "stop_times.txt:3 field arrival_time",
       [](const std::string& d) {
         fx::write_zip(d + "/bad.zip", with_stop_times("T1,08:00:00,08:00:00,A,1,,\nT1,07:50:00,07:50:00,B,2,,\nT1,08:20:00,08:20:00,C,3,,\n"));
       }},
  };
}

struct ReloadTest : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::parse_utc("2026-03-02T02:00:00Z").value()};
  std::unique_ptr<audit::CommandRunner> cmds;
  auth::Principal admin = auth::system_principal("test");
  int n = 0;
  audit::CommandContext key() { return {admin.actor(), "reload-" + std::to_string(++n)}; }
  void SetUp() override {
    auto r = store::migrate(t.db(), audit::migrations());
    ASSERT_TRUE(r.ok()) << r.error().message;
    cmds = std::make_unique<audit::CommandRunner>(t.db(), clock);
  }
};

std::string answer(const TransitService& s) {
  auto j = s.journeys("A", "D", "2026-03-02 07:55:00", "", 0);
  return j.ok() ? (*j)["journeys"].dump() : "error: " + j.error().message;
}

}  // namespace

TEST_F(ReloadTest, BadFeedsAreRefusedAndTheLastGoodTimetableStays) {
  auto dir = fx::temp_dir("reload_set");
  fx::write_zip(dir + "/good.zip", fx::scenario_feed());
  auto tt = load_timetable(expand_feed_list(dir), {}, true);
  ASSERT_TRUE(tt.ok()) << tt.error().message;
  TransitService svc(std::move(*tt), dir, {});
  const std::string before = answer(svc);
  ASSERT_NE(before.find("trip_id"), std::string::npos) << before;
  for (const auto& c : bad_cases()) {
    SCOPED_TRACE(c.name);
    c.write(dir);
    auto r = svc.reload(admin, key(), *cmds);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
    EXPECT_EQ(svc.feeds()["last_reload_error"], r.error().message);
    EXPECT_EQ(answer(svc), before);
    EXPECT_EQ(svc.feeds()["feeds"], core::Json::array({"good"}));
    fs::remove(dir + "/bad.zip");
  }
  // Queries for an unknown stop or outside the service dates are clear errors too.
  EXPECT_EQ(svc.journeys("NOPE", "D", "2026-03-02 07:55:00", "", 0).error().fields.at(0).field, "from");
  EXPECT_EQ(svc.journeys("A", "D", "2030-03-02 07:55:00", "", 0).error().code, "transport.outside_service");
  // A good second feed goes in; only a platform admin may reload; a repeated key replays.
  fx::write_zip(dir + "/second.zip", fx::scenario_feed());
  auth::Principal officer;
  officer.user_id = "o";
  officer.role = auth::Role::officer;
  EXPECT_EQ(svc.reload(officer, {officer.actor(), "x"}, *cmds).error().kind, ErrorKind::forbidden);
  audit::CommandContext k = key();
  auto ok = svc.reload(admin, k, *cmds);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(svc.feeds()["feeds"], core::Json::array({"good", "second"}));
  EXPECT_EQ(svc.feeds()["last_reload_error"], "");
  EXPECT_TRUE(svc.reload(admin, k, *cmds)->at("replayed").get<bool>());
  EXPECT_TRUE(svc.journeys("good:A", "good:D", "2026-03-02 07:55:00", "", 0).ok());
}

TEST_F(ReloadTest, ImportLeavesTheSetUnchangedOnABadFeed) {
  auto set = fx::temp_dir("import_set");
  auto src = fx::temp_dir("import_src");
  auto good = fx::write_zip(src + "/good.zip", fx::scenario_feed());
  auto r = import_feeds({good}, set, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(list_feed_set(set), std::vector<std::string>{set + "/good.zip"});
  ASSERT_TRUE(fs::exists(set + "/timetable.bin"));
  const auto stamp = fs::last_write_time(set + "/timetable.bin");
  EXPECT_TRUE(Timetable::load(set + "/timetable.bin").ok());
  for (const auto& c : bad_cases()) {
    SCOPED_TRACE(c.name);
    c.write(src);
    auto b = import_feeds({src + "/bad.zip"}, set, {});
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, c.code);
    EXPECT_EQ(list_feed_set(set), std::vector<std::string>{set + "/good.zip"});
    EXPECT_EQ(fs::last_write_time(set + "/timetable.bin"), stamp);
  }
  // A folder feed of a new name joins; the timetable now holds both sources.
  auto folder = fx::write_dir(fx::temp_dir("import_src2") + "/extra", fx::scenario_feed());
  auto two = import_feeds({folder}, set, {});
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ((*two)["feeds"], core::Json::array({"good", "extra"}));  // the set first, then the new feed
  EXPECT_EQ(list_feed_set(set).size(), 2u);
  // Rows merely listed out of stop_sequence order (times agree with the sequence) are sorted
  // and accepted, as the validator does (hart_tampa lists some trips in two blocks).
  fx::write_zip(src + "/unsorted.zip", with_stop_times("T1,08:10:00,08:10:00,B,2,,\nT1,08:00:00,08:00:00,A,1,,\nT1,08:20:00,08:20:00,C,3,,\n"));
  auto three = import_feeds({src + "/unsorted.zip"}, set, {});
  ASSERT_TRUE(three.ok()) << three.error().message;
  EXPECT_EQ(list_feed_set(set).size(), 3u);
}
