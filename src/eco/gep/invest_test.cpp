#include "eco/gep/invest.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "eco/gep/table.hpp"
#include "eco/testing/fixtures.hpp"

namespace riverlink::eco::gep {
namespace {
namespace fx = riverlink::eco::testing;
namespace fs = std::filesystem;
using raster::PixelType;

raster::EngineOptions opts(int threads = 2, int tile = 256) {
  return {.threads = threads, .memory_budget = 256ll << 20, .tile = tile};
}

TEST(Formulas, CarbonValuationConstantMatchesInvestTests) {
  EXPECT_NEAR(carbon_valuation_constant(2010, 2012, 50, 5, 50), 40.87302, 5e-6);
  EXPECT_NEAR(carbon_valuation_constant(2016, 2030, 43, -7.1, 2.8), 59.00136, 5e-6);
  EXPECT_NEAR(carbon_valuation_constant(2020, 2030, 80, 3, 1.5), 66.032628934538, 1e-9);
  // ratio 1: K = price.
  EXPECT_DOUBLE_EQ(carbon_valuation_constant(2000, 2005, 10, 0, 0), 10);
}

TEST(Formulas, AwyFractpBudyko) {
  // Vegetated: w = 5 * min(500, 1000) * 0.2 / 1000 + 1.25 = 1.75.
  double ratio = 0.8, w = 1.75;
  double want = std::min(ratio, 1 + ratio - std::pow(1 + std::pow(ratio, w), 1 / w));
  EXPECT_NEAR(awy_fractp(1.0f, 500, true, 1000, 800, 1000, 0.2f, 5), want, 1e-6);
  // w is capped at 5: a deep soil with little rain.
  double w5 = 5, r2 = 2.0;
  double want5 = std::min(r2, 1 + r2 - std::pow(1 + std::pow(r2, w5), 1 / w5));
  EXPECT_NEAR(awy_fractp(1.0f, 5000, true, 400, 800, 5000, 0.3f, 5), want5, 1e-6);
  // Not vegetated: min(PET, P) / P.
  EXPECT_FLOAT_EQ(awy_fractp(0.5f, 1, false, 1000, 800, 1000, 0.2f, 5), 0.4f);
  EXPECT_FLOAT_EQ(awy_fractp(1.5f, 1, false, 1000, 800, 1000, 0.2f, 5), 1.0f);
}

TEST(Formulas, LsFactor313) {
  // slope 5 % -> m = 0.4, S = 10.8 sin(atan .05) + .03; FA = 11 -> A = 10 cells.
  double th = std::atan(0.05), m = 0.4, cell = 30, ca = 900, A = 10 * ca;
  double S = 10.8 * std::sin(th) + 0.03;
  double L = (std::pow(A + ca, m + 1) - std::pow(A, m + 1)) / (std::pow(cell, m + 2) * std::pow(1.0, m) * std::pow(22.13, m));
  EXPECT_NEAR(ls_factor_313(5, 11, 1.0, 30, 122), L * S, 1e-12);
  // Steep: beta form of m and the 16.8 S branch; L capped.
  double ls = ls_factor_313(40, 1e9, std::sqrt(2.0), 30, 122);
  double th2 = std::atan(0.4);
  EXPECT_NEAR(ls, 122 * (16.8 * std::sin(th2) - 0.5), 1e-9);
}

TEST(Formulas, LsChinaAndDesmetGovers) {
  // 3 % slope (m = 0.3), lambda = 10 x 30 = 300 m (under the 1000 m cap): S = 10.8 sin + 0.03.
  double th = std::atan(0.03);
  EXPECT_NEAR(ls_factor_china(3, 10, 30, 1000), std::pow(300 / 22.13, 0.3) * (10.8 * std::sin(th) + 0.03), 1e-12);
  // Steep (> 10 degrees): Liu's S = 21.91 sin - 0.96; lambda capped.
  double th2 = std::atan(0.4);
  EXPECT_NEAR(ls_factor_china(40, 1e6, 30, 100), std::pow(100 / 22.13, 0.5) * (21.91 * std::sin(th2) - 0.96), 1e-12);
  // 9 % <= slope, < 10 degrees: 16.8 sin - 0.5.
  double th3 = std::atan(0.12);
  EXPECT_NEAR(ls_factor_china(12, 1, 30, 100), std::pow(30 / 22.13, 0.5) * (16.8 * std::sin(th3) - 0.5), 1e-12);
  // Desmet-Govers (InVEST >= 3.14): A = sqrt((FA - 1) cell area), x = |sin| + |cos| of the slope angle.
  double a = std::sqrt(10 * 900.0), x = std::abs(std::sin(std::atan(0.05))) + std::abs(std::cos(std::atan(0.05)));
  double L = (std::pow(a + 900, 1.4) - std::pow(a, 1.4)) / (std::pow(30, 2.4) * std::pow(x, 0.4) * std::pow(22.13, 0.4));
  EXPECT_NEAR(ls_factor_desmet_govers(5, 11, 30, 122), L * (10.8 * std::sin(std::atan(0.05)) + 0.03), 1e-12);
}

TEST(Table, CaseInsensitiveColumnsAndErrors) {
  auto t = parse_table("lucode,Kc,LULC_veg\n1,0.5,1\n2,1.0,0\n", "t.csv", "lucode");
  ASSERT_TRUE(t.ok());
  EXPECT_DOUBLE_EQ(*t->num(1, "kc"), 0.5);
  EXPECT_DOUBLE_EQ(*t->num(2, "lulc_veg"), 0);
  auto miss = t->num(3, "kc");
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().code, "eco.class_missing");
  auto bad = parse_table("lucode,kc\n1,abc\n", "b.csv", "lucode");
  ASSERT_TRUE(bad.ok());
  auto v = bad->num(1, "kc");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("b.csv:2"), std::string::npos);
  auto dup = parse_table("lucode,kc\n1,1\n1,2\n", "d.csv", "lucode");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("d.csv:3"), std::string::npos);
}

