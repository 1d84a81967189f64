// Web-map tiles on tiny generated GeoTIFFs: real pixel colours and transparency of the decoded
// PNGs, zoom-out, summed layers, a warp from UTM, bad tile addresses and built overviews.
#include "eco/tiles.hpp"

#include <gdal.h>
#include <cpl_vsi.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "eco/testing/fixtures.hpp"

using namespace riverlink;
namespace fs = std::filesystem;
namespace fx = riverlink::eco::testing;
namespace tiles = riverlink::eco::tiles;

namespace {

struct Rgba {
  int r, g, b, a;
  bool operator==(const Rgba& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
};
std::ostream& operator<<(std::ostream& os, const Rgba& c) { return os << "(" << c.r << "," << c.g << "," << c.b << "," << c.a << ")"; }

// A decoded 256 x 256 RGBA PNG.
struct Image {
  std::vector<std::uint8_t> px[4];
  Rgba at(int row, int col) const {
    std::size_t i = std::size_t(row) * 256 + std::size_t(col);
    return {px[0][i], px[1][i], px[2][i], px[3][i]};
  }
  int opaque() const {
    int n = 0;
    for (auto a : px[3]) n += a == 255;
    return n;
  }
};

Image decode(const std::string& png) {
  static int k = 0;
  std::string name = "/vsimem/tiles_test_" + std::to_string(++k) + ".png";
  VSILFILE* f = VSIFileFromMemBuffer(name.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(png.data())), png.size(), FALSE);
  VSIFCloseL(f);
  GDALDatasetH ds = GDALOpen(name.c_str(), GA_ReadOnly);
  Image img;
  EXPECT_NE(ds, nullptr);
  if (!ds) return img;
  EXPECT_EQ(GDALGetRasterXSize(ds), 256);
  EXPECT_EQ(GDALGetRasterYSize(ds), 256);
  EXPECT_EQ(GDALGetRasterCount(ds), 4);
  for (int c = 0; c < 4; ++c) {
    img.px[c].resize(256 * 256);
    EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(ds, c + 1), GF_Read, 0, 0, 256, 256, img.px[c].data(), 256, 256, GDT_Byte, 0, 0), CE_None);
  }
  GDALClose(ds);
  VSIUnlink(name.c_str());
  return img;
}

Rgba ramp_at(double t) {
  auto c = tiles::ramp(t);
  return {c[0], c[1], c[2], 255};
}

struct Tiles : ::testing::Test {
  std::string dir = fx::temp_dir("tiles");
  // A tile near Suqian at zoom 8 and a raster exactly on its 256 x 256 pixels (EPSG:3857):
  // columns 0..127 hold 10, 128..255 hold 30, rows 0..31 nodata, and rows 200..255 x columns
  // 0..63 hold 20.
  tiles::TileKey key{8, 212, 102};
  std::string raster;
  void SetUp() override {
    GDALAllRegister();
    auto b = tiles::bounds_3857(key);
    eco::raster::Grid g;
    g.cols = 256;
    g.rows = 256;
    g.gt = {b[0], (b[2] - b[0]) / 256, 0, b[3], 0, -(b[3] - b[1]) / 256};
    g.wkt = fx::wkt_of_epsg(3857);
    std::vector<float> v(256 * 256);
    for (int r = 0; r < 256; ++r)
      for (int c = 0; c < 256; ++c) {
        float x = c < 128 ? 10.f : 30.f;
        if (r >= 200 && c < 64) x = 20.f;
        if (r < 32) x = -9999.f;
        v[std::size_t(r) * 256 + std::size_t(c)] = x;
      }
    raster = dir + "/value.tif";
    fx::write(raster, g, eco::raster::PixelType::float32, -9999, v);
  }
  void TearDown() override { fs::remove_all(dir); }
};

}  // namespace

TEST_F(Tiles, RampMatchesTheQuickLookStops) {
  EXPECT_EQ(ramp_at(0), (Rgba{255, 255, 204, 255}));
  EXPECT_EQ(ramp_at(0.5), (Rgba{120, 198, 121, 255}));
  EXPECT_EQ(ramp_at(1), (Rgba{0, 104, 55, 255}));
  EXPECT_EQ(ramp_at(-3), ramp_at(0));
  EXPECT_EQ(ramp_at(7), ramp_at(1));
  EXPECT_EQ(ramp_at(0.125), (Rgba{225, 243, 179, 255}));  // halfway between the first two stops
}

TEST_F(Tiles, TileOnTheRasterGridHasItsColoursAndTransparentNodata) {
  auto t = tiles::render({.rasters = {raster}, .min = 10, .max = 30}, key);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(t->empty);
  ASSERT_EQ(t->png.substr(1, 3), "PNG");
  Image img = decode(t->png);
  EXPECT_EQ(img.at(100, 10), ramp_at(0));     // 10: the legend's minimum
  EXPECT_EQ(img.at(100, 200), ramp_at(1));    // 30: its maximum
  EXPECT_EQ(img.at(230, 30), ramp_at(0.5));   // 20: halfway
  EXPECT_EQ(img.at(10, 10).a, 0);             // nodata
  EXPECT_EQ(img.at(31, 255).a, 0);
  EXPECT_EQ(img.at(32, 255), ramp_at(1));
  EXPECT_EQ(img.opaque(), 256 * 224);
}

