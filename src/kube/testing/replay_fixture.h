// A test fixture: a ReplayServer on loopback, a ManualClock, a FakeSleeper, and an
// HttpKubeClient that trusts the test CA and sends a bearer token. Declared in that order so the
// client closes its connections before the server stops.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/file.h"
#include "kube/http_kube_client.h"
#include "kube/testing/fake_sleeper.h"
#include "kube/testing/replay_server.h"

namespace gpupack::kube::testing {

inline std::string CaptureRoot() { return std::string(GP_SHARED_DIR) + "/reference/kube-wire"; }

inline std::string TestData(const std::string& name) {
  return std::string(GP_KUBE_TESTDATA) + "/" + name;
}

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() : server_(CaptureRoot(), GP_KUBE_TESTDATA), sleeper_(clock_) {}

  // A client of server_ with `config`'s credentials (server URL and CA filled in).
  std::unique_ptr<HttpKubeClient> MakeClient(ClusterConfig config) {
    config.server = server_.Url();
    if (config.ca_pem.empty() && !config.insecure_skip_tls_verify) {
      config.ca_pem = ReadTestFile("ca.crt");
    }
    config.source = "test";
    HttpClientOptions options;
    options.clock = &clock_;
    options.sleeper = &sleeper_;
    options.user_agent = "gpupack-test/1.0";
    Result<std::unique_ptr<HttpKubeClient>> client = HttpKubeClient::Create(config, options);
    EXPECT_TRUE(client.has_value());
    return std::move(*client);
  }

  std::unique_ptr<HttpKubeClient> MakeClient() {
    ClusterConfig config;
    config.token = "admin-token";
    return MakeClient(config);
  }

  // The JSON bodies of the requests sent as `method` (and to `target`, path and query, when
  // not empty), in the order sent.
  std::vector<nlohmann::json> SentBodies(const std::string& method,
                                         const std::string& target = "") const {
    std::vector<nlohmann::json> out;
    for (const RecordedRequest& request : server_.Requests()) {
      if (request.method == method && (target.empty() || request.target == target)) {
        out.push_back(nlohmann::json::parse(request.body));
      }
    }
    return out;
  }

  // The last of SentBodies (the test fails when there is none).
  nlohmann::json LastSent(const std::string& method, const std::string& target = "") const {
    std::vector<nlohmann::json> sent = SentBodies(method, target);
    if (sent.empty()) {
      ADD_FAILURE() << "no " << method << " " << target << " request";
      return nlohmann::json::object();
    }
    return sent.back();
  }

  // The request body of a captured exchange.
  nlohmann::json CapturedRequest(const std::string& exchange) const {
    return nlohmann::json::parse(server_.LoadRequestBody(exchange));
  }

  static std::string ReadTestFile(const std::string& name) {
    Result<std::string> text = ReadFile(TestData(name));
    return text ? *text : std::string();
  }

  ReplayServer server_;
  ManualClock clock_{Timestamp{std::chrono::seconds(1795000000)}};
  FakeSleeper sleeper_;
};

}  // namespace gpupack::kube::testing