struct Site {
  std::string dir;
  raster::Grid g = fx::grid(8, 6);
  AwyArgs awy;
  CarbonArgs carbon;
};

Site make_site(const std::string& name) {
  Site s;
  s.dir = fx::temp_dir(name);
  auto& g = s.g;
  std::size_t n = std::size_t(g.pixels());
  std::vector<std::uint8_t> lulc(n), fut(n);
  for (std::size_t i = 0; i < n; ++i) {
    lulc[i] = (i % 8) < 4 ? 1 : 2;  // west half vegetated, east half built-up
    fut[i] = 1;
  }
  lulc[0] = 255;  // one nodata pixel
  fut[0] = 255;
  fx::write(s.dir + "/lulc.tif", g, PixelType::byte, 255, lulc);
  fx::write(s.dir + "/fut.tif", g, PixelType::byte, 255, fut);
  fx::write(s.dir + "/p.tif", g, PixelType::float32, -9999, std::vector<float>(n, 1000));
  fx::write(s.dir + "/eto.tif", g, PixelType::float32, -9999, std::vector<float>(n, 800));
  fx::write(s.dir + "/depth.tif", g, PixelType::float32, -9999, std::vector<float>(n, 1000));
  fx::write(s.dir + "/pawc.tif", g, PixelType::float32, -9999, std::vector<float>(n, 0.2f));
  fx::write_text(s.dir + "/bio.csv", "lucode,LULC_veg,root_depth,Kc,usle_c,usle_p\n1,1,500,1,0.1,1\n2,0,1,0.5,0,1\n");
  fx::write_text(s.dir + "/pools.csv", "lucode,C_above,C_below,C_soil,C_dead\n1,10,0,0,0\n2,20,5,0,0\n");
  // Watershed 1 = west half, watershed 2 = east half.
  fx::write_rects(s.dir + "/ws.geojson", {{1, 630000, 3759840, 630120, 3760020}, {2, 630120, 3759840, 630240, 3760020}});
  s.awy = {.lulc = s.dir + "/lulc.tif", .precipitation = s.dir + "/p.tif", .eto = s.dir + "/eto.tif",
           .depth = s.dir + "/depth.tif", .pawc = s.dir + "/pawc.tif", .watersheds = s.dir + "/ws.geojson",
           .biophysical_table = s.dir + "/bio.csv", .seasonality = 5};
  s.carbon = {.lulc_cur = s.dir + "/lulc.tif", .lulc_fut = s.dir + "/fut.tif", .carbon_pools = s.dir + "/pools.csv",
              .sequestration = true, .valuation = true, .cur_year = 2020, .fut_year = 2030, .price = 80,
              .discount_rate = 3, .rate_change = 1.5, .watersheds = s.dir + "/ws.geojson"};
  return s;
}

