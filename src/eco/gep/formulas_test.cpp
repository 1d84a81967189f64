// Analytic tests of each indicator formula, and a run with every optional indicator switched on
// whose totals are computed by hand.
#include "eco/gep/formulas.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "eco/gep/run.hpp"
#include "eco/testing/fixtures.hpp"

namespace riverlink::eco::gep {
namespace {
namespace fx = riverlink::eco::testing;
namespace fs = std::filesystem;
using namespace formula;

TEST(Formulas, WaterCarbonOxygen) {
  // (1000 - 0.1 x 1000 - 600) mm over 1 ha = 300 mm x 1e4 m2 = 3000 m3.
  EXPECT_DOUBLE_EQ(water_conservation_m3(1000, 0.1, 600, 1e4), 3000.0);
  EXPECT_DOUBLE_EQ(water_conservation_m3(500, 0.2, 600, 1e4), -2000.0);  // unclamped; the run clamps and counts
  // 0.5 x 500 g C/m2 x 1e4 m2 = 2.5 t C = 2.5 x 44/12 t CO2.
  EXPECT_NEAR(carbon_co2_t(500, 0.5, 1e4), 2.5 * 44.0 / 12.0, 1e-12);
  EXPECT_NEAR(oxygen_t(44), 32.0, 1e-12);
}

TEST(Formulas, ErodibilityFromTextureAndCoverFromVegetation) {
  const double k[11] = {0.2, 0.3, -0.0256, 0.3, 0.25, 3.72, -2.95, 0.7, -5.51, 22.9, 0.1317};
  // SAN 40, SIL 40, CLA 20, C 1.5 %: each EPIC factor by hand.
  const double f1 = 0.2 + 0.3 * std::exp(-0.0256 * 40 * (1 - 0.4));
  const double f2 = std::pow(40.0 / 60.0, 0.3);
  const double f3 = 1 - 0.25 * 1.5 / (1.5 + std::exp(3.72 - 2.95 * 1.5));
  const double f4 = 1 - 0.7 * 0.6 / (0.6 + std::exp(-5.51 + 22.9 * 0.6));
  EXPECT_NEAR(k_epic(40, 40, 20, 1.5, k), 0.1317 * f1 * f2 * f3 * f4, 1e-15);
  EXPECT_GT(k_epic(40, 40, 20, 1.5, k), 0.02);  // a loam: K of a few hundredths t ha h / (ha MJ mm)
  EXPECT_LT(k_epic(40, 40, 20, 1.5, k), 0.05);
  EXPECT_TRUE(std::isnan(k_epic(100, 0, 0, 1, k)));          // no silt or clay: undefined, not a number
  const double c[3] = {0.6508, 0.3436, 78.3};
  EXPECT_DOUBLE_EQ(c_from_fc(0, c), 1.0);
  EXPECT_NEAR(c_from_fc(0.5, c), 0.6508 - 0.3436 * std::log10(50.0), 1e-15);
  EXPECT_DOUBLE_EQ(c_from_fc(0.8, c), 0.0);
  EXPECT_DOUBLE_EQ(c_from_fc(0.0001, c), 1.0);  // clamped to 1 near bare ground
}

TEST(Formulas, ErosivityFromDailyRainfall) {
  const double r[6] = {12, 0.8363, 18.144, 24.455, 21.586, -7.1891};
  // One year, erosive days of 20 and 30 mm (the 5 mm day and the missing one do not count).
  const float days[4] = {20, 5, 30, NAN};
  const double pd = 25, py = 50, beta = 0.8363 + 18.144 / pd + 24.455 / py, alpha = 21.586 * std::pow(beta, -7.1891);
  EXPECT_NEAR(r_daily_zhang(days, 4, 1, r), alpha * (std::pow(20.0, beta) + std::pow(30.0, beta)), 1e-9);
  // Two years of the same: the same annual R.
  const float two[8] = {20, 5, 30, NAN, 20, 5, 30, NAN};
  EXPECT_NEAR(r_daily_zhang(two, 8, 2, r), r_daily_zhang(days, 4, 1, r), 1e-9);
  const float dry[2] = {3, 11.9f};
  EXPECT_EQ(r_daily_zhang(dry, 2, 1, r), 0.0);
}

TEST(Formulas, ClimateBothVariants) {
  // et_year: 600 mm on 1 ha = 6e6 kg x 2260 kJ/kg / (3600 x 3) = 1 255 555.6 kWh.
  EXPECT_NEAR(climate_et_year_kwh(600, 1e4, 2260, 3), 6e6 * 2260 / 10800.0, 1e-6);
  // transpiration: EPP 8000 kJ/m2/d x 1e4 m2 x 60 d / (3600 x 3) = 444 444.4 kWh.
  EXPECT_NEAR(climate_transpiration_kwh(8000, 1e4, 60, 3), 8000.0 * 1e4 * 60 / 10800.0, 1e-6);
  // water surface: 180 mm on 1 ha = 1800 m3; 1800 x 2260 x 1e3 / 10800 + 1800 x 40.
  EXPECT_NEAR(climate_water_surface_kwh(180, 1e4, 2260, 3, 40), 1800.0 * 2260e3 / 10800.0 + 1800.0 * 40, 1e-6);
}

TEST(Formulas, FloodComponents) {
  // Vegetation: (200 - 0.15 x 200) mm x 1 ha = 1700 m3; never negative.
  EXPECT_NEAR(flood_vegetation_m3(200, 0.15, 1e4), 1700.0, 1e-9);
  EXPECT_EQ(flood_vegetation_m3(200, 1.5, 1e4), 0.0);
  // Marsh: 1 ha x (0.5 m x (0.55 - 0.40) + 0.3 m) = 3750 m3.
  EXPECT_NEAR(flood_marsh_m3(1e4, 0.5, 0.55, 0.40, 0.3), 3750.0, 1e-9);
  // Lake: e^4.924 x 10^1.128 x 3.19 (1e4 m3).
  EXPECT_NEAR(flood_lake_m3(10, 4.924, 1.128, 3.19), std::exp(4.924) * std::pow(10.0, 1.128) * 3.19 * 1e4, 1e-3);
  EXPECT_NEAR(flood_lake_m3(1, 0, 1, 1), 1e4, 1e-9);  // e^0 x 1^b x 1 = 1 (1e4 m3)
  EXPECT_NEAR(flood_reservoir_m3(2e8, 0.35), 7e7, 1e-6);
}

TEST(Formulas, SandFixationRweq) {
  // With factor f: Q_max = a f, s = b f^e, SL = 2 z / s^2 x Q_max x exp(-(z/s)^2).
  double f = 0.2, z = 50, a = 109.8, b = 150.71, e = -0.3711;
  double s = b * std::pow(f, e), q = a * f;
  double sl = 2 * z / (s * s) * q * std::exp(-(z / s) * (z / s));
  EXPECT_NEAR(rweq_soil_loss_kg_m2(f, z, a, b, e), sl, 1e-12);
  EXPECT_EQ(rweq_soil_loss_kg_m2(0, z, a, b, e), 0.0);
  // Service: potential (C = 1) minus actual (C = 0.1) over 1 ha, kg -> t.
  double expect = (rweq_soil_loss_kg_m2(f, z, a, b, e) - rweq_soil_loss_kg_m2(f * 0.1, z, a, b, e)) * 1e4 / 1000;
  EXPECT_NEAR(sand_fixation_t(f, 0.1, z, a, b, e, 1e4), std::max(0.0, expect), 1e-12);
  // Value: 30 t / (1.5 t/m3 x 0.01 m) = 2000 m2 x 20 yuan/m2.
  EXPECT_NEAR(sand_fixation_value(30, 1.5, 0.01, 20), 40000.0, 1e-9);
}

// 4 x 2 pixels of 100 m: west forest (1), east marsh (9); zone 1 = all. Every optional indicator on.
TEST(Formulas, RunWithOptionalIndicators) {
  auto dir = fx::temp_dir("gep_optional");
  auto g = fx::grid(4, 2, 100, 630000, 3760200);
  std::vector<std::uint8_t> lulc = {1, 1, 9, 9, 1, 1, 9, 9};
  fx::write(dir + "/lulc.tif", g, raster::PixelType::byte, 255, lulc);
  for (auto [name, v] : {std::pair{"storm", 200.f}, {"evap", 180.f}, {"wf", 0.5f}, {"ef", 0.8f}, {"scf", 0.5f}, {"kr", 1.0f}})
    fx::write(dir + "/" + name + ".tif", g, raster::PixelType::float32, -9999, std::vector<float>(8, v));
  fx::write_rects(dir + "/zones.geojson", {{1, 630000, 3760000, 630400, 3760200}});
  fx::write_text(dir + "/coef.csv",
                 "lucode,storm_runoff_coef,flood_applies,epp_kj_m2_d,water_surface,marsh_soil_depth_m,marsh_theta_s,marsh_theta,marsh_detention_m,rweq_c\n"
                 "1,0.15,1,8000,0,0,0,0,0,0.1\n9,0,0,0,1,0.5,0.55,0.4,0.3,0.05\n");
  fx::write_text(dir + "/prices.csv", "item,year,value,unit\nreservoir,2022,10,yuan/m3\nelectricity,2022,0.5,yuan/kWh\n"
                                      "sand,2022,20,yuan/m2\nseawall,2022,1000000,yuan/km\n");
  fx::write_text(dir + "/deflators.csv", "year,index\n2022,100\n");
  fx::write_text(dir + "/water.csv", "zone_id,name,kind,area_km2,capacity_m3\n1,lake A,lake,6,\n2,lake A,lake,4,\n1,res B,reservoir,,2000000\n");
  fx::write_text(dir + "/coast.csv", "zone_id,habitat,length_km\n1,salt_marsh,2.5\n1,seawall,9\n");
  fx::write_text(dir + "/profile.json", R"({"id":"T","parameters":{"latent_heat_kj_per_kg":2260,"ac_efficiency_ratio":3,"hot_days":60,
      "humidifier_kwh_per_m3":40,"lake_flood_ln_a":4.924,"lake_flood_b":1.128,"lake_flood_c":3.19,"reservoir_flood_ratio":0.35,
      "rweq_z_m":50,"rweq_a":109.8,"rweq_b":150.71,"rweq_e":-0.3711,"sand_bulk_density_t_m3":1.5,"sand_layer_depth_m":0.01},
    "indicators":{"climate_regulation":{"price":"electricity","variant":"transpiration"},
      "flood_regulation":{"price":"reservoir","components":["vegetation","marsh","lakes","reservoirs"]},
      "sand_fixation":{"price":"sand"},
      "coastal_protection":{"price":"seawall","habitats":["salt_marsh","mangrove"]}}})");
  fx::write_text(dir + "/run.json", R"({"name":"t","accounting_year":2022,"profile":"profile.json",
    "rasters":{"lulc":"lulc.tif","storm_precipitation":"storm.tif","evaporation_hot_days":"evap.tif","wind_factor":"wf.tif",
               "erodible_fraction":"ef.tif","crust_factor":"scf.tif","roughness_factor":"kr.tif"},
    "zones":{"path":"zones.geojson","id_field":"ws_id"},
    "tables":{"coefficients":"coef.csv","prices":"prices.csv","deflators":"deflators.csv","water_bodies":"water.csv","coastline":"coast.csv"}})");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok()) << def.error().message;
  auto r = run_gep(*def, dir + "/out", {.threads = 2, .memory_budget = 128ll << 20});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<std::string, ServiceTotal> s;
  for (auto& x : r->services) s[x.indicator] = x;
  // Climate (transpiration): 4 forest px x EPP term + 4 marsh px x water-surface term.
  double clim = 4 * climate_transpiration_kwh(8000, 1e4, 60, 3) + 4 * climate_water_surface_kwh(180, 1e4, 2260, 3, 40);
  EXPECT_NEAR(s["climate_regulation"].quantity, clim, 1e-3 * clim * 1e-6);
  // Flood: 4 forest px x 1700 + 4 marsh px x 3750 + lake A (10 km2 total, 6/10 in zone 1) + 0.35 x 2e6.
  double lake10 = flood_lake_m3(10, 4.924, 1.128, 3.19);
  double flood = 4 * 1700.0 + 4 * 3750.0 + lake10 * 0.6 + lake10 * 0.4 + 0.35 * 2e6;
  EXPECT_NEAR(s["flood_regulation"].quantity, flood, 1e-6 * flood);
  // Sand fixation: per pixel (factor 0.2), C = 0.1 on forest, 0.05 on marsh; value / (1.5 x 0.01) x 20.
  double sf = 4 * sand_fixation_t(0.2, 0.1, 50, 109.8, 150.71, -0.3711, 1e4) + 4 * sand_fixation_t(0.2, 0.05, 50, 109.8, 150.71, -0.3711, 1e4);
  EXPECT_NEAR(s["sand_fixation"].quantity, sf, 1e-6 * sf + 1e-9);
  EXPECT_NEAR(double(s["sand_fixation"].value_fen) / 100, sand_fixation_value(sf, 1.5, 0.01, 20), 0.05);
  // Coastal: only the profile's habitats (salt marsh 2.5 km), 1e6 yuan/km.
  EXPECT_NEAR(s["coastal_protection"].quantity, 2.5, 1e-12);
  EXPECT_EQ(s["coastal_protection"].value_fen, 250000000);
  EXPECT_TRUE(fs::exists(dir + "/out/report.html"));
  EXPECT_TRUE(fs::exists(dir + "/out/quicklooks/gep_total.png"));
  EXPECT_TRUE(fs::exists(dir + "/out/quicklooks.json"));
}

