// eco HTTP API end to end: the real App and server, the tiny Suqian demo seeded, runs as jobs,
// outputs served, roles, and every bad input of the issue refused with nothing kept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/testing.hpp"
#include "eco/api.hpp"
#include "eco/raster/raster.hpp"
#include "eco/testing/fixtures.hpp"

using namespace riverlink;
using http::testing::Client;
namespace fs = std::filesystem;
namespace fx = riverlink::eco::testing;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string b64(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
    o += a[v >> 18], o += a[(v >> 12) & 63], o += a[(v >> 6) & 63], o += a[v & 63];
  }
  if (i + 1 == s.size()) {
    unsigned v = (unsigned char)s[i] << 16;
    o += a[v >> 18], o += a[(v >> 12) & 63], o += "==";
  } else if (i + 2 == s.size()) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
    o += a[v >> 18], o += a[(v >> 12) & 63], o += a[(v >> 6) & 63], o += "=";
  }
  return o;
}

struct EcoApi : ::testing::Test {
  static inline std::string dir;
  std::unique_ptr<app::testing::LiveApp> live;
  unsigned short port = 0;

  void SetUp() override {
    dir = (fs::temp_directory_path() / ("riverlink_eco_api_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    ::setenv("RIVERLINK_ECO_DIR", dir.c_str(), 1);
    live = std::make_unique<app::testing::LiveApp>(app::testing::LiveOptions{.body_limit = 1 << 20});
    port = live->port();
    auto s = eco::seed_demo(live->app().eco(), live->app().jobs(), "tiny");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  void TearDown() override {
    live.reset();
    fs::remove_all(dir);
  }
  // The demo dataset's files, base64, for uploads; overrides replace or add files.
  core::Json dataset_files(const std::map<std::string, std::string>& overrides = {}) {
    core::Json files = core::Json::object();
    fs::path base;
    for (auto& e : fs::directory_iterator(fs::path(dir) / "datasets"))
      if (e.path().filename().string().rfind("suqian-demo", 0) == 0) base = e.path();
    for (auto& e : fs::recursive_directory_iterator(base))
      if (e.is_regular_file()) files[fs::relative(e.path(), base).string()] = b64(slurp(e.path()));
    for (auto& [k, v] : overrides) files[k] = b64(v);
    return files;
  }
  std::size_t dataset_dirs() {
    std::size_t n = 0;
    for (auto& e : fs::directory_iterator(fs::path(dir) / "datasets")) (void)e, ++n;
    return n;
  }
};

TEST_F(EcoApi, SeededDemoRunOutputsAndRoles) {
  auto officer = live->signed_in("officer_js");
  auto runs = officer.get("/api/v1/eco/runs");
  ASSERT_EQ(runs.status, 200) << runs.body;
  ASSERT_EQ(runs.json()["items"].size(), 1u);
  auto run = runs.json()["items"][0];
  EXPECT_EQ(run["status"], "succeeded");
  std::string id = run["id"];
  auto one = officer.get("/api/v1/eco/runs/" + id);
  ASSERT_EQ(one.status, 200);
  auto sum = one.json()["summary"];
  EXPECT_GT(sum["gep_fen"].get<std::int64_t>(), 0);
  EXPECT_GT(sum["categories"]["regulating"]["share"].get<double>(), 0.5);
  auto zonal = officer.get("/api/v1/eco/runs/" + id + "/zonal");
  ASSERT_EQ(zonal.status, 200);
  bool sucheng = false;
  for (auto& row : zonal.json()) sucheng = sucheng || (row["zone_id"] == 321302 && row["zone_name"] == "宿城区");
  EXPECT_TRUE(sucheng);
  auto csv = officer.get("/api/v1/eco/runs/" + id + "/zonal?by=class&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.headers["content-type"].find("text/csv"), std::string::npos);
  EXPECT_NE(csv.body.find("lucode,indicator"), std::string::npos);
  EXPECT_EQ(officer.get("/api/v1/eco/runs/" + id + "/zonal?by=county").status, 422);
  auto vep = officer.get("/api/v1/eco/runs/" + id + "/vep");
  ASSERT_EQ(vep.status, 200) << vep.body;
  EXPECT_FALSE(vep.json().empty());
  auto ql = officer.get("/api/v1/eco/runs/" + id + "/quicklooks");
  ASSERT_EQ(ql.status, 200);
  auto b = ql.json()[0]["bounds"];
  EXPECT_NEAR(b[0][0].get<double>(), 33.95, 0.3);  // Suqian, WGS 84
  EXPECT_NEAR(b[0][1].get<double>(), 118.3, 0.3);
  auto png = officer.get("/api/v1/eco/runs/" + id + "/file?path=" + ql.json()[0]["png"].get<std::string>());
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(png.headers["content-type"], "image/png");
  EXPECT_EQ(png.body.substr(1, 3), "PNG");
  auto files = officer.get("/api/v1/eco/runs/" + id + "/files");
  ASSERT_EQ(files.status, 200);
  bool cog = false;
  const auto file_list = files.json();
  for (auto& f : file_list["items"]) cog = cog || f["path"] == "rasters/water_conservation_value.tif";
  EXPECT_TRUE(cog);
  auto report = officer.get("/api/v1/eco/runs/" + id + "/file?path=report.html");
  ASSERT_EQ(report.status, 200);
  EXPECT_NE(report.body.find("GEP"), std::string::npos);
  EXPECT_EQ(officer.get("/api/v1/eco/runs/" + id + "/file?path=../../etc/passwd").status, 422);
  EXPECT_EQ(officer.get("/api/v1/eco/runs/" + id + "/file?path=nope.tif").status, 422);

  // Roles: auditors and banks read, auditors cannot write; enterprises see nothing; officers
  // outside Jiangsu cannot run Suqian's accounting.
  auto auditor = live->signed_in("auditor");
  EXPECT_EQ(auditor.get("/api/v1/eco/runs/" + id).status, 200);
  std::string ds = run["dataset_id"];
  EXPECT_EQ(auditor.post("/api/v1/eco/runs", {{"dataset_id", ds}}).status, 403);
  EXPECT_EQ(live->signed_in("enterprise").get("/api/v1/eco/runs").status, 403);
  EXPECT_EQ(live->signed_in("bank").get("/api/v1/eco/datasets").status, 200);
  EXPECT_EQ(live->signed_in("officer_sh").post("/api/v1/eco/runs", {{"dataset_id", ds}}).status, 403);

  // A new run is a job; the same key replays it.
  auto start = officer.post("/api/v1/eco/runs", {{"dataset_id", ds}}, "eco-run-1");
  ASSERT_EQ(start.status, 202) << start.body;
  std::string job = start.json()["job"]["id"], rid = start.json()["id"];
  auto again = officer.post("/api/v1/eco/runs", {{"dataset_id", ds}}, "eco-run-1");
  ASSERT_EQ(again.status, 202);
  EXPECT_EQ(again.json()["id"], rid);
  EXPECT_EQ(officer.post("/api/v1/eco/runs", {{"dataset_id", ds}, {"vep", true}}, "eco-run-1").status, 409);
  auto done = live->app().jobs().wait(job, std::chrono::minutes(5));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "succeeded") << done->error.value_or("");
  auto fin = officer.get("/api/v1/eco/runs/" + rid);
  EXPECT_EQ(fin.json()["status"], "succeeded");
  EXPECT_EQ(fin.json()["gep_fen"], sum["gep_fen"]);  // same inputs, same GEP
  EXPECT_EQ(officer.get("/api/v1/eco/runs/nope").status, 404);
}

TEST_F(EcoApi, UploadsAreValidatedAndBadInputsLeaveNothing) {
  auto officer = live->signed_in("officer_js");
  auto ok = officer.post("/api/v1/eco/datasets", {{"name", "upload"}, {"division_code", "321300"}, {"files", dataset_files()}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["kind"], "upload");
  const std::size_t dirs = dataset_dirs();
  auto count = [&] { return officer.get("/api/v1/eco/datasets").json()["items"].size(); };
  const std::size_t datasets = count();
  auto lulc = eco::raster::probe((fs::path(dir) / "datasets" / ok.json()["id"].get<std::string>() / "rasters/lulc.tif").string());
  ASSERT_TRUE(lulc.ok());
  const eco::raster::Grid g = lulc->grid;
  const std::size_t n = std::size_t(g.pixels());
  auto tif = [&](eco::raster::Grid grid, std::vector<float> v) {
    auto p = (fs::path(dir) / "scratch.tif").string();
    fx::write(p, grid, eco::raster::PixelType::float32, -9999, v);
    auto s = slurp(p);
    fs::remove(p);
    return s;
  };
  std::string coef = slurp(fs::path(dir) / "datasets" / ok.json()["id"].get<std::string>() / "tables/coefficients_clcd_example.csv");
  std::string no_cropland;
  {
    std::istringstream in(coef);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("1,", 0) != 0) no_cropland += line + "\n";
  }
  eco::raster::Grid far = g;
  far.gt[0] += 1e6;
  eco::raster::Grid nocrs = g;
  nocrs.wkt.clear();
  std::vector<float> neg(n, 900);
  neg[n / 2] = -5;
  std::string et = slurp(fs::path(dir) / "datasets" / ok.json()["id"].get<std::string>() / "rasters/et.tif");
  std::string run = slurp(fs::path(dir) / "datasets" / ok.json()["id"].get<std::string>() / "run.json");
  std::string run2030 = run;
  run2030.replace(run2030.find("2022"), 4, "2030");
  struct Case {
    const char* what;
    std::map<std::string, std::string> files;
    std::string expect;  // in the problem's text: file, band, class or field
  };
  std::vector<Case> cases = {
      {"class missing", {{"tables/coefficients_clcd_example.csv", no_cropland}}, "class 1"},
      {"no overlap", {{"rasters/precipitation.tif", tif(far, std::vector<float>(n, 900))}}, "rasters/precipitation.tif"},
      {"CRS", {{"rasters/npp.tif", tif(nocrs, std::vector<float>(n, 500))}}, "CRS"},
      {"all nodata", {{"rasters/npp.tif", tif(g, std::vector<float>(n, -9999))}}, "rasters.npp"},
      {"truncated TIFF", {{"rasters/et.tif", et.substr(0, et.size() / 2)}}, "rasters/et.tif"},
      {"negative precipitation", {{"rasters/precipitation.tif", tif(g, neg)}}, "negative precipitation"},
      {"price year", {{"run.json", run2030}}, "2030"},
  };
  for (auto& c : cases) {
    auto r = officer.post("/api/v1/eco/datasets", {{"name", c.what}, {"division_code", "321300"}, {"files", dataset_files(c.files)}});
    EXPECT_EQ(r.status, 422) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find(c.expect), std::string::npos) << c.what << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json") << c.what;
    EXPECT_EQ(r.body.find(dir), std::string::npos) << c.what << " leaks the server's folder: " << r.body;
    EXPECT_EQ(dataset_dirs(), dirs) << c.what << " left files behind";
    EXPECT_EQ(count(), datasets) << c.what;
  }
  // Paths must stay inside the dataset.
  auto esc = officer.post("/api/v1/eco/datasets", {{"name", "x"}, {"division_code", "321300"}, {"files", {{"../x.tif", "AAAA"}}}});
  EXPECT_EQ(esc.status, 422);
  EXPECT_NE(esc.body.find("../x.tif"), std::string::npos);
  EXPECT_EQ(live->signed_in("officer_sh").post("/api/v1/eco/datasets", {{"name", "x"}, {"division_code", "321300"}, {"files", dataset_files()}}).status,
            403);
  EXPECT_EQ(dataset_dirs(), dirs);
}

}  // namespace