TEST(Awy, HandComputedTotals) {
  auto s = make_site("awy");
  auto r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  double ratio = 0.8, w = 1.75;
  double f_veg = std::min(ratio, 1 + ratio - std::pow(1 + std::pow(ratio, w), 1 / w));
  double wy_veg = (1 - f_veg) * 1000, wy_bare = 600;
  // Watershed 1: 23 vegetated pixels (one nodata); watershed 2: 24 built-up.
  const auto& w1 = r->watersheds[0].values;
  const auto& w2 = r->watersheds[1].values;
  EXPECT_NEAR(w1.at("wyield_mn"), wy_veg, 1e-3);
  // Volume uses the polygon area (InVEST): the nodata pixel counts at the mean.
  EXPECT_NEAR(w1.at("wyield_vol"), wy_veg * 120 * 180 / 1000, 1e-2);
  EXPECT_NEAR(w1.at("precip_mn"), 1000, 1e-9);
  EXPECT_NEAR(w1.at("PET_mn"), 800, 1e-3);
  EXPECT_NEAR(w2.at("wyield_mn"), wy_bare, 1e-3);
  EXPECT_NEAR(w2.at("PET_mn"), 400, 1e-3);
  EXPECT_NEAR(w2.at("wyield_vol"), 600.0 * 120 * 180 / 1000, 1e-2);
  EXPECT_TRUE(fs::exists(s.dir + "/ws/output/per_pixel/wyield.tif"));
  EXPECT_TRUE(fs::exists(s.dir + "/ws/output/watershed_results_wyield.csv"));
}

