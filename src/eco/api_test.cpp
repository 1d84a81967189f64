// eco HTTP API end to end: the real App and server, the tiny Suqian demo seeded, runs as jobs,
// outputs served, roles, and every bad input of the issue refused with nothing kept.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/testing.hpp"
#include "eco/api.hpp"
#include "eco/demo/suqian.hpp"
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

// A zip archive (libzip) of the given entries, in memory.
std::string zip_of(const std::map<std::string, std::string>& entries) {
  auto path = fs::temp_directory_path() / ("riverlink_eco_zip_" + std::to_string(::getpid()) + ".zip");
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error("zip_open failed");
  for (auto& [name, data] : entries) {
    zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
    if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error("zip_file_add failed");
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
  std::string out = slurp(path);
  fs::remove(path);
  return out;
}

// Every file under dir, relative path -> bytes, under an optional top folder.
std::map<std::string, std::string> folder(const fs::path& dir, const std::string& top = "") {
  std::map<std::string, std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[top + fs::relative(e.path(), dir).string()] = slurp(e.path());
  return out;
}

struct EcoApi : ::testing::Test {
  static inline std::string dir;
  std::unique_ptr<app::testing::LiveApp> live;
  unsigned short port = 0;

  void SetUp() override {
    dir = (fs::temp_directory_path() / ("riverlink_eco_api_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    ::setenv("RIVERLINK_ECO_DIR", dir.c_str(), 1);
    ::setenv("RIVERLINK_ECO_UPLOAD_LIMIT_MB", "3", 1);  // the archive route's body limit; the server's default stays 1 MiB
    live = std::make_unique<app::testing::LiveApp>(app::testing::LiveOptions{.body_limit = 1 << 20});
    port = live->port();
    auto s = eco::seed_demo(live->app().eco(), live->app().jobs(), "tiny");
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  void TearDown() override {
    live.reset();
    ::unsetenv("RIVERLINK_ECO_UPLOAD_LIMIT_MB");
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

namespace {

std::string enc(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') o += char(c);
    else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      o += b;
    }
  }
  return o;
}

http::testing::ClientResponse post_zip(Client& c, const std::string& query, const std::string& body, const std::string& key,
                                       const std::string& type = "application/zip") {
  return c.request("POST", "/api/v1/eco/datasets/archive?" + query, body,
                   {{"Content-Type", type}, {"X-CSRF-Token", c.csrf}, {"Idempotency-Key", key}});
}

TEST_F(EcoApi, ArchiveUploadsOverTheServerDefaultLimitRunAndBadArchivesLeaveNothing) {
  auto officer = live->signed_in("officer_js");
  // A Suqian-like dataset of 256 x 288 px: its zip is over the server's 1 MiB default body limit.
  auto src = fs::path(dir) / "src-dataset";
  eco::demo::SuqianOptions o;
  o.cols = 256;
  o.rows = 288;
  ASSERT_TRUE(eco::demo::generate_suqian(src.string(), o).ok());
  const std::string archive = zip_of(folder(src, "suqian-256/"));  // a zipped folder: the top folder is dropped
  ASSERT_GT(archive.size(), std::size_t(1) << 20);
  ASSERT_LT(archive.size(), std::size_t(3) << 20);
  const std::size_t dirs = dataset_dirs();
  auto count = [&] { return officer.get("/api/v1/eco/datasets").json()["items"].size(); };
  const std::size_t datasets = count();
  const std::string q = "name=" + enc("宿迁 256") + "&division_code=321300&project_run_file=run_project.json&parcels_file=parcels.geojson&filename=suqian.zip";

  // The JSON route keeps the server's default limit.
  auto json_big = officer.request("POST", "/api/v1/eco/datasets", std::string(std::size_t(3) << 19, ' '),
                                  {{"Content-Type", "application/json"}, {"X-CSRF-Token", officer.csrf}, {"Idempotency-Key", "big-json"}});
  EXPECT_EQ(json_big.status, 413);

  auto up = post_zip(officer, q, archive, "zip-1");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json()["kind"], "upload");
  EXPECT_TRUE(up.json()["vep"].get<bool>());
  std::string id = up.json()["id"];
  EXPECT_TRUE(fs::exists(fs::path(dir) / "datasets" / id / "rasters/lulc.tif"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "datasets" / id / "suqian-256"));
  // Same key, same archive: the first result, nothing new; same key, another archive: 409.
  auto again = post_zip(officer, q, archive, "zip-1");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json()["id"], id);
  EXPECT_EQ(count(), datasets + 1);
  EXPECT_EQ(dataset_dirs(), dirs + 1);
  auto other = zip_of(folder(src));
  EXPECT_EQ(post_zip(officer, q, other, "zip-1").status, 409);
  // The upload is audited under the eco module.
  auto audit = live->signed_in("auditor").get("/api/v1/audit/entries?module=eco");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("upload_dataset"), std::string::npos);

  // The uploaded dataset runs.
  auto start = officer.post("/api/v1/eco/runs", {{"dataset_id", id}});
  ASSERT_EQ(start.status, 202) << start.body;
  auto done = live->app().jobs().wait(start.json()["job"]["id"].get<std::string>(), std::chrono::minutes(5));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "succeeded") << done->error.value_or("");
  auto fin = officer.get("/api/v1/eco/runs/" + start.json()["id"].get<std::string>());
  EXPECT_GT(fin.json()["gep_fen"].get<std::int64_t>(), 0);

  const std::size_t dirs2 = dataset_dirs(), datasets2 = count();
  auto nothing_left = [&](const char* what) {
    EXPECT_EQ(dataset_dirs(), dirs2) << what << " left files behind";
    EXPECT_EQ(count(), datasets2) << what;
  };
  // Over the configured limit (3 MiB): 413 naming the limit, before the body is read.
  auto over = post_zip(officer, q, std::string(std::size_t(4) << 20, 'z'), "zip-over");
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.headers["content-type"], "application/problem+json");
  EXPECT_NE(over.body.find("3145728 bytes (3 MiB)"), std::string::npos) << over.body;
  nothing_left("over the limit");
  // A truncated archive: 422 naming it.
  auto cut = post_zip(officer, q, archive.substr(0, archive.size() / 2), "zip-cut");
  EXPECT_EQ(cut.status, 422) << cut.body;
  EXPECT_NE(cut.body.find("suqian.zip"), std::string::npos) << cut.body;
  EXPECT_EQ(cut.body.find(dir), std::string::npos) << cut.body;
  nothing_left("truncated archive");
  // Not a zip at all.
  auto junk = post_zip(officer, q, "this is not a zip archive", "zip-junk");
  EXPECT_EQ(junk.status, 422) << junk.body;
  EXPECT_NE(junk.body.find("archive"), std::string::npos);
  nothing_left("junk");
  // An entry escaping the dataset.
  auto files = folder(src);
  files["../evil.txt"] = "x";
  auto esc = post_zip(officer, q, zip_of(files), "zip-esc");
  EXPECT_EQ(esc.status, 422) << esc.body;
  EXPECT_NE(esc.body.find("../evil.txt"), std::string::npos) << esc.body;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "evil.txt"));
  nothing_left("path traversal");
  // A bad file inside a good archive: named as for the JSON upload.
  files = folder(src);
  files["rasters/et.tif"] = files["rasters/et.tif"].substr(0, files["rasters/et.tif"].size() / 2);
  auto bad_tif = post_zip(officer, q, zip_of(files), "zip-tif");
  EXPECT_EQ(bad_tif.status, 422) << bad_tif.body;
  EXPECT_NE(bad_tif.body.find("rasters/et.tif"), std::string::npos) << bad_tif.body;
  nothing_left("truncated TIFF in the archive");
  // No run definition in the archive.
  files = folder(src);
  files.erase("run.json");
  auto no_run = post_zip(officer, q, zip_of(files), "zip-norun");
  EXPECT_EQ(no_run.status, 422) << no_run.body;
  EXPECT_NE(no_run.body.find("run.json"), std::string::npos) << no_run.body;
  nothing_left("no run.json");
  // Wrong media type, missing fields, wrong jurisdiction, no idempotency key.
  EXPECT_EQ(post_zip(officer, q, archive, "zip-type", "text/plain").status, 415);
  auto no_name = post_zip(officer, "division_code=321300", archive, "zip-noname");
  EXPECT_EQ(no_name.status, 422);
  EXPECT_NE(no_name.body.find("name"), std::string::npos);
  auto sh = live->signed_in("officer_sh");
  EXPECT_EQ(post_zip(sh, q, archive, "zip-sh").status, 403);
  EXPECT_EQ(officer.request("POST", "/api/v1/eco/datasets/archive?" + q, archive, {{"Content-Type", "application/zip"}, {"X-CSRF-Token", officer.csrf}}).status,
            400);
  EXPECT_EQ(live->signed_in("auditor").request("POST", "/api/v1/eco/datasets/archive?" + q, archive, {{"Content-Type", "application/zip"}}).status, 403);
  nothing_left("refused requests");
}

