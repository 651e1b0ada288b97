#include "kube/credentials.h"

#include <gtest/gtest.h>

#include "common/file.h"

namespace gpupack::kube {
namespace {

ClusterConfig ExecConfigFor(const std::string& api_version, const std::string& expiry) {
  ClusterConfig config;
  config.source = "test";
  ExecConfig exec;
  exec.api_version = api_version;
  exec.command = std::string(GP_KUBE_TESTDATA) + "/exec-credential.sh";
  exec.args = {"exec-token-1"};
  exec.env = {{"GP_TEST_API_VERSION", api_version}, {"GP_TEST_EXPIRY", expiry}};
  config.exec = exec;
  return config;
}

TEST(TokenSourceTest, ExecTokenIsCachedUntilItsExpiry) {
  // 2026-11-24T20:00:00Z
  ManualClock clock(Timestamp{std::chrono::seconds(1795550400)});
  TokenSource tokens(ExecConfigFor("client.authentication.k8s.io/v1", "2026-11-24T20:15:00Z"),
                     clock);
  EXPECT_EQ(tokens.Token().value(), "exec-token-1");
  EXPECT_EQ(tokens.Token().value(), "exec-token-1");
  EXPECT_EQ(tokens.ExecRunsForTest(), 1);
  clock.Advance(std::chrono::minutes(14));
  EXPECT_TRUE(tokens.Token());
  EXPECT_EQ(tokens.ExecRunsForTest(), 1);
  // Within the safety margin before expiry: run the plugin again.
  clock.Advance(std::chrono::seconds(55));
  EXPECT_TRUE(tokens.Token());
  EXPECT_EQ(tokens.ExecRunsForTest(), 2);
}

TEST(TokenSourceTest, ExecTokenWithoutExpiryIsKeptUntilInvalidated) {
  ManualClock clock;
  TokenSource tokens(ExecConfigFor("client.authentication.k8s.io/v1beta1", ""), clock);
  EXPECT_TRUE(tokens.Token());
  clock.Advance(std::chrono::hours(24));
  EXPECT_TRUE(tokens.Token());
  EXPECT_EQ(tokens.ExecRunsForTest(), 1);
  EXPECT_TRUE(tokens.Invalidate());
  EXPECT_TRUE(tokens.Token());
  EXPECT_EQ(tokens.ExecRunsForTest(), 2);
}

TEST(TokenSourceTest, ExecPluginAnsweringAnotherApiVersionIsRefused) {
  ManualClock clock;
  ClusterConfig config = ExecConfigFor("client.authentication.k8s.io/v1", "");
  config.exec->env[0].second = "client.authentication.k8s.io/v1beta1";
  TokenSource tokens(config, clock);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token);
  EXPECT_NE(token.error().message().find("returned apiVersion"), std::string::npos);
}

TEST(TokenSourceTest, FailingExecPluginReportsItsStderr) {
  ManualClock clock;
  ClusterConfig config = ExecConfigFor("client.authentication.k8s.io/v1", "");
  config.exec->env.emplace_back("GP_TEST_FAIL", "1");
  TokenSource tokens(config, clock);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(token.error().message().find("failed (exit 3): error: no credentials for profile test"),
            std::string::npos)
      << token.error().message();
}

TEST(TokenSourceTest, MissingExecCommandIsUnavailable) {
  ManualClock clock;
  ClusterConfig config = ExecConfigFor("client.authentication.k8s.io/v1", "");
  config.exec->command = "/nonexistent/aws";
  TokenSource tokens(config, clock);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token);
  EXPECT_NE(token.error().message().find("cannot start"), std::string::npos);
}

TEST(TokenSourceTest, FixedTokenCannotBeRefreshed) {
  ManualClock clock;
  ClusterConfig config;
  config.token = "fixed";
  TokenSource tokens(config, clock);
  EXPECT_EQ(tokens.Token().value(), "fixed");
  EXPECT_FALSE(tokens.Invalidate());
}

}  // namespace
}  // namespace gpupack::kube
