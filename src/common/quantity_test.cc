#include "common/quantity.h"

#include <gtest/gtest.h>

namespace gpupack {
namespace {

int64_t Milli(std::string_view text) {
  auto q = Quantity::Parse(text);
  EXPECT_TRUE(q.has_value()) << text << ": " << (q ? "" : q.error().message());
  return q ? q->MilliValue() : -999;
}

TEST(QuantityTest, ParsesPlainAndDecimalNumbers) {
  EXPECT_EQ(Milli("1"), 1000);
  EXPECT_EQ(Milli("1.5"), 1500);
  EXPECT_EQ(Milli(".5"), 500);
  EXPECT_EQ(Milli("2."), 2000);
  EXPECT_EQ(Milli("0"), 0);
  EXPECT_EQ(Milli("+3"), 3000);
  EXPECT_EQ(Milli("-3"), -3000);
}

TEST(QuantityTest, ParsesDecimalSiSuffixes) {
  EXPECT_EQ(Milli("500m"), 500);
  EXPECT_EQ(Milli("2k"), 2000000);
  EXPECT_EQ(Milli("1M"), 1000000000);
  EXPECT_EQ(Milli("1.5G"), 1500000000000);
  EXPECT_EQ(Milli("1P"), 1000000000000000000);
}

TEST(QuantityTest, ParsesBinarySiSuffixes) {
  EXPECT_EQ(ParseBytes("16Gi").value(), 16 * kGiB);
  EXPECT_EQ(ParseBytes("512Mi").value(), 512 * kMiB);
  EXPECT_EQ(ParseBytes("1.5Ki").value(), 1536);
  EXPECT_EQ(ParseBytes("1Ti").value(), 1024 * kGiB);
}

TEST(QuantityTest, ParsesDecimalExponents) {
  EXPECT_EQ(Milli("1e3"), 1000000);
  EXPECT_EQ(Milli("1E3"), 1000000);
  EXPECT_EQ(Milli("5e-1"), 500);
  EXPECT_EQ(Milli("12e+2"), 1200000);
}

TEST(QuantityTest, RoundsUpLikeKubernetes) {
  // resource.MustParse("0.1m").MilliValue() == 1; Value() of 1500m is 2.
  EXPECT_EQ(Milli("0.1m"), 1);
  EXPECT_EQ(Quantity::Parse("1500m")->Value(), 2);
  EXPECT_EQ(Quantity::Parse("1001m")->Value(), 2);
  EXPECT_EQ(Quantity::Parse("-1500m")->Value(), -1);
  EXPECT_EQ(ParseBytes("0.5").value(), 1);
}

TEST(QuantityTest, RejectsMalformedText) {
  for (std::string_view bad :
       {"", "abc", "1.2.3", "1Qi", "--1", "1e", "1e+", "Gi", "1 Gi", "1gi", "1e999", "."}) {
    auto q = Quantity::Parse(bad);
    ASSERT_FALSE(q.has_value()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(q.error().message().find("invalid quantity"), std::string::npos);
  }
}

TEST(QuantityTest, RejectsValuesThatOverflow) {
  EXPECT_FALSE(Quantity::Parse("9Ei").has_value());
  EXPECT_FALSE(Quantity::Parse("1E").has_value());
  EXPECT_FALSE(Quantity::Parse("99999999999999999999").has_value());
  EXPECT_TRUE(Quantity::Parse("8Pi").has_value());
}

TEST(QuantityTest, AcceptsEveryMilliValueAnInt64Holds) {
  // fuzz/regressions/quantity: ToString() of ".08Pi" is "90071992547409920m", which must parse.
  EXPECT_EQ(Quantity::Parse(Quantity::Parse(".08Pi")->ToString()), Quantity::Parse(".08Pi"));
  EXPECT_EQ(Milli("90071992547409920m"), 90071992547409920);
  EXPECT_EQ(Milli("9223372036854775807m"), 9223372036854775807);
  EXPECT_FALSE(Quantity::Parse("9223372036854775808m").has_value());
  // Thirty significant digits scaled down by 10^25: exact, not rounded to one milli-unit.
  EXPECT_EQ(Milli("123456789012345678901234567890e-25"), 12345679);
  EXPECT_EQ(Milli("1e-40"), 1);
}

TEST(QuantityTest, NonNegativeParsersRejectNegatives) {
  EXPECT_FALSE(ParseMilliCpu("-1").has_value());
  EXPECT_FALSE(ParseBytes("-1Gi").has_value());
  EXPECT_EQ(ParseMilliCpu("250m").value(), 250);
  EXPECT_EQ(ParseMilliCpu("2").value(), 2000);
}

TEST(QuantityTest, CountRejectsFractions) {
  EXPECT_EQ(ParseCount("3").value(), 3);
  EXPECT_FALSE(ParseCount("1.5").has_value());
  EXPECT_FALSE(ParseCount("500m").has_value());
}

TEST(QuantityTest, FormatsCanonically) {
  EXPECT_EQ(FormatBytes(16 * kGiB), "16Gi");
  EXPECT_EQ(FormatBytes(1536), "1536");
  EXPECT_EQ(FormatBytes(1536 * kKiB), "1536Ki");
  EXPECT_EQ(FormatBytes(1000), "1000");
  EXPECT_EQ(FormatMilli(250), "250m");
  EXPECT_EQ(FormatMilli(3000), "3");
  EXPECT_EQ(Quantity::Parse("16Gi")->ToString(), "16Gi");
  EXPECT_EQ(Quantity::Parse("0.25")->ToString(), "250m");
}

}  // namespace
}  // namespace gpupack
