#include "eco/raster/raster.hpp"

#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>

#include <fcntl.h>
#include <libdeflate.h>
#include <tiffio.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

namespace riverlink::eco::raster {
namespace {

Error file_error(const std::string& code, const std::string& path, const std::string& msg) {
  return Error::make(ErrorKind::invalid, code, path + ": " + msg);
}

std::string last_gdal_error() {
  const char* m = CPLGetLastErrorMsg();
  return m && *m ? std::string(m) : std::string("unknown GDAL error");
}

struct Srs {
  OGRSpatialReferenceH h = nullptr;
  explicit Srs(const std::string& wkt) {
    if (wkt.empty()) return;
    h = OSRNewSpatialReference(nullptr);
    const char* p = wkt.c_str();
    if (OSRImportFromWkt(h, const_cast<char**>(&p)) != OGRERR_NONE) {
      OSRDestroySpatialReference(h);
      h = nullptr;
    } else {
      OSRSetAxisMappingStrategy(h, OAMS_TRADITIONAL_GIS_ORDER);
    }
  }
  ~Srs() { if (h) OSRDestroySpatialReference(h); }
  Srs(const Srs&) = delete;
  Srs& operator=(const Srs&) = delete;
};

bool same_crs(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a.empty() || b.empty()) return false;
  Srs sa(a), sb(b);
  if (!sa.h || !sb.h) return false;
  return OSRIsSame(sa.h, sb.h) != 0;
}

Grid grid_of(GDALDatasetH ds) {
  Grid g;
  g.cols = GDALGetRasterXSize(ds);
  g.rows = GDALGetRasterYSize(ds);
  double gt[6];
  if (GDALGetGeoTransform(ds, gt) == CE_None) std::copy(gt, gt + 6, g.gt.begin());
  const char* w = GDALGetProjectionRef(ds);
  g.wkt = w ? w : "";
  return g;
}

const char* resample_name(Resample r) {
  switch (r) {
    case Resample::nearest: return "near";
    case Resample::bilinear: return "bilinear";
    case Resample::mode: return "mode";
  }
  return "near";
}

}  // namespace

void init_gdal(std::int64_t cache_bytes) {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
  if (cache_bytes > 0) GDALSetCacheMax64(cache_bytes);
}

bool Grid::same(const Grid& o) const {
  if (cols != o.cols || rows != o.rows) return false;
  double tol = 1e-9 * std::max(std::abs(gt[1]), std::abs(gt[5]));
  for (int i = 0; i < 6; ++i)
    if (std::abs(gt[i] - o.gt[i]) > tol * (i == 0 || i == 3 ? 1e3 : 1)) return false;
  return same_crs(wkt, o.wkt);
}

std::string Grid::describe() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%d x %d px, origin (%.3f, %.3f), cell %.6g x %.6g", cols, rows, gt[0], gt[3],
                gt[1], gt[5]);
  return buf;
}

Result<BandInfo> probe(const std::string& path, int band) {
  init_gdal();
  if (!std::filesystem::exists(path)) return file_error("eco.file_missing", path, "file does not exist");
  CPLErrorReset();
  GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                               nullptr, nullptr, nullptr);
  if (!ds) return file_error("eco.raster_unreadable", path, "not a readable raster: " + last_gdal_error());
  BandInfo info;
  info.path = path;
  info.grid = grid_of(ds);
  if (band < 1 || band > GDALGetRasterCount(ds)) {
    GDALClose(ds);
    return file_error("eco.raster_band", path, "band " + std::to_string(band) + " does not exist");
  }
  GDALRasterBandH b = GDALGetRasterBand(ds, band);
  int has = 0;
  double nd = GDALGetRasterNoDataValue(b, &has);
  if (has) info.nodata = nd;
  GDALDataType t = GDALGetRasterDataType(b);
  info.integer = !GDALDataTypeIsFloating(t) && !GDALDataTypeIsComplex(t);
  info.type = GDALGetDataTypeName(t);
  // Truncated or corrupt files often open but fail on the first block read: read the last block.
  int bx = 0, by = 0;
  GDALGetBlockSize(b, &bx, &by);
  if (bx > 0 && by > 0) {
    int nbx = (info.grid.cols + bx - 1) / bx, nby = (info.grid.rows + by - 1) / by;
    std::vector<double> tmp;
    int x0 = (nbx - 1) * bx, y0 = (nby - 1) * by;
    int w = std::min(bx, info.grid.cols - x0), h = std::min(by, info.grid.rows - y0);
    tmp.resize(std::size_t(w) * h);
    CPLErrorReset();
    if (GDALRasterIO(b, GF_Read, x0, y0, w, h, tmp.data(), w, h, GDT_Float64, 0, 0) != CE_None) {
      GDALClose(ds);
      return file_error("eco.raster_corrupt", path, "band " + std::to_string(band) +
                                                        " cannot be read (corrupt or truncated): " + last_gdal_error());
    }
  }
  GDALClose(ds);
  return info;
}

// ----- Direct tile reads ----------------------------------------------------------------------
//
// Reading through GDAL costs a block-cache copy per tile and libtiff's byte-at-a-time undoing of
// the floating-point predictor (a fifth of a model's time on DEFLATE + predictor 3 inputs). For
// the common input, a tiled single-band little-endian GeoTIFF (uncompressed, DEFLATE or ZSTD;
// predictor 1, 2 or 3) on the target grid, the tiles are read with pread, inflated by libdeflate
// or ZSTD and un-predicted here; anything else goes through GDAL. Both give the same values.
struct DirectTiles {
  int fd = -1;
  std::uint32_t width = 0, height = 0, tw = 0, th = 0, across = 0;
  int bps = 0;        // bytes per sample
  int compression = COMPRESSION_NONE, predictor = PREDICTOR_NONE;
  GDALDataType type = GDT_Unknown;
  std::vector<std::uint64_t> off, cnt;
  std::optional<double> nodata;
  std::string path;
  ~DirectTiles() {
    if (fd >= 0) ::close(fd);
  }
  static std::shared_ptr<const DirectTiles> open(const std::string& path, const std::optional<double>& nodata);
  Status decode(std::size_t tile, std::vector<unsigned char>& out) const;
};

