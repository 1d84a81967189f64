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
#include <optional>
#include <vector>

namespace riverlink::eco::raster {

constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};
inline int mfd_weight(std::int32_t d, int k) { return (d >> (4 * k)) & 0xF; }

struct Dims {
  int cols = 0, rows = 0;
  std::size_t n() const { return std::size_t(cols) * std::size_t(rows); }
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < cols && y < rows; }
};

// Peak bytes per pixel of the in-memory SDR pipeline (DEM, directions, order, accumulations,
// factor and output bands; measured ~170 B/px including the GDAL cache at 1 Mpx).
constexpr std::int64_t kRoutingBytesPerPixel = 160;

// Fills pits in place: every cell is raised to the lowest level at which it can drain to the edge
// or to a nodata cell (8-connected). Nodata cells (is_nodata) are untouched. Flats remain flat.
void fill_pits(std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid);

// Percent slope, 3x3 finite differences with 1-2-1 weights (Horn); a pair with a missing cell
// (nodata or outside the raster) falls back to a one-sided difference as in pygeoprocessing.
// Invalid cells get `nodata`.
std::vector<float> slope_percent(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                 double cell_x, double cell_y, float nodata);

std::vector<std::int32_t> flow_dir_mfd(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid);
std::vector<std::uint8_t> flow_dir_d8(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid);
// D8 directions as MFD-packed weights (15 towards the single neighbour), so every MFD routine works on D8.
std::vector<std::int32_t> d8_as_mfd(const std::vector<std::uint8_t>& d8);

// Upslope-first order of the cells with a direction (Kahn's algorithm on the flow graph).
std::vector<std::uint32_t> upslope_first_order(const std::vector<std::int32_t>& fdir, Dims d);

// Weighted accumulation acc_i = v_i + sum_j p(j,i) acc_j (p = MFD share); v nullptr counts 1 per
// cell (plain flow accumulation, counting the cell itself). Cells without direction get `nodata`.
std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<double>* v, double nodata);
// The same with float32 per-cell values (acc_i starts at double(v_i)).
std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<float>& v, double nodata);

}  // namespace riverlink::eco::raster
