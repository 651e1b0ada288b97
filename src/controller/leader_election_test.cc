#include "controller/leader_election.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "kube/resource.h"
#include "kube/testing/fake_kube_client.h"
#include "kube/testing/fake_sleeper.h"

namespace gpupack::controller {
namespace {

using kube::testing::FakeKubeClient;
using kube::testing::FakeSleeper;
using std::chrono::seconds;

const kube::ObjectKey kLeaseKey{"gpupack-system", "gpupack-controller-leader"};

// 2026-11-24T19:40:00Z, the captures' time.
constexpr Timestamp kStart{Duration(1795549200000)};

nlohmann::json Capture(const std::string& exchange, const std::string& file) {
  Result<std::string> text =
      ReadFile(std::string(GP_SHARED_DIR) + "/reference/kube-wire/" + exchange + "/" + file);
  EXPECT_TRUE(text.has_value());
  return nlohmann::json::parse(text.value_or("{}"));
}

LeaderElectionConfig ConfigFor(const std::string& identity) {
  LeaderElectionConfig config;
  config.identity = identity;
  return config;
}

nlohmann::json StoredLease(const FakeKubeClient& client) {
  return client.Peek(kube::LeasesResource(), kLeaseKey).value_or(nlohmann::json::object());
}

Error ServerError() { return Error(ErrorCode::kUnavailable, "get leases: 500 InternalError"); }

TEST(MicroTimeTest, RoundTripsTheCapturedLeaseTimesExactly) {
  for (const std::string exchange :
       {"06-lease-create", "06-lease-update-renew", "06-lease-update-conflict-409"}) {
    nlohmann::json spec = Capture(exchange, "request-body.json")["spec"];
    for (const char* field : {"acquireTime", "renewTime"}) {
      std::string text = spec[field];
      Result<MicroTime> parsed = ParseMicroTime(text);
      ASSERT_TRUE(parsed.has_value()) << text;
      EXPECT_EQ(FormatMicroTime(*parsed), text);
    }
  }
}

TEST(MicroTimeTest, KeepsMicrosecondsTheServerWrote) {
  EXPECT_EQ(ParseMicroTime("2026-11-24T19:40:03.000001Z")->micros,
            (kStart.since_epoch.count() + 3000) * 1000 + 1);
  EXPECT_EQ(ParseMicroTime("2026-11-24T19:40:02.123456Z")->ToTimestamp(), kStart + Duration(2123));
}

TEST(MicroTimeTest, FormatsTheSixDigitsTheServerRequiresWhateverTheInputPrecision) {
  // The server rejected "19:40:05.5Z" and "19:40:04Z" in a Lease (06-lease-update-renewtime-*).
  EXPECT_EQ(FormatMicroTime(*ParseMicroTime("2026-11-24T19:40:05.5Z")),
            "2026-11-24T19:40:05.500000Z");
  EXPECT_EQ(FormatMicroTime(*ParseMicroTime("2026-11-24T19:40:04Z")),
            "2026-11-24T19:40:04.000000Z");
  EXPECT_EQ(FormatMicroTime(MicroTime::FromTimestamp(kStart + Duration(7))),
            "2026-11-24T19:40:00.007000Z");
}

TEST(MicroTimeTest, AppliesUtcOffsets) {
  EXPECT_EQ(*ParseMicroTime("2026-11-24T21:40:00.000000+02:00"), MicroTime::FromTimestamp(kStart));
  EXPECT_EQ(*ParseMicroTime("2026-11-24T18:10:00-01:30"), MicroTime::FromTimestamp(kStart));
}

TEST(MicroTimeTest, RejectsMalformedTimesNamingThem) {
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T19:40:00", "2026-13-24T19:40:00Z", "2026-11-24T19:40:00.Z",
        "2026-11-24T19:40:00Zjunk", "2026-11-24 19:40:00Z", "2026-11-24T19:40:00+0200"}) {
    Result<MicroTime> parsed = ParseMicroTime(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(LeaderElectionConfigTest, FollowsClientGoDefaultsAndOrderingRule) {
  LeaderElectionConfig config;
  EXPECT_EQ(config.lease_duration, seconds(15));
  EXPECT_EQ(config.renew_deadline, seconds(10));
  EXPECT_EQ(config.retry_period, seconds(2));
  EXPECT_TRUE(ValidateLeaderElectionConfig(config).has_value());
  config.renew_deadline = seconds(15);
  EXPECT_FALSE(ValidateLeaderElectionConfig(config).has_value());
  config = {};
  config.retry_period = Duration::zero();
  EXPECT_FALSE(ValidateLeaderElectionConfig(config).has_value());
}

// Every elector of a test shares one in-memory API server and one clock (the captures' time).
class LeaderElectionTest : public ::testing::Test {
 protected:
  LeaderElector Elector(const std::string& identity) {
    return LeaderElector(client_, clock_, sleeper_, ConfigFor(identity));
  }

  FakeKubeClient client_;
  ManualClock clock_{kStart};
  FakeSleeper sleeper_{clock_};
};

TEST_F(LeaderElectionTest, DefaultIdentityIsHostnameWithARandomSuffix) {
  std::string a = DefaultLeaderIdentity();
  std::string b = DefaultLeaderIdentity();
  EXPECT_NE(a, b);
  ASSERT_GT(a.size(), 17u);
  EXPECT_EQ(a[a.size() - 17], '_');
  EXPECT_EQ(a.substr(0, a.size() - 16), b.substr(0, b.size() - 16));
}

TEST_F(LeaderElectionTest, FirstElectorCreatesTheLeaseWithTheCapturedFields) {
  LeaderElector a = Elector("replica-a");

  Result<bool> acquired = a.TryAcquireOrRenew();
  ASSERT_TRUE(acquired.has_value()) << acquired.error().message();
  EXPECT_TRUE(*acquired);

  nlohmann::json lease = StoredLease(client_);
  nlohmann::json captured = Capture("06-lease-create", "request-body.json");
  EXPECT_EQ(lease["apiVersion"], captured["apiVersion"]);
  EXPECT_EQ(lease["kind"], captured["kind"]);
  captured["spec"]["holderIdentity"] = "replica-a";
  EXPECT_EQ(lease["spec"], captured["spec"]);
}

TEST_F(LeaderElectionTest, StandbyTakesOverOnlyAfterTheLeaseDurationWithoutRenewals) {
  LeaderElector a = Elector("replica-a");
  LeaderElector b = Elector("replica-b");

  ASSERT_TRUE(*a.TryAcquireOrRenew());
  EXPECT_FALSE(*b.TryAcquireOrRenew());  // b starts its 15 s clock now
  clock_.Advance(seconds(14));
  EXPECT_FALSE(*b.TryAcquireOrRenew());
  clock_.Advance(seconds(1));
  Result<bool> taken = b.TryAcquireOrRenew();
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(*taken);

  nlohmann::json spec = StoredLease(client_)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "replica-b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(spec["acquireTime"], "2026-11-24T19:40:15.000000Z");
  EXPECT_FALSE(*a.TryAcquireOrRenew());  // a sees b holding a fresh lease
}

TEST_F(LeaderElectionTest, StandbyNeverTakesOverWhileTheLeaderRenews) {
  LeaderElector a = Elector("replica-a");
  LeaderElector b = Elector("replica-b");
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  for (int round = 0; round < 60; ++round) {
    clock_.Advance(seconds(2));
    ASSERT_TRUE(*a.TryAcquireOrRenew());
    ASSERT_FALSE(*b.TryAcquireOrRenew());
  }
  nlohmann::json spec = StoredLease(client_)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "replica-a");
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], "2026-11-24T19:40:00.000000Z");  // kept across renewals
  EXPECT_EQ(spec["renewTime"], "2026-11-24T19:42:00.000000Z");
}

