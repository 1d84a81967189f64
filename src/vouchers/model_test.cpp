// The redemption arithmetic (vouchers.md §6, §7), funding splits and netting (§10.3).
#include <gtest/gtest.h>

#include <random>

#include "vouchers/model.hpp"

using namespace riverlink;
using namespace riverlink::vouchers;

namespace {
PolicyParams elevator_policy(uint32_t ratio, int64_t cap) {
  PolicyParams p;
  p.ratio_bp = ratio;
  p.per_contract_cap_fen = cap;
  p.enterprise_annual_cap_fen = 50'000'000;
  p.categories = {{"rd", std::nullopt, std::nullopt}};
  p.funding = {{"JS", 6000}, {"JS-SZ", 4000}};
  return p;
}
}  // namespace

TEST(VoucherModel, ElevatorContract450kGives300k) {
  auto c = compute_voucher(elevator_policy(7000, 30'000'000), "rd", 45'000'000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->by_ratio_fen, 31'500'000);
  EXPECT_EQ(c->max_voucher_fen, 30'000'000);
  EXPECT_EQ(c->copay_fen, 15'000'000);
  ASSERT_EQ(c->split.size(), 2u);
  EXPECT_EQ(c->split[0].amount_fen, 18'000'000);
  EXPECT_EQ(c->split[1].amount_fen, 12'000'000);
}

TEST(VoucherModel, RatioThresholdsFromTheSpec) {
  EXPECT_EQ(compute_voucher(elevator_policy(6667, 1'000'000'000), "rd", 45'000'000)->max_voucher_fen, 30'001'500);
  EXPECT_EQ(compute_voucher(elevator_policy(6666, 1'000'000'000), "rd", 45'000'000)->max_voucher_fen, 29'997'000);
  // Shanghai's 50% alone: 225,000 yuan.
  EXPECT_EQ(compute_voucher(elevator_policy(5000, 50'000'000), "rd", 45'000'000)->max_voucher_fen, 22'500'000);
  // Shanghai 50% / 300,000 contract → 150,000 (S4).
  EXPECT_EQ(compute_voucher(elevator_policy(5000, 50'000'000), "rd", 30'000'000)->max_voucher_fen, 15'000'000);
  EXPECT_FALSE(compute_voucher(elevator_policy(5000, 50'000'000), "design", 30'000'000));
}

TEST(VoucherModel, CategoryOverridesAndFloor) {
  auto p = elevator_policy(5000, 100'000'000);
  p.categories.push_back({"testing", 3333, 1'000'000});
  auto c = compute_voucher(p, "testing", 1'000'001);
  EXPECT_EQ(c->by_ratio_fen, 333'300);  // floor(1,000,001 × 3333 / 10000) = 333,300.33
  EXPECT_EQ(compute_voucher(p, "testing", 9'000'000)->max_voucher_fen, 1'000'000);
}

TEST(VoucherModel, FundingSplitIsExactForRandomAmounts) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::vector<FundingShare> f;
    uint32_t left = 10000;
    int n = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n - 1 && left > 1; ++k) {
      uint32_t s = 1 + static_cast<uint32_t>(rng() % (left - 1));
      f.push_back({"F" + std::to_string(k), s});
      left -= s;
    }
    f.push_back({"L", left});
    int64_t total = static_cast<int64_t>(rng() % 100'000'000);
    auto parts = split_funding(f, total);
    int64_t sum = 0;
    for (size_t k = 0; k < parts.size(); ++k) {
      sum += parts[k].amount_fen;
      __int128 exact = static_cast<__int128>(total) * f[k].share_bp;
      EXPECT_LE(parts[k].amount_fen * 10000 - exact, 10000);  // within 1 fen of the exact share
      EXPECT_GE(parts[k].amount_fen * 10000 - exact, -10000);
    }
    ASSERT_EQ(sum, total);
  }
}

TEST(VoucherModel, NettingWorkedExample) {
  // vouchers.md §10.3 (yuan).
  auto n = net_positions({{"SH", {{"JS", 3'000'000}}}, {"JS", {{"SH", 1'200'000}}}, {"ZJ", {{"SH", 500'000}}}, {"AH", {{"ZJ", 200'000}}}});
  EXPECT_EQ(n["SH"], 1'300'000);
  EXPECT_EQ(n["JS"], -1'800'000);
  EXPECT_EQ(n["ZJ"], 300'000);
  EXPECT_EQ(n["AH"], 200'000);
  int64_t sum = 0;
  for (auto& [k, v] : n) sum += v;
  EXPECT_EQ(sum, 0);
}

TEST(VoucherModel, PolicyParamsRoundTripAndRejectBadFields) {
  auto p = elevator_policy(7000, 30'000'000);
  p.recognised_provider_divisions = {"310000"};
  auto back = parse_params(to_json(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(p));
  auto j = to_json(p);
  j["ratio_bp"] = 10001;
  auto bad = parse_params(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields[0].field, "params.ratio_bp");
  j = to_json(p);
  j["funding"][0]["share_bp"] = 5000;
  EXPECT_EQ(parse_params(j).error().fields[0].field, "params.funding");
  j = to_json(p);
  j["surprise"] = 1;
  EXPECT_EQ(parse_params(j).error().fields[0].field, "params.surprise");
}

TEST(VoucherModel, Dates) {
  EXPECT_TRUE(valid_date("2026-02-28"));
  EXPECT_FALSE(valid_date("2026-02-30"));
  EXPECT_EQ(add_days("2026-12-31", 1), "2027-01-01");
}
