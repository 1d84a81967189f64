#include "core/time.hpp"

#include <gtest/gtest.h>

using namespace riverlink::core;

TEST(Time, UtcRoundTrip) {
  auto t = parse_utc("2026-11-27T08:00:00.250Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(format_utc(*t), "2026-11-27T08:00:00.250Z");
  EXPECT_EQ(to_unix_ms(*t), 1795766400250);
}

TEST(Time, ParsesOffsetsAndRejectsJunk) {
  auto a = parse_utc("2026-11-27T16:00:00+08:00");
  auto b = parse_utc("2026-11-27T08:00:00Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(parse_utc("2026-13-40T00:00:00Z").has_value());
  EXPECT_FALSE(parse_utc("yesterday").has_value());
  EXPECT_FALSE(parse_utc("2026-11-27T08:00:00Zjunk").has_value());
}

TEST(Time, RendersAsiaShanghai) {
  auto t = parse_utc("2026-11-27T20:30:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_shanghai(*t), "2026-11-28 04:30:00");
  auto back = parse_shanghai("2026-11-28 04:30:00");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *t);
}

TEST(Time, ManualClockAdvances) {
  ManualClock c(from_unix_ms(1000));
  c.advance(std::chrono::milliseconds(500));
  EXPECT_EQ(to_unix_ms(c.now()), 1500);
}
