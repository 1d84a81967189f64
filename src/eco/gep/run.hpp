// GEP accounting run: a run definition (JSON) names rasters, vectors, tables and a standard
// profile; every coefficient, parameter and price comes from those files, none from code.
//
// Run file (paths relative to its folder):
//   {"name": "...", "accounting_year": 2022, "profile": "profile.json", ["lulc_previous_year": 2017,]
//    "rasters": {"lulc": "...", "precipitation": "...", "et": "...", "npp": "...", "storm_precipitation": "..."},
//    "zones": {"path": "admin.geojson", "id_field": "code"},
//    "tables": {"coefficients": "coef.csv", "prices": "prices.csv", "deflators": "deflators.csv",
//               "emissions": "emissions.csv", "products": "products.csv"}}
// Profile: {"id", "version", "parameters": {...}, "indicators": {name: {"included", "category",
//   "price", "variant", "pollutants": {pollutant: price_item}}}}
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "eco/raster/raster.hpp"

namespace riverlink::eco::gep {

inline constexpr const char* kEngineVersion = "riverlink-eco 0.1.0";

struct RunDefinition {
  std::string file, base_dir, name;
  int accounting_year = 0;
  int lulc_previous_year = 0;  // year of rasters.lulc_previous (carbon by stock difference)
  std::string profile_path;
  core::Json profile;
  std::map<std::string, std::string> rasters;
  std::string zones_path, zones_id_field;
  std::map<std::string, std::string> tables;
};

// Reads the run file and the profile; resolves paths. Errors name the file and key.
Result<RunDefinition> load_run(const std::string& file);
// Checks everything before running: files readable, rasters alignable and not all nodata, every
// land-cover class in the coefficient table, needed columns present, prices for the accounting
// year (directly or through the deflator table). Returns the list of checks done.
Result<std::vector<std::string>> validate_run(const RunDefinition& def, const raster::EngineOptions& opt);

struct ServiceTotal {
  std::string indicator, category, unit;
  double quantity = 0;
  std::int64_t value_fen = 0;
};
struct RunResult {
  std::vector<ServiceTotal> services;
  std::int64_t gep_fen = 0;
  std::map<std::string, double> category_share;  // provisioning / regulating / cultural
  std::vector<std::string> files;
  std::string manifest_sha256;
  // Wall seconds by stage: validate, routing (LS factor), services (per-pixel quantities and
  // values), outputs (COG conversion), tables, manifest, quicklooks, report, total.
  std::map<std::string, double> seconds;
};

Result<RunResult> run_gep(const RunDefinition& def, const std::string& out_dir, const raster::EngineOptions& opt);

// Unit price of an item in the accounting year (yuan per unit): the year's own entry, or the
// latest earlier entry deflated with the deflator table. Errors name the file and item.
Result<double> price_for(const std::vector<std::vector<std::string>>& prices, const std::string& prices_file,
                         const std::vector<std::vector<std::string>>& deflators, const std::string& item, int year);

}  // namespace riverlink::eco::gep
