#include "eco/gep/run.hpp"

#include <gdal.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eco/gep/formulas.hpp"
#include "eco/gep/invest.hpp"
#include "eco/testing/fixtures.hpp"

namespace riverlink::eco::gep {
namespace {
namespace fx = riverlink::eco::testing;
namespace fs = std::filesystem;
using raster::PixelType;

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 6 x 4 pixels of 100 m (1 ha): west half forest (1), east half water (2); zone 11 = west, 12 = east.
std::string make_run(const std::string& name, const std::string& prices = "") {
  auto dir = fx::temp_dir(name);
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  std::size_t n = 24;
  std::vector<std::uint8_t> lulc(n);
  for (std::size_t i = 0; i < n; ++i) lulc[i] = (i % 6) < 3 ? 1 : 2;
  fx::write(dir + "/lulc.tif", g, PixelType::byte, 255, lulc);
  fx::write(dir + "/p.tif", g, PixelType::float32, -9999, std::vector<float>(n, 1000));
  fx::write(dir + "/et.tif", g, PixelType::float32, -9999, std::vector<float>(n, 600));
  fx::write(dir + "/npp.tif", g, PixelType::float32, -9999, std::vector<float>(n, 500));
  fx::write(dir + "/storm.tif", g, PixelType::float32, -9999, std::vector<float>(n, 200));
  fx::write_rects(dir + "/zones.geojson", {{11, 630000, 3760000, 630300, 3760400}, {12, 630300, 3760000, 630600, 3760400}});
  fx::write_text(dir + "/coef.csv",
                 "lucode,name,runoff_coef,wc_applies,nep_ratio,climate_applies,storm_runoff_coef,flood_applies,q_so2\n"
                 "1,forest,0.1,1,0.5,1,0.2,1,100\n2,water,0,0,0,1,0,0,0\n");
  fx::write_text(dir + "/prices.csv", prices.empty() ? "item,year,value,unit\nreservoir,2020,8,yuan/m3\ncarbon,2022,60,yuan/t\n"
                                                       "electricity,2022,0.5,yuan/kWh\nso2,2022,5,yuan/kg\nrice,2022,3000,yuan/t\n"
                                                     : prices);
  fx::write_text(dir + "/deflators.csv", "year,index\n2020,100\n2022,110\n");
  fx::write_text(dir + "/emissions.csv", "zone_id,pollutant,year,kg\n11,so2,2022,150\n12,so2,2022,10\n");
  fx::write_text(dir + "/products.csv", "zone_id,indicator,price_item,quantity,year\n11,provisioning,rice,10,2022\n12,provisioning,rice,5,2021\n");
  fx::write_text(dir + "/profile.json", R"({"id":"TEST","version":"1","parameters":{"latent_heat_kj_per_kg":2260,"ac_efficiency_ratio":3.0},
    "indicators":{"water_conservation":{"category":"regulating","price":"reservoir"},
      "carbon_sequestration":{"category":"regulating","price":"carbon"},
      "oxygen_release":{"included":false,"category":"regulating","price":"oxygen"},
      "climate_regulation":{"category":"regulating","price":"electricity","variant":"et_year"},
      "flood_regulation":{"category":"regulating","price":"reservoir"},
      "air_purification":{"category":"regulating","pollutants":{"so2":"so2"}},
      "provisioning":{"category":"provisioning"}}})");
  fx::write_text(dir + "/run.json", R"({"name":"test","accounting_year":2022,"profile":"profile.json",
    "rasters":{"lulc":"lulc.tif","precipitation":"p.tif","et":"et.tif","npp":"npp.tif","storm_precipitation":"storm.tif"},
    "zones":{"path":"zones.geojson","id_field":"ws_id"},
    "tables":{"coefficients":"coef.csv","prices":"prices.csv","deflators":"deflators.csv","emissions":"emissions.csv","products":"products.csv"}})");
  return dir;
}

raster::EngineOptions opts() { return {.threads = 2, .memory_budget = 256ll << 20}; }

