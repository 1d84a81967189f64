#include "eco/vep/vep.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "eco/testing/fixtures.hpp"

namespace riverlink::eco::vep {
namespace {
namespace fx = riverlink::eco::testing;
namespace fs = std::filesystem;

void scenario(const std::string& dir, float value, const std::string& manifest) {
  fs::create_directories(dir + "/rasters");
  auto g = fx::grid(4, 3, 30);
  fx::write(dir + "/rasters/water_conservation_value.tif", g, raster::PixelType::float32, -3.4028234663852886e+38,
            std::vector<float>(12, value));
  fx::write_text(dir + "/manifest.json", manifest);
}

TEST(Vep, FractionalCoverageAndCentreRuleAndGain) {
  auto dir = fx::temp_dir("vep");
  const std::string m = R"({"accounting_year":2022,"profile":{"id":"T"},"unit_prices":{"reservoir":8.8}})";
  scenario(dir + "/base", 100, m);
  scenario(dir + "/proj", 150, m);
  // Row 0 (y 3759990..3760020), x 630010..630080: 2/3 of column 0, all of column 1, 2/3 of column 2.
  fx::write_rects(dir + "/parcels.geojson", {{7, 630010, 3759990, 630080, 3760020}});
  auto r = run_vep(dir + "/parcels.geojson", "ws_id", dir + "/base", dir + "/proj", dir + "/out");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rows.size(), 1u);
  const auto& row = r->rows[0];
  EXPECT_EQ(row.parcel_id, 7);
  EXPECT_NEAR(row.parcel_area_m2, 70.0 * 30.0, 1e-6);
  EXPECT_EQ(row.baseline_fen, std::llround(100.0 * (7.0 / 3.0) * 100));
  EXPECT_EQ(row.project_fen, std::llround(150.0 * (7.0 / 3.0) * 100));
  EXPECT_EQ(row.gain_fen, row.project_fen - row.baseline_fen);
  EXPECT_EQ(row.baseline_centre_fen, 3 * 100 * 100);  // three pixel centres inside
  EXPECT_EQ(row.gain_centre_fen, 3 * 50 * 100);
  EXPECT_TRUE(fs::exists(dir + "/out/vep_parcels.csv"));
}

TEST(Vep, ScenariosMustSharePricesAndYear) {
  auto dir = fx::temp_dir("vep_mismatch");
  scenario(dir + "/base", 100, R"({"accounting_year":2022,"profile":{"id":"T"},"unit_prices":{"reservoir":8.8}})");
  scenario(dir + "/proj", 150, R"({"accounting_year":2022,"profile":{"id":"T"},"unit_prices":{"reservoir":9.0}})");
  fx::write_rects(dir + "/parcels.geojson", {{7, 630010, 3759990, 630080, 3760020}});
  auto r = run_vep(dir + "/parcels.geojson", "ws_id", dir + "/base", dir + "/proj", dir + "/out");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eco.vep_mismatch");
  EXPECT_NE(r.error().message.find("unit_prices"), std::string::npos);
}

}  // namespace
}  // namespace riverlink::eco::vep
