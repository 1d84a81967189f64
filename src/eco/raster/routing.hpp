// eco/raster routing: priority-flood pit filling, D8 and MFD flow direction, flow accumulation
// and the upslope/downslope traversals used by LS factors and SDR.
//
// Conventions follow pygeoprocessing (the routing library of InVEST): neighbour k in 0..7 is
//   3 2 1
//   4 x 0
//   5 6 7
// MFD directions are 8 nibbles packed in an int32 (0xF & (d >> 4k) is the weight towards k;
// 0 = nodata), proportional to the drop (diagonal drops / sqrt 2), quantised to int(0.5 + 15 w/sum).
// Flats are drained by plateau distance to their drains (pixels of the flat with a lower
// neighbour; if none, pixels of the flat next to nodata or the edge, which drain there).
// D8 directions are 0..7 (255 = nodata): the steepest drop, flats by the same plateau distance.
//
// These routines hold whole bands in memory: callers check routing_bytes() against their budget.
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <vector>

namespace riverlink::eco::raster {

constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};
inline int mfd_weight(std::int32_t d, int k) { return (d >> (4 * k)) & 0xF; }
// Sum of the 8 weights (nibbles added in parallel within the word).
inline int mfd_sum(std::int32_t d) {
  std::uint32_t u = std::uint32_t(d);
  u = (u & 0x0F0F0F0Fu) + ((u >> 4) & 0x0F0F0F0Fu);
  u += u >> 8;
  u += u >> 16;
  return int(u & 0xFFu);
}

struct Dims {
  int cols = 0, rows = 0;
  std::size_t n() const { return std::size_t(cols) * std::size_t(rows); }
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < cols && y < rows; }
};

// Neighbour navigation without a division per step: the row of a cell index comes from one
// 64 x 64 -> 128-bit multiply (exact for every index below 2^32), neighbour indices from fixed
// offsets, and only cells on the raster's border check each neighbour against the edges.
class Nav {
 public:
  explicit Nav(Dims d) : d_(d), cols_(std::uint32_t(d.cols)) {
    magic_ = d.cols > 0 ? ~std::uint64_t(0) / std::uint64_t(d.cols) + 1 : 0;
    for (int k = 0; k < 8; ++k) off_[k] = std::int64_t(kDy[k]) * d.cols + kDx[k];
  }
  std::uint32_t row(std::uint32_t c) const {
    __extension__ using u128 = unsigned __int128;
    return d_.cols == 1 ? c : std::uint32_t((u128(c) * magic_) >> 64);
  }
  // Calls f(k, n) for each neighbour n (direction k, 0..7) of c inside the raster.
  template <class F>
  void each(std::uint32_t c, F&& f) const {
    std::uint32_t y = row(c), x = c - y * cols_;
    if (x - 1 < cols_ - 2 && y - 1 < std::uint32_t(d_.rows) - 2) {
      for (int k = 0; k < 8; ++k) f(k, std::uint32_t(std::int64_t(c) + off_[k]));
      return;
    }
    for (int k = 0; k < 8; ++k) {
      int nx = int(x) + kDx[k], ny = int(y) + kDy[k];
      if (d_.inside(nx, ny)) f(k, std::uint32_t(std::int64_t(c) + off_[k]));
    }
  }
  // The neighbours of c in n[k]; returns the mask of those inside the raster (bit k).
  unsigned around(std::uint32_t c, std::uint32_t (&n)[8]) const {
    std::uint32_t y = row(c), x = c - y * cols_;
    for (int k = 0; k < 8; ++k) n[k] = std::uint32_t(std::int64_t(c) + off_[k]);
    if (x - 1 < cols_ - 2 && y - 1 < std::uint32_t(d_.rows) - 2) return 0xFF;
    unsigned mask = 0;
    for (int k = 0; k < 8; ++k)
      if (d_.inside(int(x) + kDx[k], int(y) + kDy[k])) mask |= 1u << k;
    return mask;
  }
  // Neighbour k of c; false when it lies outside the raster.
  bool nb(std::uint32_t c, int k, std::uint32_t& n) const {
    std::uint32_t y = row(c), x = c - y * cols_;
    if (!d_.inside(int(x) + kDx[k], int(y) + kDy[k])) return false;
    n = std::uint32_t(std::int64_t(c) + off_[k]);
    return true;
  }

 private:
  Dims d_;
  std::uint32_t cols_;
  std::uint64_t magic_ = 0;
  std::int64_t off_[8];
};

// Peak bytes per pixel of the in-memory SDR pipeline (DEM, directions, order, accumulations,
// factor and output bands; measured ~170 B/px including the GDAL cache at 1 Mpx).
constexpr std::int64_t kRoutingBytesPerPixel = 160;

// Fills pits in place: every cell is raised to the lowest level at which it can drain to the edge
// or to a nodata cell (8-connected). Nodata cells (is_nodata) are untouched. Flats remain flat.
// Cells found on a slope above a cell whose level is already final are final themselves and are
// traced with a plain stack; only cells next to a lower unresolved cell enter the priority queue
// (the slope-tracing variant of priority-flood, Zhou et al. 2016). The result is the unique
// priority-flood filling.
// With threads > 1, strips are filled in parallel and joined through their spill graph.
void fill_pits(std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid, int threads = 1);

// Percent slope, 3x3 finite differences with 1-2-1 weights (Horn); a pair with a missing cell
// (nodata or outside the raster) falls back to a one-sided difference as in pygeoprocessing.
// Invalid cells get `nodata`.
std::vector<float> slope_percent(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                 double cell_x, double cell_y, float nodata, int threads = 1);

// Cells with a lower neighbour are independent and computed on `threads` threads; flats follow.
std::vector<std::int32_t> flow_dir_mfd(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                       int threads = 1);
std::vector<std::uint8_t> flow_dir_d8(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid);
// D8 directions as MFD-packed weights (15 towards the single neighbour), so every MFD routine works on D8.
std::vector<std::int32_t> d8_as_mfd(const std::vector<std::uint8_t>& d8);

// Upslope-first order of the cells with a direction: a row-major scan starts at every cell
// without inflow and follows each cell whose last upslope neighbour it has just emitted, depth
// first, so consecutive cells are neighbours and later passes over the order stay in cache.
// With `counts`, also the plain flow accumulation (each cell counting itself; `nodata` where no
// direction) in the same pass: the values accumulate() gives over this order.
std::vector<std::uint32_t> upslope_first_order(const std::vector<std::int32_t>& fdir, Dims d,
                                               std::vector<double>* counts = nullptr, double nodata = -1);

// Weighted accumulation acc_i = v_i + sum_j p(j,i) acc_j (p = MFD share); v nullptr counts 1 per
// cell (plain flow accumulation, counting the cell itself). Cells without direction get `nodata`.
std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<double>* v, double nodata);
// Two float32-weighted accumulations in one traversal (each equal to accumulate(.., v, ..)).
void accumulate_pair(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                     const std::vector<float>& v1, const std::vector<float>& v2, double nodata,
                     std::vector<double>& out1, std::vector<double>& out2);
// The same with float32 per-cell values (acc_i starts at double(v_i)).
std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<float>& v, double nodata);

}  // namespace riverlink::eco::raster