TEST_F(Tiles, ZoomedOutTheRasterFillsOneQuadrantAndFarTilesAreEmpty) {
  tiles::TileKey parent{7, key.x / 2, key.y / 2};  // key is the parent's top-left child (even x and y)
  auto t = tiles::render({.rasters = {raster}, .min = 10, .max = 30}, parent);
  ASSERT_TRUE(t.ok()) << t.error().message;
  Image img = decode(t->png);
  EXPECT_EQ(img.at(60, 10), ramp_at(0));
  EXPECT_EQ(img.at(60, 100), ramp_at(1));
  EXPECT_EQ(img.at(60, 200).a, 0);   // east of the raster
  EXPECT_EQ(img.at(200, 60).a, 0);   // south of it
  EXPECT_EQ(img.at(5, 60).a, 0);     // its nodata rows
  EXPECT_NEAR(img.opaque(), 128 * 112, 256);
  auto far = tiles::render({.rasters = {raster}, .min = 10, .max = 30}, {8, key.x + 5, key.y});
  ASSERT_TRUE(far.ok());
  EXPECT_TRUE(far->empty);
  EXPECT_EQ(far->png, tiles::transparent_png());
  EXPECT_EQ(decode(far->png).opaque(), 0);
}

TEST_F(Tiles, SummedLayersColourTheSum) {
  auto t = tiles::render({.rasters = {raster, raster}, .min = 20, .max = 60}, key);
  ASSERT_TRUE(t.ok());
  Image img = decode(t->png);
  EXPECT_EQ(img.at(100, 10), ramp_at(0));   // 10 + 10
  EXPECT_EQ(img.at(100, 200), ramp_at(1));  // 30 + 30
  EXPECT_EQ(img.at(230, 30), ramp_at(0.5)); // 20 + 20
  EXPECT_EQ(img.at(10, 10).a, 0);
}

TEST_F(Tiles, UtmRasterIsWarpedIntoWebMercator) {
  // 64 x 64 px of 30 m in UTM 50N near Suqian, all 5 (the middle of a 0..10 legend).
  auto g = fx::grid(64, 64);
  auto utm = dir + "/utm.tif";
  fx::write(utm, g, eco::raster::PixelType::float32, -1, std::vector<float>(64 * 64, 5.f));
  // The tile at zoom 12 holding the raster's centre.
  OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr), d = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(s, 32650);
  OSRImportFromEPSG(d, 3857);
  OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(d, OAMS_TRADITIONAL_GIS_ORDER);
  auto ct = OCTNewCoordinateTransformation(s, d);
  double X = g.gt[0] + 32 * 30, Y = g.gt[3] - 32 * 30;
  ASSERT_TRUE(OCTTransform(ct, 1, &X, &Y, nullptr));
  OCTDestroyCoordinateTransformation(ct);
  OSRDestroySpatialReference(s);
  OSRDestroySpatialReference(d);
  const double size = 2 * 20037508.342789244 / 4096;
  tiles::TileKey k{12, int((X + 20037508.342789244) / size), int((20037508.342789244 - Y) / size)};
  auto t = tiles::render({.rasters = {utm}, .min = 0, .max = 10}, k);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(t->empty);
  Image img = decode(t->png);
  int col = int((X - tiles::bounds_3857(k)[0]) / size * 256), row = int((tiles::bounds_3857(k)[3] - Y) / size * 256);
  EXPECT_EQ(img.at(row, col), ramp_at(0.5));
  // 1.92 km of a 9.8 km tile: about 50 x 50 tile pixels (Web Mercator scale ~1.2 at 34 N).
  EXPECT_GT(img.opaque(), 40 * 40);
  EXPECT_LT(img.opaque(), 70 * 70);
  for (int i = 0; i < 256 * 256; ++i) {
    if (img.px[3][std::size_t(i)] == 255) {
      ASSERT_EQ(img.at(i / 256, i % 256), ramp_at(0.5)) << "pixel " << i;
    }
  }
}

