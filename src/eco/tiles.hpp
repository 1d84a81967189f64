// XYZ web-map tiles of a GEP run's value rasters: 256 x 256 RGBA PNGs in EPSG:3857 (Web
// Mercator, the OSM/Leaflet tiling scheme), warped by GDAL from just the tile's window of the
// COG outputs (their overviews when zoomed out), coloured with the quick-looks' ramp and legend,
// transparent where the rasters hold nodata or do not reach. A plain library: no HTTP.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace riverlink::eco::tiles {

inline constexpr int kTileSize = 256;
inline constexpr int kMaxZoom = 22;

// The quick-looks' green ramp (light to dark; gep/outputs.cpp uses the same five stops): t in
// [0, 1] (clamped) to RGB.
std::array<std::uint8_t, 3> ramp(double t);

struct TileKey {
  int z = 0, x = 0, y = 0;
};

// 0 <= z <= kMaxZoom and 0 <= x, y < 2^z; the error names the field (z, x or y).
Status check(const TileKey& k);

// Parses "12" (z, x) or "345" / "345.png" (y) strictly; errors name the field.
Result<int> parse_coordinate(const std::string& text, const std::string& field);

// The tile's bounds in EPSG:3857 metres: min x, min y, max x, max y.
std::array<double, 4> bounds_3857(const TileKey& k);

struct Layer {
  std::vector<std::string> rasters;  // one value raster, or several summed per pixel (nodata where all are)
  double min = 0, max = 0;           // ramp range: the quick-look's legend (yuan per pixel)
};

struct Tile {
  bool empty = true;  // no pixel of the rasters falls in the tile
  std::string png;    // 256 x 256 RGBA PNG
};

// Renders one tile: each raster warped (nearest neighbour, GDAL picks the overview level) onto the
// tile's 256 x 256 grid, summed, coloured with ramp((v - min) / (max - min)), alpha 0 where nodata or
// outside. Thread-safe (each call opens its own datasets).
Result<Tile> render(const Layer& layer, const TileKey& k);

// A fully transparent 256 x 256 PNG.
const std::string& transparent_png();

// The raster to tile from: the raster itself when it has overviews or is small (at most 1024 px on
// its longer side); otherwise a copy with overviews (COG, average resampling) built once under
// cache_dir (written to a temporary name, then renamed; concurrent callers wait for it).
Result<std::string> with_overviews(const std::string& raster, const std::string& cache_dir);

// Writes the per-pixel sum of rasters on one grid (nodata only where all are nodata) to out as a
// Float32 COG with overviews (through a temporary file, then renamed): the gep_total layer's
// source, so that its tiles warp one raster instead of one per service.
Status write_sum(const std::vector<std::string>& rasters, const std::string& out);

}  // namespace riverlink::eco::tiles
