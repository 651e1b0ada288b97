// TokenSource: the bearer token for each request, from one of three places:
// - a fixed token (kubeconfig `token`);
// - a token file (kubeconfig `tokenFile`, the in-cluster service-account token), re-read every
//   `kTokenFileRefresh` and after a 401, because bound service-account tokens rotate;
// - an exec credential plugin (client.authentication.k8s.io v1/v1beta1 ExecCredential), run
//   when there is no cached token, when the cached one reaches its expirationTimestamp, and
//   after a 401.
//
// Thread safety: thread-safe (one mutex; the exec plugin runs under it, so concurrent requests
// wait for one run instead of starting several).
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "kube/kubeconfig.h"

namespace gpupack::kube {

class TokenSource {
 public:
  static constexpr Duration kTokenFileRefresh = std::chrono::minutes(1);
  // Refresh an exec token this long before it expires, so no request carries a dying token.
  static constexpr Duration kExpiryMargin = std::chrono::seconds(10);

  // `clock` is borrowed and must outlive this.
  TokenSource(const ClusterConfig& config, const Clock& clock);

  // The token to send, or "" for none. Unavailable when the token file cannot be read or the
  // exec plugin fails (its stderr in the message).
  [[nodiscard]] Result<std::string> Token();

  // Forgets the cached token (after a 401) so the next Token() reads or runs again. Returns
  // false when the token is fixed, so retrying cannot help.
  bool Invalidate();

  // How many times the exec plugin ran; for tests.
  int ExecRunsForTest() const;

 private:
  [[nodiscard]] Result<std::string> RunExec();

  const Clock& clock_;
  const std::string fixed_token_;
  const std::string token_file_;
  const std::optional<ExecConfig> exec_;
  const std::string source_;

  mutable std::mutex mu_;
  std::string cached_;                   // guarded by mu_
  std::optional<Timestamp> expires_at_;  // guarded by mu_; nullopt: never expires
  bool have_cached_ = false;             // guarded by mu_
  int exec_runs_ = 0;                    // guarded by mu_
};

// Runs `command` with `args` and extra environment variables; returns its standard output.
// Unavailable when it cannot start or exits non-zero (with the start of its stderr).
[[nodiscard]] Result<std::string> RunCommand(
    const std::string& command, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& env);

}  // namespace gpupack::kube
