// LeaderElector over HttpKubeClient against the Lease exchanges captured from a real
// kube-apiserver 1.26 (kube-wire 06-lease-*): the request bodies it sends have the captured
// shape, and the server's 404 / 409 AlreadyExists / 409 Conflict answers mean what they should.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/leader_election.h"
#include "kube/testing/replay_fixture.h"

namespace gpupack::controller {
namespace {

using std::chrono::seconds;

constexpr const char* kHolderA =
    "gpupack-controller-7f9c8d6b5-abcde_4b1e2f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr const char* kHolderB =
    "gpupack-controller-7f9c8d6b5-fghij_9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
// 2026-11-24T19:40:00Z, the captures' acquireTime.
constexpr Timestamp kCaptureTime{Duration(1795549200000)};

class LeaderElectionReplayTest : public kube::testing::ReplayTest {
 protected:
  LeaderElectionReplayTest() { clock_.Set(kCaptureTime); }

  LeaderElector Elector(kube::KubeClient& client, const std::string& identity) {
    LeaderElectionConfig config;
    config.identity = identity;
    return LeaderElector(client, clock_, sleeper_, config);
  }
};

TEST_F(LeaderElectionReplayTest, CreatesTheLeaseWithTheCapturedBodyWhenThereIsNone) {
  server_.Serve("06-lease-get-404-before-create");
  server_.Serve("06-lease-create");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  LeaderElector elector = Elector(*client, kHolderA);
  Result<bool> acquired = elector.TryAcquireOrRenew();
  ASSERT_TRUE(acquired.has_value()) << acquired.error().message();
  EXPECT_TRUE(*acquired);
  EXPECT_EQ(LastSent("POST"), CapturedRequest("06-lease-create"));
}

TEST_F(LeaderElectionReplayTest, CreateAnsweredAlreadyExistsIsALostRace) {
  server_.Serve("06-lease-get-404-before-create");
  server_.Serve("06-lease-create-existing-409");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  LeaderElector elector = Elector(*client, kHolderA);
  Result<bool> acquired = elector.TryAcquireOrRenew();
  ASSERT_TRUE(acquired.has_value()) << acquired.error().message();
  EXPECT_FALSE(*acquired);
}

TEST_F(LeaderElectionReplayTest, RenewalPutsTheReadVersionAndKeepsAcquireTime) {
  server_.Serve("06-lease-get");
  server_.Serve("06-lease-update-renew");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  LeaderElector elector = Elector(*client, kHolderA);
  clock_.Advance(seconds(2));
  Result<bool> renewed = elector.TryAcquireOrRenew();
  ASSERT_TRUE(renewed.has_value()) << renewed.error().message();
  EXPECT_TRUE(*renewed);
  nlohmann::json put = LastSent("PUT");
  EXPECT_EQ(put["metadata"]["resourceVersion"], "335");
  EXPECT_EQ(put["spec"], (nlohmann::json{{"holderIdentity", kHolderA},
                                         {"leaseDurationSeconds", 15},
                                         {"acquireTime", "2026-11-24T19:40:00.000000Z"},
                                         {"renewTime", "2026-11-24T19:40:02.000000Z"},
                                         {"leaseTransitions", 0}}));
  EXPECT_EQ(elector.observed_record()->renew_time, *ParseMicroTime("2026-11-24T19:40:02.000000Z"));
}

TEST_F(LeaderElectionReplayTest, TakeoverAnsweredConflictIsALostRace) {
  server_.Serve("06-lease-get");
  server_.Serve("06-lease-update-conflict-409");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  LeaderElector elector = Elector(*client, kHolderB);
  EXPECT_FALSE(*elector.TryAcquireOrRenew());  // held by A, seen now
  clock_.Advance(seconds(15));
  Result<bool> taken = elector.TryAcquireOrRenew();
  ASSERT_TRUE(taken.has_value()) << taken.error().message();
  EXPECT_FALSE(*taken);
  nlohmann::json put = LastSent("PUT");
  EXPECT_EQ(put["spec"]["holderIdentity"], kHolderB);
  EXPECT_EQ(put["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(put["spec"]["acquireTime"], "2026-11-24T19:40:15.000000Z");
  EXPECT_EQ(put["spec"]["renewTime"], put["spec"]["acquireTime"]);
}

}  // namespace
}  // namespace gpupack::controller
