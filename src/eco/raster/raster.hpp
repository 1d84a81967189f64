// eco/raster: the GDAL-backed raster engine of the eco module.
//
// * Grids, nodata and alignment: every input is read on the target (land-cover) grid. A source
//   whose grid equals the target is read directly; otherwise GDAL warps it on the fly (warped VRT,
//   nearest for categorical, bilinear for continuous, mode on request), also across CRSs.
// * Nodata rule (InVEST / numpy.isclose): v is nodata when |v - nd| <= 1e-8 + 1e-5 |nd|, or when
//   v is NaN. A band without nodata has no nodata pixels except NaN.
// * Streaming: per-pixel work runs tile by tile (never the whole raster) on a pool of threads,
//   each with its own dataset handles; the tile size is chosen so that the tiles in flight fit
//   the memory budget.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

typedef void* GDALDatasetH;

namespace riverlink::eco::raster {

// One-time GDAL initialisation (GDALAllRegister, quiet error handler). cache_bytes > 0 sets the
// GDAL block cache. Safe to call many times and from many threads.
void init_gdal(std::int64_t cache_bytes = 0);

struct Grid {
  int cols = 0, rows = 0;
  std::array<double, 6> gt{0, 1, 0, 0, 0, -1};
  std::string wkt;  // CRS as WKT ("" = unknown)

  double cell_w() const { return gt[1]; }
  double cell_h() const { return gt[5] < 0 ? -gt[5] : gt[5]; }
  double cell_area() const { return cell_w() * cell_h(); }
  std::int64_t pixels() const { return std::int64_t(cols) * rows; }
  // Same size, geotransform (to 1e-9 of a cell) and CRS.
  bool same(const Grid& o) const;
  std::string describe() const;
};

inline bool is_nodata(double v, const std::optional<double>& nd) {
  if (v != v) return true;
  if (!nd) return false;
  double d = v - *nd;
  if (d < 0) d = -d;
  double a = *nd < 0 ? -*nd : *nd;
  return d <= 1e-8 + 1e-5 * a;
}

struct BandInfo {
  std::string path;
  Grid grid;
  std::optional<double> nodata;
  bool integer = false;  // integer data type (categorical candidates)
  std::string type;      // GDAL data type name
};

// Opens the file and describes band 1. Errors name the file (corrupt, truncated, not a raster).
Result<BandInfo> probe(const std::string& path, int band = 1);

enum class Resample { nearest, bilinear, mode };

struct Source {
  std::string name;  // the argument name, used in error messages
  std::string path;
  Resample resample = Resample::nearest;
};

struct DirectTiles;

// A per-thread reader of one source on the target grid.
class Reader {
 public:
  Reader() = default;
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();
  static Result<Reader> open(const Source& src, const Grid& target);
  // Reads a window of the target grid. Pixels that fall outside the source are nodata.
  Status read(int x0, int y0, int w, int h, float* out) const;
  Status read(int x0, int y0, int w, int h, double* out) const;
  Status read(int x0, int y0, int w, int h, std::int32_t* out) const;
  // Every band of the window, band after band (w x h floats each), for multi-band sources such as
  // a daily series; band 1's nodata applies to all. Through GDAL.
  Status read_bands(int x0, int y0, int w, int h, float* out) const;
  int bands() const;
  const std::optional<double>& nodata() const { return nodata_; }
  const std::string& name() const { return name_; }
  // True when tiles are decoded directly (see DirectTiles), false when read through GDAL.
  bool direct() const { return bool(direct_); }

