#include "sim/trace/csv_text.h"

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

TEST(SplitFieldsTest, KeepsEmptyFieldsBetweenAndAfterSeparators) {
  EXPECT_EQ(SplitFields("a,,b,"), (std::vector<std::string_view>{"a", "", "b", ""}));
  EXPECT_EQ(SplitFields(""), (std::vector<std::string_view>{""}));
  EXPECT_EQ(SplitFields("V100|A100", '|'), (std::vector<std::string_view>{"V100", "A100"}));
}

TEST(LineReaderTest, NumbersLinesAndDropsCarriageReturns) {
  LineReader reader("a,b\r\n\nc");
  EXPECT_EQ(reader.number(), 0);
  EXPECT_EQ(reader.Next(), "a,b");
  EXPECT_EQ(reader.Next(), "");
  EXPECT_EQ(reader.Next(), "c");
  EXPECT_EQ(reader.number(), 3);
  EXPECT_EQ(reader.Next(), std::nullopt);
}

}  // namespace
}  // namespace gpupack::sim
