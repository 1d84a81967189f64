#include "eco/gep/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "core/hash.hpp"
#include "eco/gep/exact_sum.hpp"
#include "eco/gep/formulas.hpp"
#include "eco/gep/invest.hpp"
#include "eco/gep/outputs.hpp"
#include "eco/gep/table.hpp"
#include "eco/raster/routing.hpp"

namespace riverlink::eco::gep {
namespace fs = std::filesystem;
using raster::is_nodata;

namespace {

Error run_error(const std::string& code, const std::string& field, const std::string& msg) {
  return Error::field(code, field, msg);
}

Result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return run_error("eco.file_missing", path, path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string resolve(const std::string& base, const std::string& p) {
  fs::path x = p;
  if (x.is_relative()) x = fs::path(base) / x;
  return x.lexically_normal().string();
}

// Input hash for the manifest (an unreadable file hashes as empty; validation has refused it).
std::string file_sha256(const std::string& path) { return core::sha256_file_hex(path).value_or(core::sha256_hex("")); }

// Indicators computed per pixel and what they need.
struct PixelIndicator {
  const char* name;
  const char* unit;
  std::vector<std::string> rasters;  // run raster keys
  std::vector<std::string> columns;  // coefficient table columns
};
const std::vector<PixelIndicator>& pixel_indicators() {
  static const std::vector<PixelIndicator> v = {
      {"water_conservation", "m3", {"precipitation", "et"}, {"runoff_coef", "wc_applies"}},
      {"carbon_sequestration", "t CO2", {"npp"}, {"nep_ratio"}},
      {"oxygen_release", "t O2", {"npp"}, {"nep_ratio"}},
      {"climate_regulation", "kWh", {"et"}, {"climate_applies"}},
      {"flood_regulation", "m3", {"storm_precipitation"}, {"storm_runoff_coef", "flood_applies"}},
      {"soil_retention", "t", {"dem", "erosivity", "erodibility"}, {"usle_c", "usle_p"}},
      {"sand_fixation", "t", {"wind_factor", "erodible_fraction", "crust_factor", "roughness_factor"}, {"rweq_c"}},
  };
  return v;
}

// Rasters and coefficient columns that a variant or component adds to an indicator.
void variant_needs(const core::Json& profile, const std::string& ind, std::vector<std::string>& rasters, std::vector<std::string>& cols) {
  if (!profile["indicators"].contains(ind)) return;
  const auto& i = profile["indicators"][ind];
  if (ind == "climate_regulation" && i.value("variant", "et_year") == "transpiration") {
    rasters = {"evaporation_hot_days"};
    cols = {"epp_kj_m2_d", "water_surface"};
  }
  if (ind == "soil_retention") {
    // K from a raster (default) or from soil texture (EPIC); C from the class table (default) or
    // from vegetation fraction.
    if (i.value("erodibility", "raster") == "soil_texture") rasters.insert(rasters.end(), {"sand", "silt", "clay", "organic_carbon"});
    if (i.value("c_factor", "table") == "vegetation_fraction") rasters.push_back("vegetation_fraction");
    if (i.value("erosivity", "raster") == "daily_rainfall") rasters.push_back("daily_precipitation");
  }
  if (ind == "flood_regulation" && i.contains("components") && i["components"].is_array())
    for (auto& c : i["components"])
      if (c == "marsh") cols.insert(cols.end(), {"marsh_soil_depth_m", "marsh_theta_s", "marsh_theta", "marsh_detention_m"});
}

bool has_component(const core::Json& profile, const std::string& ind, const std::string& comp) {
  if (!profile["indicators"].contains(ind)) return false;
  const auto& i = profile["indicators"][ind];
  if (!i.contains("components") || !i["components"].is_array()) return comp == "vegetation";
  for (auto& c : i["components"])
    if (c == comp) return true;
  return false;
}

bool included(const core::Json& profile, const std::string& ind) {
  const auto& i = profile["indicators"];
  return i.contains(ind) && (!i[ind].contains("included") || i[ind]["included"].get<bool>());
}

Result<double> param(const core::Json& profile, const std::string& key, const std::string& profile_path) {
  if (!profile.contains("parameters") || !profile["parameters"].contains(key) || !profile["parameters"][key].is_number())
    return run_error("eco.profile_invalid", key, profile_path + ": parameters." + key + " is missing or not a number");
  return profile["parameters"][key].get<double>();
}

// Class rasters: read with nearest neighbour, never interpolated.
bool categorical(const std::string& key) { return key == "lulc" || key == "lulc_previous" || key == "zones"; }

// A parameter that is an array of n numbers.
Result<std::vector<double>> param_array(const core::Json& profile, const std::string& key, std::size_t n, const std::string& profile_path) {
  if (!profile.contains("parameters") || !profile["parameters"].contains(key) || !profile["parameters"][key].is_array() ||
      profile["parameters"][key].size() != n)
    return run_error("eco.profile_invalid", key,
                     profile_path + ": parameters." + key + " must be an array of " + std::to_string(n) + " numbers");
  std::vector<double> v;
  for (auto& x : profile["parameters"][key]) {
    if (!x.is_number())
      return run_error("eco.profile_invalid", key, profile_path + ": parameters." + key + " must be an array of " + std::to_string(n) + " numbers");
    v.push_back(x.get<double>());
  }
  return v;
}

std::string csv_num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6f", v);
  return b;
}

}  // namespace

Result<double> price_for(const std::vector<std::vector<std::string>>& prices, const std::string& file,
                         const std::vector<std::vector<std::string>>& deflators, const std::string& item, int year) {
  // prices: item,year,value,unit ; deflators: year,index
  int best_year = -1;
  double best = 0;
  for (std::size_t r = 1; r < prices.size(); ++r) {
    if (prices[r].size() < 3 || prices[r][0] != item) continue;
    int y = std::atoi(prices[r][1].c_str());
    double v = std::strtod(prices[r][2].c_str(), nullptr);
    if (y == year) return v;
    if (y < year && y > best_year) best_year = y, best = v;
  }
  if (best_year < 0)
    return run_error("eco.price_missing", item, file + ": no price for '" + item + "' in or before " + std::to_string(year));
  double from = 0, to = 0;
  for (std::size_t r = 1; r < deflators.size(); ++r) {
    if (deflators[r].size() < 2) continue;
    int y = std::atoi(deflators[r][0].c_str());
    double v = std::strtod(deflators[r][1].c_str(), nullptr);
    if (y == best_year) from = v;
    if (y == year) to = v;
  }
  if (from <= 0 || to <= 0)
    return run_error("eco.price_missing", item,
                     file + ": '" + item + "' has no price for the accounting year " + std::to_string(year) +
                         " and the deflator table lacks " + std::to_string(from <= 0 ? best_year : year));
  return best * to / from;
}

Result<RunDefinition> load_run(const std::string& file) {
  auto text = slurp(file);
  if (!text.ok()) return text.error();
  auto j = core::parse_json(*text);
  if (!j.ok()) return run_error("eco.run_invalid", file, file + ": " + j.error().message);
  RunDefinition d;
  d.file = file;
  d.base_dir = fs::absolute(file).parent_path().string();
  const auto& J = *j;
  auto str = [&](const core::Json& o, const std::string& k) -> Result<std::string> {
    if (!o.contains(k) || !o[k].is_string()) return run_error("eco.run_invalid", k, file + ": '" + k + "' must be a string");
    return o[k].get<std::string>();
  };
  d.name = J.value("name", "");
  if (!J.contains("accounting_year") || !J["accounting_year"].is_number_integer())
    return run_error("eco.run_invalid", "accounting_year", file + ": 'accounting_year' must be an integer");
  d.accounting_year = J["accounting_year"].get<int>();
  if (J.contains("lulc_previous_year")) {
    if (!J["lulc_previous_year"].is_number_integer() || J["lulc_previous_year"].get<int>() >= d.accounting_year)
      return run_error("eco.run_invalid", "lulc_previous_year", file + ": 'lulc_previous_year' must be an integer year before the accounting year");
    d.lulc_previous_year = J["lulc_previous_year"].get<int>();
  }
  auto prof = str(J, "profile");
  if (!prof.ok()) return prof.error();
  d.profile_path = resolve(d.base_dir, *prof);
  auto ptext = slurp(d.profile_path);
  if (!ptext.ok()) return ptext.error();
  auto pj = core::parse_json(*ptext);
  if (!pj.ok()) return run_error("eco.profile_invalid", "profile", d.profile_path + ": " + pj.error().message);
  d.profile = *pj;
  if (!d.profile.contains("indicators") || !d.profile["indicators"].is_object())
    return run_error("eco.profile_invalid", "indicators", d.profile_path + ": 'indicators' object is missing");
  if (!J.contains("rasters") || !J["rasters"].is_object()) return run_error("eco.run_invalid", "rasters", file + ": 'rasters' object is missing");
  for (auto& [k, v] : J["rasters"].items()) {
    if (!v.is_string()) return run_error("eco.run_invalid", "rasters." + k, file + ": rasters." + k + " must be a path");
    d.rasters[k] = resolve(d.base_dir, v.get<std::string>());
  }
  if (!d.rasters.count("lulc")) return run_error("eco.run_invalid", "rasters.lulc", file + ": rasters.lulc is required");
  if (!J.contains("zones")) return run_error("eco.run_invalid", "zones", file + ": 'zones' is required");
  auto zp = str(J["zones"], "path");
  if (!zp.ok()) return zp.error();
  d.zones_path = resolve(d.base_dir, *zp);
  d.zones_id_field = J["zones"].value("id_field", "");
  if (!J.contains("tables") || !J["tables"].is_object()) return run_error("eco.run_invalid", "tables", file + ": 'tables' object is missing");
  for (auto& [k, v] : J["tables"].items()) d.tables[k] = resolve(d.base_dir, v.get<std::string>());
  for (const char* t : {"coefficients", "prices", "deflators"})
    if (!d.tables.count(t)) return run_error("eco.run_invalid", std::string("tables.") + t, file + ": tables." + t + " is required");
  return d;
}

namespace {

struct Loaded {
  Table coef;
  std::vector<std::vector<std::string>> prices, deflators, emissions, products, water_bodies, coastline;
  std::map<std::string, double> unit_price;  // price item -> yuan per unit in the accounting year
  std::vector<std::string> pixel;            // included per-pixel indicators
  std::vector<std::pair<std::string, std::string>> pollutants;  // (indicator, pollutant)
};

Result<Loaded> load_tables(const RunDefinition& d) {
  Loaded L;
  auto coef = read_table(d.tables.at("coefficients"), "lucode");
  if (!coef.ok()) return coef.error();
  L.coef = std::move(*coef);
  auto rows = [&](const std::string& key, std::vector<std::vector<std::string>>& out, bool required) -> Status {
    if (!d.tables.count(key)) {
      if (required) return run_error("eco.run_invalid", "tables." + key, d.file + ": tables." + key + " is required");
      return ok_status();
    }
    auto t = slurp(d.tables.at(key));
    if (!t.ok()) return t.error();
    auto r = parse_csv(*t, d.tables.at(key));
    if (!r.ok()) return r.error();
    out = std::move(*r);
    return ok_status();
  };
  RL_TRY(rows("prices", L.prices, true));
  RL_TRY(rows("deflators", L.deflators, true));
  const auto& inds = d.profile["indicators"];
  auto need_price = [&](const std::string& item) -> Status {
    if (L.unit_price.count(item)) return ok_status();
    auto p = price_for(L.prices, d.tables.at("prices"), L.deflators, item, d.accounting_year);
    if (!p.ok()) return p.error();
    L.unit_price[item] = *p;
    return ok_status();
  };
  for (auto& pi : pixel_indicators()) {
    if (!included(d.profile, pi.name)) continue;
    L.pixel.push_back(pi.name);
    std::vector<std::string> rasters = pi.rasters, cols = pi.columns, xr, xc;
    if (std::string(pi.name) == "climate_regulation" && inds[pi.name].value("variant", "et_year") == "transpiration") rasters.clear(), cols.clear();
    if (std::string(pi.name) == "carbon_sequestration" || std::string(pi.name) == "oxygen_release") {
      // Carbon by stock difference (InVEST Carbon's method): land cover then and now, class densities.
      const std::string cv = inds["carbon_sequestration"].value("variant", "nep");
      if (cv != "nep" && cv != "stock_difference")
        return run_error("eco.profile_invalid", "carbon_sequestration.variant", d.profile_path + ": carbon_sequestration.variant must be nep or stock_difference");
      if (cv == "stock_difference") {
        rasters = {"lulc_previous"};
        cols = {"c_above", "c_below", "c_soil", "c_dead"};
        if (d.lulc_previous_year == 0)
          return run_error("eco.run_invalid", "lulc_previous_year", d.file + ": carbon by stock difference needs 'lulc_previous_year'");
      }
    }
    if (std::string(pi.name) == "soil_retention") {
      const std::string ek = inds[pi.name].value("erodibility", "raster"), cf = inds[pi.name].value("c_factor", "table");
      if (ek != "raster" && ek != "soil_texture")
        return run_error("eco.profile_invalid", "soil_retention.erodibility", d.profile_path + ": soil_retention.erodibility must be raster or soil_texture");
      if (cf != "table" && cf != "vegetation_fraction")
        return run_error("eco.profile_invalid", "soil_retention.c_factor", d.profile_path + ": soil_retention.c_factor must be table or vegetation_fraction");
      const std::string er = inds[pi.name].value("erosivity", "raster");
      if (er != "raster" && er != "daily_rainfall")
        return run_error("eco.profile_invalid", "soil_retention.erosivity", d.profile_path + ": soil_retention.erosivity must be raster or daily_rainfall");
      if (er == "daily_rainfall") rasters.erase(std::remove(rasters.begin(), rasters.end(), "erosivity"), rasters.end());
      if (ek == "soil_texture") rasters.erase(std::remove(rasters.begin(), rasters.end(), "erodibility"), rasters.end());
      if (cf == "vegetation_fraction") cols.erase(std::remove(cols.begin(), cols.end(), "usle_c"), cols.end());
    }
    variant_needs(d.profile, pi.name, xr, xc);
    rasters.insert(rasters.end(), xr.begin(), xr.end());
    cols.insert(cols.end(), xc.begin(), xc.end());
    // Actual ET: the `et` raster, or, when the run names `et0` instead, the Budyko (Fu/Zhang)
    // curve of InVEST's Annual Water Yield on ET0, precipitation, PAWC and soil depth.
    if (!d.rasters.count("et") && d.rasters.count("et0") && std::find(rasters.begin(), rasters.end(), "et") != rasters.end()) {
      rasters.erase(std::remove(rasters.begin(), rasters.end(), "et"), rasters.end());
      for (const char* r : {"et0", "precipitation", "pawc", "soil_depth"})
        if (std::find(rasters.begin(), rasters.end(), r) == rasters.end()) rasters.push_back(r);
      cols.insert(cols.end(), {"kc", "root_depth", "lulc_veg"});
    }
    for (auto& r : rasters)
      if (!d.rasters.count(r))
        return run_error("eco.run_invalid", "rasters." + r, d.file + ": indicator " + pi.name + " needs rasters." + r);
    RL_TRY(L.coef.require(cols));
    if (!inds[pi.name].contains("price"))
      return run_error("eco.profile_invalid", pi.name, d.profile_path + ": indicators." + pi.name + ".price is missing");
    RL_TRY(need_price(inds[pi.name]["price"].get<std::string>()));
  }
  for (const char* capped : {"air_purification", "water_purification"}) {
    if (!included(d.profile, capped)) continue;
    RL_TRY(rows("emissions", L.emissions, true));
    if (!inds[capped].contains("pollutants") || !inds[capped]["pollutants"].is_object())
      return run_error("eco.profile_invalid", capped, d.profile_path + ": indicators." + std::string(capped) + ".pollutants is missing");
    for (auto& [pol, item] : inds[capped]["pollutants"].items()) {
      RL_TRY(L.coef.require({"q_" + pol}));
      RL_TRY(need_price(item.get<std::string>()));
      L.pollutants.push_back({capped, pol});
    }
  }
  if (included(d.profile, "flood_regulation") &&
      (has_component(d.profile, "flood_regulation", "lakes") || has_component(d.profile, "flood_regulation", "reservoirs"))) {
    RL_TRY(rows("water_bodies", L.water_bodies, true));
    if (L.water_bodies.empty() || L.water_bodies[0].size() < 5 || L.water_bodies[0][0] != "zone_id" || L.water_bodies[0][2] != "kind" ||
        L.water_bodies[0][3] != "area_km2" || L.water_bodies[0][4] != "capacity_m3")
      return run_error("eco.table_invalid", "tables.water_bodies",
                       d.tables.at("water_bodies") + ": header must start zone_id,name,kind,area_km2,capacity_m3");
    for (std::size_t r = 1; r < L.water_bodies.size(); ++r) {
      const auto& row = L.water_bodies[r];
      std::string where = d.tables.at("water_bodies") + " line " + std::to_string(r + 1);
      if (row.size() < 5 || (row[2] != "lake" && row[2] != "reservoir"))
        return run_error("eco.table_invalid", "kind", where + ": kind must be lake or reservoir");
      const std::string& num = row[2] == "lake" ? row[3] : row[4];
      char* end = nullptr;
      double v = std::strtod(num.c_str(), &end);
      if (num.empty() || *end || v < 0)
        return run_error("eco.table_invalid", row[2] == "lake" ? "area_km2" : "capacity_m3",
                         where + ": " + (row[2] == "lake" ? "area_km2" : "capacity_m3") + " must be a number >= 0");
    }
  }
  if (included(d.profile, "coastal_protection")) {
    RL_TRY(rows("coastline", L.coastline, true));
    if (!inds["coastal_protection"].contains("price"))
      return run_error("eco.profile_invalid", "coastal_protection", d.profile_path + ": indicators.coastal_protection.price is missing");
    RL_TRY(need_price(inds["coastal_protection"]["price"].get<std::string>()));
  }
  for (const char* tab : {"provisioning", "cultural"}) {
    if (!included(d.profile, tab)) continue;
    RL_TRY(rows("products", L.products, true));
    for (std::size_t r = 1; r < L.products.size(); ++r)
      if (L.products[r].size() >= 4 && L.products[r][1] == tab) RL_TRY(need_price(L.products[r][2]));
  }
  return L;
}

}  // namespace

Result<std::vector<std::string>> validate_run(const RunDefinition& d, const raster::EngineOptions& opt) {
  std::vector<std::string> done;
  auto L = load_tables(d);
  if (!L.ok()) return L.error();
  done.push_back("tables parse; every needed column and price for " + std::to_string(d.accounting_year) + " present");
  auto li = raster::probe(d.rasters.at("lulc"));
  if (!li.ok()) return li.error();
  for (auto& [k, p] : d.rasters) {
    auto i = raster::probe(p);
    if (!i.ok()) return i.error();
    RL_TRY(raster::check_alignable({"rasters." + k, p}, *i, li->grid));
  }
  done.push_back(std::to_string(d.rasters.size()) + " rasters readable and alignable to the land-cover grid");
  // Scan land cover and continuous inputs: classes in the table, not all nodata, no negative P.
  std::vector<std::string> keys;
  for (auto& [k, _] : d.rasters) keys.push_back(k);
  int threads = raster::thread_count(opt);
  std::vector<std::vector<raster::Reader>> rs(static_cast<std::size_t>(threads));
  for (auto& v : rs)
    for (auto& k : keys) {
      auto r = raster::Reader::open({"rasters." + k, d.rasters.at(k), categorical(k) ? raster::Resample::nearest : raster::Resample::bilinear}, li->grid);
      if (!r.ok()) return r.error();
      v.push_back(std::move(*r));
    }
  std::mutex mu;
  std::map<std::string, std::int64_t> valid;
  // Per key, resolved once: is it the land cover, a precipitation; the classes in the table.
  std::vector<char> is_lulc(keys.size()), is_precip(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    is_lulc[k] = keys[k] == "lulc" || keys[k] == "lulc_previous";
    is_precip[k] = keys[k] == "precipitation" || keys[k] == "storm_precipitation" || keys[k] == "daily_precipitation";
  }
  const std::int64_t cls_lo = L->coef.rows.empty() ? 0 : L->coef.rows.begin()->first;
  const std::int64_t cls_hi = L->coef.rows.empty() ? -1 : L->coef.rows.rbegin()->first;
  std::vector<char> in_table(std::size_t(std::max<std::int64_t>(0, cls_hi - cls_lo + 1)), 0);
  for (auto& [code, _] : L->coef.rows) in_table[std::size_t(code - cls_lo)] = 1;
  auto st = raster::for_each_tile(li->grid, opt, 8 * int(keys.size()), [&](int t, const raster::Window& w) -> Status {
    std::vector<double> buf(std::size_t(w.size()));
    std::vector<std::int64_t> local(keys.size(), 0);
    for (std::size_t k = 0; k < keys.size(); ++k) {
      auto& r = rs[std::size_t(t)][k];
      RL_TRY(r.read(w.x0, w.y0, w.w, w.h, buf.data()));
      for (double v : buf) {
        if (is_nodata(v, r.nodata())) continue;
        ++local[k];
        if (is_lulc[k]) {
          const std::int64_t code = std::int64_t(v);
          if (code < cls_lo || code > cls_hi || !in_table[std::size_t(code - cls_lo)])
            return run_error("eco.class_missing", "lucode",
                             d.rasters.at(keys[k]) + ": land-cover class " + std::to_string(code) + " is not in " +
                                 d.tables.at("coefficients"));
        }
        if (is_precip[k] && v < 0)
          return run_error("eco.negative_precipitation", "rasters." + keys[k],
                           d.rasters.at(keys[k]) + ": negative precipitation " + std::to_string(v));
      }
    }
    std::lock_guard lk(mu);
    for (std::size_t k = 0; k < keys.size(); ++k) valid[keys[k]] += local[k];
    return ok_status();
  });
  if (!st.ok()) return st.error();
  for (auto& k : keys)
    if (valid[k] == 0)
      return run_error("eco.all_nodata", "rasters." + k, d.rasters.at(k) + ": rasters." + k + " has no valid pixel on the land-cover grid");
  done.push_back("every land-cover class is in the coefficient table; no raster is all nodata; precipitation >= 0");
  auto z = raster::rasterize_zones(d.zones_path, d.zones_id_field, li->grid, (fs::temp_directory_path() / ("rl_zones_" + std::to_string(::getpid()) + ".tif")).string());
  if (!z.ok()) return z.error();
  fs::remove(z->raster_path);
  done.push_back(std::to_string(z->zones.size()) + " zones in " + d.zones_path);
  return done;
}

Result<RunResult> run_gep(const RunDefinition& d, const std::string& out, const raster::EngineOptions& opt) {
  std::map<std::string, double> stage;
  const auto t_start = std::chrono::steady_clock::now();
  auto t_lap = t_start;
  auto lap = [&](const std::string& name) {
    auto now = std::chrono::steady_clock::now();
    stage[name] += std::chrono::duration<double>(now - t_lap).count();
    t_lap = now;
  };
  auto checks = validate_run(d, opt);
  lap("validate");
  if (!checks.ok()) return checks.error();
  auto L = load_tables(d);
  if (!L.ok()) return L.error();
  auto li = raster::probe(d.rasters.at("lulc"));
  if (!li.ok()) return li.error();
  const raster::Grid g = li->grid;
  const double area = g.cell_area();
  std::error_code ec;
  fs::create_directories(fs::path(out) / "rasters", ec);
  fs::create_directories(fs::path(out) / "tmp", ec);
  if (ec) return run_error("eco.write_failed", out, out + ": " + ec.message());
  auto zones = raster::rasterize_zones(d.zones_path, d.zones_id_field, g, (fs::path(out) / "tmp" / "zones.tif").string());
  if (!zones.ok()) return zones.error();
  const auto& P = d.profile;
  const auto& inds = P["indicators"];
  // Parameters (from the profile) of the included indicators.
  double lambda = 0, ac_r = 0, hot_days = 0, humidifier = 0;
  std::string climate_variant;
  if (std::find(L->pixel.begin(), L->pixel.end(), "climate_regulation") != L->pixel.end()) {
    auto l = param(P, "latent_heat_kj_per_kg", d.profile_path);
    if (!l.ok()) return l.error();
    auto r = param(P, "ac_efficiency_ratio", d.profile_path);
    if (!r.ok()) return r.error();
    lambda = *l;
    ac_r = *r;
    // Two explicit variants (spec 3.11): whole-year ET x latent heat ("et_year", Zhejiang county
    // practice), or transpiration on the air-conditioning days plus water-surface evaporation
    // ("transpiration", EPP x days + E_w q / (3600 r) + E_w y). Anything else is refused.
    climate_variant = inds["climate_regulation"].value("variant", "");
    if (climate_variant != "et_year" && climate_variant != "transpiration")
      return run_error("eco.profile_invalid", "climate_regulation.variant",
                       d.profile_path + ": climate_regulation.variant must be et_year or transpiration (got '" + climate_variant + "')");
    if (climate_variant == "transpiration") {
      auto dd = param(P, "hot_days", d.profile_path);
      if (!dd.ok()) return dd.error();
      auto y = param(P, "humidifier_kwh_per_m3", d.profile_path);
      if (!y.ok()) return y.error();
      hot_days = *dd;
      humidifier = *y;
    }
  }
  // Flood regulation by lakes and reservoirs (table rows), sand fixation (RWEQ) parameters.
  double lake_ln_a = 0, lake_b = 0, lake_c = 0, res_ratio = 0;
  if (included(P, "flood_regulation") && has_component(P, "flood_regulation", "lakes")) {
    for (auto [k, dst] : {std::pair{"lake_flood_ln_a", &lake_ln_a}, {"lake_flood_b", &lake_b}, {"lake_flood_c", &lake_c}}) {
      auto x = param(P, k, d.profile_path);
      if (!x.ok()) return x.error();
      *dst = *x;
    }
  }
  if (included(P, "flood_regulation") && has_component(P, "flood_regulation", "reservoirs")) {
    auto x = param(P, "reservoir_flood_ratio", d.profile_path);
    if (!x.ok()) return x.error();
    res_ratio = *x;
  }
  double rweq[6] = {0, 0, 0, 0, 0, 0};  // z, a, b, e, rho, depth
  if (std::find(L->pixel.begin(), L->pixel.end(), "sand_fixation") != L->pixel.end()) {
    const char* names[6] = {"rweq_z_m", "rweq_a", "rweq_b", "rweq_e", "sand_bulk_density_t_m3", "sand_layer_depth_m"};
    for (int k = 0; k < 6; ++k) {
      auto x = param(P, names[k], d.profile_path);
      if (!x.ok()) return x.error();
      rweq[k] = *x;
    }
    if (rweq[4] <= 0 || rweq[5] <= 0)
      return run_error("eco.profile_invalid", "sand_layer_depth_m", d.profile_path + ": sand bulk density and layer depth must be > 0");
  }
  const bool flood_veg = has_component(P, "flood_regulation", "vegetation"), flood_marsh = has_component(P, "flood_regulation", "marsh");
  // Soil retention options (profile): K from soil texture (EPIC), C from vegetation fraction.
  bool k_from_texture = false, c_from_vegetation = false;
  double k_epic_coef[11] = {}, c_fc_coef[3] = {};
  std::optional<std::pair<double, double>> k_corr;
  std::vector<std::string> keys = {"lulc", "zones"};
  std::map<std::string, std::string> paths = {{"zones", zones->raster_path}};
  lap("setup");
  if (std::find(L->pixel.begin(), L->pixel.end(), "soil_retention") != L->pixel.end()) {
    // LS factor on the land-cover grid: pit-filled DEM, flow routing, then the profile's variant.
    std::string variant = inds["soil_retention"].value("variant", "invest_313");
    if (variant != "invest_313" && variant != "desmet_govers" && variant != "china_mccool_liu")
      return run_error("eco.profile_invalid", "soil_retention.variant",
                       d.profile_path + ": soil_retention.variant must be invest_313, desmet_govers or china_mccool_liu");
    double lparam = 0;
    {
      auto x = param(P, variant == "china_mccool_liu" ? "max_slope_length_m" : "l_max", d.profile_path);
      if (!x.ok()) return x.error();
      lparam = *x;
    }
    if (inds["soil_retention"].value("erodibility", "raster") == "soil_texture") {
      auto k = param_array(P, "k_epic", 11, d.profile_path);
      if (!k.ok()) return k.error();
      std::copy(k->begin(), k->end(), k_epic_coef);
      k_from_texture = true;
      if (P.contains("parameters") && P["parameters"].contains("k_correction")) {
        auto kc = param_array(P, "k_correction", 2, d.profile_path);
        if (!kc.ok()) return kc.error();
        k_corr = {(*kc)[0], (*kc)[1]};
      }
    }
    if (inds["soil_retention"].value("c_factor", "table") == "vegetation_fraction") {
      auto c = param_array(P, "c_fc", 3, d.profile_path);
      if (!c.ok()) return c.error();
      std::copy(c->begin(), c->end(), c_fc_coef);
      c_from_vegetation = true;
    }
    const std::size_t n = std::size_t(g.pixels());
    // DEM 4, valid 1, slope 4, directions 4, flat marks 1 and distances 8 B/px while directions
    // are found; then directions, slope, valid, order 4, accumulation 8 and LS 4.
    constexpr std::int64_t kLsBytesPerPixel = 32;
    if (std::int64_t(n) * kLsBytesPerPixel > opt.memory_budget)
      return run_error("eco.memory_budget", "memory_budget", "LS routing of " + std::to_string(n) + " px needs about " +
                                                                 std::to_string((std::int64_t(n) * kLsBytesPerPixel) >> 20) + " MiB, over the budget of " +
                                                                 std::to_string(opt.memory_budget >> 20) + " MiB");
    const int rthreads = raster::thread_count(opt);
    std::optional<double> dnd;
    auto dem = raster::read_all_f32({"rasters.dem", d.rasters.at("dem"), raster::Resample::bilinear}, g, &dnd);
    if (!dem.ok()) return dem.error();
    raster::Dims dims{g.cols, g.rows};
    std::vector<std::uint8_t> valid(n);
    for (std::size_t i = 0; i < n; ++i) valid[i] = !is_nodata((*dem)[i], dnd);
    raster::fill_pits(*dem, dims, valid, rthreads);
    auto slope = raster::slope_percent(*dem, dims, valid, g.cell_w(), g.cell_h(), -1.0f, rthreads);
    std::vector<std::int32_t> fd = variant == "china_mccool_liu" ? raster::d8_as_mfd(raster::flow_dir_d8(*dem, dims, valid))
                                                                 : raster::flow_dir_mfd(*dem, dims, valid, rthreads);
    dem->clear();
    dem->shrink_to_fit();
    std::vector<double> fa;
    raster::upslope_first_order(fd, dims, &fa, -1);  // the order itself is not kept
    std::vector<float> ls(n, -1.0f);
    std::atomic<int> next_row{0};
    auto ls_rows = [&] {
    for (int y; (y = next_row.fetch_add(64)) < g.rows;)
    for (std::size_t i = std::size_t(y) * std::size_t(g.cols), e = std::size_t(std::min(g.rows, y + 64)) * std::size_t(g.cols); i < e; ++i) {
      if (!fd[i] || slope[i] < 0) continue;
      if (variant == "invest_313") {
        double num = 0, den = 0;
        int cx = int(i % std::size_t(g.cols)), cy = int(i / std::size_t(g.cols));
        for (int k = 0; k < 8; ++k) {
          int wgt = raster::mfd_weight(fd[i], k);
          if (!wgt || !dims.inside(cx + raster::kDx[k], cy + raster::kDy[k])) continue;
          num += wgt * ((k & 1) ? std::sqrt(2.0) : 1.0);
          den += wgt;
        }
        if (den > 0) ls[i] = float(ls_factor_313(slope[i], fa[i], num / den, g.cell_w(), lparam));
      } else if (variant == "desmet_govers") {
        ls[i] = float(ls_factor_desmet_govers(slope[i], fa[i], g.cell_w(), lparam));
      } else {
        ls[i] = float(ls_factor_china(slope[i], fa[i], g.cell_w(), lparam));
      }
    }
    };
    {
      std::vector<std::thread> pool;
      for (int t = 1; t < rthreads; ++t) pool.emplace_back(ls_rows);
      ls_rows();
      for (auto& th : pool) th.join();
    }
    std::string ls_path = (fs::path(out) / "tmp" / "ls.tif").string();
    RL_TRY(raster::write_all(ls_path, g, {.type = raster::PixelType::float32, .nodata = -1}, ls));
    keys.push_back("ls");
    lap("routing");
    paths["ls"] = ls_path;
    if (inds["soil_retention"].value("erosivity", "raster") == "daily_rainfall") {
      // R per pixel from the daily series (one band per day, whole years), written like LS.
      auto rc = param_array(P, "r_daily", 6, d.profile_path);
      if (!rc.ok()) return rc.error();
      double r_coef[6];
      std::copy(rc->begin(), rc->end(), r_coef);
      std::vector<raster::Reader> dr;
      for (int t = 0; t < rthreads; ++t) {
        auto r = raster::Reader::open({"rasters.daily_precipitation", d.rasters.at("daily_precipitation"), raster::Resample::bilinear}, g);
        if (!r.ok()) return r.error();
        dr.push_back(std::move(*r));
      }
      const int nb = dr[0].bands();
      const double years = std::max(1.0, std::round(double(nb) / 365.25));
      const std::string r_path = (fs::path(out) / "tmp" / "erosivity_daily.tif").string();
      auto rw = raster::Writer::create(r_path, g, {.type = raster::PixelType::float32, .nodata = -1});
      if (!rw.ok()) return rw.error();
      RL_TRY(raster::for_each_tile(g, opt, 4 * (nb + 2), [&](int t, const raster::Window& w) -> Status {
        const std::size_t m = std::size_t(w.size());
        std::vector<float> all(m * std::size_t(nb)), day(static_cast<std::size_t>(nb)), rv(m, -1.0f);
        RL_TRY(dr[std::size_t(t)].read_bands(w.x0, w.y0, w.w, w.h, all.data()));
        const auto& nd = dr[std::size_t(t)].nodata();
        for (std::size_t i = 0; i < m; ++i) {
          bool any = false;
          for (int k = 0; k < nb; ++k) {
            float v = all[std::size_t(k) * m + i];
            if (is_nodata(v, nd)) v = NAN;
            else any = true;
            if (v < 0) return run_error("eco.negative_precipitation", "rasters.daily_precipitation",
                                        d.rasters.at("daily_precipitation") + ": negative precipitation in band " + std::to_string(k + 1));
            day[std::size_t(k)] = v;
          }
          if (any) rv[i] = float(formula::r_daily_zhang(day.data(), nb, years, r_coef));
        }
        return rw->write(w.x0, w.y0, w.w, w.h, rv.data());
      }));
      RL_TRY(rw->close());
      keys.push_back("erosivity");
      paths["erosivity"] = r_path;
      lap("erosivity");
    }
  }
  for (auto& [k, p] : d.rasters) {
    if (k == "daily_precipitation") continue;  // only read through the derived erosivity
    if (k != "lulc") keys.push_back(k);
    paths[k] = p;
  }
  // Coefficients per class.
  // Per class and column, parsed once (non-numeric cells count as 0, as before).
  std::map<std::string, std::vector<double>> coef_cache;
  {
    const std::int64_t clo = L->coef.rows.begin()->first, chi = L->coef.rows.rbegin()->first;
    for (auto& c : L->coef.columns) {
      auto& vec = coef_cache[c];
      vec.assign(std::size_t(chi - clo + 1), 0.0);
      for (auto& [code, _] : L->coef.rows) {
        auto v = L->coef.num(code, c);
        vec[std::size_t(code - clo)] = v.ok() ? *v : 0.0;
      }
    }
  }
  const std::int64_t coef_lo = L->coef.rows.begin()->first;
  // Per-pixel services: pixel indicators + one capacity layer per pollutant.
  struct Svc { std::string name, indicator, unit, price_item; double price_factor = 1; };
  std::vector<Svc> svcs;
  for (auto& n : L->pixel) {
    std::string unit;
    for (auto& pi : pixel_indicators()) if (n == pi.name) unit = pi.unit;
    // Sand fixation is priced per m2 of sand layer: Q / (rho h) x c.
    svcs.push_back({n, n, unit, inds[n]["price"].get<std::string>(), n == "sand_fixation" ? 1.0 / (rweq[4] * rweq[5]) : 1.0});
  }
  for (auto& [ind, pol] : L->pollutants) svcs.push_back({ind + "_" + pol, ind, "kg", inds[ind]["pollutants"][pol].get<std::string>()});
  const std::size_t ns = svcs.size(), nz = zones->zones.size();
  std::vector<raster::Writer> qw, vw;
  for (auto& s : svcs) {
    auto q = raster::Writer::create((fs::path(out) / "rasters" / (s.name + "_quantity.tif")).string(), g, {.type = raster::PixelType::float32, .nodata = -3.4028234663852886e+38, .cog = true});
    if (!q.ok()) return q.error();
    auto v = raster::Writer::create((fs::path(out) / "rasters" / (s.name + "_value.tif")).string(), g, {.type = raster::PixelType::float32, .nodata = -3.4028234663852886e+38, .cog = true});
    if (!v.ok()) return v.error();
    qw.push_back(std::move(*q));
    vw.push_back(std::move(*v));
  }
  int threads = raster::thread_count(opt);
  std::vector<std::vector<raster::Reader>> rs(static_cast<std::size_t>(threads));
  for (auto& v : rs)
    for (auto& k : keys) {
      auto r = raster::Reader::open({k, paths[k], categorical(k) || k == "ls" ? raster::Resample::nearest : raster::Resample::bilinear}, g);
      if (!r.ok()) return r.error();
      v.push_back(std::move(*r));
    }
  // Accumulators: [service][zone] and [service][class].
  std::int64_t lo = L->coef.rows.begin()->first, hi = L->coef.rows.rbegin()->first;
  std::size_t ncls = std::size_t(hi - lo + 1);
  // Totals are exact sums of each pixel's quantity in fixed point (2^-40 of a unit, 128-bit), so
  // they do not depend on how tiles are shared out between threads or on the thread count:
  // identical inputs give bit-identical tables on any machine.
  struct Acc { std::vector<ExactSum> zone, cls; std::int64_t negative = 0; };
  std::vector<std::vector<Acc>> acc(static_cast<std::size_t>(threads), std::vector<Acc>(ns));
  for (auto& a : acc) for (auto& s : a) s.zone.assign(nz + 1, ExactSum()), s.cls.assign(ncls, ExactSum());
  const float NDV = -3.4028234663852886e+38f;
  // Everything the pixel loop looks up by name is resolved here, once: input slots, coefficient
  // columns, the kind of each service and its price (the loop itself compares no strings).
  auto slot = [&](const std::string& k) -> int {
    for (std::size_t j = 0; j < keys.size(); ++j)
      if (keys[j] == k) return int(j);
    return -1;
  };
  const int k_lulc = slot("lulc"), k_zones = slot("zones"), k_p = slot("precipitation"), k_et = slot("et"), k_npp = slot("npp"),
            k_evap = slot("evaporation_hot_days"), k_storm = slot("storm_precipitation"), k_wind = slot("wind_factor"),
            k_erodible = slot("erodible_fraction"), k_crust = slot("crust_factor"), k_rough = slot("roughness_factor"),
            k_r = slot("erosivity"), k_k = slot("erodibility"), k_ls = slot("ls"), k_sand = slot("sand"), k_silt = slot("silt"),
            k_clay = slot("clay"), k_oc = slot("organic_carbon"), k_fc = slot("vegetation_fraction"), k_et0 = slot("et0"),
            k_pawc = slot("pawc"), k_depth = slot("soil_depth"), k_prev = slot("lulc_previous");
  const bool carbon_stock = inds.contains("carbon_sequestration") && inds["carbon_sequestration"].value("variant", "nep") == "stock_difference";
  const double stock_years = double(d.accounting_year - d.lulc_previous_year);
  // AET from ET0 (Budyko) when the run gives ET0 and no actual ET.
  const bool aet_from_et0 = k_et < 0 && k_et0 >= 0;
  double budyko_z = 0;
  if (aet_from_et0) {
    auto z = param(P, "awy_seasonality_z", d.profile_path);
    if (!z.ok()) return z.error();
    budyko_z = *z;
  }
  auto column = [&](const std::string& c) -> const std::vector<double>* {
    auto it = coef_cache.find(c);
    return it == coef_cache.end() ? nullptr : &it->second;
  };
  enum class Kind { water, carbon, oxygen, climate, flood, sand, soil, pollutant };
  struct Plan {
    Kind kind;
    double unit_price, factor;  // value = quantity x unit price x factor (in that order)
    const std::vector<double>* q = nullptr;  // pollutant capacity column
  };
  std::vector<Plan> plans;
  for (auto& sv : svcs) {
    Plan pl{Kind::pollutant, L->unit_price.at(sv.price_item), sv.price_factor};
    if (sv.name == "water_conservation") pl.kind = Kind::water;
    else if (sv.name == "carbon_sequestration") pl.kind = Kind::carbon;
    else if (sv.name == "oxygen_release") pl.kind = Kind::oxygen;
    else if (sv.name == "climate_regulation") pl.kind = Kind::climate;
    else if (sv.name == "flood_regulation") pl.kind = Kind::flood;
    else if (sv.name == "sand_fixation") pl.kind = Kind::sand;
    else if (sv.name == "soil_retention") pl.kind = Kind::soil;
    else pl.q = column("q_" + sv.name.substr(sv.indicator.size() + 1));
    plans.push_back(pl);
  }
  const std::vector<double>*c_wc = column("wc_applies"), *c_runoff = column("runoff_coef"), *c_nep = column("nep_ratio"),
                           *c_clim = column("climate_applies"), *c_epp = column("epp_kj_m2_d"), *c_ws = column("water_surface"),
                           *c_flood = column("flood_applies"), *c_storm = column("storm_runoff_coef"),
                           *c_msd = column("marsh_soil_depth_m"), *c_mts = column("marsh_theta_s"), *c_mt = column("marsh_theta"),
                           *c_mdet = column("marsh_detention_m"), *c_rweq = column("rweq_c"), *c_usle_c = column("usle_c"),
                           *c_usle_p = column("usle_p"), *c_kc = column("kc"), *c_root = column("root_depth"),
                           *c_veg = column("lulc_veg"), *c_above = column("c_above"), *c_below = column("c_below"),
                           *c_soil = column("c_soil"), *c_dead = column("c_dead");
  auto cv = [&](const std::vector<double>* col, std::int64_t code) -> double {
    if (!col || code < coef_lo || std::size_t(code - coef_lo) >= col->size()) return 0.0;
    return (*col)[std::size_t(code - coef_lo)];
  };
  auto stock_mg_c_ha = [&](std::int64_t code) { return cv(c_above, code) + cv(c_below, code) + cv(c_soil, code) + cv(c_dead, code); };
  const bool et_year = climate_variant == "et_year";
  auto st = raster::for_each_tile(g, opt, 8 * int(keys.size() + 2 * ns), [&](int t, const raster::Window& w) -> Status {
    std::size_t n = std::size_t(w.size());
    thread_local std::vector<std::vector<double>> in;
    in.resize(keys.size());
    std::vector<const std::optional<double>*> nd(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k) {
      auto& r = rs[std::size_t(t)][k];
      in[k].resize(n);
      RL_TRY(r.read(w.x0, w.y0, w.w, w.h, in[k].data()));
      nd[k] = &r.nodata();
    }
    std::vector<std::vector<float>> q(ns, std::vector<float>(n, NDV)), v(ns, std::vector<float>(n, NDV));
    // A missing input (not in the run) is never ok.
    auto ok = [&](int k, std::size_t i) { return k >= 0 && !is_nodata(in[std::size_t(k)][i], *nd[std::size_t(k)]); };
    auto px = [&](int k, std::size_t i) { return in[std::size_t(k)][i]; };
    // Actual ET (mm) of pixel i with class code: the `et` raster, or AET = fractp x P from ET0.
    auto et_at = [&](std::size_t i, std::int64_t code) -> double {
      if (!aet_from_et0) return ok(k_et, i) ? px(k_et, i) : NAN;
      if (!ok(k_p, i) || !ok(k_et0, i) || !ok(k_pawc, i) || !ok(k_depth, i)) return NAN;
      const float p = float(px(k_p, i));
      if (p <= 0) return 0.0;
      const float f = awy_fractp(float(cv(c_kc, code)), float(cv(c_root, code)), cv(c_veg, code) == 1.0, p, float(px(k_et0, i)),
                                 float(px(k_depth, i)), float(px(k_pawc, i)), float(budyko_z));
      return double(f * p);
    };
    const double* lulc_px = in[std::size_t(k_lulc)].data();
    const double* zone_px = in[std::size_t(k_zones)].data();
    const std::optional<double>& lulc_nd = *nd[std::size_t(k_lulc)];
    auto& my = acc[std::size_t(t)];
    for (std::size_t i = 0; i < n; ++i) {
      if (is_nodata(lulc_px[i], lulc_nd)) continue;
      std::int64_t code = std::int64_t(lulc_px[i]);
      std::size_t zi = std::size_t(std::max<std::int64_t>(0, std::int64_t(zone_px[i])));
      if (zi > nz) zi = 0;
      for (std::size_t s = 0; s < ns; ++s) {
        const Plan& pl = plans[s];
        double qty = NAN;
        switch (pl.kind) {
          case Kind::water:
            if (const double et = et_at(i, code); ok(k_p, i) && !std::isnan(et)) {
              double x = cv(c_wc, code) ? formula::water_conservation_m3(px(k_p, i), cv(c_runoff, code), et, area) : 0.0;
              if (x < 0) { ++my[s].negative; x = 0; }
              qty = x;
            }
            break;
          case Kind::carbon:
          case Kind::oxygen:
            if (carbon_stock) {
              // (stock now - stock then) Mg C/ha x ha x 44/12 / years: t CO2 per year, negative for a loss.
              if (!ok(k_prev, i)) break;
              const double co2 = formula::carbon_stock_change_co2_t(stock_mg_c_ha(std::int64_t(px(k_prev, i))), stock_mg_c_ha(code),
                                                                     area, stock_years);
              qty = pl.kind == Kind::carbon ? co2 : formula::oxygen_t(co2);
            } else if (ok(k_npp, i)) {
              // NPP in g C/m2/yr -> NEP (g C) -> t CO2; oxygen = 32/44 of the CO2 mass.
              double co2 = formula::carbon_co2_t(px(k_npp, i), cv(c_nep, code), area);
              qty = pl.kind == Kind::carbon ? co2 : formula::oxygen_t(co2);
            }
            break;
          case Kind::climate:
            if (et_year) {
              if (const double et = et_at(i, code); !std::isnan(et))
                qty = cv(c_clim, code) ? formula::climate_et_year_kwh(et, area, lambda, ac_r) : 0.0;
            } else {
              double x = formula::climate_transpiration_kwh(cv(c_epp, code), area, hot_days, ac_r);
              if (cv(c_ws, code) && ok(k_evap, i))
                x += formula::climate_water_surface_kwh(px(k_evap, i), area, lambda, ac_r, humidifier);
              qty = x;
            }
            break;
          case Kind::flood: {
            double x = 0;
            bool any = false;
            if (flood_veg && ok(k_storm, i)) {
              any = true;
              if (cv(c_flood, code)) x += formula::flood_vegetation_m3(px(k_storm, i), cv(c_storm, code), area);
            }
            if (flood_marsh) {
              any = true;
              x += formula::flood_marsh_m3(area, cv(c_msd, code), cv(c_mts, code), cv(c_mt, code), cv(c_mdet, code));
            }
            if (any) qty = x;
            break;
          }
          case Kind::sand:
            if (ok(k_wind, i) && ok(k_erodible, i) && ok(k_crust, i) && ok(k_rough, i))
              qty = formula::sand_fixation_t(px(k_wind, i) * px(k_erodible, i) * px(k_crust, i) * px(k_rough, i), cv(c_rweq, code),
                                             rweq[0], rweq[1], rweq[2], rweq[3], area);
            break;
          case Kind::soil: {
            // RUSLE: R K LS (1 - C P) x pixel ha (t/yr) = potential minus actual erosion.
            if (!ok(k_r, i) || k_ls < 0 || px(k_ls, i) < 0) break;
            double K = NAN, C = NAN;
            if (!k_from_texture) {
              if (ok(k_k, i)) K = px(k_k, i);
            } else if (ok(k_sand, i) && ok(k_silt, i) && ok(k_clay, i) && ok(k_oc, i)) {
              K = formula::k_epic(px(k_sand, i), px(k_silt, i), px(k_clay, i), px(k_oc, i), k_epic_coef);
              if (k_corr) K = k_corr->first + k_corr->second * K;
            }
            if (!c_from_vegetation) C = cv(c_usle_c, code);
            else if (ok(k_fc, i)) C = formula::c_from_fc(px(k_fc, i), c_fc_coef);
            if (std::isnan(K) || std::isnan(C)) break;
            qty = px(k_r, i) * K * px(k_ls, i) * (1.0 - C * cv(c_usle_p, code)) * area / 1e4;
            break;
          }
          case Kind::pollutant:  // capacity: q (kg/ha/yr) x area (ha)
            qty = cv(pl.q, code) * area / 1e4;
            break;
        }
        if (std::isnan(qty)) continue;
        q[s][i] = float(qty);
        v[s][i] = float(qty * pl.unit_price * pl.factor);
        my[s].zone[zi] += qty;
        my[s].cls[std::size_t(code - lo)] += qty;
      }
    }
    for (std::size_t s = 0; s < ns; ++s) {
      RL_TRY(qw[s].write(w.x0, w.y0, w.w, w.h, q[s].data()));
      RL_TRY(vw[s].write(w.x0, w.y0, w.w, w.h, v[s].data()));
    }
    return ok_status();
  });
  if (!st.ok()) {
    qw.clear();
    vw.clear();
    fs::remove_all(fs::path(out) / "rasters", ec);
    return st.error();
  }
  {
    lap("services");
    // Closing converts each output to a COG (overviews, DEFLATE): several at once on all cores.
    std::vector<raster::Writer*> all;
    for (auto& w : qw) all.push_back(&w);
    for (auto& w : vw) all.push_back(&w);
    std::atomic<std::size_t> next{0};
    std::vector<Status> res(all.size(), ok_status());
    auto work = [&] {
      for (std::size_t k; (k = next.fetch_add(1)) < all.size();) res[k] = all[k]->close();
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    for (auto& r : res) RL_TRY(r);
  }
  for (std::size_t t = 1; t < acc.size(); ++t)
    for (std::size_t s = 0; s < ns; ++s) {
      for (std::size_t z = 0; z <= nz; ++z) acc[0][s].zone[z] += acc[t][s].zone[z];
      for (std::size_t c = 0; c < ncls; ++c) acc[0][s].cls[c] += acc[t][s].cls[c];
      acc[0][s].negative += acc[t][s].negative;
    }
  lap("outputs");
  // Emission caps per zone: quantity = min(emission, capacity). emissions.csv: zone_id,pollutant,year,kg
  auto emission = [&](std::int64_t zid, const std::string& pol) -> double {
    for (std::size_t r = 1; r < L->emissions.size(); ++r) {
      const auto& row = L->emissions[r];
      if (row.size() >= 4 && std::atoll(row[0].c_str()) == zid && row[1] == pol && std::atoi(row[2].c_str()) == d.accounting_year)
        return std::strtod(row[3].c_str(), nullptr);
    }
    return -1;
  };
  // Zone x service table (fen), class x service table.
  RunResult res;
  std::string zcsv = "zone_id,zone_name,indicator,service,category,unit,quantity,value_fen\n";
  std::string ccsv = "lucode,indicator,service,unit,quantity,value_fen\n";
  core::Json zj = core::Json::array(), cj = core::Json::array();
  std::map<std::string, ServiceTotal> tot;
  auto to_fen = [](double yuan) { return std::int64_t(std::llround(yuan * 100.0)); };
  for (std::size_t s = 0; s < ns; ++s) {
    const auto& sv = svcs[s];
    std::string cat = inds[sv.indicator].value("category", "regulating");
    double price = L->unit_price.at(sv.price_item) * sv.price_factor;
    auto& T = tot[sv.indicator];
    T.indicator = sv.indicator;
    T.category = cat;
    T.unit = sv.indicator == sv.name ? sv.unit : "kg";
    for (std::size_t z = 0; z < nz; ++z) {
      double qty = acc[0][s].zone[z + 1].value();
      if (sv.indicator != sv.name) {
        double e = emission(zones->zones[z].id, sv.name.substr(sv.indicator.size() + 1));
        if (e >= 0) qty = std::min(qty, e);
      }
      std::int64_t fen = to_fen(qty * price);
      T.quantity += qty;
      T.value_fen += fen;
      zcsv += std::to_string(zones->zones[z].id) + "," + zones->zones[z].name + "," + sv.indicator + "," + sv.name + "," + cat + "," +
              T.unit + "," + csv_num(qty) + "," + std::to_string(fen) + "\n";
      zj.push_back({{"zone_id", zones->zones[z].id}, {"zone_name", zones->zones[z].name}, {"indicator", sv.indicator}, {"service", sv.name},
                    {"category", cat}, {"unit", T.unit}, {"quantity", qty}, {"value_fen", fen}});
    }
    for (std::size_t c = 0; c < ncls; ++c) {
      if (!L->coef.rows.count(std::int64_t(c) + lo)) continue;
      double qty = acc[0][s].cls[c].value();
      ccsv += std::to_string(std::int64_t(c) + lo) + "," + sv.indicator + "," + sv.name + "," + T.unit + "," + csv_num(qty) + "," +
              std::to_string(to_fen(qty * price)) + "\n";
      cj.push_back({{"lucode", std::int64_t(c) + lo}, {"service", sv.name}, {"quantity", qty}, {"value_fen", to_fen(qty * price)}});
    }
  }
  auto zone_name = [&](std::int64_t id) -> std::string {
    for (auto& z : zones->zones)
      if (z.id == id) return z.name;
    return "";
  };
  // Table services (provisioning / cultural): products.csv zone_id,indicator,price_item,quantity,year
  for (std::size_t r = 1; r < L->products.size(); ++r) {
    const auto& row = L->products[r];
    if (row.size() < 4 || !included(P, row[1])) continue;
    if (row.size() >= 5 && std::atoi(row[4].c_str()) != d.accounting_year) continue;
    double qty = std::strtod(row[3].c_str(), nullptr);
    std::int64_t fen = to_fen(qty * L->unit_price.at(row[2]));
    auto& T = tot[row[1]];
    T.indicator = row[1];
    T.category = inds[row[1]].value("category", row[1]);
    T.unit = "item";
    T.quantity += qty;
    T.value_fen += fen;
    zcsv += row[0] + "," + zone_name(std::atoll(row[0].c_str())) + "," + row[1] + "," + row[2] + "," + T.category + ",item," + csv_num(qty) + "," + std::to_string(fen) + "\n";
    zj.push_back({{"zone_id", std::atoll(row[0].c_str())}, {"zone_name", zone_name(std::atoll(row[0].c_str()))}, {"indicator", row[1]},
                  {"service", row[2]}, {"category", T.category}, {"unit", "item"}, {"quantity", qty}, {"value_fen", fen}});
  }
  // Table rows of regulating services: a quantity per zone priced with the indicator's item.
  auto table_row = [&](const std::string& zone, const std::string& indicator, const std::string& service, const std::string& unit,
                       double qty, double price) {
    std::int64_t fen = to_fen(qty * price);
    auto& T = tot[indicator];
    T.indicator = indicator;
    T.category = inds[indicator].value("category", "regulating");
    if (T.unit.empty()) T.unit = unit;
    T.quantity += qty;
    T.value_fen += fen;
    std::int64_t zid = std::atoll(zone.c_str());
    zcsv += zone + "," + zone_name(zid) + "," + indicator + "," + service + "," + T.category + "," + unit + "," + csv_num(qty) + "," +
            std::to_string(fen) + "\n";
    zj.push_back({{"zone_id", zid}, {"zone_name", zone_name(zid)}, {"indicator", indicator}, {"service", service}, {"category", T.category},
                  {"unit", unit}, {"quantity", qty}, {"value_fen", fen}});
  };
  // Flood regulation by lakes (regression on the whole lake's area, shared out by the area in
  // each zone) and reservoirs (ratio x capacity): water_bodies.csv zone_id,name,kind,area_km2,capacity_m3.
  if (included(P, "flood_regulation") && !L->water_bodies.empty()) {
    double price = L->unit_price.at(inds["flood_regulation"]["price"].get<std::string>());
    std::map<std::string, double> lake_area;
    for (std::size_t r = 1; r < L->water_bodies.size(); ++r)
      if (L->water_bodies[r][2] == "lake") lake_area[L->water_bodies[r][1]] += std::strtod(L->water_bodies[r][3].c_str(), nullptr);
    for (std::size_t r = 1; r < L->water_bodies.size(); ++r) {
      const auto& row = L->water_bodies[r];
      if (row[2] == "lake" && has_component(P, "flood_regulation", "lakes")) {
        double a = std::strtod(row[3].c_str(), nullptr), total = lake_area[row[1]];
        double q = total > 0 ? formula::flood_lake_m3(total, lake_ln_a, lake_b, lake_c) * a / total : 0.0;
        table_row(row[0], "flood_regulation", "flood_regulation_lakes", "m3", q, price);
      } else if (row[2] == "reservoir" && has_component(P, "flood_regulation", "reservoirs")) {
        table_row(row[0], "flood_regulation", "flood_regulation_reservoirs", "m3",
                  formula::flood_reservoir_m3(std::strtod(row[4].c_str(), nullptr), res_ratio), price);
      }
    }
  }
  // Coastal protection: coastline.csv zone_id,habitat,length_km (km protected by the profile's habitats).
  if (included(P, "coastal_protection")) {
    double price = L->unit_price.at(inds["coastal_protection"]["price"].get<std::string>());
    const auto& hab = inds["coastal_protection"].contains("habitats") ? inds["coastal_protection"]["habitats"] : core::Json::array();
    for (std::size_t r = 1; r < L->coastline.size(); ++r) {
      const auto& row = L->coastline[r];
      if (row.size() < 3) continue;
      bool counted = hab.empty();
      for (auto& h : hab) counted = counted || h == row[1];
      if (!counted) continue;
      table_row(row[0], "coastal_protection", "coastal_protection_" + row[1], "km", std::strtod(row[2].c_str(), nullptr), price);
    }
  }
  std::map<std::string, std::int64_t> cat_fen;
  std::string scsv = "indicator,category,unit,quantity,value_fen\n";
  for (auto& [k, T] : tot) {
    res.services.push_back(T);
    res.gep_fen += T.value_fen;
    cat_fen[T.category] += T.value_fen;
    scsv += k + "," + T.category + "," + T.unit + "," + csv_num(T.quantity) + "," + std::to_string(T.value_fen) + "\n";
  }
  core::Json summary = {{"name", d.name}, {"accounting_year", d.accounting_year}, {"gep_fen", res.gep_fen}};
  for (const char* c : {"provisioning", "regulating", "cultural"}) {
    double share = res.gep_fen ? double(cat_fen[c]) / double(res.gep_fen) : 0.0;
    res.category_share[c] = share;
    summary["categories"][c] = {{"value_fen", cat_fen[c]}, {"share", share}};
  }
  for (auto& T : res.services) summary["services"][T.indicator] = {{"category", T.category}, {"unit", T.unit}, {"quantity", T.quantity}, {"value_fen", T.value_fen}};
  for (std::size_t s = 0; s < ns; ++s)
    if (svcs[s].name == "water_conservation") summary["water_conservation_negative_cells_clamped"] = acc[0][s].negative;
  auto write = [&](const std::string& rel, const std::string& text) -> Status {
    std::ofstream o(fs::path(out) / rel, std::ios::binary);
    o << text;
    if (!o) return run_error("eco.write_failed", rel, out + "/" + rel + ": write failed");
    res.files.push_back(rel);
    return ok_status();
  };
  RL_TRY(write("zonal_by_zone.csv", zcsv));
  RL_TRY(write("zonal_by_zone.json", zj.dump(1) + "\n"));
  RL_TRY(write("zonal_by_class.csv", ccsv));
  RL_TRY(write("zonal_by_class.json", cj.dump(1) + "\n"));
  RL_TRY(write("gep_summary.csv", scsv));
  RL_TRY(write("gep_summary.json", summary.dump(2) + "\n"));
  // Manifest: inputs with hashes, profile, parameters, engine version (no clock).
  core::Json m = {{"engine", kEngineVersion}, {"run_file", fs::path(d.file).filename().string()}, {"name", d.name},
                  {"accounting_year", d.accounting_year}, {"profile", d.profile}};
  for (auto& [k, p] : d.rasters) m["inputs"]["rasters." + k] = file_sha256(p);
  lap("tables");
  m["inputs"]["zones"] = file_sha256(d.zones_path);
  for (auto& [k, p] : d.tables) m["inputs"]["tables." + k] = file_sha256(p);
  for (auto& [k, v] : L->unit_price) m["unit_prices"][k] = v;
  std::string mtext = m.dump(2) + "\n";
  RL_TRY(write("manifest.json", mtext));
  res.manifest_sha256 = core::sha256_hex(mtext);
  fs::remove_all(fs::path(out) / "tmp", ec);
  for (auto& s : svcs) {
    res.files.push_back("rasters/" + s.name + "_quantity.tif");
    res.files.push_back("rasters/" + s.name + "_value.tif");
  }
  // Quick-look PNGs of the value rasters and the printable report.
  std::vector<std::string> names;
  for (auto& s : svcs) names.push_back(s.name);
  lap("manifest");
  auto ql = write_quicklooks(out, names);
  if (!ql.ok()) return ql.error();
  for (auto& q : *ql) res.files.push_back(q.png);
  res.files.push_back("quicklooks.json");
  lap("quicklooks");
  RL_TRY(write_report(out, summary, zj, *ql, res.manifest_sha256));
  lap("report");
  res.seconds = stage;
  res.seconds["total"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  res.files.push_back("report.html");
  return res;
}

}  // namespace riverlink::eco::gep
