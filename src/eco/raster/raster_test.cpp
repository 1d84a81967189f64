#include "eco/raster/raster.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "eco/testing/fixtures.hpp"

#include <cpl_string.h>
#include <gdal.h>

namespace riverlink::eco::raster {
namespace {
namespace fx = riverlink::eco::testing;

TEST(Nodata, IscloseRule) {
  std::optional<double> nd = -9999.0;
  EXPECT_TRUE(is_nodata(-9999.0, nd));
  EXPECT_TRUE(is_nodata(-9999.05, nd));   // within rtol 1e-5 of 9999 (0.09999)
  EXPECT_FALSE(is_nodata(-9998.8, nd));
  EXPECT_TRUE(is_nodata(std::nan(""), nd));
  EXPECT_TRUE(is_nodata(std::nan(""), std::nullopt));
  EXPECT_FALSE(is_nodata(0.0, std::nullopt));
  std::optional<double> zero = 0.0;
  EXPECT_TRUE(is_nodata(5e-9, zero));     // atol 1e-8
  EXPECT_FALSE(is_nodata(2e-8, zero));
  std::optional<double> fmin = double(-3.4028234663852886e+38f);
  EXPECT_TRUE(is_nodata(double(-3.4028234663852886e+38f), fmin));
}

TEST(Raster, WriteReadRoundTripAndTiles) {
  auto dir = fx::temp_dir("roundtrip");
  auto g = fx::grid(300, 200);
  std::vector<float> v(std::size_t(g.pixels()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i % 977) * 0.5f;
  fx::write(dir + "/a.tif", g, PixelType::float32, -1, v);
  auto info = probe(dir + "/a.tif");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->grid.same(g));
  EXPECT_EQ(*info->nodata, -1);
  // Tile sums are additive whatever the tile size and thread count.
  double whole = 0;
  for (float x : v) whole += x;
  for (int tile : {16, 64, 256}) {
    for (int threads : {1, 2, 3}) {
      std::vector<Reader> rs;
      for (int t = 0; t < threads; ++t) rs.push_back(std::move(*Reader::open({"a", dir + "/a.tif"}, g)));
      std::vector<double> part(std::size_t(threads), 0);
      std::atomic<std::int64_t> px{0};
      EngineOptions o{.threads = threads, .memory_budget = 1 << 30, .tile = tile};
      auto st = for_each_tile(g, o, 4, [&](int t, const Window& w) -> Status {
        std::vector<float> buf(std::size_t(w.size()));
        RL_TRY(rs[std::size_t(t)].read(w.x0, w.y0, w.w, w.h, buf.data()));
        for (float x : buf) part[std::size_t(t)] += x;
        px += w.size();
        return ok_status();
      });
      ASSERT_TRUE(st.ok());
      double s = 0;
      for (double p : part) s += p;
      EXPECT_EQ(px.load(), g.pixels());
      EXPECT_NEAR(s, whole, 1e-9 * whole) << "tile " << tile << " threads " << threads;
    }
  }
}

// A cancelled run stops between tiles with eco.cancelled instead of finishing the grid.
TEST(Raster, ForEachTileStopsWhenCancelled) {
  auto g = fx::grid(512, 512);
  for (int threads : {1, 2}) {
    std::atomic<int> done{0};
    EngineOptions o{.threads = threads, .memory_budget = 1 << 30, .tile = 16};
    o.cancelled = [&] { return done.load() >= 5; };
    auto st = for_each_tile(g, o, 4, [&](int, const Window&) -> Status {
      ++done;
      return ok_status();
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "eco.cancelled");
    EXPECT_LT(done.load(), 5 + threads);  // 1024 tiles; at most one in flight per thread after the flag
  }
  EngineOptions never{.threads = 2, .memory_budget = 1 << 30, .tile = 64};
  never.cancelled = [] { return false; };
  std::atomic<int> tiles{0};
  ASSERT_TRUE(for_each_tile(g, never, 4, [&](int, const Window&) -> Status { ++tiles; return ok_status(); }).ok());
  EXPECT_EQ(tiles.load(), 64);
}

// The engine's own GeoTIFF writer: every pixel type, windows that cut tiles (pending partial
// tiles), a region never written (nodata), concurrent writers, negative and large values; the
// file must read back bit for bit through GDAL with its georeferencing and nodata.
TEST(Raster, WriterWindowsTypesAndUnwrittenRegions) {
  auto dir = fx::temp_dir("writer");
  auto g = fx::grid(700, 530);
  auto check = [&](auto sample, PixelType type, double nodata) {
    using T = decltype(sample);
    std::string path = dir + "/w" + std::to_string(int(type)) + ".tif";
    auto val = [](int x, int y) { return T((x * 7 + y * 13) % 250); };
    {
      auto w = Writer::create(path, g, {.type = type, .nodata = nodata});
      ASSERT_TRUE(w.ok()) << w.error().message;
      // Rows 0..499 in 37 x 53 windows from two threads; rows 500..529 never written.
      std::vector<std::thread> ths;
      for (int part = 0; part < 2; ++part)
        ths.emplace_back([&, part] {
          for (int y0 = 0; y0 < 500; y0 += 53)
            for (int x0 = part * 37; x0 < g.cols; x0 += 74) {
              int ww = std::min(37, g.cols - x0), hh = std::min(53, 500 - y0);
              std::vector<T> buf(std::size_t(ww) * std::size_t(hh));
              for (int y = 0; y < hh; ++y)
                for (int x = 0; x < ww; ++x) buf[std::size_t(y) * std::size_t(ww) + std::size_t(x)] = val(x0 + x, y0 + y);
              EXPECT_TRUE(w->write(x0, y0, ww, hh, buf.data()).ok());
            }
        });
      for (auto& t : ths) t.join();
      ASSERT_TRUE(w->close().ok());
    }
    auto info = probe(path);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_TRUE(info->grid.same(g));
    ASSERT_TRUE(info->nodata.has_value());
    EXPECT_EQ(*info->nodata, nodata);
    auto r = Reader::open({"w", path}, g);
    ASSERT_TRUE(r.ok());
    std::vector<double> back(std::size_t(g.pixels()));
    ASSERT_TRUE(r->read(0, 0, g.cols, g.rows, back.data()).ok());
    std::int64_t bad = 0;
    for (int y = 0; y < g.rows; ++y)
      for (int x = 0; x < g.cols; ++x) {
        double want = y < 500 ? double(val(x, y)) : nodata;
        bad += back[std::size_t(y) * std::size_t(g.cols) + std::size_t(x)] != want;
      }
    EXPECT_EQ(bad, 0) << "type " << int(type);
  };
  check(std::uint8_t{}, PixelType::byte, 255);
  check(std::int32_t{}, PixelType::int32, -1);
  check(float{}, PixelType::float32, -3.4028234663852886e+38);
  check(double{}, PixelType::float64, -1.23789789e29);
  // Negative integers survive the horizontal predictor.
  std::vector<std::int32_t> neg(std::size_t(g.pixels()));
  for (std::size_t i = 0; i < neg.size(); ++i) neg[i] = std::int32_t(i * 2654435761u) >> 3;
  fx::write(dir + "/neg.tif", g, PixelType::int32, 0, neg);
  auto back = read_all_i32({"neg", dir + "/neg.tif"}, g);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == neg);
}

TEST(Raster, MemoryBudgetShrinksTiles) {
  auto g = fx::grid(100, 100);
  std::mutex mu;
  int max_edge = 0;
  EngineOptions o{.threads = 2, .memory_budget = 2 * 32 * 32 * 8 * 2, .tile = 256};
  auto st = for_each_tile(g, o, 8, [&](int, const Window& w) -> Status {
    std::lock_guard lk(mu);
    max_edge = std::max({max_edge, w.w, w.h});
    return ok_status();
  });
  ASSERT_TRUE(st.ok());
  EXPECT_LE(max_edge, 32);
}

TEST(Raster, AlignsCoarserSourceNearestAndBilinear) {
  auto dir = fx::temp_dir("align");
  auto target = fx::grid(4, 4, 30);
  auto coarse = fx::grid(2, 2, 60);
  fx::write<float>(dir + "/c.tif", coarse, PixelType::float32, -9999, {1, 2, 3, 4});
  auto r = Reader::open({"c", dir + "/c.tif", Resample::nearest}, target);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<float> out(16);
  ASSERT_TRUE(r->read(0, 0, 4, 4, out.data()).ok());
  std::vector<float> want = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  EXPECT_EQ(out, want);
  auto b = Reader::open({"c", dir + "/c.tif", Resample::bilinear}, target);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b->read(0, 0, 4, 4, out.data()).ok());
  // Centre pixels interpolate between the four coarse values.
  EXPECT_GT(out[5], 1.0f);
  EXPECT_LT(out[5], 4.0f);
}

TEST(Raster, WarpsAcrossCrs) {
  auto dir = fx::temp_dir("warp");
  auto target = fx::grid(20, 20, 30);
  // The same area in geographic coordinates (EPSG:4326), coarse 0.01 degree pixels covering it.
  Grid geo;
  geo.cols = 10;
  geo.rows = 10;
  geo.gt = {118.30, 0.01, 0, 34.00, 0, -0.01};
  OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(s, 4326);
  char* w = nullptr;
  OSRExportToWkt(s, &w);
  geo.wkt = w;
  CPLFree(w);
  OSRDestroySpatialReference(s);
  fx::write<float>(dir + "/geo.tif", geo, PixelType::float32, -9999, std::vector<float>(100, 7.0f));
  // Place the target inside it: 118.35E 33.95N is about x=625200, y=3757440 in UTM 50N.
  target.gt = {625000, 30, 0, 3757600, 0, -30};
  auto r = Reader::open({"geo", dir + "/geo.tif", Resample::bilinear}, target);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<float> out(400);
  ASSERT_TRUE(r->read(0, 0, 20, 20, out.data()).ok());
  for (float x : out) EXPECT_FLOAT_EQ(x, 7.0f);
}

TEST(Raster, BadInputsNameTheFile) {
  auto dir = fx::temp_dir("bad");
  auto g = fx::grid(64, 64);
  fx::write<float>(dir + "/ok.tif", g, PixelType::float32, -1, std::vector<float>(64 * 64, 1));
  // Non-overlapping.
  auto far = fx::grid(8, 8, 30, 700000, 3900000);
  fx::write<float>(dir + "/far.tif", far, PixelType::float32, -1, std::vector<float>(64, 1));
  auto r = Reader::open({"precipitation_path", dir + "/far.tif"}, g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.no_overlap");
  EXPECT_NE(r.error().message.find("far.tif"), std::string::npos);
  EXPECT_NE(r.error().message.find("precipitation_path"), std::string::npos);
  // No CRS against a projected grid.
  auto nocrs = far;
  nocrs.wkt = "";
  nocrs.gt = g.gt;
  fx::write<float>(dir + "/nocrs.tif", nocrs, PixelType::float32, -1, std::vector<float>(64, 1));
  r = Reader::open({"eto_path", dir + "/nocrs.tif"}, g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.crs_irreconcilable");
  // Truncated file.
  {
    std::vector<float> noise(64 * 64);
    for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = float((i * 7919) % 1000) / 7.0f;
    fx::write<float>(dir + "/full.tif", g, PixelType::float32, -1, noise);
    auto size = std::filesystem::file_size(dir + "/full.tif");
    std::filesystem::copy_file(dir + "/full.tif", dir + "/cut.tif");
    std::filesystem::resize_file(dir + "/cut.tif", size / 2);
  }
  auto p = probe(dir + "/cut.tif");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("cut.tif"), std::string::npos);
  // Garbage.
  fx::write_text(dir + "/junk.tif", "this is not a tiff");
  p = probe(dir + "/junk.tif");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "eco.raster_unreadable");
  p = probe(dir + "/missing.tif");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "eco.file_missing");
}

