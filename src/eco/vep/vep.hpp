// VEP (特定地域单元生态产品价值) on parcel polygons: per-service value of a baseline and a project
// scenario (two GEP run output folders on the same grid, profile, prices and accounting year),
// summed over each parcel with exact fractional pixel coverage (area-weighted) and, next to it,
// the pixel-centre rule; the gain is project - baseline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace riverlink::eco::vep {

struct ParcelService {
  std::int64_t parcel_id = 0;
  std::string parcel_name, service;
  double parcel_area_m2 = 0;
  std::int64_t baseline_fen = 0, project_fen = 0, gain_fen = 0;                        // fractional coverage
  std::int64_t baseline_centre_fen = 0, project_centre_fen = 0, gain_centre_fen = 0;  // pixel-centre rule
};

struct VepResult {
  std::vector<ParcelService> rows;
  std::vector<std::string> files;
};

Result<VepResult> run_vep(const std::string& parcels_path, const std::string& id_field, const std::string& baseline_dir,
                          const std::string& project_dir, const std::string& out_dir);

}  // namespace riverlink::eco::vep