std::shared_ptr<const DirectTiles> DirectTiles::open(const std::string& path, const std::optional<double>& nodata) {
  // Quietly: an unknown tag (GeoTIFF's) or a file libtiff refuses just means "use GDAL".
  TIFFOpenOptions* o = TIFFOpenOptionsAlloc();
  auto quiet = [](TIFF*, void*, const char*, const char*, va_list) -> int { return 1; };
  TIFFOpenOptionsSetErrorHandlerExtR(o, quiet, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(o, quiet, nullptr);
  TIFF* t = TIFFOpenExt(path.c_str(), "rm", o);
  TIFFOpenOptionsFree(o);
  if (!t) return nullptr;
  auto done = [&](std::shared_ptr<DirectTiles> v) {
    TIFFClose(t);
    return v;
  };
  std::uint16_t spp = 0, planar = 0, bits = 0, fmt = SAMPLEFORMAT_UINT, comp = 0, pred = PREDICTOR_NONE;
  std::uint32_t w = 0, h = 0, tw = 0, th = 0;
  if (!TIFFIsTiled(t) || TIFFIsByteSwapped(t) || !TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) ||
      !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h) || !TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw) ||
      !TIFFGetField(t, TIFFTAG_TILELENGTH, &th) || !TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp) ||
      !TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar) || !TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits) ||
      !TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp))
    return done(nullptr);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
  if (comp != COMPRESSION_NONE) TIFFGetFieldDefaulted(t, TIFFTAG_PREDICTOR, &pred);
  if (spp != 1 || planar != PLANARCONFIG_CONTIG || tw == 0 || th == 0) return done(nullptr);
  if (comp != COMPRESSION_NONE && comp != COMPRESSION_ADOBE_DEFLATE && comp != COMPRESSION_DEFLATE && comp != COMPRESSION_ZSTD)
    return done(nullptr);
  GDALDataType type = GDT_Unknown;
  if (fmt == SAMPLEFORMAT_UINT) type = bits == 8 ? GDT_Byte : bits == 16 ? GDT_UInt16 : bits == 32 ? GDT_UInt32 : GDT_Unknown;
  else if (fmt == SAMPLEFORMAT_INT) type = bits == 16 ? GDT_Int16 : bits == 32 ? GDT_Int32 : GDT_Unknown;
  else if (fmt == SAMPLEFORMAT_IEEEFP) type = bits == 32 ? GDT_Float32 : bits == 64 ? GDT_Float64 : GDT_Unknown;
  if (type == GDT_Unknown) return done(nullptr);
  if (pred == PREDICTOR_FLOATINGPOINT ? fmt != SAMPLEFORMAT_IEEEFP : (pred != PREDICTOR_NONE && pred != PREDICTOR_HORIZONTAL))
    return done(nullptr);
  if (pred == PREDICTOR_HORIZONTAL && fmt == SAMPLEFORMAT_IEEEFP) return done(nullptr);
  auto d = std::make_shared<DirectTiles>();
  d->width = w;
  d->height = h;
  d->tw = tw;
  d->th = th;
  d->across = (w + tw - 1) / tw;
  d->bps = bits / 8;
  d->compression = comp;
  d->predictor = pred;
  d->type = type;
  d->nodata = nodata;
  d->path = path;
  const std::size_t n = TIFFNumberOfTiles(t);
  if (n != std::size_t(d->across) * ((h + th - 1) / th)) return done(nullptr);
  std::uint64_t *offs = nullptr, *cnts = nullptr;
  if (!TIFFGetField(t, TIFFTAG_TILEOFFSETS, &offs) || !TIFFGetField(t, TIFFTAG_TILEBYTECOUNTS, &cnts) || !offs || !cnts)
    return done(nullptr);
  d->off.assign(offs, offs + n);
  d->cnt.assign(cnts, cnts + n);
  d->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (d->fd < 0) return done(nullptr);
  return done(d);
}

namespace {
template <class U>
void undo_horizontal(unsigned char* row, std::uint32_t n) {
  U prev;
  std::memcpy(&prev, row, sizeof(U));
  for (std::uint32_t i = 1; i < n; ++i) {
    U v;
    std::memcpy(&v, row + i * sizeof(U), sizeof(U));
    v = U(v + prev);
    std::memcpy(row + i * sizeof(U), &v, sizeof(U));
    prev = v;
  }
}
}  // namespace

