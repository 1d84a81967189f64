#include "eco/raster/routing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <queue>
#include <random>

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

TEST(Routing, D8ValleyAccumulatesAnalyticCounts) {
  // A 5 x 4 V valley: the centre column (x = 2) falls 1 m per row to the south, the sides
  // rise 10 m per column away from it. Every side cell drains straight towards the channel
  // (drop 10 against 11/sqrt2 diagonally); the channel drains south. The channel cell of row y
  // therefore gathers the 5 (y + 1) cells of rows 0..y; the inner side cells 2, the outer 1.
  Dims d{5, 4};
  std::vector<float> dem(20);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) dem[std::size_t(y * 5 + x)] = float(100 - y + 10 * std::abs(x - 2));
  std::vector<std::uint8_t> valid(20, 1);
  auto d8 = flow_dir_d8(dem, d, valid);
  for (int y = 0; y < 4; ++y) {
    EXPECT_EQ(d8[std::size_t(y * 5 + 1)], 0) << "west side drains east, row " << y;
    EXPECT_EQ(d8[std::size_t(y * 5 + 3)], 4) << "east side drains west, row " << y;
  }
  for (int y = 0; y < 3; ++y) EXPECT_EQ(d8[std::size_t(y * 5 + 2)], 6) << "channel drains south, row " << y;
  auto fd = d8_as_mfd(d8);
  auto fa = accumulate(fd, d, upslope_first_order(fd, d), nullptr, -1);
  for (int y = 0; y < 4; ++y) {
    EXPECT_DOUBLE_EQ(fa[std::size_t(y * 5 + 2)], 5.0 * (y + 1)) << "row " << y;
    EXPECT_DOUBLE_EQ(fa[std::size_t(y * 5 + 1)], 2.0);
    EXPECT_DOUBLE_EQ(fa[std::size_t(y * 5 + 4)], 1.0);
  }
  // Weighted accumulation (float weights): weight 2 everywhere doubles every count.
  std::vector<float> w2(20, 2.0f);
  auto fw = accumulate(fd, d, upslope_first_order(fd, d), w2, -1);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_DOUBLE_EQ(fw[i], 2 * fa[i]);
}

TEST(Routing, MfdSplitsHalfAndHalfOnARidge) {
  // A 3 x 3 roof: the centre column is a ridge 1 m above the two sides, so the centre cell
  // (and only it) sends 15/30 of its flow east and west... within nibble quantisation: the
  // diagonal neighbours are 1/sqrt2 as steep and also receive, symmetrically.
  Dims d{3, 3};
  std::vector<float> dem = {1, 2, 1, 1, 2, 1, 1, 2, 1};
  std::vector<std::uint8_t> valid(9, 1);
  auto fd = flow_dir_mfd(dem, d, valid);
  std::int32_t c = fd[4];
  EXPECT_EQ(mfd_weight(c, 0), mfd_weight(c, 4));
  EXPECT_EQ(mfd_weight(c, 1), mfd_weight(c, 3));
  EXPECT_EQ(mfd_weight(c, 5), mfd_weight(c, 7));
  EXPECT_EQ(mfd_weight(c, 2), 0);
  EXPECT_EQ(mfd_weight(c, 6), 0);
  // Conservation: what leaves the ridge cell is split into shares that sum to 1 exactly.
  auto order = upslope_first_order(fd, d);
  std::vector<float> one_at_centre(9, 0.0f);
  one_at_centre[4] = 1.0f;
  auto acc = accumulate(fd, d, order, one_at_centre, -1);
  double east = acc[2] + acc[5] + acc[8], west = acc[0] + acc[3] + acc[6];
  EXPECT_NEAR(east, 0.5, 1e-12);
  EXPECT_NEAR(west, 0.5, 1e-12);
}

TEST(Routing, FillPitsNestedDepressionsAndProperties) {
  // 7 x 5 field at 10 m with a wall at 9 m around two pits (2 m and 4 m) joined by a 6 m saddle,
  // and a gap in the wall at 7 m: both pits fill to 7 m (the lowest way out), not to the saddle.
  Dims d{7, 5};
  std::vector<float> dem(35, 10.0f);
  for (int y = 1; y < 4; ++y)
    for (int x = 1; x < 6; ++x) dem[std::size_t(y * 7 + x)] = 9.0f;
  dem[std::size_t(2 * 7 + 2)] = 2.0f;
  dem[std::size_t(2 * 7 + 3)] = 6.0f;
  dem[std::size_t(2 * 7 + 4)] = 4.0f;
  dem[std::size_t(2 * 7 + 6)] = 7.0f;  // gap on the east edge
  dem[std::size_t(2 * 7 + 5)] = 7.0f;
  std::vector<std::uint8_t> valid(35, 1);
  auto before = dem;
  fill_pits(dem, d, valid);
  EXPECT_FLOAT_EQ(dem[std::size_t(2 * 7 + 2)], 7.0f);
  EXPECT_FLOAT_EQ(dem[std::size_t(2 * 7 + 3)], 7.0f);
  EXPECT_FLOAT_EQ(dem[std::size_t(2 * 7 + 4)], 7.0f);
  EXPECT_FLOAT_EQ(dem[std::size_t(1 * 7 + 1)], 9.0f);  // the wall itself is untouched
  // Properties: never lowered; idempotent; every cell then has a non-ascending path out.
  for (std::size_t i = 0; i < dem.size(); ++i) EXPECT_GE(dem[i], before[i]);
  auto again = dem;
  fill_pits(again, d, valid);
  EXPECT_EQ(again, dem);
  auto fd = flow_dir_mfd(dem, d, valid);
  for (std::size_t i = 0; i < fd.size(); ++i) EXPECT_NE(fd[i], 0) << "cell " << i << " has no outflow";
}