// Writes run.json (rasters given as the inside of the JSON object, `extra` as more top-level
// members) with make_run's zones and tables and runs it into dir/out.
Result<RunResult> run_with(const std::string& dir, const std::string& rasters, const std::string& out, const std::string& extra = "") {
  fx::write_text(dir + "/run.json", R"({"name":"t","accounting_year":2022,"profile":"profile.json")" + extra + R"(,
    "rasters":{)" + rasters + R"(},
    "zones":{"path":"zones.geojson","id_field":"ws_id"},
    "tables":{"coefficients":"coef.csv","prices":"prices.csv","deflators":"deflators.csv"}})");
  auto def = load_run(dir + "/run.json");
  if (!def.ok()) return def.error();
  return run_gep(*def, dir + "/" + out, opts());
}

// A slope falling 4 m per pixel to the east (and rising 0.5 m per row) as dir/dem.tif.
void write_slope_dem(const std::string& dir, const raster::Grid& g) {
  std::vector<float> dem(24);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) dem[std::size_t(y * 6 + x)] = float(50 - 4 * x + 0.5 * y);
  fx::write(dir + "/dem.tif", g, PixelType::float32, -9999, dem);
}

TEST(GepRun, HandComputedServicesAndValues) {
  auto dir = make_run("gep_run");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok()) << def.error().message;
  auto v = validate_run(*def, opts());
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto r = run_gep(*def, dir + "/out", opts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<std::string, ServiceTotal> s;
  for (auto& x : r->services) s[x.indicator] = x;
  // 12 forest pixels of 1 ha: water (1000 - 100 - 600) mm x 1e4 m2 = 3000 m3 each.
  EXPECT_NEAR(s["water_conservation"].quantity, 12 * 3000.0, 1e-6);
  // Reservoir price 8 yuan (2020) deflated to 2022: 8 x 110 / 100 = 8.8 yuan/m3.
  EXPECT_EQ(s["water_conservation"].value_fen, std::int64_t(std::llround(12 * 3000.0 * 8.8 * 100)));
  // NEP = 0.5 x 500 g C/m2 x 1e4 m2 = 2.5 t C -> 9.1667 t CO2 per pixel.
  EXPECT_NEAR(s["carbon_sequestration"].quantity, 12 * 2.5 * 44.0 / 12.0, 1e-6);
  EXPECT_FALSE(s.count("oxygen_release"));
  // Climate: all 24 pixels, 600 mm x 1e4 m2 = 6000 m3 = 6e6 kg x 2260 kJ/kg / (3600 x 3) kWh.
  EXPECT_NEAR(s["climate_regulation"].quantity, 24 * 6e6 * 2260 / 10800.0, 1e-3);
  // Flood: forest only, (200 - 40) mm x 1e4 m2 = 1600 m3.
  EXPECT_NEAR(s["flood_regulation"].quantity, 12 * 1600.0, 1e-6);
  // SO2 capacity 100 kg/ha x 12 ha = 1200 kg in zone 11, capped by its 150 kg emissions; zone 12: 0.
  EXPECT_NEAR(s["air_purification"].quantity, 150.0, 1e-9);
  EXPECT_EQ(s["air_purification"].value_fen, 150 * 5 * 100);
  // Provisioning from the table, only rows of the accounting year.
  EXPECT_EQ(s["provisioning"].value_fen, 10 * 3000 * 100);
  double shares = 0;
  for (auto& [c, x] : r->category_share) shares += x;
  EXPECT_NEAR(shares, 1.0, 1e-12);
  for (const char* f : {"zonal_by_zone.csv", "zonal_by_class.csv", "gep_summary.json", "manifest.json",
                        "rasters/water_conservation_value.tif"})
    EXPECT_TRUE(fs::exists(dir + "/out/" + f)) << f;
  auto info = raster::probe(dir + "/out/rasters/water_conservation_quantity.tif");
  ASSERT_TRUE(info.ok());
}