TEST(TileAddress, BadCoordinatesNameTheField) {
  auto field = [](const Status& s) { return s.ok() || s.error().fields.empty() ? std::string() : s.error().fields[0].field; };
  EXPECT_TRUE(tiles::check({0, 0, 0}).ok());
  EXPECT_TRUE(tiles::check({22, (1 << 22) - 1, 5}).ok());
  EXPECT_EQ(field(tiles::check({23, 0, 0})), "z");
  EXPECT_EQ(field(tiles::check({-1, 0, 0})), "z");
  EXPECT_EQ(field(tiles::check({8, 256, 0})), "x");
  EXPECT_EQ(field(tiles::check({8, 0, -1})), "y");
  EXPECT_EQ(tiles::check({8, 0, 256}).error().kind, ErrorKind::invalid);
  EXPECT_EQ(*tiles::parse_coordinate("12", "z"), 12);
  EXPECT_EQ(*tiles::parse_coordinate("345.png", "y"), 345);
  EXPECT_FALSE(tiles::parse_coordinate("345.png", "x").ok());
  EXPECT_FALSE(tiles::parse_coordinate("-3", "x").ok());
  EXPECT_FALSE(tiles::parse_coordinate("", "z").ok());
  EXPECT_FALSE(tiles::parse_coordinate("999999999", "x").ok());
  EXPECT_EQ(tiles::parse_coordinate("1e3", "x").error().fields[0].field, "x");
  EXPECT_FALSE(tiles::render({}, {30, 0, 0}).ok());
  auto b = tiles::bounds_3857({0, 0, 0});
  EXPECT_NEAR(b[0], -20037508.34, 0.01);
  EXPECT_NEAR(b[3], 20037508.34, 0.01);
}

TEST(TileOverviews, LargeRastersWithoutOverviewsGetACopyWithThemOnce) {
  GDALAllRegister();
  auto dir = fx::temp_dir("tiles_ovr");
  auto big = dir + "/wide.tif";
  fx::write(big, fx::grid(1500, 8), eco::raster::PixelType::float32, -1, std::vector<float>(1500 * 8, 1.f));
  auto small = dir + "/small.tif";
  fx::write(small, fx::grid(100, 8), eco::raster::PixelType::float32, -1, std::vector<float>(100 * 8, 1.f));
  auto s = tiles::with_overviews(small, dir + "/.tiles");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, small);
  auto b = tiles::with_overviews(big, dir + "/.tiles");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*b, dir + "/.tiles/wide.tif");
  GDALDatasetH ds = GDALOpen(b->c_str(), GA_ReadOnly);
  ASSERT_NE(ds, nullptr);
  EXPECT_GT(GDALGetOverviewCount(GDALGetRasterBand(ds, 1)), 0);
  GDALClose(ds);
  auto again = tiles::with_overviews(big, dir + "/.tiles");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *b);
  EXPECT_FALSE(fs::exists(*b + ".part"));
  fs::remove_all(dir);
}

TEST_F(Tiles, SummedRasterWrittenOnceRendersLikeTheSumOnTheFly) {
  // A second raster: 5 everywhere but nodata in columns 0..63 (where the first has data).
  auto b = tiles::bounds_3857(key);
  eco::raster::Grid g;
  g.cols = 256;
  g.rows = 256;
  g.gt = {b[0], (b[2] - b[0]) / 256, 0, b[3], 0, -(b[3] - b[1]) / 256};
  g.wkt = fx::wkt_of_epsg(3857);
  std::vector<float> v(256 * 256, 5.f);
  for (int r = 0; r < 256; ++r)
    for (int c = 0; c < 64; ++c) v[std::size_t(r) * 256 + std::size_t(c)] = -1.f;
  auto second = dir + "/second.tif";
  fx::write(second, g, eco::raster::PixelType::float32, -1, v);
  auto sum = dir + "/.tiles/sum.tif";
  auto st = tiles::write_sum({raster, second}, sum);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(fs::exists(sum + ".part"));
  EXPECT_FALSE(fs::exists(sum + ".sum.tif"));
  GDALDatasetH ds = GDALOpen(sum.c_str(), GA_ReadOnly);
  ASSERT_NE(ds, nullptr);
  float px[4];
  // (row 100, col 10): 10 + nodata = 10; (100, 200): 30 + 5; (10, 10): nodata + nodata; (10, 200): nodata + 5.
  const int at[4][2] = {{100, 10}, {100, 200}, {10, 10}, {10, 200}};
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, at[i][1], at[i][0], 1, 1, &px[i], 1, 1, GDT_Float32, 0, 0), CE_None);
  GDALClose(ds);
  EXPECT_EQ(px[0], 10.f);
  EXPECT_EQ(px[1], 35.f);
  EXPECT_TRUE(std::isnan(px[2]));
  EXPECT_EQ(px[3], 5.f);
  auto once = tiles::render({.rasters = {sum}, .min = 5, .max = 35}, key);
  auto fly = tiles::render({.rasters = {raster, second}, .min = 5, .max = 35}, key);
  ASSERT_TRUE(once.ok() && fly.ok());
  Image a = decode(once->png), c = decode(fly->png);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(a.px[k], c.px[k]) << "band " << k;
  EXPECT_FALSE(tiles::write_sum({raster, dir + "/missing.tif"}, dir + "/x.tif").ok());
  auto other = dir + "/other.tif";
  fx::write(other, fx::grid(10, 10), eco::raster::PixelType::float32, -1, std::vector<float>(100, 1.f));
  EXPECT_FALSE(tiles::write_sum({raster, other}, dir + "/x.tif").ok());
}
