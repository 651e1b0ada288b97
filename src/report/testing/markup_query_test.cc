#include "report/testing/markup_query.h"

#include <gtest/gtest.h>

namespace gpupack::report::testing {
namespace {

constexpr std::string_view kSvg =
    "<svg height=\"40\"><text class=\"a\" y=\"3\">one</text><rect class=\"m\" x=\"1\"/>"
    "<text class=\"a\" y=\"5\">two &amp; three</text><rect class=\"m\" x=\"2\"/></svg>";

TEST(MarkupQueryTest, FindsStartTagsTextsAndAttributes) {
  EXPECT_EQ(CountOf(kSvg, "<rect"), 2u);
  EXPECT_EQ(CountOf("aaaa", "aa"), 2u);
  const std::vector<std::string> rects = StartTags(kSvg, "<rect class=\"m\"");
  ASSERT_EQ(rects.size(), 2u);
  EXPECT_EQ(rects[1], "<rect class=\"m\" x=\"2\"/>");
  EXPECT_EQ(Attribute(rects[0], "x"), "1");
  EXPECT_EQ(Attribute(rects[0], "y"), std::nullopt);
  EXPECT_EQ(Attribute(kSvg, "height"), "40");
  EXPECT_EQ(ElementTexts(kSvg, "<text class=\"a\""),
            (std::vector<std::string>{"one", "two &amp; three"}));
}

TEST(MarkupQueryTest, FindsNonFiniteNumbersAsWordsOnly) {
  EXPECT_TRUE(HasNonFiniteWord("M1 nan"));
  EXPECT_TRUE(HasNonFiniteWord("x=\"-inf\""));
  EXPECT_TRUE(HasNonFiniteWord("Infinity"));
  EXPECT_TRUE(HasNonFiniteWord("NaN"));
  EXPECT_FALSE(HasNonFiniteWord("maintenance, info, inference, finance"));
}

}  // namespace
}  // namespace gpupack::report::testing
