// Small generated rasters and vectors for eco tests (no shared data needed).
#pragma once

#include <cpl_conv.h>
#include <ogr_srs_api.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "eco/raster/raster.hpp"

namespace riverlink::eco::testing {

inline std::string wkt_of_epsg(int epsg) {
  OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(s, epsg);
  char* w = nullptr;
  OSRExportToWkt(s, &w);
  std::string out = w;
  CPLFree(w);
  OSRDestroySpatialReference(s);
  return out;
}
inline std::string utm50n_wkt() { return wkt_of_epsg(32650); }

// A fresh temporary folder per test.
inline std::string temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("riverlink_eco_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline raster::Grid grid(int cols, int rows, double cell = 30, double x0 = 630000, double y0 = 3760020) {
  raster::Grid g;
  g.cols = cols;
  g.rows = rows;
  g.gt = {x0, cell, 0, y0, 0, -cell};
  g.wkt = utm50n_wkt();
  return g;
}

template <class T>
void write(const std::string& path, const raster::Grid& g, raster::PixelType t, double nodata, const std::vector<T>& v) {
  auto st = raster::write_all(path, g, {.type = t, .nodata = nodata}, v);
  if (!st.ok()) throw std::runtime_error(st.error().message);
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream o(path, std::ios::binary);
  o << text;
}

// A GeoJSON polygon layer (EPSG:32650) of axis-aligned rectangles with fields ws_id and name.
struct Rect {
  long id;
  double x0, y0, x1, y1;
};
inline void write_rects(const std::string& path, const std::vector<Rect>& rects) {
  std::string s = R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32650"}},"features":[)";
  for (std::size_t i = 0; i < rects.size(); ++i) {
    const auto& r = rects[i];
    char b[512];
    std::snprintf(b, sizeof b,
                  R"(%s{"type":"Feature","properties":{"ws_id":%ld,"name":"zone %ld"},"geometry":{"type":"Polygon","coordinates":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}})",
                  i ? "," : "", r.id, r.id, r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1, r.x0, r.y0);
    s += b;
  }
  s += "]}";
  write_text(path, s);
}

}  // namespace riverlink::eco::testing