TEST(GepRun, IdenticalManifestGivesBitIdenticalTables) {
  auto dir = make_run("gep_repeat");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok());
  auto a = run_gep(*def, dir + "/a", {.threads = 1, .memory_budget = 256ll << 20, .tile = 16});
  auto b = run_gep(*def, dir + "/b", {.threads = 2, .memory_budget = 256ll << 20, .tile = 256});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->manifest_sha256, b->manifest_sha256);
  for (const char* f : {"zonal_by_zone.csv", "zonal_by_class.csv", "gep_summary.csv", "gep_summary.json", "manifest.json"})
    EXPECT_EQ(slurp(dir + "/a/" + f), slurp(dir + "/b/" + f)) << f;
}

TEST(GepRun, SoilRetentionVariants) {
  auto dir = make_run("gep_soil");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  write_slope_dem(dir, g);
  fx::write(dir + "/r.tif", g, PixelType::float32, -9999, std::vector<float>(24, 4000));
  fx::write(dir + "/k.tif", g, PixelType::float32, -9999, std::vector<float>(24, 0.03f));
  // Water (class 2) has C x P = 1: no retention there.
  fx::write_text(dir + "/coef.csv",
                 "lucode,name,runoff_coef,wc_applies,nep_ratio,climate_applies,storm_runoff_coef,flood_applies,q_so2,usle_c,usle_p\n"
                 "1,forest,0.1,1,0.5,1,0.2,1,100,0.01,1\n2,water,0,0,0,1,0,0,0,1,1\n");
  auto run = [&](const std::string& variant) -> double {
    fx::write_text(dir + "/profile.json", R"({"id":"T","version":"1","parameters":{"l_max":122,"max_slope_length_m":300},
      "indicators":{"soil_retention":{"category":"regulating","price":"reservoir","variant":")" + variant + R"("}}})");
    auto r = run_with(dir, R"("lulc":"lulc.tif","dem":"dem.tif","erosivity":"r.tif","erodibility":"k.tif")", "out_" + variant);
    if (!r.ok()) { ADD_FAILURE() << r.error().message; return -1; }
    auto z = slurp(dir + "/out_" + variant + "/zonal_by_zone.csv");
    EXPECT_NE(z.find("12,zone 12,soil_retention,soil_retention,regulating,t,0.000000,0"), std::string::npos) << z;
    return r->services.at(0).quantity;
  };
  double a = run("invest_313"), b = run("china_mccool_liu"), c = run("desmet_govers");
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
  EXPECT_GT(c, 0);
  EXPECT_NE(a, b);
  fx::write_text(dir + "/profile.json", R"({"id":"T","parameters":{"l_max":122},"indicators":{"soil_retention":{"price":"reservoir","variant":"nope"}}})");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok());
  auto bad = run_gep(*def, dir + "/out_bad", opts());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("variant"), std::string::npos);
}