TEST(Formulas, UnknownClimateVariantAndBadWaterBodiesAreRefused) {
  auto dir = fx::temp_dir("gep_optional_bad");
  auto g = fx::grid(2, 2, 100, 630000, 3760200);
  fx::write(dir + "/lulc.tif", g, raster::PixelType::byte, 255, std::vector<std::uint8_t>(4, 1));
  fx::write(dir + "/et.tif", g, raster::PixelType::float32, -9999, std::vector<float>(4, 600));
  fx::write(dir + "/storm.tif", g, raster::PixelType::float32, -9999, std::vector<float>(4, 200));
  fx::write_rects(dir + "/zones.geojson", {{1, 630000, 3760000, 630200, 3760200}});
  fx::write_text(dir + "/coef.csv", "lucode,climate_applies,storm_runoff_coef,flood_applies\n1,1,0.1,1\n");
  fx::write_text(dir + "/prices.csv", "item,year,value,unit\nreservoir,2022,10,yuan/m3\nelectricity,2022,0.5,yuan/kWh\n");
  fx::write_text(dir + "/deflators.csv", "year,index\n2022,100\n");
  fx::write_text(dir + "/water.csv", "zone_id,name,kind,area_km2,capacity_m3\n1,lake A,pond,6,\n");
  auto write = [&](const std::string& indicators) {
    fx::write_text(dir + "/profile.json", R"({"id":"T","parameters":{"latent_heat_kj_per_kg":2260,"ac_efficiency_ratio":3,
        "lake_flood_ln_a":4.9,"lake_flood_b":1.1,"lake_flood_c":3.2},"indicators":{)" + indicators + "}}");
    fx::write_text(dir + "/run.json", R"({"name":"t","accounting_year":2022,"profile":"profile.json",
      "rasters":{"lulc":"lulc.tif","et":"et.tif","storm_precipitation":"storm.tif"},"zones":{"path":"zones.geojson","id_field":"ws_id"},
      "tables":{"coefficients":"coef.csv","prices":"prices.csv","deflators":"deflators.csv","water_bodies":"water.csv"}})");
  };
  write(R"("climate_regulation":{"price":"electricity","variant":"summer"})");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok());
  auto r = run_gep(*def, dir + "/out", {.threads = 1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("climate_regulation.variant"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(dir + "/out/gep_summary.json"));
  write(R"("climate_regulation":{"price":"electricity","variant":"transpiration"})");
  def = load_run(dir + "/run.json");
  r = run_gep(*def, dir + "/out", {.threads = 1});
  ASSERT_FALSE(r.ok());  // needs rasters.evaporation_hot_days and column epp_kj_m2_d
  EXPECT_NE(r.error().message.find("evaporation_hot_days"), std::string::npos) << r.error().message;
  write(R"("flood_regulation":{"price":"reservoir","components":["vegetation","lakes"]})");
  def = load_run(dir + "/run.json");
  r = run_gep(*def, dir + "/out", {.threads = 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.table_invalid");
  EXPECT_NE(r.error().message.find("water.csv line 2"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(dir + "/out/gep_summary.json"));
}

}  // namespace
}  // namespace riverlink::eco::gep
