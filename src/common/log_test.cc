#include "common/log.h"

#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace gpupack::log {
namespace {

// Captures the log lines of one test and restores stderr and the default text mode after it.
class LogTest : public ::testing::Test {
 protected:
  LogTest() { CaptureForTest(&out_); }

  ~LogTest() override {
    CaptureForTest(nullptr);
    Configure(Level::kInfo, Format::kText);
  }

  std::ostringstream out_;
};

constexpr const char* kTs = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})";

TEST_F(LogTest, JsonModeWritesOneObjectPerLineWithTsLevelMsgAndFields) {
  Configure(Level::kInfo, Format::kJson);
  Write(Level::kInfo, "bound pod", {{"pod", "ml/train-0"}, {"node", "gpu-1"}});
  Warn("{} retries left", 2);
  EXPECT_TRUE(std::regex_match(
      out_.str(),
      std::regex(std::string(R"(\{"ts":")") + kTs +
                 R"(Z","level":"info","msg":"bound pod","pod":"ml/train-0","node":"gpu-1"\}\n)" +
                 R"(\{"ts":")" + kTs + R"(Z","level":"warning","msg":"2 retries left"\}\n)")))
      << out_.str();
}

TEST_F(LogTest, JsonModeEscapesQuotesBackslashesAndControlCharacters) {
  Configure(Level::kInfo, Format::kJson);
  Write(Level::kError, "say \"hi\"\\\n", {{"path", "C:\\x\t"}});
  std::string line = out_.str();
  EXPECT_NE(line.find(R"("level":"error","msg":"say \"hi\"\\\u000a","path":"C:\\x\u0009"})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, however many newlines the text had
}

TEST_F(LogTest, TextModeAppendsFieldsQuotingValuesThatNeedIt) {
  Configure(Level::kInfo, Format::kText);
  Write(Level::kInfo, "evicting", {{"pod", "ml/a"}, {"reason", "node empty"}, {"note", ""}});
  EXPECT_TRUE(std::regex_match(
      out_.str(),
      std::regex(std::string(kTs) + R"( info evicting pod=ml/a reason="node empty" note=""\n)")))
      << out_.str();
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  Configure(Level::kWarn, Format::kJson);
  Info("quiet");
  Debug("quieter");
  EXPECT_EQ(out_.str(), "");
  Error("loud");
  EXPECT_NE(out_.str().find(R"("msg":"loud")"), std::string::npos);
}

TEST(LogParseTest, ParsesLevelsAndFormats) {
  Level level = Level::kOff;
  EXPECT_TRUE(ParseLevel("warn", level));
  EXPECT_EQ(level, Level::kWarn);
  EXPECT_FALSE(ParseLevel("verbose", level));
  Format format = Format::kText;
  EXPECT_TRUE(ParseFormat("json", format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_TRUE(ParseFormat("text", format));
  EXPECT_EQ(format, Format::kText);
  EXPECT_FALSE(ParseFormat("JSON", format));
}

}  // namespace
}  // namespace gpupack::log