TEST(GepRun, SoilRetentionFromSoilTextureAndVegetationFraction) {
  // The same field twice: K and C given directly (raster, table), and derived from soil texture
  // (EPIC) and vegetation fraction (Cai) with the profile's coefficients: the same retention.
  auto dir = make_run("gep_texture");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  write_slope_dem(dir, g);
  fx::write(dir + "/r.tif", g, PixelType::float32, -9999, std::vector<float>(24, 4000));
  const double kc[11] = {0.2, 0.3, -0.0256, 0.3, 0.25, 3.72, -2.95, 0.7, -5.51, 22.9, 0.1317}, cc[3] = {0.6508, 0.3436, 78.3};
  const double K = -0.01383 + 0.51575 * formula::k_epic(40, 40, 20, 1.5, kc);  // with the correction
  const double C = formula::c_from_fc(0.5, cc);
  fx::write(dir + "/k.tif", g, PixelType::float32, -9999, std::vector<float>(24, float(K)));
  fx::write(dir + "/sand.tif", g, PixelType::float32, -9999, std::vector<float>(24, 40));
  fx::write(dir + "/silt.tif", g, PixelType::float32, -9999, std::vector<float>(24, 40));
  fx::write(dir + "/clay.tif", g, PixelType::float32, -9999, std::vector<float>(24, 20));
  fx::write(dir + "/oc.tif", g, PixelType::float32, -9999, std::vector<float>(24, 1.5f));
  std::vector<float> fc(24);
  for (std::size_t i = 0; i < 24; ++i) fc[i] = (i % 6) < 3 ? 0.5f : 0.0f;  // forest half covered, water bare (C = 1)
  fx::write(dir + "/fc.tif", g, PixelType::float32, -9999, fc);
  char cbuf[64];
  std::snprintf(cbuf, sizeof cbuf, "%.17g", C);
  fx::write_text(dir + "/coef.csv", std::string("lucode,name,usle_c,usle_p\n1,forest,") + cbuf + ",1\n2,water,1,1\n");
  auto run = [&](const std::string& options, const std::string& rasters, const std::string& out) -> Result<RunResult> {
    fx::write_text(dir + "/profile.json", R"({"id":"T","version":"1","parameters":{"l_max":122,
      "k_epic":[0.2,0.3,-0.0256,0.3,0.25,3.72,-2.95,0.7,-5.51,22.9,0.1317],"k_correction":[-0.01383,0.51575],"c_fc":[0.6508,0.3436,78.3]},
      "indicators":{"soil_retention":{"category":"regulating","price":"reservoir","variant":"invest_313")" + options + R"(}}})");
    return run_with(dir, R"("lulc":"lulc.tif","dem":"dem.tif","erosivity":"r.tif")" + rasters, out);
  };
  auto direct = run("", R"(,"erodibility":"k.tif")", "direct");
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  auto derived = run(R"(,"erodibility":"soil_texture","c_factor":"vegetation_fraction")",
                     R"(,"sand":"sand.tif","silt":"silt.tif","clay":"clay.tif","organic_carbon":"oc.tif","vegetation_fraction":"fc.tif")", "derived");
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  const double a = direct->services.at(0).quantity, b = derived->services.at(0).quantity;
  EXPECT_GT(a, 0);
  EXPECT_NEAR(b, a, 1e-6 * a);  // K went through float32 in the direct run
  // Soil texture without its rasters, or an unknown option: refused, naming what is wrong.
  auto missing = run(R"(,"erodibility":"soil_texture")", R"(,"sand":"sand.tif")", "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("rasters.silt"), std::string::npos) << missing.error().message;
  auto unknown = run(R"(,"c_factor":"ndvi")", R"(,"erodibility":"k.tif")", "unknown");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("c_factor"), std::string::npos) << unknown.error().message;
}

TEST(GepRun, SoilRetentionWithErosivityFromDailyRainfall) {
  // A three-day series (one band per day): R from the daily model equals an R raster of the same
  // value, and the retention follows.
  auto dir = make_run("gep_daily");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  write_slope_dem(dir, g);
  fx::write(dir + "/k.tif", g, PixelType::float32, -9999, std::vector<float>(24, 0.03f));
  fx::write_text(dir + "/coef.csv", "lucode,name,usle_c,usle_p\n1,forest,0.01,1\n2,water,1,1\n");
  const double rc[6] = {12, 0.8363, 18.144, 24.455, 21.586, -7.1891};
  const float days[3] = {20, 5, 30};
  const double R = formula::r_daily_zhang(days, 3, 1, rc);
  fx::write(dir + "/r.tif", g, PixelType::float32, -9999, std::vector<float>(24, float(R)));
  {
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), (dir + "/daily.tif").c_str(), 6, 4, 3, GDT_Float32, nullptr);
    ASSERT_NE(ds, nullptr);
    GDALSetGeoTransform(ds, const_cast<double*>(g.gt.data()));
    GDALSetProjection(ds, g.wkt.c_str());
    for (int b = 0; b < 3; ++b) {
      std::vector<float> v(24, days[b]);
      GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
      GDALSetRasterNoDataValue(band, -9999);
      ASSERT_EQ(GDALRasterIO(band, GF_Write, 0, 0, 6, 4, v.data(), 6, 4, GDT_Float32, 0, 0), CE_None);
    }
    GDALClose(ds);
  }
  auto run = [&](const std::string& options, const std::string& rasters, const std::string& out) -> Result<RunResult> {
    fx::write_text(dir + "/profile.json", R"({"id":"T","version":"1","parameters":{"l_max":122,
      "r_daily":[12,0.8363,18.144,24.455,21.586,-7.1891]},
      "indicators":{"soil_retention":{"category":"regulating","price":"reservoir","variant":"invest_313")" + options + R"(}}})");
    return run_with(dir, R"("lulc":"lulc.tif","dem":"dem.tif","erodibility":"k.tif")" + rasters, out);
  };
  auto direct = run("", R"(,"erosivity":"r.tif")", "direct");
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  auto daily = run(R"(,"erosivity":"daily_rainfall")", R"(,"daily_precipitation":"daily.tif")", "daily");
  ASSERT_TRUE(daily.ok()) << daily.error().message;
  const double a = direct->services.at(0).quantity, b = daily->services.at(0).quantity;
  EXPECT_GT(a, 0);
  EXPECT_NEAR(b, a, 1e-9 * a);
  auto missing = run(R"(,"erosivity":"daily_rainfall")", "", "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("rasters.daily_precipitation"), std::string::npos) << missing.error().message;
}

