#include "report/markup.h"

#include <gtest/gtest.h>

namespace gpupack::report {
namespace {

TEST(EscapeXmlTest, EscapesMarkupCharacters) {
  EXPECT_EQ(EscapeXml("a<b & \"c\" > 'd'"), "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;");
  EXPECT_EQ(EscapeXml("mig+time-slicing"), "mig+time-slicing");
}

TEST(EscapeXmlTest, DropsControlCharactersXmlForbids) {
  EXPECT_EQ(EscapeXml(std::string("a\x01"
                                  "b\tc\nd\x1F",
                                  8)),
            "ab\tc\nd");
}

TEST(EscapeXmlTest, KeepsUtf8) {
  EXPECT_EQ(EscapeXml("seed 42 \xC2\xB7 day"), "seed 42 \xC2\xB7 day");
}

TEST(FormatCoordTest, WritesOneDecimalWithoutTrailingZeroOrNegativeZero) {
  EXPECT_EQ(FormatCoord(3.0), "3");
  EXPECT_EQ(FormatCoord(12.5), "12.5");
  EXPECT_EQ(FormatCoord(1.04), "1");
  EXPECT_EQ(FormatCoord(-0.04), "0");
  EXPECT_EQ(FormatCoord(-7.26), "-7.3");
}

}  // namespace
}  // namespace gpupack::report