TEST(Raster, ZonesUsePixelCentres) {
  auto dir = fx::temp_dir("zones");
  auto g = fx::grid(10, 10, 30, 0, 300);
  // Zone 7 covers x 0..150 (5 columns) and y 150..300 (rows 0..4): 25 pixel centres.
  // Zone 9 covers x 160..300 (its left edge passes 10 m into column 5, whose centre is at 165).
  fx::write_rects(dir + "/z.geojson", {{7, 0, 150, 150, 300}, {9, 160, 0, 300, 300}});
  g.wkt = fx::utm50n_wkt();
  auto z = rasterize_zones(dir + "/z.geojson", "ws_id", g, dir + "/z.tif");
  ASSERT_TRUE(z.ok()) << z.error().message;
  ASSERT_EQ(z->zones.size(), 2u);
  EXPECT_EQ(z->zones[0].id, 7);
  EXPECT_DOUBLE_EQ(z->zones[0].area_m2, 150.0 * 150.0);
  auto v = read_all_i32({"z", z->raster_path}, g);
  ASSERT_TRUE(v.ok());
  int n1 = 0, n2 = 0;
  for (auto x : *v) n1 += x == 1, n2 += x == 2;
  EXPECT_EQ(n1, 25);
  EXPECT_EQ(n2, 50);  // columns 5..9 (centre 165 > 160) x 10 rows
  auto bad = rasterize_zones(dir + "/z.geojson", "subws_id", g, dir + "/z2.tif");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("subws_id"), std::string::npos);
}