TEST(GepRun, ActualEtFromEt0ByTheBudykoCurve) {
  // A run that names et0 (with PAWC and soil depth) instead of et: AET = fractp x P from InVEST's
  // Budyko curve, per class; the same totals as a run given that AET as its et raster.
  auto dir = make_run("gep_et0");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  fx::write(dir + "/et0.tif", g, PixelType::float32, -9999, std::vector<float>(24, 900));
  fx::write(dir + "/pawc.tif", g, PixelType::float32, -9999, std::vector<float>(24, 0.2f));
  fx::write(dir + "/depth.tif", g, PixelType::float32, -9999, std::vector<float>(24, 1000));
  const float z = 5;
  const float aet_forest = awy_fractp(1.0f, 5000, true, 1000, 900, 1000, 0.2f, z) * 1000.0f;
  const float aet_water = awy_fractp(1.05f, 1, false, 1000, 900, 1000, 0.2f, z) * 1000.0f;
  std::vector<float> aet(24);
  for (std::size_t i = 0; i < 24; ++i) aet[i] = (i % 6) < 3 ? aet_forest : aet_water;
  fx::write(dir + "/aet.tif", g, PixelType::float32, -9999, aet);
  fx::write_text(dir + "/coef.csv",
                 "lucode,name,runoff_coef,wc_applies,climate_applies,kc,root_depth,lulc_veg\n"
                 "1,forest,0.1,1,1,1,5000,1\n2,water,0,1,1,1.05,1,0\n");
  fx::write_text(dir + "/profile.json", R"({"id":"T","version":"1","parameters":{"latent_heat_kj_per_kg":2260,"ac_efficiency_ratio":3.0,
      "awy_seasonality_z":5},
    "indicators":{"water_conservation":{"category":"regulating","price":"reservoir"},
      "climate_regulation":{"category":"regulating","price":"electricity","variant":"et_year"}}})");
  auto run = [&](const std::string& rasters, const std::string& out) {
    return run_with(dir, R"("lulc":"lulc.tif","precipitation":"p.tif")" + rasters, out);
  };
  auto direct = run(R"(,"et":"aet.tif")", "direct");
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  auto budyko = run(R"(,"et0":"et0.tif","pawc":"pawc.tif","soil_depth":"depth.tif")", "budyko");
  ASSERT_TRUE(budyko.ok()) << budyko.error().message;
  ASSERT_EQ(direct->services.size(), budyko->services.size());
  for (std::size_t k = 0; k < direct->services.size(); ++k) {
    EXPECT_GT(direct->services[k].quantity, 0) << direct->services[k].indicator;
    EXPECT_NEAR(budyko->services[k].quantity, direct->services[k].quantity, 1e-9 * direct->services[k].quantity)
        << direct->services[k].indicator;
  }
  auto missing = run(R"(,"et0":"et0.tif","pawc":"pawc.tif")", "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("rasters.soil_depth"), std::string::npos) << missing.error().message;
}