Status DirectTiles::decode(std::size_t tile, std::vector<unsigned char>& out) const {
  const std::size_t bytes = std::size_t(tw) * th * std::size_t(bps);
  out.resize(bytes);
  auto corrupt = [&](const std::string& why) {
    return file_error("eco.raster_corrupt", path, path + " band 1: tile " + std::to_string(tile) + ": " + why);
  };
  if (cnt[tile] == 0 || off[tile] == 0) {  // sparse: nodata (GDAL's rule), else zero
    double v = nodata ? *nodata : 0.0;
    GDALCopyWords64(&v, GDT_Float64, 0, out.data(), type, bps, GPtrDiff_t(std::size_t(tw) * th));
    return ok_status();
  }
  thread_local std::vector<unsigned char> raw;
  unsigned char* src = out.data();
  if (compression != COMPRESSION_NONE) {
    raw.resize(cnt[tile]);
    src = raw.data();
  } else if (cnt[tile] < bytes) {
    return corrupt("truncated");
  }
  const std::size_t want = compression == COMPRESSION_NONE ? bytes : cnt[tile];
  for (std::size_t got = 0; got < want;) {
    ssize_t r = ::pread(fd, src + got, want - got, off_t(off[tile] + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return corrupt(r < 0 ? std::strerror(errno) : "truncated file");
    got += std::size_t(r);
  }
  if (compression == COMPRESSION_ZSTD) {
    std::size_t r = ZSTD_decompress(out.data(), bytes, raw.data(), raw.size());
    if (ZSTD_isError(r)) return corrupt(std::string("zstd: ") + ZSTD_getErrorName(r));
    if (r != bytes) return corrupt("short tile");
  } else if (compression != COMPRESSION_NONE) {
    struct Inflater {
      libdeflate_decompressor* d = libdeflate_alloc_decompressor();
      ~Inflater() { libdeflate_free_decompressor(d); }
    };
    thread_local Inflater inf;
    std::size_t actual = 0;
    if (libdeflate_zlib_decompress(inf.d, raw.data(), raw.size(), out.data(), bytes, &actual) != LIBDEFLATE_SUCCESS)
      return corrupt("deflate stream is corrupt");
    if (actual != bytes) return corrupt("short tile");
  }
  if (predictor == PREDICTOR_HORIZONTAL) {
    for (std::uint32_t r = 0; r < th; ++r) {
      unsigned char* row = out.data() + std::size_t(r) * tw * std::size_t(bps);
      if (bps == 1) undo_horizontal<std::uint8_t>(row, tw);
      else if (bps == 2) undo_horizontal<std::uint16_t>(row, tw);
      else if (bps == 4) undo_horizontal<std::uint32_t>(row, tw);
      else undo_horizontal<std::uint64_t>(row, tw);
    }
  } else if (predictor == PREDICTOR_FLOATINGPOINT) {
    // Each row holds the bytes of its samples as planes (most significant first), differenced
    // byte by byte along the row: sum them back, then interleave (little-endian host).
    thread_local std::vector<unsigned char> tmp;
    const std::size_t rb = std::size_t(tw) * std::size_t(bps);
    tmp.resize(rb);
    for (std::uint32_t r = 0; r < th; ++r) {
      unsigned char* row = out.data() + std::size_t(r) * rb;
      // Byte-wise running sum, eight bytes per step (lane-wise adds that do not carry across bytes).
      constexpr std::uint64_t kLo = 0x7F7F7F7F7F7F7F7FULL, kHi = 0x8080808080808080ULL, kOnes = 0x0101010101010101ULL;
      auto add8 = [](std::uint64_t a, std::uint64_t b) { return ((a & kLo) + (b & kLo)) ^ ((a ^ b) & kHi); };
      std::uint64_t carry = 0;
      std::size_t i = 0;
      for (; i + 8 <= rb; i += 8) {
        std::uint64_t x;
        std::memcpy(&x, row + i, 8);
        x = add8(x, x << 8);
        x = add8(x, x << 16);
        x = add8(x, x << 32);
        x = add8(x, carry * kOnes);
        std::memcpy(tmp.data() + i, &x, 8);
        carry = x >> 56;
      }
      for (unsigned char acc = static_cast<unsigned char>(carry); i < rb; ++i) tmp[i] = acc = static_cast<unsigned char>(acc + row[i]);
      const unsigned char* p = tmp.data();
      if (bps == 4) {
        for (std::uint32_t i = 0; i < tw; ++i) {
          std::uint32_t v = std::uint32_t(p[3 * tw + i]) | std::uint32_t(p[2 * tw + i]) << 8 |
                            std::uint32_t(p[tw + i]) << 16 | std::uint32_t(p[i]) << 24;
          std::memcpy(row + 4 * std::size_t(i), &v, 4);
        }
      } else {
        for (std::uint32_t i = 0; i < tw; ++i) {
          std::uint64_t v = 0;
          for (int b = 0; b < 8; ++b) v |= std::uint64_t(p[std::size_t(7 - b) * tw + i]) << (8 * b);
          std::memcpy(row + 8 * std::size_t(i), &v, 8);
        }
      }
    }
  }
  return ok_status();
}

Status Reader::read_direct(int x0, int y0, int w, int h, void* out, int gdal_type) const {
  const DirectTiles& t = *direct_;
  const int osz = GDALGetDataTypeSizeBytes(GDALDataType(gdal_type));
  thread_local std::vector<unsigned char> buf;
  for (std::uint32_t ty = std::uint32_t(y0) / t.th; ty * t.th < std::uint32_t(y0 + h); ++ty)
    for (std::uint32_t tx = std::uint32_t(x0) / t.tw; tx * t.tw < std::uint32_t(x0 + w); ++tx) {
      RL_TRY(t.decode(std::size_t(ty) * t.across + tx, buf));
      const int ax = std::max<int>(x0, int(tx * t.tw)), bx = std::min<int>(x0 + w, int((tx + 1) * t.tw));
      const int ay = std::max<int>(y0, int(ty * t.th)), by = std::min<int>(y0 + h, int((ty + 1) * t.th));
      for (int y = ay; y < by; ++y) {
        const unsigned char* s = buf.data() + (std::size_t(y - int(ty * t.th)) * t.tw + std::size_t(ax - int(tx * t.tw))) * std::size_t(t.bps);
        unsigned char* d = static_cast<unsigned char*>(out) + (std::size_t(y - y0) * std::size_t(w) + std::size_t(ax - x0)) * std::size_t(osz);
        GDALCopyWords64(s, t.type, t.bps, d, GDALDataType(gdal_type), osz, bx - ax);
      }
    }
  return ok_status();
}

Reader::Reader(Reader&& o) noexcept { *this = std::move(o); }
Reader& Reader::operator=(Reader&& o) noexcept {
  if (this != &o) {
    if (ds_ && ds_ != base_) GDALClose(ds_);
    if (base_) GDALClose(base_);
    ds_ = o.ds_;
    base_ = o.base_;
    nodata_ = o.nodata_;
    name_ = std::move(o.name_);
    path_ = std::move(o.path_);
    direct_ = std::move(o.direct_);
    o.ds_ = o.base_ = nullptr;
  }
  return *this;
}
Reader::~Reader() {
  if (ds_ && ds_ != base_) GDALClose(ds_);
  if (base_) GDALClose(base_);
}

Status check_alignable(const Source& src, const BandInfo& info, const Grid& target) {
  const Grid& g = info.grid;
  if (g.wkt.empty() != target.wkt.empty())
    return file_error("eco.crs_irreconcilable", src.path,
                      src.name + " has " + (g.wkt.empty() ? "no CRS" : "a CRS") + " but the land-cover grid has " +
                          (target.wkt.empty() ? "none" : "one"));
  double sx0 = g.gt[0], sx1 = g.gt[0] + g.gt[1] * g.cols;
  double sy0 = g.gt[3] + g.gt[5] * g.rows, sy1 = g.gt[3];
  if (sy0 > sy1) std::swap(sy0, sy1);
  if (!g.wkt.empty() && !same_crs(g.wkt, target.wkt)) {
    Srs a(g.wkt), b(target.wkt);
    if (!a.h || !b.h) return file_error("eco.crs_irreconcilable", src.path, src.name + ": CRS cannot be parsed");
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(a.h, b.h);
    if (!ct) return file_error("eco.crs_irreconcilable", src.path, src.name + ": no transformation to the land-cover CRS");
    double xs[4] = {sx0, sx1, sx0, sx1}, ys[4] = {sy0, sy0, sy1, sy1};
    int okv[4] = {0, 0, 0, 0};
    bool good = OCTTransformEx(ct, 4, xs, ys, nullptr, okv) != 0;
    OCTDestroyCoordinateTransformation(ct);
    if (!good || !(okv[0] && okv[1] && okv[2] && okv[3]))
      return file_error("eco.crs_irreconcilable", src.path, src.name + ": extent cannot be transformed to the land-cover CRS");
    sx0 = std::min({xs[0], xs[1], xs[2], xs[3]});
    sx1 = std::max({xs[0], xs[1], xs[2], xs[3]});
    sy0 = std::min({ys[0], ys[1], ys[2], ys[3]});
    sy1 = std::max({ys[0], ys[1], ys[2], ys[3]});
  }
  double tx0 = target.gt[0], tx1 = target.gt[0] + target.gt[1] * target.cols;
  double ty0 = target.gt[3] + target.gt[5] * target.rows, ty1 = target.gt[3];
  if (ty0 > ty1) std::swap(ty0, ty1);
  if (sx1 <= tx0 || sx0 >= tx1 || sy1 <= ty0 || sy0 >= ty1)
    return file_error("eco.no_overlap", src.path, src.name + " does not overlap the land-cover grid");
  return ok_status();
}

Result<Reader> Reader::open(const Source& src, const Grid& target) {
  init_gdal();
  auto info = probe(src.path);
  if (!info.ok()) return info.error();
  Reader r;
  r.name_ = src.name;
  r.path_ = src.path;
  r.base_ = GDALOpenEx(src.path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr,
                       nullptr, nullptr);
  if (!r.base_) return file_error("eco.raster_unreadable", src.path, last_gdal_error());
  r.nodata_ = info->nodata;
  if (info->grid.same(target)) {
    r.ds_ = r.base_;
    r.direct_ = DirectTiles::open(src.path, info->nodata);
    return r;
  }
  RL_TRY(check_alignable(src, *info, target));
  double x0 = target.gt[0], x1 = target.gt[0] + target.gt[1] * target.cols;
  double y1 = target.gt[3], y0 = target.gt[3] + target.gt[5] * target.rows;
  std::vector<std::string> args = {"-of", "VRT", "-r", resample_name(src.resample),
                                   "-te", std::to_string(std::min(x0, x1)), std::to_string(std::min(y0, y1)),
                                   std::to_string(std::max(x0, x1)), std::to_string(std::max(y0, y1)),
                                   "-ts", std::to_string(target.cols), std::to_string(target.rows)};
  if (!target.wkt.empty()) {
    args.push_back("-t_srs");
    args.push_back(target.wkt);
  }
  if (!info->nodata && !info->integer) {
    args.push_back("-dstnodata");
    args.push_back("-3.4028234663852886e+38");
    r.nodata_ = -3.4028234663852886e+38;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALWarpAppOptions* o = GDALWarpAppOptionsNew(argv.data(), nullptr);
  int usage_err = 0;
  GDALDatasetH srcs[1] = {r.base_};
  CPLErrorReset();
  r.ds_ = GDALWarp("", nullptr, 1, srcs, o, &usage_err);
  GDALWarpAppOptionsFree(o);
  if (!r.ds_) return file_error("eco.align_failed", src.path, src.name + " cannot be aligned: " + last_gdal_error());
  return r;
}

Status Reader::read_any(int x0, int y0, int w, int h, void* out, int gdal_type) const {
  if (direct_ && x0 >= 0 && y0 >= 0 && w > 0 && h > 0 && std::uint32_t(x0 + w) <= direct_->width &&
      std::uint32_t(y0 + h) <= direct_->height)
    return read_direct(x0, y0, w, h, out, gdal_type);
  GDALRasterBandH b = GDALGetRasterBand(ds_, 1);
  CPLErrorReset();
  if (GDALRasterIO(b, GF_Read, x0, y0, w, h, out, w, h, GDALDataType(gdal_type), 0, 0) != CE_None)
    return file_error("eco.raster_corrupt", path_,
                      name_ + " band 1: read failed at (" + std::to_string(x0) + "," + std::to_string(y0) +
                          "): " + last_gdal_error());
  return ok_status();
}
Status Reader::read(int x0, int y0, int w, int h, float* out) const { return read_any(x0, y0, w, h, out, GDT_Float32); }
int Reader::bands() const { return ds_ ? GDALGetRasterCount(ds_) : 0; }
Status Reader::read_bands(int x0, int y0, int w, int h, float* out) const {
  const int n = bands();
  CPLErrorReset();
  if (GDALDatasetRasterIO(ds_, GF_Read, x0, y0, w, h, out, w, h, GDT_Float32, n, nullptr, 0, 0, 0) != CE_None)
    return file_error("eco.raster_corrupt", path_,
                      name_ + ": read of " + std::to_string(n) + " bands failed at (" + std::to_string(x0) + "," + std::to_string(y0) +
                          "): " + last_gdal_error());
  return ok_status();
}
Status Reader::read(int x0, int y0, int w, int h, double* out) const { return read_any(x0, y0, w, h, out, GDT_Float64); }
Status Reader::read(int x0, int y0, int w, int h, std::int32_t* out) const { return read_any(x0, y0, w, h, out, GDT_Int32); }

// ----- Writer: a tiled GeoTIFF whose tiles are compressed in parallel -----------------------
//
// GDAL's GTiff writer compresses a block only when its cache evicts it or at close, on the
// dataset's lock, and copies every block through the global block cache. Here each tile is
// converted, predicted (integers) and ZSTD-compressed by the thread that produced it; libtiff
// appends the compressed bytes (TIFFWriteRawTile, under a lock) and writes the directory, and
// GDAL then adds the georeferencing and nodata tags in update mode. The file is an ordinary tiled
// (256 x 256) ZSTD GeoTIFF (BigTIFF when it might pass 4 GB); tiles never written hold nodata.

namespace {

constexpr int kTile = 256;

int gdal_type_of(PixelType t) {
  return t == PixelType::byte ? GDT_Byte : t == PixelType::int32 ? GDT_Int32 : t == PixelType::float32 ? GDT_Float32 : GDT_Float64;
}
int bytes_of(PixelType t) { return t == PixelType::byte ? 1 : t == PixelType::float64 ? 8 : 4; }

struct ZstdCtx {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ~ZstdCtx() { ZSTD_freeCCtx(c); }
};

}  // namespace

struct Writer::Impl {
  std::string path, tmp_path;
  Grid grid;
  WriteOptions opt;
  TIFF* tif = nullptr;                    // libtiff writes the container; tiles arrive compressed
  std::mutex tif_mu;                      // libtiff handles are not thread-safe
  int tx = 0, ty = 0, px = 4;
  std::vector<std::uint8_t> written;      // per tile: 1 once appended
  std::mutex mu;                          // pending partial tiles, first error
  struct Pending {
    std::vector<unsigned char> raw;
    std::int64_t covered = 0;
  };
  std::map<std::size_t, Pending> pending;
  std::optional<Error> error;

  std::int64_t tile_pixels(std::size_t t) const {
    int cx = int(t % std::size_t(tx)), cy = int(t / std::size_t(tx));
    return std::int64_t(std::min(kTile, grid.cols - cx * kTile)) * std::min(kTile, grid.rows - cy * kTile);
  }
  std::vector<unsigned char> nd_tile;  // a tile of nodata
  std::vector<unsigned char> nodata_tile() const { return nd_tile; }
  // Predicts (integers), compresses and appends one full tile (raw is modified).
  Status emit(std::size_t t, std::vector<unsigned char>& raw) {
    if (opt.type == PixelType::byte) {
      for (int r = 0; r < kTile; ++r) {
        auto* p = raw.data() + std::size_t(r) * kTile;
        for (int x = kTile - 1; x > 0; --x) p[x] = std::uint8_t(p[x] - p[x - 1]);
      }
    } else if (opt.type == PixelType::int32) {
      for (int r = 0; r < kTile; ++r) {
        std::uint32_t row[kTile];
        std::memcpy(row, raw.data() + std::size_t(r) * kTile * 4, sizeof row);
        for (int x = kTile - 1; x > 0; --x) row[x] -= row[x - 1];
        std::memcpy(raw.data() + std::size_t(r) * kTile * 4, row, sizeof row);
      }
    }
    thread_local ZstdCtx z;
    thread_local std::vector<unsigned char> packed;
    packed.resize(ZSTD_compressBound(raw.size()));
    std::size_t n = ZSTD_compressCCtx(z.c, packed.data(), packed.size(), raw.data(), raw.size(), opt.zstd_level);
    if (ZSTD_isError(n)) return file_error("eco.write_failed", path, std::string("zstd: ") + ZSTD_getErrorName(n));
    // Compression ran on this thread; libtiff only appends the bytes and records the tile.
    std::lock_guard lk(tif_mu);
    if (TIFFWriteRawTile(tif, std::uint32_t(t), packed.data(), tmsize_t(n)) != tmsize_t(n))
      return file_error("eco.write_failed", path, "libtiff could not append tile " + std::to_string(t));
    written[t] = 1;
    return ok_status();
  }
  // Copies the part of a window that falls in tile t into raw (tile layout, kTile stride).
  void copy_in(std::size_t t, int x0, int y0, int w, int h, const void* data, int src_type,
               std::vector<unsigned char>& raw, std::int64_t& count) const {
    int cx = int(t % std::size_t(tx)) * kTile, cy = int(t / std::size_t(tx)) * kTile;
    int ax = std::max(x0, cx), bx = std::min({x0 + w, cx + kTile, grid.cols});
    int ay = std::max(y0, cy), by = std::min({y0 + h, cy + kTile, grid.rows});
    int sp = GDALGetDataTypeSizeBytes(GDALDataType(src_type));
    for (int y = ay; y < by; ++y) {
      const auto* s = static_cast<const unsigned char*>(data) + (std::size_t(y - y0) * std::size_t(w) + std::size_t(ax - x0)) * std::size_t(sp);
      auto* d = raw.data() + (std::size_t(y - cy) * kTile + std::size_t(ax - cx)) * std::size_t(px);
      GDALCopyWords64(s, GDALDataType(src_type), sp, d, GDALDataType(gdal_type_of(opt.type)), px, bx - ax);
    }
    count = std::int64_t(std::max(0, bx - ax)) * std::max(0, by - ay);
  }
  Status write_tile(std::size_t t, int x0, int y0, int w, int h, const void* data, int src_type) {
    int cx = int(t % std::size_t(tx)) * kTile, cy = int(t / std::size_t(tx)) * kTile;
    bool full = x0 <= cx && y0 <= cy && x0 + w >= std::min(cx + kTile, grid.cols) && y0 + h >= std::min(cy + kTile, grid.rows);
    std::int64_t count = 0;
    if (full) {
      thread_local std::vector<unsigned char> raw;
      raw.assign(nd_tile.begin(), nd_tile.end());
      copy_in(t, x0, y0, w, h, data, src_type, raw, count);
      return emit(t, raw);
    }
    std::vector<unsigned char> ready;
    {
      std::lock_guard lk(mu);
      auto& p = pending[t];
      if (p.raw.empty()) p.raw = nodata_tile();
      copy_in(t, x0, y0, w, h, data, src_type, p.raw, count);
      p.covered += count;
      if (p.covered < tile_pixels(t)) return ok_status();
      ready = std::move(p.raw);
      pending.erase(t);
    }
    return emit(t, ready);
  }
};

Writer::Writer(Writer&&) noexcept = default;
Writer::~Writer() {
  if (impl_ && impl_->tif) (void)close();
}

Result<Writer> Writer::create(const std::string& path, const Grid& grid, const WriteOptions& opt) {
  init_gdal();
  if (grid.cols <= 0 || grid.rows <= 0) return file_error("eco.write_failed", path, "empty grid");
  Writer w;
  w.impl_ = std::make_unique<Impl>();
  auto& im = *w.impl_;
  im.path = path;
  im.grid = grid;
  im.opt = opt;
  im.tmp_path = opt.cog ? path + ".part.tif" : path;
  im.px = bytes_of(opt.type);
  im.tx = (grid.cols + kTile - 1) / kTile;
  im.ty = (grid.rows + kTile - 1) / kTile;
  std::size_t tiles = std::size_t(im.tx) * std::size_t(im.ty);
  const bool big = double(tiles) * kTile * kTile * im.px * 1.01 + double(tiles) * 16 + 65536 > 4.0e9;
  im.nd_tile.resize(std::size_t(kTile) * kTile * std::size_t(im.px));
  GDALCopyWords64(&opt.nodata, GDT_Float64, 0, im.nd_tile.data(), GDALDataType(gdal_type_of(opt.type)), im.px,
                  GPtrDiff_t(kTile) * kTile);
  im.written.assign(tiles, 0);
  im.tif = TIFFOpen(im.tmp_path.c_str(), big ? "w8" : "w");
  if (!im.tif) return file_error("eco.write_failed", path, "cannot create the TIFF file");
  const std::uint16_t fmt = opt.type == PixelType::byte    ? SAMPLEFORMAT_UINT
                            : opt.type == PixelType::int32 ? SAMPLEFORMAT_INT
                                                           : SAMPLEFORMAT_IEEEFP;
  bool ok = TIFFSetField(im.tif, TIFFTAG_IMAGEWIDTH, std::uint32_t(grid.cols)) &&
            TIFFSetField(im.tif, TIFFTAG_IMAGELENGTH, std::uint32_t(grid.rows)) &&
            TIFFSetField(im.tif, TIFFTAG_BITSPERSAMPLE, std::uint16_t(8 * im.px)) &&
            TIFFSetField(im.tif, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t(1)) &&
            TIFFSetField(im.tif, TIFFTAG_SAMPLEFORMAT, fmt) &&
            TIFFSetField(im.tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK) &&
            TIFFSetField(im.tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
            TIFFSetField(im.tif, TIFFTAG_TILEWIDTH, std::uint32_t(kTile)) &&
            TIFFSetField(im.tif, TIFFTAG_TILELENGTH, std::uint32_t(kTile)) &&
            TIFFSetField(im.tif, TIFFTAG_COMPRESSION, COMPRESSION_ZSTD) &&
            (fmt == SAMPLEFORMAT_IEEEFP || TIFFSetField(im.tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL));
  if (!ok) {
    TIFFClose(im.tif);
    im.tif = nullptr;
    std::error_code ec;
    std::filesystem::remove(im.tmp_path, ec);
    return file_error("eco.write_failed", path, "libtiff refused the tile layout");
  }
  return w;
}

Status Writer::write_raw(int x0, int y0, int w, int h, const void* data, int type) {
  auto& im = *impl_;
  if (!im.tif) return file_error("eco.write_failed", im.path, "write after close");
  if (w <= 0 || h <= 0) return ok_status();
  if (x0 < 0 || y0 < 0 || x0 + w > im.grid.cols || y0 + h > im.grid.rows)
    return file_error("eco.write_failed", im.path, "window outside the raster");
  int c0 = x0 / kTile, c1 = (x0 + w - 1) / kTile, r0 = y0 / kTile, r1 = (y0 + h - 1) / kTile;
  std::vector<std::size_t> ts;
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) ts.push_back(std::size_t(r) * std::size_t(im.tx) + std::size_t(c));
  if (ts.size() < 64) {
    for (auto t : ts) RL_TRY(im.write_tile(t, x0, y0, w, h, data, type));
    return ok_status();
  }
  // A large window (a whole band): encode its tiles on all cores.
  std::atomic<std::size_t> next{0};
  std::mutex emu;
  std::optional<Error> first;
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < ts.size();) {
      auto st = im.write_tile(ts[i], x0, y0, w, h, data, type);
      if (!st.ok()) {
        std::lock_guard lk(emu);
        if (!first) first = st.error();
        return;
      }
    }
  };
  unsigned n = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < n; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (first) return *first;
  return ok_status();
}

Status Writer::write(int x0, int y0, int w, int h, const float* d) { return write_raw(x0, y0, w, h, d, GDT_Float32); }
Status Writer::write(int x0, int y0, int w, int h, const double* d) { return write_raw(x0, y0, w, h, d, GDT_Float64); }
Status Writer::write(int x0, int y0, int w, int h, const std::int32_t* d) { return write_raw(x0, y0, w, h, d, GDT_Int32); }
Status Writer::write(int x0, int y0, int w, int h, const std::uint8_t* d) { return write_raw(x0, y0, w, h, d, GDT_Byte); }

Status Writer::close() {
  if (!impl_ || !impl_->tif) return ok_status();
  auto& im = *impl_;
  auto finish = [&](Status st) -> Status {
    if (im.tif) TIFFClose(im.tif);
    im.tif = nullptr;
    if (!st.ok()) {
      std::error_code ec;
      std::filesystem::remove(im.tmp_path, ec);
    }
    return st;
  };
  // Partial tiles, then tiles never written (nodata).
  std::map<std::size_t, Impl::Pending> pending;
  {
    std::lock_guard lk(im.mu);
    pending.swap(im.pending);
  }
  for (auto& [t, p] : pending)
    if (auto st = im.emit(t, p.raw); !st.ok()) return finish(st);
  for (std::size_t t = 0; t < im.written.size(); ++t)
    if (!im.written[t]) {
      auto raw = im.nodata_tile();
      if (auto st = im.emit(t, raw); !st.ok()) return finish(st);
    }
  // libtiff writes the directory (tile offsets and byte counts).
  if (!TIFFFlush(im.tif)) return finish(file_error("eco.write_failed", im.path, "libtiff could not write the directory"));
  TIFFClose(im.tif);
  im.tif = nullptr;
  // Georeferencing and nodata through GDAL (GeoTIFF keys from the WKT).
  CPLErrorReset();
  GDALDatasetH ds = GDALOpenEx(im.tmp_path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr);
  if (!ds) return finish(file_error("eco.write_failed", im.path, "reopen: " + last_gdal_error()));
  GDALSetGeoTransform(ds, const_cast<double*>(im.grid.gt.data()));
  if (!im.grid.wkt.empty()) GDALSetProjection(ds, im.grid.wkt.c_str());
  GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), im.opt.nodata);
  GDALClose(ds);
  if (CPLGetLastErrorType() >= CE_Failure) return finish(file_error("eco.write_failed", im.path, last_gdal_error()));
  if (im.opt.cog) {
    Status st = translate_to_cog(impl_->tmp_path, impl_->path);
    std::error_code ec;
    std::filesystem::remove(impl_->tmp_path, ec);
    return st;
  }
  return ok_status();
}