TEST_F(LeaderElectionTest, ExpiryIsJudgedByTheLocalClockNotTheHoldersRenewTime) {
  // The holder's clock is an hour behind: by comparing clocks the lease would look long expired.
  nlohmann::json lease = Capture("06-lease-create", "request-body.json");
  lease["spec"]["renewTime"] = "2026-11-24T18:40:00.000000Z";
  client_.Seed(kube::LeasesResource(), lease);
  LeaderElector b = Elector("replica-b");
  EXPECT_FALSE(*b.TryAcquireOrRenew());
  clock_.Advance(seconds(15));
  EXPECT_TRUE(*b.TryAcquireOrRenew());
}

TEST_F(LeaderElectionTest, AReleasedLeaseIsTakenAtOnce) {
  LeaderElector a = Elector("replica-a");
  LeaderElector b = Elector("replica-b");
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  EXPECT_FALSE(*b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release().has_value());
  nlohmann::json spec = StoredLease(client_)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "");
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_TRUE(*b.TryAcquireOrRenew());
}

TEST_F(LeaderElectionTest, CreateThatFindsTheLeaseAlreadyThereLosesTheRace) {
  LeaderElector a = Elector("replica-a");
  client_.FailNext("create leases", Error(ErrorCode::kAlreadyExists, "409 AlreadyExists"));
  Result<bool> acquired = a.TryAcquireOrRenew();
  ASSERT_TRUE(acquired.has_value());
  EXPECT_FALSE(*acquired);
}