TEST(Carbon, HandComputedTotalsAndTileAdditivity) {
  auto s = make_site("carbon");
  auto r = run_carbon(s.carbon, s.dir + "/ws", opts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  // 0.09 ha pixels: class 1 = 0.9 Mg, class 2 = 2.25 Mg per pixel. cur: 23 x 0.9 + 24 x 2.25; fut 47 x 0.9.
  EXPECT_NEAR(r->totals.at("tot_c_cur"), 23 * 0.9 + 24 * 2.25, 1e-4);
  EXPECT_NEAR(r->totals.at("tot_c_fut"), 47 * 0.9, 1e-4);
  double K = carbon_valuation_constant(2020, 2030, 80, 3, 1.5);
  EXPECT_NEAR(r->totals.at("npv_fut"), (47 * 0.9 - (23 * 0.9 + 24 * 2.25)) * K, 1e-2);
  EXPECT_NEAR(r->watersheds[0].values.at("tot_c_cur"), 23 * 0.9, 1e-4);
  EXPECT_NEAR(r->watersheds[1].values.at("tot_c_cur"), 24 * 2.25, 1e-4);
  // Property: totals do not depend on tiling or threads.
  auto r2 = run_carbon(s.carbon, s.dir + "/ws2", opts(1, 16));
  ASSERT_TRUE(r2.ok());
  for (auto& [k, v] : r->totals) EXPECT_NEAR(r2->totals.at(k), v, 1e-9 * std::max(1.0, std::abs(v))) << k;
}

TEST(Carbon, RandomLandscapeAdditiveOverTiles) {
  auto dir = fx::temp_dir("carbon_rand");
  auto g = fx::grid(300, 170);
  std::mt19937 rng(42);
  std::vector<std::uint8_t> cur(std::size_t(g.pixels())), fut(cur.size());
  double want = 0;
  const double per[4] = {0, 0.9, 2.25, 0.18};
  for (std::size_t i = 0; i < cur.size(); ++i) {
    cur[i] = std::uint8_t(1 + rng() % 3);
    fut[i] = std::uint8_t(1 + rng() % 3);
    want += per[cur[i]];
  }
  fx::write(dir + "/cur.tif", g, PixelType::byte, 255, cur);
  fx::write(dir + "/fut.tif", g, PixelType::byte, 255, fut);
  fx::write_text(dir + "/pools.csv", "lucode,c_above,c_below,c_soil,c_dead\n1,10,0,0,0\n2,20,5,0,0\n3,1,1,0,0\n");
  CarbonArgs a{.lulc_cur = dir + "/cur.tif", .lulc_fut = dir + "/fut.tif", .carbon_pools = dir + "/pools.csv",
               .sequestration = true, .cur_year = 2020, .fut_year = 2030};
  std::map<std::string, double> first;
  for (auto [threads, tile] : std::vector<std::pair<int, int>>{{1, 256}, {2, 64}, {3, 16}}) {
    auto r = run_carbon(a, dir + "/ws" + std::to_string(tile), opts(threads, tile));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NEAR(r->totals.at("tot_c_cur"), want, 1e-6 * want);
    if (first.empty()) first = r->totals;
    for (auto& [k, v] : first) EXPECT_NEAR(r->totals.at(k), v, 1e-9 * std::max(1.0, std::abs(v))) << k << " tile " << tile;
  }
}

// Property: cutting a landscape into pieces (a 3 x 2 partition whose seams cut GeoTIFF tiles and
// watersheds) and running each piece alone gives totals that add up to the whole run's, for
// Carbon totals and for AWY's per-pixel water yield.
TEST(Property, TotalsAddUpOverSplitLandscape) {
  auto dir = fx::temp_dir("split");
  const int W = 300, H = 170;
  auto g = fx::grid(W, H);
  std::mt19937 rng(7);
  std::size_t n = std::size_t(g.pixels());
  std::vector<std::uint8_t> cur(n), fut(n);
  std::vector<float> p(n), eto(n), depth(n), pawc(n);
  for (std::size_t i = 0; i < n; ++i) {
    cur[i] = rng() % 17 == 0 ? 255 : std::uint8_t(1 + rng() % 3);
    fut[i] = std::uint8_t(1 + rng() % 3);
    p[i] = float(700 + rng() % 500);
    eto[i] = float(800 + rng() % 300);
    depth[i] = float(200 + rng() % 2000);
    pawc[i] = float(rng() % 100) / 400.0f;
  }
  fx::write_text(dir + "/pools.csv", "lucode,c_above,c_below,c_soil,c_dead\n1,10,0,3,0\n2,20,5,0,1\n3,1,1,0,0\n");
  fx::write_text(dir + "/bio.csv", "lucode,LULC_veg,root_depth,Kc\n1,1,800,0.9\n2,1,3000,1.1\n3,0,1,0.4\n");
  // Two watersheds over the whole extent (west / east of x = 130 px).
  double x0 = g.gt[0], y1 = g.gt[3], xm = x0 + 130 * 30, x1 = x0 + W * 30, y0 = y1 - H * 30;
  fx::write_rects(dir + "/ws.geojson", {{1, x0, y0, xm, y1}, {2, xm, y0, x1, y1}});
  auto write_piece = [&](const std::string& sub, int px0, int py0, int pw, int ph) {
    fs::create_directories(dir + "/" + sub);
    raster::Grid pg = g;
    pg.cols = pw;
    pg.rows = ph;
    pg.gt[0] += px0 * 30.0;
    pg.gt[3] -= py0 * 30.0;
    auto cut = [&](const auto& v) {
      std::vector<typename std::decay_t<decltype(v)>::value_type> out;
      for (int y = py0; y < py0 + ph; ++y)
        for (int x = px0; x < px0 + pw; ++x) out.push_back(v[std::size_t(y) * W + std::size_t(x)]);
      return out;
    };
    fx::write(dir + "/" + sub + "/cur.tif", pg, PixelType::byte, 255, cut(cur));
    fx::write(dir + "/" + sub + "/fut.tif", pg, PixelType::byte, 255, cut(fut));
    fx::write(dir + "/" + sub + "/p.tif", pg, PixelType::float32, -9999, cut(p));
    fx::write(dir + "/" + sub + "/eto.tif", pg, PixelType::float32, -9999, cut(eto));
    fx::write(dir + "/" + sub + "/depth.tif", pg, PixelType::float32, -9999, cut(depth));
    fx::write(dir + "/" + sub + "/pawc.tif", pg, PixelType::float32, -9999, cut(pawc));
    return pg;
  };
  struct Totals {
    std::map<std::string, double> carbon;
    double wyield = 0;
  };
  auto run = [&](const std::string& sub, const raster::Grid& pg) {
    std::string d = dir + "/" + sub;
    CarbonArgs c{.lulc_cur = d + "/cur.tif", .lulc_fut = d + "/fut.tif", .carbon_pools = dir + "/pools.csv",
                 .sequestration = true, .cur_year = 2020, .fut_year = 2030};
    AwyArgs a{.lulc = d + "/cur.tif", .precipitation = d + "/p.tif", .eto = d + "/eto.tif", .depth = d + "/depth.tif",
              .pawc = d + "/pawc.tif", .watersheds = dir + "/ws.geojson", .biophysical_table = dir + "/bio.csv",
              .seasonality = 5};
    Totals t;
    auto rc = run_carbon(c, d + "/ws_c", opts(2, 64));
    EXPECT_TRUE(rc.ok()) << rc.error().message;
    if (rc.ok()) t.carbon = rc->totals;
    auto ra = run_awy(a, d + "/ws_a", opts(2, 64));
    EXPECT_TRUE(ra.ok()) << ra.error().message;
    if (ra.ok()) {
      auto wy = raster::read_all_f64({"wyield", d + "/ws_a/output/per_pixel/wyield.tif"}, pg);
      EXPECT_TRUE(wy.ok());
      for (double v : *wy)
        if (v != -1) t.wyield += v;
    }
    return t;
  };
  auto whole = run("whole", write_piece("whole", 0, 0, W, H));
  ASSERT_FALSE(whole.carbon.empty());
  Totals sum;
  const int xs[4] = {0, 100, 257, W}, ys[3] = {0, 91, H};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      std::string sub = "piece" + std::to_string(i) + std::to_string(j);
      auto t = run(sub, write_piece(sub, xs[i], ys[j], xs[i + 1] - xs[i], ys[j + 1] - ys[j]));
      for (auto& [k, v] : t.carbon) sum.carbon[k] += v;
      sum.wyield += t.wyield;
    }
  for (auto& [k, v] : whole.carbon) EXPECT_NEAR(sum.carbon[k], v, 1e-9 * std::max(1.0, std::abs(v))) << k;
  EXPECT_GT(whole.wyield, 0);
  EXPECT_NEAR(sum.wyield, whole.wyield, 1e-9 * whole.wyield);
}