Status translate_to_cog(const std::string& src_path, const std::string& dst, bool rebuild_overviews) {
  init_gdal();
  GDALDatasetH src = GDALOpenEx(src_path.c_str(), GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr);
  if (!src) return file_error("eco.write_failed", src_path, last_gdal_error());
  // DEFLATE for the widest reader support (level 1: ~10 % larger than 6, faster); overviews by
  // averaging, which keeps a quantity map's means (cubic overshoots, nearest drops pixels).
  std::vector<const char*> args = {"-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "LEVEL=1", "-co", "RESAMPLING=AVERAGE",
                                   "-co", "NUM_THREADS=ALL_CPUS"};
  if (rebuild_overviews) {
    args.push_back("-co");
    args.push_back("OVERVIEWS=IGNORE_EXISTING");
  }
  args.push_back(nullptr);
  GDALTranslateOptions* o = GDALTranslateOptionsNew(const_cast<char**>(args.data()), nullptr);
  int err = 0;
  GDALDatasetH out = GDALTranslate(dst.c_str(), src, o, &err);
  GDALTranslateOptionsFree(o);
  GDALClose(src);
  if (!out) {
    std::error_code ec;
    std::filesystem::remove(dst, ec);
    return file_error("eco.write_failed", dst, "COG conversion: " + last_gdal_error());
  }
  GDALClose(out);
  return ok_status();
}