TEST(Routing, UpslopeFirstOrderIsTopological) {
  // Random noisy terrain, filled: in the order, every cell comes after all cells draining into it.
  Dims d{23, 17};
  std::vector<float> dem(d.n());
  unsigned s = 12345;
  for (auto& v : dem) {
    s = s * 1103515245u + 12345u;
    v = float((s >> 16) % 1000) / 100.0f;
  }
  std::vector<std::uint8_t> valid(d.n(), 1);
  fill_pits(dem, d, valid);
  auto fd = flow_dir_mfd(dem, d, valid);
  auto order = upslope_first_order(fd, d);
  ASSERT_EQ(order.size(), d.n());
  std::vector<std::size_t> pos(d.n());
  for (std::size_t k = 0; k < order.size(); ++k) pos[order[k]] = k;
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x)
      for (int k = 0; k < 8; ++k) {
        int nx = x + kDx[k], ny = y + kDy[k];
        if (!d.inside(nx, ny) || !mfd_weight(fd[std::size_t(y * d.cols + x)], k)) continue;
        EXPECT_LT(pos[std::size_t(y * d.cols + x)], pos[std::size_t(ny * d.cols + nx)]);
      }
  // Mass balance: the flow leaving the raster equals the number of cells.
  auto fa = accumulate(fd, d, order, nullptr, -1);
  double out = 0;
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::int32_t f = fd[std::size_t(y * d.cols + x)];
      int sum = 0, leaving = 0;
      for (int k = 0; k < 8; ++k) {
        sum += mfd_weight(f, k);
        if (!d.inside(x + kDx[k], y + kDy[k])) leaving += mfd_weight(f, k);
      }
      if (sum) out += fa[std::size_t(y * d.cols + x)] * leaving / sum;
    }
  EXPECT_NEAR(out, double(d.n()), 1e-9 * double(d.n()));
}


// Noisy terrain with nodata holes, deterministic per seed.
std::vector<float> noisy_dem(Dims d, unsigned seed, std::vector<std::uint8_t>& valid) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(0.0f, 3.0f);
  std::vector<float> dem(d.n());
  valid.assign(d.n(), 1);
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::size_t i = std::size_t(y) * d.cols + x;
      // a tilted valley with bumps, flats (rounded) and pits
      dem[i] = std::round(2.0f * (0.3f * float(std::abs(x - d.cols / 2)) + 0.1f * float(y) + noise(rng))) / 2.0f;
      if (rng() % 37 == 0) valid[i] = 0;
    }
  return dem;
}

// The textbook priority-flood (binary heap, every cell through the queue): the oracle.
void reference_fill(std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid) {
  using Item = std::pair<float, std::size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> open;
  std::vector<std::uint8_t> closed(d.n(), 0);
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::size_t i = std::size_t(y) * d.cols + x;
      if (!valid[i]) continue;
      bool edge = false;
      for (int k = 0; k < 8; ++k) {
        int nx = x + kDx[k], ny = y + kDy[k];
        if (!d.inside(nx, ny) || !valid[std::size_t(ny) * d.cols + nx]) edge = true;
      }
      if (edge) {
        closed[i] = 1;
        open.push({dem[i], i});
      }
    }
  while (!open.empty()) {
    auto [h, c] = open.top();
    open.pop();
    int cx = int(c % std::size_t(d.cols)), cy = int(c / std::size_t(d.cols));
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n] || closed[n]) continue;
      closed[n] = 1;
      dem[n] = std::max(dem[n], h);
      open.push({dem[n], n});
    }
  }
}

