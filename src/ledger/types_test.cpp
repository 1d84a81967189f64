#include <gtest/gtest.h>

#include "ledger/types.hpp"

using namespace riverlink::ledger;

TEST(Id128, RoundTripsUuidText) {
  auto id = Id128::parse("018f3c9e-7b1a-7c3d-8e2f-0123456789ab");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hi, 0x018f3c9e7b1a7c3dULL);
  EXPECT_EQ(id->lo, 0x8e2f0123456789abULL);
  EXPECT_EQ(id->str(), "018f3c9e-7b1a-7c3d-8e2f-0123456789ab");
  EXPECT_EQ(Id128::parse("018F3C9E7B1A7C3D8E2F0123456789AB"), id);
  EXPECT_FALSE(Id128::parse("018f3c9e-7b1a-7c3d-8e2f-0123456789a"));
  EXPECT_FALSE(Id128::parse("018f3c9e+7b1a-7c3d-8e2f-0123456789ab"));
  EXPECT_FALSE(Id128::parse("g18f3c9e7b1a7c3d8e2f0123456789ab"));
  EXPECT_TRUE(Id128{}.is_zero());
  EXPECT_TRUE(Id128::max().is_max());
  EXPECT_LT((Id128{0, 5}), (Id128{1, 0}));
}

TEST(Results, NamesAreUniqueAndParse) {
  for (int i = 0; i < kCreateTransferResultCount; ++i) {
    auto r = static_cast<CreateTransferResult>(i);
    EXPECT_NE(name(r), "unknown");
    EXPECT_EQ(parse_transfer_result(name(r)), r);
  }
  EXPECT_EQ(to_error(CreateTransferResult::exceeds_credits).code, "ledger.exceeds_credits");
  EXPECT_EQ(to_error(CreateTransferResult::exists_with_different_amount).kind,
            riverlink::ErrorKind::conflict);
  EXPECT_TRUE(is_state_dependent(CreateTransferResult::exceeds_credits));
  EXPECT_FALSE(is_state_dependent(CreateTransferResult::amount_must_not_be_zero));
  EXPECT_FALSE(is_state_dependent(CreateTransferResult::exists));
}
