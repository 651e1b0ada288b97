#include "kube/watch_line.h"

#include <gtest/gtest.h>

namespace gpupack::kube {
namespace {

TEST(WatchLineTest, AnAddedEventCarriesItsObjectAndResourceVersion) {
  WatchLine line = DecodeWatchLine(
      R"({"type":"ADDED","object":{"kind":"Node","metadata":{"name":"n1","resourceVersion":"42"}}})");
  ASSERT_EQ(line.kind, WatchLine::Kind::kEvent);
  EXPECT_EQ(line.type, WatchEventType::kAdded);
  EXPECT_EQ(line.resource_version, "42");
  EXPECT_EQ(line.object["metadata"]["name"], "n1");
}

TEST(WatchLineTest, BlankLinesAreKeepAlivesAndOtherJunkIsMalformed) {
  EXPECT_EQ(DecodeWatchLine("").kind, WatchLine::Kind::kBlank);
  EXPECT_EQ(DecodeWatchLine("\r").kind, WatchLine::Kind::kBlank);
  EXPECT_EQ(DecodeWatchLine("{").kind, WatchLine::Kind::kMalformed);
  EXPECT_EQ(DecodeWatchLine("[1]").kind, WatchLine::Kind::kMalformed);
  EXPECT_EQ(DecodeWatchLine(R"({"type":"ADDED","object":3})").kind, WatchLine::Kind::kMalformed);
  EXPECT_EQ(DecodeWatchLine(R"({"type":"RENAMED","object":{}})").kind, WatchLine::Kind::kMalformed);
}

TEST(WatchLineTest, AGoneErrorEventAsksForARelist) {
  WatchLine line = DecodeWatchLine(
      R"({"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old resource version"}})");
  ASSERT_EQ(line.kind, WatchLine::Kind::kExpired);
  EXPECT_EQ(line.detail, "too old resource version");
}

TEST(WatchLineTest, AnErrorEventWithBadlyTypedFieldsIsAnErrorNotAnException) {
  // nlohmann's value("code", 0L) threw type_error on these, out of the libcurl callback.
  WatchLine line = DecodeWatchLine(R"({"type":"ERROR","object":{"code":"410"}})");
  EXPECT_EQ(line.kind, WatchLine::Kind::kError);
  EXPECT_EQ(line.code, 0);
  line = DecodeWatchLine(R"({"type":"ERROR","object":{"code":410,"message":7}})");
  ASSERT_EQ(line.kind, WatchLine::Kind::kExpired);
  EXPECT_EQ(line.detail, "410 Gone");
}

}  // namespace
}  // namespace gpupack::kube