int thread_count(const EngineOptions& opt) {
  if (opt.threads > 0) return opt.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n ? int(n) : 1;
}

Status for_each_tile(const Grid& grid, const EngineOptions& opt, int bytes_per_pixel,
                     const std::function<Status(int, const Window&)>& fn) {
  int threads = thread_count(opt);
  int tile = std::max(16, opt.tile);
  while (tile > 16 && std::int64_t(threads) * tile * tile * std::max(1, bytes_per_pixel) > opt.memory_budget / 2) tile /= 2;
  std::vector<Window> tiles;
  for (int y = 0; y < grid.rows; y += tile)
    for (int x = 0; x < grid.cols; x += tile)
      tiles.push_back({x, y, std::min(tile, grid.cols - x), std::min(tile, grid.rows - y)});
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first;
  auto work = [&](int t) {
    for (;;) {
      if (failed.load()) return;
      std::size_t i = next.fetch_add(1);
      if (i >= tiles.size()) return;
      auto st = opt.cancelled && opt.cancelled() ? Status(Error::make(ErrorKind::conflict, "eco.cancelled", "the run was cancelled"))
                                                 : fn(t, tiles[i]);
      if (!st.ok()) {
        std::lock_guard lk(mu);
        if (!first) first = st.error();
        failed = true;
        return;
      }
      std::size_t d = done.fetch_add(1) + 1;
      if (opt.progress) {
        std::lock_guard lk(mu);
        opt.progress(double(d) / double(tiles.size()), "");
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (first) return *first;
  return ok_status();
}

Result<Zones> rasterize_zones(const std::string& vector_path, const std::string& id_field, const Grid& grid,
                              const std::string& out_raster_path) {
  init_gdal();
  if (!std::filesystem::exists(vector_path)) return file_error("eco.file_missing", vector_path, "file does not exist");
  GDALDatasetH vds = GDALOpenEx(vector_path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                                nullptr, nullptr, nullptr);
  if (!vds) return file_error("eco.vector_unreadable", vector_path, "not a readable vector: " + last_gdal_error());
  struct Closer { GDALDatasetH d; ~Closer() { GDALClose(d); } } closer{vds};
  if (GDALDatasetGetLayerCount(vds) < 1) return file_error("eco.vector_empty", vector_path, "no layer");
  OGRLayerH layer = GDALDatasetGetLayer(vds, 0);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
  int id_idx = -1, name_idx = -1;
  if (!id_field.empty()) {
    id_idx = OGR_FD_GetFieldIndex(defn, id_field.c_str());
    if (id_idx < 0) return file_error("eco.vector_field", vector_path, "field '" + id_field + "' is missing");
  }
  name_idx = OGR_FD_GetFieldIndex(defn, "name");
  OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(layer);
  Srs gsrs(grid.wkt);
  OGRCoordinateTransformationH ct = nullptr;
  if (lsrs && gsrs.h && !OSRIsSame(lsrs, gsrs.h)) {
    OSRSetAxisMappingStrategy(lsrs, OAMS_TRADITIONAL_GIS_ORDER);
    ct = OCTNewCoordinateTransformation(lsrs, gsrs.h);
    if (!ct) return file_error("eco.crs_irreconcilable", vector_path, "no transformation to the land-cover CRS");
  }
  Zones out;
  out.raster_path = out_raster_path;
  std::vector<OGRGeometryH> geoms;
  std::vector<double> burn;
  OGR_L_ResetReading(layer);
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(layer)) != nullptr) {
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    Zone z;
    z.fid = OGR_F_GetFID(f);
    z.id = id_idx >= 0 ? OGR_F_GetFieldAsInteger64(f, id_idx) : z.fid;
    if (name_idx >= 0) z.name = OGR_F_GetFieldAsString(f, name_idx);
    if (g) {
      OGRGeometryH c = OGR_G_Clone(g);
      if (ct) OGR_G_Transform(c, ct);
      z.area_m2 = OGR_G_Area(c);
      geoms.push_back(c);
      burn.push_back(double(out.zones.size() + 1));
    }
    out.zones.push_back(z);
    OGR_F_Destroy(f);
  }
  if (ct) OCTDestroyCoordinateTransformation(ct);
  struct Owned {
    std::vector<OGRGeometryH> v;
    ~Owned() { for (auto g : v) OGR_G_DestroyGeometry(g); }
  } owned{std::move(geoms)};
  auto w = Writer::create(out_raster_path, grid, {.type = PixelType::int32, .nodata = -1});
  if (!w.ok()) return w.error();
  // Burn strips of 256 rows in memory on all cores (each thread on its own copy of the
  // geometries) and hand each strip to the writer: no read-modify-write of the file.
  const int strips = (grid.rows + 255) / 256;
  std::atomic<int> next{0};
  std::mutex emu;
  std::optional<Error> first;
  auto work = [&] {
    Owned mine;
    for (auto g : owned.v) mine.v.push_back(OGR_G_Clone(g));
    GDALDriverH mem = GDALGetDriverByName("MEM");
    std::vector<std::int32_t> buf;
    for (int s; (s = next.fetch_add(1)) < strips;) {
      int y0 = s * 256, h = std::min(256, grid.rows - y0);
      buf.assign(std::size_t(grid.cols) * std::size_t(h), 0);
      CPLErr e = CE_None;
      if (!mine.v.empty()) {
        GDALDatasetH ds = GDALCreate(mem, "", grid.cols, h, 1, GDT_Int32, nullptr);
        if (!ds) e = CE_Failure;
        else {
          std::array<double, 6> gt = grid.gt;
          gt[0] += y0 * grid.gt[2];
          gt[3] += y0 * grid.gt[5];
          GDALSetGeoTransform(ds, gt.data());
          int band = 1;
          e = GDALRasterizeGeometries(ds, 1, &band, int(mine.v.size()), mine.v.data(), nullptr, nullptr, burn.data(),
                                      nullptr, nullptr, nullptr);
          if (e == CE_None)
            e = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, grid.cols, h, buf.data(), grid.cols, h, GDT_Int32, 0, 0);
          GDALClose(ds);
        }
      }
      Status st = e == CE_None ? w->write(0, y0, grid.cols, h, buf.data())
                               : Status(file_error("eco.rasterize_failed", vector_path, last_gdal_error()));
      if (!st.ok()) {
        std::lock_guard lk(emu);
        if (!first) first = st.error();
        return;
      }
    }
  };
  unsigned nt = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < nt; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (first) return *first;
  RL_TRY(w->close());
  return out;
}