TEST(BadInput, ClassMissingNamesClassAndFiles) {
  auto s = make_site("bad_class");
  fx::write_text(s.dir + "/bio.csv", "lucode,LULC_veg,root_depth,Kc\n1,1,500,1\n");
  auto r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.class_missing");
  EXPECT_NE(r.error().message.find("class 2"), std::string::npos);
  EXPECT_NE(r.error().message.find("lulc.tif"), std::string::npos);
  EXPECT_NE(r.error().message.find("bio.csv"), std::string::npos);
  EXPECT_FALSE(fs::exists(s.dir + "/ws/output/per_pixel/wyield.tif"));  // no valid-looking output
}

TEST(BadInput, NegativePrecipitation) {
  auto s = make_site("bad_p");
  std::vector<float> p(std::size_t(s.g.pixels()), 1000);
  p[9] = -5;
  fx::write(s.dir + "/p.tif", s.g, PixelType::float32, -9999, p);
  auto r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.negative_precipitation");
  EXPECT_NE(r.error().message.find("p.tif"), std::string::npos);
  EXPECT_FALSE(fs::exists(s.dir + "/ws/output/per_pixel/wyield.tif"));
}

TEST(BadInput, AllNodataAndNonOverlappingAndCorrupt) {
  auto s = make_site("bad_misc");
  fx::write(s.dir + "/p.tif", s.g, PixelType::float32, -9999, std::vector<float>(std::size_t(s.g.pixels()), -9999));
  auto r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.all_nodata");
  EXPECT_NE(r.error().message.find("precipitation_path"), std::string::npos);

  auto far = fx::grid(8, 6, 30, 900000, 3000000);
  fx::write(s.dir + "/p.tif", far, PixelType::float32, -9999, std::vector<float>(48, 1000));
  r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.no_overlap");

  fx::write_text(s.dir + "/p.tif", "II*\0garbage");
  r = run_awy(s.awy, s.dir + "/ws", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("p.tif"), std::string::npos);
}

