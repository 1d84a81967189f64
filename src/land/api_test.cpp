// Land HTTP API end to end: the real App (with the demo seed) and server on a free port.
#include <gtest/gtest.h>

#include "app/testing.hpp"

using namespace riverlink;
using http::testing::Client;

namespace {
struct LandApi : ::testing::Test {
  std::unique_ptr<app::testing::LiveApp> live;
  app::App* application = nullptr;
  unsigned short port = 0;

  void SetUp() override {
    live = std::make_unique<app::testing::LiveApp>(app::testing::LiveOptions{});
    application = &live->app();
    port = live->port();
  }
  Client signed_in(const std::string& user) { return live->signed_in(user); }
};
}  // namespace

TEST_F(LandApi, AnnouncementsBiddingAndCases) {
  Client anon(port);
  auto lots = anon.get("/api/v1/land/lots");
  ASSERT_EQ(lots.status, 200) << lots.body;  // public announcements
  std::string live, done;
  const auto lots_j = lots.json();
  for (const auto& l : lots_j["items"]) {
    if (l["phase"] == "listing") live = l["id"];
    if (l["phase"] == "sold") done = l["id"];
  }
  ASSERT_FALSE(live.empty());
  ASSERT_FALSE(done.empty());
  auto parcels = anon.get("/api/v1/land/parcels");
  ASSERT_EQ(parcels.status, 200);
  EXPECT_EQ(parcels.json()["items"].size(), 6u);
  EXPECT_GT(parcels.json()["items"][0]["area_mu"].get<double>(), 1.0);
  EXPECT_EQ(anon.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", 1}}).status, 401);

  Client bidder = signed_in("bidder");
  auto reg = bidder.post("/api/v1/land/lots/" + live + "/register", core::Json::object());
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto lot = anon.get("/api/v1/land/lots/" + live).json();
  const int64_t next = lot["next_min_fen"];
  auto off = bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next + 1}});
  EXPECT_EQ(off.status, 422) << off.body;
  EXPECT_EQ(off.json()["code"], "land.off_increment");
  auto low = bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next - lot["increment_fen"].get<int64_t>()}});
  EXPECT_EQ(low.status, 422);
  EXPECT_EQ(low.json()["code"], "land.below_current");
  auto unknown = bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next}, {"extra", 1}});
  EXPECT_EQ(unknown.status, 422);
  auto ok = bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next}}, "bid-1");
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto again = bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next}}, "bid-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(again.json()["replayed"].get<bool>());
  EXPECT_EQ(bidder.post("/api/v1/land/lots/" + live + "/bids", {{"amount_fen", next + 100}}, "bid-1").status, 409);
  auto me = bidder.get("/api/v1/land/lots/" + live + "/me").json();
  EXPECT_TRUE(me["leading"].get<bool>());
  EXPECT_EQ(me["deposit_status"], "held");
  EXPECT_EQ(me["wallet"]["held_fen"], me["deposit_fen"]);  // the deposit sub-account shows the hold
  auto bids = anon.get("/api/v1/land/lots/" + live + "/bids").json();
  EXPECT_EQ(bids["items"].size(), 3u);

  Client officer = signed_in("officer_js");
  auto cases = officer.get("/api/v1/land/cases");
  ASSERT_EQ(cases.status, 200) << cases.body;
  EXPECT_EQ(cases.json()["items"].size(), 5u);
  std::string filed, registered;
  const auto cases_j = cases.json();
  for (const auto& c : cases_j["items"]) {
    if (c["state"] == "scheme_filed") filed = c["id"];
    if (c["state"] == "registered") registered = c["id"];
  }
  auto wrong = officer.post("/api/v1/land/cases/" + filed + "/transitions/vote", {{"basis", "members"}, {"yes", 1}});
  EXPECT_EQ(wrong.status, 409);
  EXPECT_EQ(wrong.json()["code"], "land.invalid_transition");
  EXPECT_EQ(officer.get("/api/v1/land/lots/" + done + "/verify").json()["matches"], true);
  Client sh = signed_in("officer_sh");
  EXPECT_EQ(sh.get("/api/v1/land/cases/" + registered).status, 403);
  Client agent = signed_in("agent");
  auto st = agent.get("/api/v1/land/cases/" + registered + "/statements");
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_EQ(st.json()["items"].size(), 12u);
  EXPECT_EQ(bidder.get("/api/v1/land/cases").status, 403);
  auto spec = anon.get("/api/v1/openapi.json").json();
  EXPECT_TRUE(spec["paths"].contains("/api/v1/land/lots/{id}/events"));
}