namespace {
template <class T>
Result<std::vector<T>> read_all_t(const Source& src, const Grid& grid, std::optional<double>* nodata) {
  auto r = Reader::open(src, grid);
  if (!r.ok()) return r.error();
  std::vector<T> v(std::size_t(grid.pixels()));
  RL_TRY(r->read(0, 0, grid.cols, grid.rows, v.data()));
  if (nodata) *nodata = r->nodata();
  return v;
}
}  // namespace

Result<std::vector<float>> read_all_f32(const Source& s, const Grid& g, std::optional<double>* nd) { return read_all_t<float>(s, g, nd); }
Result<std::vector<double>> read_all_f64(const Source& s, const Grid& g, std::optional<double>* nd) { return read_all_t<double>(s, g, nd); }
Result<std::vector<std::int32_t>> read_all_i32(const Source& s, const Grid& g, std::optional<double>* nd) { return read_all_t<std::int32_t>(s, g, nd); }

template <class T>
Status write_all(const std::string& path, const Grid& grid, const WriteOptions& opt, const std::vector<T>& data) {
  auto w = Writer::create(path, grid, opt);
  if (!w.ok()) return w.error();
  RL_TRY(w->write(0, 0, grid.cols, grid.rows, data.data()));
  return w->close();
}
template Status write_all<float>(const std::string&, const Grid&, const WriteOptions&, const std::vector<float>&);
template Status write_all<double>(const std::string&, const Grid&, const WriteOptions&, const std::vector<double>&);
template Status write_all<std::int32_t>(const std::string&, const Grid&, const WriteOptions&, const std::vector<std::int32_t>&);
template Status write_all<std::uint8_t>(const std::string&, const Grid&, const WriteOptions&, const std::vector<std::uint8_t>&);

}  // namespace riverlink::eco::raster
