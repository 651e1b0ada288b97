#include "kube/api_error.h"

#include <gtest/gtest.h>

namespace gpupack::kube {
namespace {

TEST(ApiErrorTest, RepeatedCausesAreListedOnce) {
  const char* body =
      R"({"kind":"Status","status":"Failure","message":"NodeTemplate is invalid","reason":"Invalid","details":{"causes":[{"reason":"FieldValueInvalid","message":"bad","field":"spec.a"},{"reason":"FieldValueInvalid","message":"bad","field":"spec.a"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.b"}]},"code":422})";
  Error error = ApiError(422, body, "create nodetemplates.gpupack.io t");
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message(),
            "create nodetemplates.gpupack.io t: HTTP 422 Invalid: NodeTemplate is invalid "
            "[causes: spec.a: bad; spec.b: Required value]");
}

TEST(ApiErrorTest, ConflictAndAlreadyExistsAreToldApartByReason) {
  EXPECT_EQ(
      ApiError(409, R"({"kind":"Status","reason":"AlreadyExists","message":"x"})", "w").code(),
      ErrorCode::kAlreadyExists);
  EXPECT_EQ(ApiError(409, R"({"kind":"Status","reason":"Conflict","message":"x"})", "w").code(),
            ErrorCode::kAborted);
  EXPECT_EQ(ApiError(410, R"({"kind":"Status","reason":"Expired","message":"x"})", "w").code(),
            ErrorCode::kAborted);
  EXPECT_EQ(ApiError(415, "", "w").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApiError(503, "", "w").code(), ErrorCode::kUnavailable);
}

TEST(ApiErrorTest, NonStatusBodyIsQuotedAndShortened) {
  Error error = ApiError(502, std::string(500, 'x') + "\n<html>", "get /version");
  EXPECT_EQ(error.message(), "get /version: HTTP 502: \"" + std::string(200, 'x') + "\"");
  EXPECT_EQ(ApiError(500, "", "get /x").message(), "get /x: HTTP 500: no response body");
}

}  // namespace
}  // namespace gpupack::kube
