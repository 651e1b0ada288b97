#include "common/clock.h"

#include <gtest/gtest.h>

namespace gpupack {
namespace {

TEST(Rfc3339Test, ParsesKubernetesTimestamps) {
  // 2026-11-24T19:41:42Z = 1795549302 s since the epoch.
  EXPECT_EQ(ParseRfc3339("2026-11-24T19:41:42Z")->Seconds(), 1795549302);
  EXPECT_EQ(ParseRfc3339("2026-11-24T20:41:42+01:00")->Seconds(), 1795549302);
  EXPECT_EQ(ParseRfc3339("2026-11-24T19:41:42.250000Z")->since_epoch.count(), 1795549302250);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z")->Seconds(), 0);
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-24 19:41:42"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
}

TEST(Rfc3339Test, ParsesZuluFractionsAndOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-11-24T19:33:46Z")->Seconds(), 1795548826);
  EXPECT_EQ(ParseRfc3339("2026-11-24T19:33:46.250000Z")->since_epoch.count(), 1795548826250);
  EXPECT_EQ(ParseRfc3339("2026-11-24T20:33:46+01:00")->Seconds(), 1795548826);
  EXPECT_FALSE(ParseRfc3339("2026-11-24 19:33"));
  EXPECT_FALSE(ParseRfc3339("2026-11-24T19:33:46"));
}

TEST(Rfc3339Test, NamesTheTextThatIsNotATime) {
  Result<Timestamp> bad = ParseRfc3339("yesterday");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "\"yesterday\" is not an RFC 3339 time");
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(Timestamp{Duration(5)});
  EXPECT_EQ(clock.Now().since_epoch.count(), 5);
  clock.Advance(Duration(10));
  EXPECT_EQ(clock.Now().since_epoch.count(), 15);
}

}  // namespace
}  // namespace gpupack