TEST(Routing, FillPitsEqualsTextbookPriorityFlood) {
  // Slope tracing, the pit queue and the radix heap give exactly the textbook filling.
  // With threads, strips filled apart and joined by their spill graph give it too.
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    for (Dims d : {Dims{61, 47}, Dims{1, 30}, Dims{30, 1}, Dims{2, 2}, Dims{97, 13}, Dims{61, 300}, Dims{7, 521}}) {
      std::vector<std::uint8_t> valid;
      auto dem = noisy_dem(d, seed, valid);
      auto expect = dem;
      reference_fill(expect, d, valid);
      for (int threads : {1, 2, 3, 4}) {
        auto got = dem;
        fill_pits(got, d, valid, threads);
        ASSERT_EQ(got, expect) << "seed " << seed << " grid " << d.cols << "x" << d.rows << " threads " << threads;
      }
    }
  }
  // A basin that spans strips and spills over a saddle in a third: one lake level everywhere.
  Dims d{40, 400};
  std::vector<float> dem(d.n(), 50.0f);
  std::vector<std::uint8_t> valid(d.n(), 1);
  for (int y = 1; y < 399; ++y)
    for (int x = 1; x < 39; ++x) dem[std::size_t(y * 40 + x)] = float(10 + (x * 7 + y * 3) % 5);
  dem[std::size_t(399 * 40 + 20)] = 30.0f;  // the lowest gap in the rim, at the bottom
  auto expect = dem;
  reference_fill(expect, d, valid);
  auto got = dem;
  fill_pits(got, d, valid, 4);
  EXPECT_EQ(got, expect);
  EXPECT_FLOAT_EQ(got[std::size_t(5 * 40 + 5)], 30.0f);
}

TEST(Routing, NavMatchesCoordinates) {
  for (Dims d : {Dims{1, 1}, Dims{1, 5}, Dims{5, 1}, Dims{2, 2}, Dims{3, 3}, Dims{7, 4}, Dims{1000, 3}}) {
    Nav nav(d);
    for (int y = 0; y < d.rows; ++y)
      for (int x = 0; x < d.cols; ++x) {
        std::uint32_t c = std::uint32_t(y * d.cols + x);
        ASSERT_EQ(nav.row(c), std::uint32_t(y));
        unsigned want = 0, got_each = 0;
        for (int k = 0; k < 8; ++k)
          if (d.inside(x + kDx[k], y + kDy[k])) want |= 1u << k;
        nav.each(c, [&](int k, std::uint32_t n) {
          got_each |= 1u << k;
          EXPECT_EQ(n, std::uint32_t((y + kDy[k]) * d.cols + x + kDx[k]));
        });
        std::uint32_t nb8[8];
        EXPECT_EQ(nav.around(c, nb8), want);
        EXPECT_EQ(got_each, want);
        for (int k = 0; k < 8; ++k) {
          std::uint32_t n = 0;
          EXPECT_EQ(nav.nb(c, k, n), bool(want >> k & 1));
          if (want >> k & 1) {
            EXPECT_EQ(n, nb8[k]);
          }
        }
      }
  }
  // Exact rows near 2^32 for an awkward width.
  Nav wide(Dims{65521, 65536});
  for (std::uint32_t c : {0u, 65520u, 65521u, 4294967295u - 70000u, 65521u * 65535u + 65520u})
    EXPECT_EQ(wide.row(c), c / 65521u) << c;
}

TEST(Routing, ThreadedAndFusedPassesEqualThePlainOnes) {
  Dims d{83, 300};  // tall enough for several 64-row bands per thread
  std::vector<std::uint8_t> valid;
  auto dem = noisy_dem(d, 7, valid);
  fill_pits(dem, d, valid);
  auto fd1 = flow_dir_mfd(dem, d, valid, 1);
  EXPECT_EQ(flow_dir_mfd(dem, d, valid, 4), fd1);
  EXPECT_EQ(slope_percent(dem, d, valid, 30, 30, -1, 3), slope_percent(dem, d, valid, 30, 30, -1, 1));
  std::vector<double> counts;
  auto order = upslope_first_order(fd1, d, &counts, -7);
  EXPECT_EQ(counts, accumulate(fd1, d, order, nullptr, -7));
  std::vector<float> v1(d.n()), v2(d.n());
  for (std::size_t i = 0; i < d.n(); ++i) {
    v1[i] = float(i % 13) * 0.25f;
    v2[i] = 1.0f / float(1 + i % 5);
  }
  std::vector<double> a1, a2;
  accumulate_pair(fd1, d, order, v1, v2, -1, a1, a2);
  EXPECT_EQ(a1, accumulate(fd1, d, order, v1, -1));
  EXPECT_EQ(a2, accumulate(fd1, d, order, v2, -1));
}


TEST(Routing, MfdSumAddsTheEightWeights) {
  std::mt19937 rng(99);
  for (int i = 0; i < 100000; ++i) {
    std::int32_t d = std::int32_t(rng());
    int want = 0;
    for (int k = 0; k < 8; ++k) want += mfd_weight(d, k);
    ASSERT_EQ(mfd_sum(d), want) << d;
  }
  EXPECT_EQ(mfd_sum(std::int32_t(0xFFFFFFFFu)), 120);
  EXPECT_EQ(mfd_sum(0), 0);
}

}  // namespace
}  // namespace riverlink::eco::raster
