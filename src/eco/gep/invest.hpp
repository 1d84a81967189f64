// InVEST 3.13.0-compatible models: Annual Water Yield, Carbon (cur/fut) and SDR.
//
// Each reads an InVEST args JSON (same keys; relative paths resolve against the file's folder)
// and writes InVEST's output file names, units and watershed tables into a workspace.
// AWY and Carbon stream tiles through the raster engine; SDR keeps only the routing state in
// memory (kSdrBytesPerPixel, checked against the memory budget first) and streams the rest.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "eco/raster/raster.hpp"

namespace riverlink::eco::gep {

struct AwyArgs {
  std::string lulc, precipitation, eto, depth, pawc, watersheds, biophysical_table;
  double seasonality = 0;
  std::string suffix;
};
struct CarbonArgs {
  std::string lulc_cur, lulc_fut, carbon_pools;
  bool sequestration = false, valuation = false;
  int cur_year = 0, fut_year = 0;
  double price = 0, discount_rate = 0, rate_change = 0;
  std::string watersheds;  // riverlink extension: optional per-watershed sums
  std::string suffix;
};
struct SdrArgs {
  std::string dem, erosivity, erodibility, lulc, watersheds, biophysical_table, drainage;
  double tfa = 0, k = 2, ic0 = 0.5, sdr_max = 0.8, l_max = 122;
  std::string suffix;
};

// Parse an args file; every path is resolved against the file's folder; errors name the key.
Result<AwyArgs> parse_awy_args(const std::string& args_file);
Result<CarbonArgs> parse_carbon_args(const std::string& args_file);
Result<SdrArgs> parse_sdr_args(const std::string& args_file);
Result<AwyArgs> awy_args_from_json(const core::Json& j, const std::string& base_dir, const std::string& file);
Result<CarbonArgs> carbon_args_from_json(const core::Json& j, const std::string& base_dir, const std::string& file);
Result<SdrArgs> sdr_args_from_json(const core::Json& j, const std::string& base_dir, const std::string& file);

// Peak bytes per pixel of run_sdr (routing state in memory; per-pixel bands streamed to disk).
constexpr std::int64_t kSdrBytesPerPixel = 32;

struct WatershedRow {
  std::int64_t ws_id = 0;
  std::string name;
  std::map<std::string, double> values;
};

struct ModelResult {
  std::vector<WatershedRow> watersheds;
  std::map<std::string, double> totals;  // whole-map totals (Carbon), pixel counts etc.
  std::vector<std::string> files;        // written, relative to the workspace
  std::map<std::string, double> seconds; // wall time of the stages
};

Result<ModelResult> run_awy(const AwyArgs& a, const std::string& workspace, const raster::EngineOptions& opt);
Result<ModelResult> run_carbon(const CarbonArgs& a, const std::string& workspace, const raster::EngineOptions& opt);
Result<ModelResult> run_sdr(const SdrArgs& a, const std::string& workspace, const raster::EngineOptions& opt);

// InVEST Carbon valuation constant K (currency per Mg C of change).
double carbon_valuation_constant(int cur_year, int fut_year, double price, double discount_pct, double rate_change_pct);

// Per-pixel formulas, exposed for the analytic tests (float32 as InVEST computes them).
float awy_fractp(float kc, float root_depth, bool veg, float precip, float eto, float depth, float pawc, float z);
double ls_factor_313(double slope_pct, double fa, double aspect_x, double cell_size, double l_max);
// InVEST >= 3.14 (Desmet & Govers with sqrt of the upslope area and x = |sin t| + |cos t|, spec 6.3).
double ls_factor_desmet_govers(double slope_pct, double fa, double cell_size, double l_max);
// Chinese variant: S after McCool (1987) and Liu Baoyuan (1994) for steep slopes, L = (lambda/22.13)^m
// with lambda = min(FA x cell size, max_length) and m by slope (0.2/0.3/0.4/0.5 at 1/3/5 %).
double ls_factor_china(double slope_pct, double fa, double cell_size, double max_length);

}  // namespace riverlink::eco::gep