// Opaque pixels of a 256 x 256 RGBA PNG (decoded by GDAL).
int opaque_pixels(const std::string& png) {
  const std::string name = "/vsimem/eco_api_test_tile.png";
  VSIFCloseL(VSIFileFromMemBuffer(name.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(png.data())), png.size(), FALSE));
  GDALAllRegister();
  GDALDatasetH ds = GDALOpen(name.c_str(), GA_ReadOnly);
  if (!ds) return -1;
  std::vector<std::uint8_t> a(256 * 256);
  int n = -1;
  if (GDALGetRasterCount(ds) == 4 && GDALRasterIO(GDALGetRasterBand(ds, 4), GF_Read, 0, 0, 256, 256, a.data(), 256, 256, GDT_Byte, 0, 0) == CE_None) {
    n = 0;
    for (auto x : a) n += x == 255;
  }
  GDALClose(ds);
  VSIUnlink(name.c_str());
  return n;
}

TEST_F(EcoApi, XyzTilesOfTheDemoRun) {
  auto officer = live->signed_in("officer_js");
  auto run = officer.get("/api/v1/eco/runs").json()["items"][0];
  std::string id = run["id"];
  auto ql = officer.get("/api/v1/eco/runs/" + id + "/quicklooks").json();
  auto b = ql[0]["bounds"];
  double lat = (b[0][0].get<double>() + b[1][0].get<double>()) / 2, lon = (b[0][1].get<double>() + b[1][1].get<double>()) / 2;
  // The zoom-13 tile holding the run's centre (the tiny demo is 1.9 x 2.2 km, about a tile).
  const int z = 13, n = 1 << z;
  int x = int((lon + 180) / 360 * n);
  int y = int((1 - std::log(std::tan(lat * M_PI / 180) + 1 / std::cos(lat * M_PI / 180)) / M_PI) / 2 * n);
  const std::string base = "/api/v1/eco/runs/" + id + "/tiles/";
  // The finished run summed its services once for the gep_total layer.
  EXPECT_TRUE(fs::exists(fs::path(dir) / "runs" / id / ".tiles/gep_total_value.tif"));
  for (std::string layer : {"gep_total", "water_conservation"}) {
    auto t = officer.get(base + layer + "/" + std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) + ".png");
    ASSERT_EQ(t.status, 200) << layer << ": " << t.body;
    EXPECT_EQ(t.headers["content-type"], "image/png");
    EXPECT_NE(t.headers["cache-control"].find("max-age="), std::string::npos);
    EXPECT_EQ(t.headers["cache-control"].find("no-store"), std::string::npos);
    EXPECT_EQ(t.headers.count("x-tile-empty"), 0u) << layer;
    int px = opaque_pixels(t.body);
    EXPECT_GT(px, 1000) << layer;        // the run covers a good part of the tile
    EXPECT_LT(px, 256 * 256) << layer;   // and not all of it: transparent around
  }
  // Outside the run's extent: a transparent tile.
  auto far = officer.get(base + "gep_total/" + std::to_string(z) + "/" + std::to_string(x + 40) + "/" + std::to_string(y));
  ASSERT_EQ(far.status, 200);
  EXPECT_EQ(far.headers["x-tile-empty"], "1");
  EXPECT_EQ(opaque_pixels(far.body), 0);
  // Bad addresses and layers: problems naming the field.
  auto bad_z = officer.get(base + "gep_total/23/0/0.png");
  EXPECT_EQ(bad_z.status, 422);
  EXPECT_EQ(bad_z.json()["errors"][0]["field"], "z");
  auto bad_x = officer.get(base + "gep_total/3/8/0.png");
  EXPECT_EQ(bad_x.status, 422);
  EXPECT_EQ(bad_x.json()["errors"][0]["field"], "x");
  auto bad_y = officer.get(base + "gep_total/3/0/abc.png");
  EXPECT_EQ(bad_y.status, 422);
  EXPECT_EQ(bad_y.json()["errors"][0]["field"], "y");
  auto bad_layer = officer.get(base + "no_such_service/3/0/0.png");
  EXPECT_EQ(bad_layer.status, 404);
  EXPECT_EQ(bad_layer.headers["content-type"], "application/problem+json");
  EXPECT_NE(bad_layer.body.find("no_such_service"), std::string::npos);
  EXPECT_EQ(officer.get("/api/v1/eco/runs/nope/tiles/gep_total/3/0/0.png").status, 404);
  EXPECT_EQ(live->signed_in("auditor").get(base + "gep_total/3/0/0.png").status, 200);
  EXPECT_EQ(live->signed_in("enterprise").get(base + "gep_total/3/0/0.png").status, 403);
  // The tile cache is not listed among the outputs.
  const auto listed = officer.get("/api/v1/eco/runs/" + id + "/files").json();
  ASSERT_FALSE(listed["items"].empty());
  for (auto& f : listed["items"]) EXPECT_EQ(f["path"].get<std::string>().rfind(".tiles", 0), std::string::npos);
}

TEST(EcoUploadLimit, FromEnvironmentValue) {
  EXPECT_EQ(eco::upload_limit_from_env(nullptr), std::size_t(512) << 20);
  EXPECT_EQ(eco::upload_limit_from_env(""), std::size_t(512) << 20);
  EXPECT_EQ(eco::upload_limit_from_env("2048"), std::size_t(2048) << 20);
  EXPECT_THROW(eco::upload_limit_from_env("0"), std::invalid_argument);
  EXPECT_THROW(eco::upload_limit_from_env("1e9"), std::invalid_argument);
  EXPECT_THROW(eco::upload_limit_from_env("-5"), std::invalid_argument);
}

}  // namespace