 private:
  GDALDatasetH ds_ = nullptr;
  GDALDatasetH base_ = nullptr;
  std::optional<double> nodata_;
  std::string name_, path_;
  // Set when the source is a plain tiled GeoTIFF on the target grid: its tiles are then read
  // and decoded directly (pread, libdeflate or ZSTD, predictor undone in place), not via GDAL.
  std::shared_ptr<const DirectTiles> direct_;
  Status read_any(int x0, int y0, int w, int h, void* out, int gdal_type) const;
  Status read_direct(int x0, int y0, int w, int h, void* out, int gdal_type) const;
};

// Checks that a source can be put on the target grid: CRS reconcilable, extents overlap.
Status check_alignable(const Source& src, const BandInfo& info, const Grid& target);

enum class PixelType { byte, int32, float32, float64 };

struct WriteOptions {
  PixelType type = PixelType::float32;
  double nodata = -1;
  bool cog = false;  // convert to a Cloud Optimized GeoTIFF when closing
  // ZSTD level of the tiles: 1 for outputs people keep; a negative ("fast") level for
  // intermediates that are written once and read back once (about twice as fast, ~20 % larger).
  int zstd_level = 1;
};

// A tiled (256 x 256), ZSTD-compressed GeoTIFF on the target grid (COG: DEFLATE). Thread-safe:
// each tile is compressed by the writing thread and appended; windows may cut tiles (partial
// tiles are completed in memory); tiles never written hold nodata. Whole-band writes use all cores.
class Writer {
 public:
  Writer(Writer&&) noexcept;
  ~Writer();
  static Result<Writer> create(const std::string& path, const Grid& grid, const WriteOptions& opt);
  Status write(int x0, int y0, int w, int h, const float* data);
  Status write(int x0, int y0, int w, int h, const double* data);
  Status write(int x0, int y0, int w, int h, const std::int32_t* data);
  Status write(int x0, int y0, int w, int h, const std::uint8_t* data);
  Status close();  // flushes; builds the COG if asked

 private:
  Writer() = default;
  Status write_raw(int x0, int y0, int w, int h, const void* data, int gdal_type);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Window {
  int x0, y0, w, h;
  std::int64_t size() const { return std::int64_t(w) * h; }
};

struct EngineOptions {
  int threads = 0;                             // 0: hardware concurrency
  std::int64_t memory_budget = 1024ll << 20;   // bytes for tiles in flight + GDAL cache
  int tile = 256;                              // preferred tile edge (multiple of 256 keeps writes block aligned)
  std::function<void(double, const std::string&)> progress;  // fraction 0..1
  // Polled before every tile (from worker threads: must be thread-safe). When it returns true
  // the work stops and for_each_tile returns eco.cancelled.
  std::function<bool()> cancelled;
};

// Runs fn(thread_index, window) over all tiles of the grid on `threads` threads. bytes_per_pixel
// is the working memory per pixel of one tile (all buffers); the tile edge shrinks (in steps of
// halves, down to 16) until threads x tile pixels x bytes_per_pixel fits in half the budget.
// Stops at the first error and returns it, or at opt.cancelled() with eco.cancelled.
Status for_each_tile(const Grid& grid, const EngineOptions& opt, int bytes_per_pixel,
                     const std::function<Status(int thread, const Window& win)>& fn);
int thread_count(const EngineOptions& opt);

// Zones: polygons of a vector layer burnt onto the grid with the pixel-centre rule (GDAL rasterize
// without ALL_TOUCHED). Zone index k (0-based, feature order) is stored as k + 1; 0 = no zone.
// Zones are exclusive: where polygons overlap, the later feature wins (InVEST sums overlapping
// polygons separately; the reference watersheds do not overlap).
struct Zone {
  std::int64_t fid = 0;
  std::int64_t id = 0;     // value of the id field (or fid when no field named)
  std::string name;        // value of a "name" field if present
  double area_m2 = 0;      // polygon area (layer CRS units squared)
};
struct Zones {
  std::vector<Zone> zones;
  std::string raster_path;  // Int32 zone raster on the grid
};
Result<Zones> rasterize_zones(const std::string& vector_path, const std::string& id_field,
                              const Grid& grid, const std::string& out_raster_path);

// Whole-band helpers (for routing and tests): read a source on the grid into memory.
Result<std::vector<float>> read_all_f32(const Source& src, const Grid& grid, std::optional<double>* nodata = nullptr);
Result<std::vector<double>> read_all_f64(const Source& src, const Grid& grid, std::optional<double>* nodata = nullptr);
Result<std::vector<std::int32_t>> read_all_i32(const Source& src, const Grid& grid, std::optional<double>* nodata = nullptr);
// Writes a whole in-memory band as a tiled GeoTIFF.
template <class T>
Status write_all(const std::string& path, const Grid& grid, const WriteOptions& opt, const std::vector<T>& data);

// Copies a raster to a Cloud Optimized GeoTIFF at dst (DEFLATE level 1, overviews by averaging,
// all cores); rebuild_overviews ignores any the source has. On failure dst does not exist and the
// error names dst and GDAL's message.
Status translate_to_cog(const std::string& src, const std::string& dst, bool rebuild_overviews = false);

}  // namespace riverlink::eco::raster
