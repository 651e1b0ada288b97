// LeaderElector: one active gpupack controller among replicas, through a coordination.k8s.io/v1
// Lease, with client-go's semantics and defaults (lease 15 s, renew deadline 10 s, retry 2 s).
//
// Acquire: create the Lease (409 AlreadyExists -> read it). A Lease held by someone else is taken
// over only when `leaseDurationSeconds` have passed ON THE LOCAL CLOCK since this elector last
// saw the record change: like client-go, it never compares its clock with the holder's
// renewTime, so clock skew between nodes cannot cause two leaders. Writes are PUTs carrying the
// read resourceVersion; a 409 Conflict means another replica won the race.
//
// Renew: the leader renews every retry period. If no renewal succeeded within the renew deadline
// (counted from the last successful one), it reports leadership lost. The deadline is shorter
// than the lease duration, and a standby waits a full lease duration after it last saw the
// record change, so the old leader has stopped acting before anyone else can take over.
//
// Release: on a clean shutdown (cancel) the leader writes the Lease with an empty holderIdentity
// (client-go ReleaseOnCancel), so a standby takes over at once instead of after 15 s.
//
// Times on the wire are MicroTime: RFC 3339 in UTC with exactly six fractional digits
// ("2026-11-24T19:40:02.123456Z"); the API server rejects other precisions (kube-wire 06-*).
//
// Thread safety: Run and the Try*/Release steps belong to one thread; IsLeader() and identity()
// may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"

namespace gpupack::kube {
class KubeClient;
class Sleeper;
class CancelToken;
}  // namespace gpupack::kube

namespace gpupack::controller {

// A Kubernetes MicroTime: microseconds since the Unix epoch, UTC.
struct MicroTime {
  int64_t micros = 0;

  auto operator<=>(const MicroTime&) const = default;

  static MicroTime FromTimestamp(Timestamp t);
  // Rounded down to milliseconds.
  Timestamp ToTimestamp() const;
};

// "2026-11-24T19:40:02.123456Z": always six fractional digits, as the API server requires.
std::string FormatMicroTime(MicroTime t);
// Accepts RFC 3339 with any number of fractional digits (or none) and a `Z` or numeric offset;
// InvalidArgument naming the text otherwise.
[[nodiscard]] Result<MicroTime> ParseMicroTime(std::string_view text);

// The Lease's spec, as the elector reads and writes it.
struct LeaseRecord {
  std::string holder_identity;  // empty: released
  int32_t lease_duration_seconds = 0;
  std::optional<MicroTime> acquire_time;
  std::optional<MicroTime> renew_time;
  int32_t lease_transitions = 0;

  bool operator==(const LeaseRecord&) const = default;
};

struct LeaderElectionConfig {
  std::string lease_namespace = "gpupack-system";
  std::string lease_name = "gpupack-controller-leader";
  std::string identity;  // empty: DefaultLeaderIdentity()
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  bool release_on_cancel = true;
};

// InvalidArgument unless lease_duration > renew_deadline > retry_period > 0 (client-go's rule)
// and the names are set.
[[nodiscard]] Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

// "<hostname>_<16 random hex digits>": unique per process, readable in `kubectl get lease`.
// The pod name is the hostname in a pod.
std::string DefaultLeaderIdentity();

// Called on Run's thread; they must return quickly (start or stop work elsewhere).
struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  // After this returns the elector no longer claims leadership; the caller must stop acting.
  std::function<void()> on_stopped_leading;
  // Someone (maybe this elector) was observed holding the lease.
  std::function<void(const std::string& identity)> on_new_leader;
  // After every acquire or renew attempt (every retry period): a standby has no control loop to
  // heartbeat for /healthz, so it can heartbeat from here.
  std::function<void()> on_attempt;
};

class LeaderElector {
 public:
  enum class End {
    kCancelled,       // `cancel` was set; the lease was released if we held it
    kLostLeadership,  // renewals failed past the renew deadline, or another replica took over
  };

  // `client`, `clock` and `sleeper` must outlive the elector. The config must be valid.
  LeaderElector(kube::KubeClient& client, const Clock& clock, kube::Sleeper& sleeper,
                LeaderElectionConfig config);

  // Blocks: tries to acquire every retry period until it leads (or `cancel`), then renews every
  // retry period until a renewal misses the renew deadline (kLostLeadership) or `cancel`
  // (kCancelled, after releasing the lease). Like client-go, a lost leader does not campaign
  // again: the process should exit and restart.
  End Run(const kube::CancelToken& cancel, const LeaderCallbacks& callbacks);

  // One acquire-or-renew attempt (what Run calls each retry period): true when this elector
  // holds the lease afterwards. Errors are returned for the caller to log; a lost race (409) and
  // a lease still held by another are `false`, not errors.
  [[nodiscard]] Result<bool> TryAcquireOrRenew();

  // Writes the lease released (holderIdentity "", leaseDurationSeconds 1) if this elector holds
  // it. OK when it does not.
  [[nodiscard]] Status Release();

  // True while this elector leads and its last successful renewal is younger than the renew
  // deadline by the clock: check it before every write the leader makes.
  bool IsLeader() const;

  const std::string& identity() const { return config_.identity; }

  // The record last read or written, and when (local clock) it was last seen to change.
  const std::optional<LeaseRecord>& observed_record() const { return observed_record_; }

 private:
  // Remembers `record` (and its resourceVersion); restarts the expiry clock when it changed.
  void Observe(const LeaseRecord& record, std::string resource_version);
  // The observed record names this elector as the holder.
  bool HoldsObservedLease() const;

  kube::KubeClient& client_;
  const Clock& clock_;
  kube::Sleeper& sleeper_;
  LeaderElectionConfig config_;
  std::atomic<bool> leader_{false};
  std::atomic<int64_t> last_renew_millis_{0};  // when the last successful renewal started
  std::optional<LeaseRecord> observed_record_;
  std::string observed_resource_version_;
  Timestamp observed_time_;
};

}  // namespace gpupack::controller