TEST_F(LeaderElectionTest, UpdateConflictLosesTheRaceWithoutAnError) {
  LeaderElector a = Elector("replica-a");
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  clock_.Advance(seconds(2));
  client_.FailNext("update leases", Error(ErrorCode::kAborted, "409 Conflict"));
  Result<bool> renewed = a.TryAcquireOrRenew();
  ASSERT_TRUE(renewed.has_value());
  EXPECT_FALSE(*renewed);
  EXPECT_EQ(StoredLease(client_)["spec"]["renewTime"], "2026-11-24T19:40:00.000000Z");
}

TEST_F(LeaderElectionTest, AStaleResourceVersionIsAConflict) {
  // Both standbys read the expired lease; the slower writer's PUT carries the old version.
  LeaderElector a = Elector("replica-a");
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  nlohmann::json stale = StoredLease(client_);
  clock_.Advance(seconds(2));
  ASSERT_TRUE(*a.TryAcquireOrRenew());
  stale["spec"]["holderIdentity"] = "replica-c";
  Result<nlohmann::json> put = client_.Update(kube::LeasesResource(), stale, {});
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code(), ErrorCode::kAborted);
}

TEST_F(LeaderElectionTest, ServerErrorsAreReturnedForTheCallerToLog) {
  LeaderElector a = Elector("replica-a");
  client_.FailNext("get leases", ServerError());
  Result<bool> acquired = a.TryAcquireOrRenew();
  ASSERT_FALSE(acquired.has_value());
  EXPECT_EQ(acquired.error().code(), ErrorCode::kUnavailable);
}

TEST_F(LeaderElectionTest, MalformedLeaseTimesAreAnErrorNamingTheField) {
  nlohmann::json lease = Capture("06-lease-create", "request-body.json");
  lease["spec"]["renewTime"] = "yesterday";
  client_.Seed(kube::LeasesResource(), lease);
  LeaderElector b = Elector("replica-b");
  Result<bool> acquired = b.TryAcquireOrRenew();
  ASSERT_FALSE(acquired.has_value());
  EXPECT_NE(acquired.error().message().find("spec.renewTime"), std::string::npos);
}

// Drives Run to leadership, then fails every renewal: the leader must stop before its lease
// could expire anywhere else.
TEST_F(LeaderElectionTest, LeaderThatCannotRenewStopsBeforeTheLeaseCanExpire) {
  LeaderElector a = Elector("replica-a");
  kube::CancelToken cancel;
  Timestamp started{};
  Timestamp stopped{};
  int renewals = 0;
  sleeper_.on_sleep = [&] {
    if (++renewals > 3) {
      client_.FailNext("get leases", ServerError());  // every later renewal fails
    }
  };
  LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] { started = clock_.Now(); };
  callbacks.on_stopped_leading = [&] {
    stopped = clock_.Now();
    EXPECT_FALSE(a.IsLeader());
  };
  EXPECT_EQ(a.Run(cancel, callbacks), LeaderElector::End::kLostLeadership);
  EXPECT_EQ(started, kStart);
  // Renewals at +2, +4, +6 succeeded; the last one's renewTime is +6 s.
  EXPECT_EQ(StoredLease(client_)["spec"]["renewTime"], "2026-11-24T19:40:06.000000Z");
  EXPECT_LE(stopped - (kStart + seconds(6)), seconds(10));
  // A standby saw that last change at +6 at the earliest, so it cannot take over before +21.
  EXPECT_LT(stopped, kStart + seconds(6) + seconds(15));
  EXPECT_FALSE(a.IsLeader());
}

