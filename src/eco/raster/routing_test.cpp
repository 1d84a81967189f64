#include "eco/raster/routing.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace riverlink::eco::raster {
namespace {

TEST(Routing, FillPitsRaisesToSpillHeight) {
  // 5x5 bowl: rim 10, centre pit 1, one outlet on the rim at 5.
  Dims d{5, 5};
  std::vector<float> dem(25, 10.0f);
  for (int y = 1; y < 4; ++y)
    for (int x = 1; x < 4; ++x) dem[std::size_t(y * 5 + x)] = 8.0f;
  dem[12] = 1.0f;
  dem[2] = 5.0f;  // outlet on the top edge
  std::vector<std::uint8_t> valid(25, 1);
  fill_pits(dem, d, valid);
  EXPECT_FLOAT_EQ(dem[12], 8.0f);  // spills over the 8 m ring towards the outlet
  EXPECT_FLOAT_EQ(dem[2], 5.0f);
  EXPECT_FLOAT_EQ(dem[0], 10.0f);
}

TEST(Routing, FillPitsTreatsNodataAsOutlet) {
  Dims d{3, 3};
  std::vector<float> dem = {9, 9, 9, 9, 1, 9, 9, 9, 9};
  std::vector<std::uint8_t> valid(9, 1);
  valid[4] = 0;  // the low centre is nodata: everything drains there, nothing to fill
  auto before = dem;
  fill_pits(dem, d, valid);
  EXPECT_EQ(dem, before);
}

TEST(Routing, MfdPlaneSplitsByDrop) {
  // Plane falling 1 m per 30 m to the east.
  Dims d{5, 5};
  std::vector<float> dem(25);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) dem[std::size_t(y * 5 + x)] = float(10 - x);
  std::vector<std::uint8_t> valid(25, 1);
  auto fd = flow_dir_mfd(dem, d, valid);
  std::int32_t c = fd[12];
  // East drop 1, NE/SE drop 1/sqrt2 each: shares 1/(1+sqrt2) and 0.5/(1+sqrt2)... quantised to 15ths.
  double s = 1 + 2 * (1 / std::sqrt(2.0));
  EXPECT_EQ(mfd_weight(c, 0), int(0.5 + 15 / s));
  EXPECT_EQ(mfd_weight(c, 1), int(0.5 + 15 * (1 / std::sqrt(2.0)) / s));
  EXPECT_EQ(mfd_weight(c, 7), mfd_weight(c, 1));
  for (int k : {2, 3, 4, 5, 6}) EXPECT_EQ(mfd_weight(c, k), 0);
  // Accumulation: each column receives everything upslope; totals are conserved.
  auto order = upslope_first_order(fd, d);
  EXPECT_EQ(order.size(), 25u);
  auto fa = accumulate(fd, d, order, nullptr, -1);
  for (int y = 0; y < 5; ++y) EXPECT_GE(fa[std::size_t(y * 5 + 4)], 1.0);
  EXPECT_DOUBLE_EQ(fa[0], 1.0);
}

TEST(Routing, FlatDrainsByPlateauDistance) {
  // A flat 5x1 strip at 5 m whose only lower neighbour is at the east end.
  Dims d{6, 1};
  std::vector<float> dem = {5, 5, 5, 5, 5, 1};
  std::vector<std::uint8_t> valid(6, 1);
  auto fd = flow_dir_mfd(dem, d, valid);
  for (int x = 0; x < 5; ++x) EXPECT_EQ(mfd_weight(fd[std::size_t(x)], 0), 15) << x;
  auto d8 = flow_dir_d8(dem, d, valid);
  for (int x = 0; x < 5; ++x) EXPECT_EQ(d8[std::size_t(x)], 0) << x;
  auto fa = accumulate(fd, d, upslope_first_order(fd, d), nullptr, -1);
  EXPECT_DOUBLE_EQ(fa[4], 5.0);
  EXPECT_DOUBLE_EQ(fa[5], 6.0);
}

TEST(Routing, D8AsMfdAccumulatesCounts) {
  Dims d{4, 4};
  std::vector<float> dem(16);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) dem[std::size_t(y * 4 + x)] = float(x + y);  // falls to the top-left corner
  std::vector<std::uint8_t> valid(16, 1);
  auto d8 = flow_dir_d8(dem, d, valid);
  auto fd = d8_as_mfd(d8);
  auto fa = accumulate(fd, d, upslope_first_order(fd, d), nullptr, -1);
  // Everything ends in the corner cell or leaves the raster; the corner collects its diagonal line.
  double total_out = 0;
  for (std::size_t i = 0; i < 16; ++i) total_out += fa[i] >= 1 ? 0 : 1;
  EXPECT_EQ(total_out, 0);
  EXPECT_GE(fa[0], 4.0);
}

TEST(Routing, SlopeOfPlaneAndEdges) {
  Dims d{4, 4};
  std::vector<float> dem(16);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) dem[std::size_t(y * 4 + x)] = float(3 * x);  // 3 m per 30 m = 10 %
  std::vector<std::uint8_t> valid(16, 1);
  auto s = slope_percent(dem, d, valid, 30, 30, -1);
  for (float v : s) EXPECT_NEAR(v, 10.0f, 1e-4);  // one-sided differences keep a plane exact at the edges
  valid[5] = 0;
  s = slope_percent(dem, d, valid, 30, 30, -1);
  EXPECT_EQ(s[5], -1.0f);
  EXPECT_NEAR(s[6], 10.0f, 1e-4);
}

}  // namespace
}  // namespace riverlink::eco::raster