// The direct tile decoder (pread + libdeflate/ZSTD + predictor) against GDAL's own reading, for
// each compression, predictor and pixel type it takes, partial edge tiles, unaligned windows and
// a sparse tile; a format it does not take (big-endian) falls back to GDAL with the same values.
TEST(Raster, DirectTileReadsEqualGdal) {
  auto dir = fx::temp_dir("direct");
  auto g = fx::grid(300, 200);
  init_gdal();
  struct Case { GDALDataType type; const char* comp; const char* pred; const char* extra; };
  const Case cases[] = {
      {GDT_Float32, "DEFLATE", "3", nullptr}, {GDT_Float32, "DEFLATE", "1", nullptr}, {GDT_Float32, "ZSTD", "3", nullptr},
      {GDT_Float32, "NONE", "1", nullptr},    {GDT_Float64, "DEFLATE", "3", nullptr}, {GDT_Float64, "ZSTD", "1", nullptr},
      {GDT_Byte, "DEFLATE", "2", nullptr},    {GDT_Int16, "ZSTD", "2", nullptr},     {GDT_UInt16, "DEFLATE", "2", nullptr},
      {GDT_Int32, "DEFLATE", "2", nullptr},   {GDT_Int32, "ZSTD", "1", "SPARSE_OK=TRUE"},
      {GDT_Float32, "DEFLATE", "3", "ENDIANNESS=BIG"}, {GDT_Float32, "LZW", "3", nullptr}};
  int k = 0;
  for (const auto& c : cases) {
    std::string path = dir + "/c" + std::to_string(k++) + ".tif";
    char** opts = nullptr;
    opts = CSLSetNameValue(opts, "TILED", "YES");
    opts = CSLSetNameValue(opts, "BLOCKXSIZE", "64");
    opts = CSLSetNameValue(opts, "BLOCKYSIZE", "48");
    opts = CSLSetNameValue(opts, "COMPRESS", c.comp);
    if (std::string(c.comp) != "NONE") opts = CSLSetNameValue(opts, "PREDICTOR", c.pred);
    if (c.extra) opts = CSLAddString(opts, c.extra);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), g.cols, g.rows, 1, c.type, opts);
    CSLDestroy(opts);
    ASSERT_NE(ds, nullptr) << path;
    GDALSetGeoTransform(ds, const_cast<double*>(g.gt.data()));
    GDALSetProjection(ds, g.wkt.c_str());
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    GDALSetRasterNoDataValue(b, 7);
    std::vector<double> v(std::size_t(g.pixels()));
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = c.type == GDT_Byte ? double((i * 37) % 251) : c.type == GDT_UInt16 ? double((i * 7919) % 65000)
             : c.type == GDT_Int16 ? double(int(i % 6000) - 3000) : double(int(i * 2654435761u % 200000) - 100000) * 0.37;
    bool sparse = c.extra && std::string(c.extra) == "SPARSE_OK=TRUE";
    // Sparse: leave the second tile row unwritten.
    for (int y = 0; y < g.rows; ++y) {
      if (sparse && y >= 48 && y < 96) continue;
      ASSERT_EQ(GDALRasterIO(b, GF_Write, 0, y, g.cols, 1, v.data() + std::size_t(y) * g.cols, g.cols, 1, GDT_Float64, 0, 0), CE_None);
    }
    GDALClose(ds);
    auto rd = Reader::open({"x", path, Resample::nearest}, g);
    ASSERT_TRUE(rd.ok()) << rd.error().message;
    const bool other = std::string(c.comp) == "LZW" || (c.extra && std::string(c.extra) == "ENDIANNESS=BIG");
    EXPECT_EQ(rd->direct(), !other) << path;
    GDALDatasetH ref = GDALOpen(path.c_str(), GA_ReadOnly);
    for (auto [x0, y0, w, h] : {std::array<int, 4>{0, 0, 300, 200}, {13, 7, 150, 111}, {250, 150, 50, 50}, {64, 48, 64, 48}}) {
      std::vector<double> got(std::size_t(w) * h), want(std::size_t(w) * h);
      ASSERT_TRUE(rd->read(x0, y0, w, h, got.data()).ok());
      ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(ref, 1), GF_Read, x0, y0, w, h, want.data(), w, h, GDT_Float64, 0, 0), CE_None);
      ASSERT_EQ(got, want) << path << " window " << x0 << "," << y0;
      std::vector<float> gotf(std::size_t(w) * h), wantf(std::size_t(w) * h);
      ASSERT_TRUE(rd->read(x0, y0, w, h, gotf.data()).ok());
      ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(ref, 1), GF_Read, x0, y0, w, h, wantf.data(), w, h, GDT_Float32, 0, 0), CE_None);
      ASSERT_EQ(gotf, wantf) << path;
    }
    if (sparse) {
      std::vector<std::int32_t> one(1);
      ASSERT_TRUE(rd->read(5, 50, 1, 1, one.data()).ok());
      EXPECT_EQ(one[0], 7) << "an unwritten tile reads as nodata";
    }
    GDALClose(ref);
  }
}

TEST(Raster, DirectTileReadOfCorruptTileNamesTheFile) {
  auto dir = fx::temp_dir("direct_bad");
  auto g = fx::grid(300, 200);
  std::vector<float> v(std::size_t(g.pixels()), 1.5f);
  fx::write(dir + "/a.tif", g, PixelType::float32, -1, v);
  auto rd = Reader::open({"precipitation_path", dir + "/a.tif", Resample::nearest}, g);
  ASSERT_TRUE(rd.ok());
  ASSERT_TRUE(rd->direct());
  // Overwrite the middle of the file (tile data) with garbage after opening.
  {
    std::fstream f(dir + "/a.tif", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    auto size = std::streamoff(f.tellg());
    f.seekp(size / 3);
    std::string junk(std::size_t(size / 3), '\x5a');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  std::vector<float> out(std::size_t(g.pixels()));
  auto st = rd->read(0, 0, g.cols, g.rows, out.data());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("a.tif"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace riverlink::eco::raster
