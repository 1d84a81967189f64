// Presentation outputs of a GEP run: PNG quick-look maps (with their WGS 84 bounds, for Leaflet
// image overlays) and a printable HTML report.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace riverlink::eco::gep {

struct QuickLook {
  std::string service;  // service name, or "gep_total"
  std::string png;      // relative to the run folder: quicklooks/<service>.png
  double min = 0, max = 0;                // value range of the colour ramp (yuan per pixel)
  std::array<double, 4> bounds{};          // south, west, north, east (degrees, WGS 84)
  int width = 0, height = 0;
};

// Reads rasters/<service>_value.tif of each service (decimated to at most max_px on the longest
// side), writes quicklooks/<service>.png (RGBA, nodata transparent, colour ramp between the 2nd
// and 98th percentile) and quicklooks/gep_total.png (sum over services), plus quicklooks.json.
Result<std::vector<QuickLook>> write_quicklooks(const std::string& run_dir, const std::vector<std::string>& services, int max_px = 800);

core::Json to_json(const QuickLook& q);

// report.html: summary, category shares, services, zonal table, maps, manifest hash; printable.
Status write_report(const std::string& run_dir, const core::Json& summary, const core::Json& zonal, const std::vector<QuickLook>& maps,
                    const std::string& manifest_sha256);

}  // namespace riverlink::eco::gep
