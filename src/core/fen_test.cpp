#include "core/fen.hpp"

#include <gtest/gtest.h>

#include <limits>

using riverlink::core::Fen;

TEST(Fen, CheckedArithmeticDetectsOverflow) {
  Fen max(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(max.add(Fen(1)).has_value());
  EXPECT_FALSE(Fen(std::numeric_limits<int64_t>::min()).sub(Fen(1)).has_value());
  EXPECT_FALSE(max.mul(2).has_value());
  EXPECT_EQ(Fen(5).add(Fen(7))->raw(), 12);
  EXPECT_EQ(Fen(5).sub(Fen(7))->raw(), -2);
}

TEST(Fen, RatioFloorsInBasisPoints) {
  // 450,000 yuan at 2/3 subsidy expressed in bp (6666) floors to the fen.
  EXPECT_EQ(Fen::yuan(450000).ratio_floor(6666)->raw(), 29997000);
  EXPECT_EQ(Fen(1).ratio_floor(5000)->raw(), 0);
  EXPECT_EQ(Fen(-1).ratio_floor(5000)->raw(), -1);  // floor, not truncation
  // 128-bit intermediate: a large amount times 100% does not overflow.
  Fen big(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(big.ratio_floor(10000)->raw(), big.raw());
}

TEST(Fen, MulDivFloor) {
  EXPECT_EQ(Fen::yuan(450000).muldiv_floor(2, 3)->raw(), Fen::yuan(300000).raw());
  EXPECT_EQ(Fen(10).muldiv_floor(1, 3)->raw(), 3);
  EXPECT_FALSE(Fen(10).muldiv_floor(1, 0).has_value());
}

TEST(Fen, YuanStringsRoundTrip) {
  EXPECT_EQ(Fen(45000000).to_yuan_string(), "450000.00");
  EXPECT_EQ(Fen(-5).to_yuan_string(), "-0.05");
  EXPECT_EQ(Fen::parse_yuan("450000")->raw(), 45000000);
  EXPECT_EQ(Fen::parse_yuan("0.5")->raw(), 50);
  EXPECT_EQ(Fen::parse_yuan("-12.34")->raw(), -1234);
  EXPECT_FALSE(Fen::parse_yuan("1.234").has_value());
  EXPECT_FALSE(Fen::parse_yuan("1.").has_value());
  EXPECT_FALSE(Fen::parse_yuan("abc").has_value());
  EXPECT_FALSE(Fen::parse_yuan("99999999999999999999").has_value());
}
