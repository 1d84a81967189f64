#include "core/id.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace riverlink::core;

TEST(Id, TimeOrderedAndUniqueUnderAStoppedClock) {
  ManualClock clock(from_unix_ms(1795766400000));
  IdGenerator gen(clock, 42);
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    auto id = gen.next();
    ASSERT_TRUE(is_uuid(id)) << id;
    ASSERT_GT(id, prev);
    ASSERT_TRUE(seen.insert(id).second);
    prev = id;
  }
  EXPECT_EQ(prev[14], '7');  // version 7
}

TEST(Id, LaterTimeSortsLater) {
  ManualClock clock(from_unix_ms(1795766400000));
  IdGenerator gen(clock, 1);
  auto a = gen.next();
  clock.advance(std::chrono::milliseconds(1));
  auto b = gen.next();
  EXPECT_LT(a, b);
  EXPECT_EQ(a.substr(0, 8), "01a21c04");  // 48-bit ms timestamp prefix
}

TEST(Id, RejectsNonUuid) {
  EXPECT_FALSE(is_uuid("not-a-uuid"));
  EXPECT_FALSE(is_uuid("018F3C9E-7B1A-7C3D-8E2F-0123456789AB"));
}