TEST(GepRun, CarbonByStockDifference) {
  // 2017: all water (no carbon); 2022: the west half forest at 100 Mg C/ha. 12 ha gained
  // 1200 Mg C in 5 years: 240 t C/yr = 880 t CO2/yr.
  auto dir = make_run("gep_stock");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  fx::write(dir + "/lulc_2017.tif", g, PixelType::byte, 255, std::vector<std::uint8_t>(24, 2));
  fx::write_text(dir + "/coef.csv", "lucode,name,c_above,c_below,c_soil,c_dead\n1,forest,60,15,20,5\n2,water,0,0,0,0\n");
  fx::write_text(dir + "/profile.json", R"({"id":"T","version":"1","parameters":{},
    "indicators":{"carbon_sequestration":{"category":"regulating","price":"carbon","variant":"stock_difference"}}})");
  auto run = [&](const std::string& extra, const std::string& out) {
    return run_with(dir, R"("lulc":"lulc.tif","lulc_previous":"lulc_2017.tif")", out, extra);
  };
  auto r = run(R"(,"lulc_previous_year":2017)", "ok");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r->services.at(0).quantity, 880.0, 1e-9);
  EXPECT_EQ(r->services.at(0).value_fen, 880 * 60 * 100);  // 60 yuan/t in the accounting year
  auto no_year = run("", "no_year");
  ASSERT_FALSE(no_year.ok());
  EXPECT_NE(no_year.error().message.find("lulc_previous_year"), std::string::npos) << no_year.error().message;
  fx::write(dir + "/lulc_2017.tif", g, PixelType::byte, 255, std::vector<std::uint8_t>(24, 7));
  auto missing = run(R"(,"lulc_previous_year":2017)", "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("lulc_2017.tif: land-cover class 7"), std::string::npos) << missing.error().message;
}

TEST(GepRun, PriceTableWithoutAccountingYear) {
  auto dir = make_run("gep_price", "item,year,value,unit\nreservoir,2023,8,yuan/m3\ncarbon,2022,60,yuan/t\n"
                                   "electricity,2022,0.5,yuan/kWh\nso2,2022,5,yuan/kg\nrice,2022,3000,yuan/t\n");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok());
  auto r = run_gep(*def, dir + "/out", opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.price_missing");
  EXPECT_NE(r.error().message.find("prices.csv"), std::string::npos);
  EXPECT_NE(r.error().message.find("reservoir"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/out/gep_summary.json"));
}

TEST(GepRun, ClassMissingAndNegativePrecipitation) {
  auto dir = make_run("gep_bad");
  fx::write_text(dir + "/coef.csv", "lucode,name,runoff_coef,wc_applies,nep_ratio,climate_applies,storm_runoff_coef,flood_applies,q_so2\n"
                                    "1,forest,0.1,1,0.5,1,0.2,1,100\n");
  auto def = load_run(dir + "/run.json");
  ASSERT_TRUE(def.ok());
  auto v = validate_run(*def, opts());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "eco.class_missing");
  EXPECT_NE(v.error().message.find("class 2"), std::string::npos);
  auto dir2 = make_run("gep_neg");
  auto g = fx::grid(6, 4, 100, 630000, 3760400);
  std::vector<float> p(24, 1000);
  p[5] = -1;
  fx::write(dir2 + "/p.tif", g, PixelType::float32, -9999, p);
  auto def2 = load_run(dir2 + "/run.json");
  ASSERT_TRUE(def2.ok());
  auto v2 = validate_run(*def2, opts());
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().code, "eco.negative_precipitation");
  EXPECT_NE(v2.error().message.find("p.tif"), std::string::npos);
}

}  // namespace
}  // namespace riverlink::eco::gep
