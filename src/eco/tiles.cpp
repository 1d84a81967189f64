#include "eco/tiles.hpp"

#include "eco/raster/raster.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_utils.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

namespace riverlink::eco::tiles {

namespace fs = std::filesystem;

namespace {

constexpr double kOrigin = 20037508.342789244;  // half the Web Mercator world width, metres

void gdal_init() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

struct Closer {
  GDALDatasetH ds = nullptr;
  ~Closer() {
    if (ds) GDALClose(ds);
  }
};

std::string num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9f", v);
  return b;
}

std::string last_error() {
  const char* m = CPLGetLastErrorMsg();
  return m && *m ? m : "unknown GDAL error";
}

Error tile_error(const std::string& path, const std::string& what) {
  return Error::make(ErrorKind::internal, "eco.tile_failed", fs::path(path).filename().string() + ": " + what);
}

// RGBA pixels (interleaved) to a PNG, through GDAL's PNG driver in /vsimem/.
Result<std::string> encode_png(const std::vector<std::uint8_t>& rgba, int w, int h) {
  gdal_init();
  static std::atomic<std::uint64_t> counter{0};
  std::string name = "/vsimem/riverlink_tile_" + std::to_string(++counter) + ".png";
  GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 4, GDT_Byte, nullptr);
  if (!mem) return tile_error(name, "cannot create the tile in memory");
  for (int c = 0; c < 4; ++c) {
    auto* data = const_cast<std::uint8_t*>(rgba.data()) + c;
    if (GDALRasterIO(GDALGetRasterBand(mem, c + 1), GF_Write, 0, 0, w, h, data, w, h, GDT_Byte, 4, 4 * w) != CE_None) {
      GDALClose(mem);
      return tile_error(name, "band write failed");
    }
  }
  GDALSetRasterColorInterpretation(GDALGetRasterBand(mem, 4), GCI_AlphaBand);
  GDALDatasetH png = GDALCreateCopy(GDALGetDriverByName("PNG"), name.c_str(), mem, FALSE, nullptr, nullptr, nullptr);
  GDALClose(mem);
  if (!png) return tile_error(name, "PNG encoding failed: " + last_error());
  GDALClose(png);
  vsi_l_offset len = 0;
  GByte* buf = VSIGetMemFileBuffer(name.c_str(), &len, TRUE);
  std::string out(reinterpret_cast<const char*>(buf), std::size_t(len));
  CPLFree(buf);
  VSIUnlink((name + ".aux.xml").c_str());
  return out;
}

// One raster warped onto the tile grid: float values, NaN where nodata or outside.
Result<std::vector<float>> warp(const std::string& path, const std::array<double, 4>& b) {
  Closer src{GDALOpen(path.c_str(), GA_ReadOnly)};
  if (!src.ds) return tile_error(path, "cannot open: " + last_error());
  const std::string size = std::to_string(kTileSize);
  const std::vector<std::string> args = {"-of", "MEM", "-t_srs", "EPSG:3857", "-te", num(b[0]), num(b[1]), num(b[2]), num(b[3]),
                                         "-ts", size, size, "-r", "near", "-ot", "Float32", "-dstnodata", "nan",
                                         "-wo", "INIT_DEST=NO_DATA", "-ovr", "AUTO", "-et", "0.125"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  GDALWarpAppOptions* opt = GDALWarpAppOptionsNew(argv.data(), nullptr);
  if (!opt) return tile_error(path, "bad warp options");
  GDALWarpAppOptionsSetQuiet(opt, TRUE);
  int usage = 0;
  GDALDatasetH in = src.ds;
  Closer dst{GDALWarp("", nullptr, 1, &in, opt, &usage)};
  GDALWarpAppOptionsFree(opt);
  if (!dst.ds) return tile_error(path, "warp failed: " + last_error());
  std::vector<float> v(std::size_t(kTileSize) * kTileSize);
  if (GDALRasterIO(GDALGetRasterBand(dst.ds, 1), GF_Read, 0, 0, kTileSize, kTileSize, v.data(), kTileSize, kTileSize, GDT_Float32, 0, 0) !=
      CE_None)
    return tile_error(path, "read failed: " + last_error());
  return v;
}

}  // namespace

