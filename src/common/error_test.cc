#include "common/error.h"

#include <gtest/gtest.h>

namespace gpupack {
namespace {

Result<int> Half(int value) {
  if (value % 2 != 0) {
    return InvalidArgumentError("odd value");
  }
  return value / 2;
}

Result<int> Quarter(int value) {
  GP_ASSIGN_OR_RETURN(int half, Half(value));
  GP_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckQuarter(int value) {
  GP_TRY(Quarter(value));
  return OkStatus();
}

TEST(ErrorTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto odd = Quarter(6);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(odd.error().message(), "odd value");
}

TEST(ErrorTest, TryPropagatesFromStatusFunctions) {
  EXPECT_TRUE(CheckQuarter(4).has_value());
  EXPECT_FALSE(CheckQuarter(5).has_value());
}

TEST(ErrorTest, WithContextPrefixesTheMessage) {
  Error error(ErrorCode::kNotFound, "line 3: unknown GPU");
  Error wrapped = error.WithContext("pods.yaml");
  EXPECT_EQ(wrapped.message(), "pods.yaml: line 3: unknown GPU");
  EXPECT_EQ(wrapped.code(), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeName(wrapped.code()), "NotFound");
}

}  // namespace
}  // namespace gpupack