TEST(Args, RelativePathsAndMissingKeys) {
  auto s = make_site("args");
  fx::write_text(s.dir + "/args.json", R"({"workspace_dir":"w","lulc_path":"lulc.tif","precipitation_path":"p.tif",
    "eto_path":"eto.tif","depth_to_root_rest_layer_path":"depth.tif","pawc_path":"pawc.tif",
    "watersheds_path":"ws.geojson","biophysical_table_path":"bio.csv","seasonality_constant":"5"})");
  auto a = parse_awy_args(s.dir + "/args.json");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(fs::path(a->lulc), fs::path(s.dir) / "lulc.tif");
  EXPECT_DOUBLE_EQ(a->seasonality, 5);
  fx::write_text(s.dir + "/args2.json", R"({"lulc_path":"lulc.tif"})");
  auto b = parse_awy_args(s.dir + "/args2.json");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("precipitation_path"), std::string::npos);
}

TEST(Sdr, SmallHillConservesTotals) {
  auto dir = fx::temp_dir("sdr_small");
  auto g = fx::grid(40, 30);
  std::size_t n = std::size_t(g.pixels());
  std::vector<float> dem(n), R(n, 4000), K(n, 0.03f);
  std::vector<std::uint8_t> lulc(n, 1);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) {
      double d = std::hypot(x - 10.0, y - 15.0);
      dem[std::size_t(y * 40 + x)] = float(50 - d * 1.2 + 0.3 * std::sin(x * 1.7 + y * 0.9));
      if (x > 30) lulc[std::size_t(y * 40 + x)] = 2;
    }
  fx::write(dir + "/dem.tif", g, PixelType::float32, -9999, dem);
  fx::write(dir + "/r.tif", g, PixelType::float32, -9999, R);
  fx::write(dir + "/k.tif", g, PixelType::float32, -9999, K);
  fx::write(dir + "/lulc.tif", g, PixelType::byte, 255, lulc);
  fx::write_text(dir + "/bio.csv", "lucode,usle_c,usle_p\n1,0.2,0.5\n2,0.01,1\n");
  fx::write_rects(dir + "/ws.geojson", {{1, 630000, 3759120, 631200, 3760020}});
  SdrArgs a{.dem = dir + "/dem.tif", .erosivity = dir + "/r.tif", .erodibility = dir + "/k.tif", .lulc = dir + "/lulc.tif",
            .watersheds = dir + "/ws.geojson", .biophysical_table = dir + "/bio.csv", .tfa = 30};
  auto r = run_sdr(a, dir + "/ws", opts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto read = [&](const std::string& f) { return *raster::read_all_f64({f, dir + "/ws/" + f}, g); };
  auto rkls = read("rkls.tif"), usle = read("usle.tif"), ae = read("avoided_erosion.tif"), st = read("stream.tif");
  double s_usle = 0, s_ae = 0;
  int streams = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (usle[i] >= 0) {
      s_usle += usle[i];
      EXPECT_NEAR(ae[i], rkls[i] - usle[i], 1e-3 * std::max(1.0, rkls[i]));
      if (st[i] == 1) { EXPECT_EQ(usle[i], 0); EXPECT_EQ(rkls[i], 1); }
    }
    if (ae[i] >= 0) s_ae += ae[i];
    streams += st[i] == 1;
  }
  EXPECT_GT(streams, 0);
  EXPECT_NEAR(r->watersheds[0].values.at("usle_tot"), s_usle, 1e-6 * s_usle);
  EXPECT_NEAR(r->watersheds[0].values.at("avoid_eros"), s_ae, 1e-6 * s_ae);
  // Budget check: a tiny budget is refused with a message, nothing written.
  raster::EngineOptions tiny{.threads = 1, .memory_budget = 1000};
  auto r2 = run_sdr(a, dir + "/ws_tiny", tiny);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, "eco.memory_budget");
}

}  // namespace
}  // namespace riverlink::eco::gep