std::array<std::uint8_t, 3> ramp(double t) {
  static const double stops[5][3] = {{255, 255, 204}, {194, 230, 153}, {120, 198, 121}, {49, 163, 84}, {0, 104, 55}};
  if (std::isnan(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0) * 4;
  int k = std::min(3, int(t));
  double f = t - k;
  std::array<std::uint8_t, 3> rgb{};
  for (int c = 0; c < 3; ++c) rgb[std::size_t(c)] = std::uint8_t(std::lround(stops[k][c] * (1 - f) + stops[k + 1][c] * f));
  return rgb;
}

Status check(const TileKey& k) {
  if (k.z < 0 || k.z > kMaxZoom) return Error::field("eco.bad_tile", "z", "z must be 0.." + std::to_string(kMaxZoom));
  const long long n = 1LL << k.z;
  if (k.x < 0 || k.x >= n) return Error::field("eco.bad_tile", "x", "x must be 0.." + std::to_string(n - 1) + " at zoom " + std::to_string(k.z));
  if (k.y < 0 || k.y >= n) return Error::field("eco.bad_tile", "y", "y must be 0.." + std::to_string(n - 1) + " at zoom " + std::to_string(k.z));
  return ok_status();
}

Result<int> parse_coordinate(const std::string& text, const std::string& field) {
  std::string t = text;
  if (field == "y" && t.size() > 4 && t.compare(t.size() - 4, 4, ".png") == 0) t.resize(t.size() - 4);
  if (t.empty() || t.size() > 8 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error::field("eco.bad_tile", field, field + " must be a non-negative integer" + (field == "y" ? " (optionally with .png)" : "") + ", got '" +
                                                   text.substr(0, 40) + "'");
  return std::stoi(t);
}

std::array<double, 4> bounds_3857(const TileKey& k) {
  const double size = 2 * kOrigin / double(1LL << k.z);
  return {-kOrigin + k.x * size, kOrigin - (k.y + 1) * size, -kOrigin + (k.x + 1) * size, kOrigin - k.y * size};
}

Result<Tile> render(const Layer& layer, const TileKey& k) {
  RL_TRY(check(k));
  gdal_init();
  const auto b = bounds_3857(k);
  const std::size_t n = std::size_t(kTileSize) * kTileSize;
  std::vector<float> total(n, NAN);
  for (auto& path : layer.rasters) {
    auto v = warp(path, b);
    if (!v.ok()) return v.error();
    for (std::size_t i = 0; i < n; ++i) {
      float x = (*v)[i];
      if (std::isnan(x)) continue;
      total[i] = std::isnan(total[i]) ? x : total[i] + x;
    }
  }
  Tile t;
  std::vector<std::uint8_t> rgba(n * 4, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(total[i])) continue;
    t.empty = false;
    double f = layer.max > layer.min ? (double(total[i]) - layer.min) / (layer.max - layer.min) : 0.5;
    auto c = ramp(f);
    rgba[i * 4] = c[0], rgba[i * 4 + 1] = c[1], rgba[i * 4 + 2] = c[2], rgba[i * 4 + 3] = 255;
  }
  if (t.empty) {
    t.png = transparent_png();
    return t;
  }
  auto png = encode_png(rgba, kTileSize, kTileSize);
  if (!png.ok()) return png.error();
  t.png = std::move(*png);
  return t;
}

const std::string& transparent_png() {
  static const std::string png = [] {
    auto p = encode_png(std::vector<std::uint8_t>(std::size_t(kTileSize) * kTileSize * 4, 0), kTileSize, kTileSize);
    return p.ok() ? *p : std::string();
  }();
  return png;
}

Result<std::string> with_overviews(const std::string& raster, const std::string& cache_dir) {
  gdal_init();
  {
    Closer ds{GDALOpen(raster.c_str(), GA_ReadOnly)};
    if (!ds.ds) return tile_error(raster, "cannot open: " + last_error());
    GDALRasterBandH band = GDALGetRasterBand(ds.ds, 1);
    if (GDALGetOverviewCount(band) > 0 || std::max(GDALGetRasterXSize(ds.ds), GDALGetRasterYSize(ds.ds)) <= 1024) return raster;
  }
  const fs::path out = fs::path(cache_dir) / fs::path(raster).filename();
  static std::mutex mu;  // one build at a time; later callers find the copy
  std::lock_guard lock(mu);
  std::error_code ec;
  if (fs::exists(out, ec)) return out.string();
  fs::create_directories(cache_dir, ec);
  const fs::path tmp = out.string() + ".part";
  if (auto st = raster::translate_to_cog(raster, tmp.string(), true); !st.ok())
    return tile_error(raster, "cannot build overviews: " + st.error().message);
  fs::rename(tmp, out, ec);
  if (ec) return tile_error(raster, "cannot store overviews: " + ec.message());
  return out.string();
}

Status write_sum(const std::vector<std::string>& rasters, const std::string& out) {
  gdal_init();
  if (rasters.empty()) return Error::make(ErrorKind::invalid, "eco.tile_failed", "no rasters to sum for " + out);
  std::vector<Closer> src(rasters.size());
  int cols = 0, rows = 0;
  for (std::size_t i = 0; i < rasters.size(); ++i) {
    src[i].ds = GDALOpen(rasters[i].c_str(), GA_ReadOnly);
    if (!src[i].ds) return tile_error(rasters[i], "cannot open: " + last_error());
    if (i == 0) cols = GDALGetRasterXSize(src[0].ds), rows = GDALGetRasterYSize(src[0].ds);
    if (GDALGetRasterXSize(src[i].ds) != cols || GDALGetRasterYSize(src[i].ds) != rows)
      return tile_error(rasters[i], "is not on the grid of " + fs::path(rasters[0]).filename().string());
  }
  std::error_code ec;
  fs::create_directories(fs::path(out).parent_path(), ec);
  const std::string tmp = out + ".sum.tif", part = out + ".part";
  const char* co[] = {"TILED=YES", "COMPRESS=ZSTD", "BIGTIFF=IF_SAFER", nullptr};
  Closer dst{GDALCreate(GDALGetDriverByName("GTiff"), tmp.c_str(), cols, rows, 1, GDT_Float32, const_cast<char**>(co))};
  if (!dst.ds) return tile_error(out, "cannot create: " + last_error());
  double gt[6];
  GDALGetGeoTransform(src[0].ds, gt);
  GDALSetGeoTransform(dst.ds, gt);
  GDALSetProjection(dst.ds, GDALGetProjectionRef(src[0].ds));
  GDALRasterBandH ob = GDALGetRasterBand(dst.ds, 1);
  GDALSetRasterNoDataValue(ob, NAN);
  const int strip = 256;
  std::vector<float> sum, v;
  for (int r0 = 0; r0 < rows; r0 += strip) {
    const int h = std::min(strip, rows - r0);
    const std::size_t n = std::size_t(cols) * std::size_t(h);
    sum.assign(n, NAN);
    v.resize(n);
    for (std::size_t i = 0; i < rasters.size(); ++i) {
      GDALRasterBandH b = GDALGetRasterBand(src[i].ds, 1);
      int has = 0;
      const double nd = GDALGetRasterNoDataValue(b, &has);
      if (GDALRasterIO(b, GF_Read, 0, r0, cols, h, v.data(), cols, h, GDT_Float32, 0, 0) != CE_None)
        return tile_error(rasters[i], "read failed: " + last_error());
      const float ndf = float(nd);
      for (std::size_t k = 0; k < n; ++k) {
        const float x = v[k];
        if (std::isnan(x) || (has && (x == ndf || double(x) == nd))) continue;
        sum[k] = std::isnan(sum[k]) ? x : sum[k] + x;
      }
    }
    if (GDALRasterIO(ob, GF_Write, 0, r0, cols, h, sum.data(), cols, h, GDT_Float32, 0, 0) != CE_None)
      return tile_error(out, "write failed: " + last_error());
  }
  GDALClose(dst.ds);
  dst.ds = nullptr;
  Status cog = raster::translate_to_cog(tmp, part);
  fs::remove(tmp, ec);
  if (!cog.ok()) return tile_error(out, "COG conversion failed: " + cog.error().message);
  fs::rename(part, out, ec);
  if (ec) return tile_error(out, "cannot store: " + ec.message());
  return ok_status();
}

}  // namespace riverlink::eco::tiles
