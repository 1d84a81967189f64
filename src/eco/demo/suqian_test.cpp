#include "eco/demo/suqian.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/hash.hpp"
#include "eco/gep/run.hpp"
#include "eco/vep/vep.hpp"

namespace riverlink::eco::demo {
namespace {
namespace fs = std::filesystem;

std::string temp(const std::string& name) {
  auto p = fs::temp_directory_path() / ("riverlink_eco_demo_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}
std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SuqianDemo, DeterministicAndRunsWithSuqiansCounties) {
  auto opt = size_preset("tiny");
  ASSERT_TRUE(opt.ok());
  auto a = generate_suqian(temp("a"), *opt);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = generate_suqian(temp("b"), *opt);
  ASSERT_TRUE(b.ok());
  for (auto& f : a->files) EXPECT_EQ(core::sha256_hex(slurp(a->dir + "/" + f)), core::sha256_hex(slurp(b->dir + "/" + f))) << f;

  auto def = gep::load_run(a->run_file);
  ASSERT_TRUE(def.ok()) << def.error().message;
  raster::EngineOptions eo{.threads = 2, .memory_budget = 256ll << 20};
  auto v = gep::validate_run(*def, eo);
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto r = gep::run_gep(*def, a->dir + "/out", eo);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Zones are Suqian's five county-level divisions.
  auto zones = slurp(a->dir + "/out/zonal_by_zone.csv");
  for (const char* code : {"321302", "321311", "321322", "321323", "321324"}) EXPECT_NE(zones.find(code), std::string::npos) << code;
  EXPECT_NE(zones.find("宿城区"), std::string::npos);
  // Plausibility bands (spec section 9): a lake region, regulating services dominate.
  EXPECT_GT(r->gep_fen, 0);
  EXPECT_GT(r->category_share.at("regulating"), 0.5);
  EXPECT_LT(r->category_share.at("regulating"), 0.97);
  EXPECT_GT(r->category_share.at("provisioning"), 0.0);
  EXPECT_GT(r->category_share.at("cultural"), 0.0);
  // Per-area GEP of order 1e6..1e9 yuan/km2.
  double km2 = 64 * 72 * 900 / 1e6;
  double per_km2 = double(r->gep_fen) / 100 / km2;
  EXPECT_GT(per_km2, 1e6);
  EXPECT_LT(per_km2, 1e9);

  // VEP: the project scenario (wetland restoration, poplar belt) gains value on both parcels.
  auto pdef = gep::load_run(a->project_run_file);
  ASSERT_TRUE(pdef.ok());
  auto pr = gep::run_gep(*pdef, a->dir + "/out_project", eo);
  ASSERT_TRUE(pr.ok()) << pr.error().message;
  auto vr = vep::run_vep(a->parcels, "id", a->dir + "/out", a->dir + "/out_project", a->dir + "/vep");
  ASSERT_TRUE(vr.ok()) << vr.error().message;
  std::map<std::int64_t, std::int64_t> gain;
  for (auto& row : vr->rows) gain[row.parcel_id] += row.gain_fen;
  EXPECT_GT(gain[1], 0);
  EXPECT_GT(gain[2], 0);

  // Same run file, other thread count and tiling: the same tables, byte for byte (the totals
  // do not depend on how tiles are shared between threads).
  auto r1 = gep::run_gep(*def, a->dir + "/out_1", {.threads = 1, .memory_budget = 256ll << 20, .tile = 16});
  auto r3 = gep::run_gep(*def, a->dir + "/out_3", {.threads = 3, .memory_budget = 256ll << 20, .tile = 32});
  ASSERT_TRUE(r1.ok() && r3.ok());
  for (const char* f : {"zonal_by_zone.csv", "zonal_by_class.csv", "gep_summary.csv", "gep_summary.json"}) {
    EXPECT_EQ(slurp(a->dir + "/out/" + f), slurp(a->dir + "/out_1/" + f)) << f;
    EXPECT_EQ(slurp(a->dir + "/out/" + f), slurp(a->dir + "/out_3/" + f)) << f;
  }
  for (auto& d : {a->dir, b->dir}) fs::remove_all(d);
}

TEST(SuqianDemo, RejectsBadSizes) {
  EXPECT_FALSE(size_preset("huge").ok());
  EXPECT_FALSE(generate_suqian(temp("bad"), {4, 4, 1}).ok());
}

}  // namespace
}  // namespace riverlink::eco::demo