TEST_F(LeaderElectionTest, IsLeaderTurnsFalseAtTheRenewDeadlineEvenWhileARenewalHangs) {
  LeaderElector a = Elector("replica-a");
  kube::CancelToken cancel;
  std::vector<bool> leader_seen;
  sleeper_.on_sleep = [&] {
    leader_seen.push_back(a.IsLeader());
    clock_.Advance(seconds(9));  // a request that hangs: 2 s sleep + 9 s = past the deadline
    leader_seen.push_back(a.IsLeader());
    cancel.Cancel();
  };
  EXPECT_EQ(a.Run(cancel, {}), LeaderElector::End::kCancelled);
  EXPECT_EQ(leader_seen, (std::vector<bool>{true, false}));
}

TEST_F(LeaderElectionTest, LeaderThatSeesAnotherHolderStopsAtOnce) {
  LeaderElector a = Elector("replica-a");
  kube::CancelToken cancel;
  sleeper_.on_sleep = [&] {
    nlohmann::json lease = StoredLease(client_);
    lease["spec"]["holderIdentity"] = "replica-c";
    ASSERT_TRUE(client_.Update(kube::LeasesResource(), lease, {}).has_value());
  };
  std::vector<std::string> leaders;
  LeaderCallbacks callbacks;
  callbacks.on_new_leader = [&](const std::string& identity) { leaders.push_back(identity); };
  EXPECT_EQ(a.Run(cancel, callbacks), LeaderElector::End::kLostLeadership);
  EXPECT_EQ(sleeper_.waits.size(), 1u);
  EXPECT_EQ(leaders, (std::vector<std::string>{"replica-a", "replica-c"}));
}

TEST_F(LeaderElectionTest, CleanShutdownStopsWorkThenReleasesSoTheStandbyTakesOverAtOnce) {
  LeaderElector a = Elector("replica-a");
  LeaderElector b = Elector("replica-b");
  kube::CancelToken cancel;
  int sleeps = 0;
  sleeper_.on_sleep = [&] {
    if (++sleeps == 3) {
      cancel.Cancel();
    }
  };
  std::string holder_when_stopped;
  LeaderCallbacks callbacks;
  callbacks.on_stopped_leading = [&] {
    holder_when_stopped = StoredLease(client_)["spec"]["holderIdentity"];
  };
  EXPECT_EQ(a.Run(cancel, callbacks), LeaderElector::End::kCancelled);
  EXPECT_EQ(holder_when_stopped, "replica-a");  // work stopped before the lease was freed
  nlohmann::json spec = StoredLease(client_)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "");
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_FALSE(a.IsLeader());
  EXPECT_TRUE(*b.TryAcquireOrRenew());
  EXPECT_EQ(StoredLease(client_)["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectionTest, StandbyRunWaitsWithJitteredRetriesThenLeadsWhenTheLeaderDies) {
  LeaderElector a = Elector("replica-a");
  LeaderElector b = Elector("replica-b");
  ASSERT_TRUE(*a.TryAcquireOrRenew());  // a leads once, then dies without releasing
  kube::CancelToken cancel;
  Timestamp started{};
  LeaderCallbacks callbacks;
  size_t attempts = 0;
  size_t waits_before_leading = 0;
  callbacks.on_attempt = [&] { ++attempts; };
  callbacks.on_started_leading = [&] {
    started = clock_.Now();
    waits_before_leading = sleeper_.waits.size();
    cancel.Cancel();
  };
  EXPECT_EQ(b.Run(cancel, callbacks), LeaderElector::End::kCancelled);
  EXPECT_EQ(attempts, waits_before_leading + 1);  // one before each wait, and the one that won
  EXPECT_GE(started, kStart + seconds(15));
  EXPECT_LT(started, kStart + seconds(15) + Duration(4400));  // at most one retry (2 s * 2.2) late
  for (Duration wait : sleeper_.waits) {
    EXPECT_GE(wait, seconds(2));
    EXPECT_LT(wait, Duration(4400));
  }
}

}  // namespace
}  // namespace gpupack::controller
