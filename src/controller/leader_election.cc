#include "controller/leader_election.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <functional>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/check.h"
#include "common/log.h"
#include "common/rng.h"
#include "kube/kube_client.h"
#include "kube/resource.h"
#include "kube/sleeper.h"

namespace gpupack::controller {
namespace {

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMicrosPerSecond = 1'000'000;
// client-go's JitterUntil factor for the acquire loop: each wait is retry * [1, 2.2).
constexpr double kAcquireJitter = 1.2;

// Reads `digits` decimal digits at `pos`; false when they are not all digits.
bool ReadDigits(std::string_view text, size_t pos, size_t digits, int& value) {
  if (pos + digits > text.size()) {
    return false;
  }
  const char* first = text.data() + pos;
  auto [end, ec] = std::from_chars(first, first + digits, value);
  return ec == std::errc() && end == first + digits;
}

Error BadMicroTime(std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("\"{}\" is not an RFC 3339 time: {}", text, why));
}

int32_t SecondsOf(Duration d) {
  return static_cast<int32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

// The Lease's spec as the API server spells it (kube-wire 06-lease-create).
nlohmann::json RecordToSpec(const LeaseRecord& record) {
  nlohmann::json spec = {{"holderIdentity", record.holder_identity},
                         {"leaseDurationSeconds", record.lease_duration_seconds},
                         {"leaseTransitions", record.lease_transitions}};
  if (record.acquire_time) {
    spec["acquireTime"] = FormatMicroTime(*record.acquire_time);
  }
  if (record.renew_time) {
    spec["renewTime"] = FormatMicroTime(*record.renew_time);
  }
  return spec;
}

Result<LeaseRecord> RecordFromLease(const nlohmann::json& lease, std::string_view what) {
  LeaseRecord record;
  auto spec_it = lease.find("spec");
  if (spec_it == lease.end() || !spec_it->is_object()) {
    return record;  // a Lease with an empty spec is held by nobody
  }
  const nlohmann::json& spec = *spec_it;
  try {
    record.holder_identity = spec.value("holderIdentity", "");
    record.lease_duration_seconds = spec.value("leaseDurationSeconds", 0);
    record.lease_transitions = spec.value("leaseTransitions", 0);
    for (auto [field, target] : {std::pair{"acquireTime", &record.acquire_time},
                                 std::pair{"renewTime", &record.renew_time}}) {
      auto it = spec.find(field);
      if (it == spec.end() || it->is_null()) {
        continue;
      }
      Result<MicroTime> parsed = ParseMicroTime(it->get<std::string>());
      if (!parsed) {
        return tl::unexpected(parsed.error().WithContext(fmt::format("{}: spec.{}", what, field)));
      }
      *target = *parsed;
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(fmt::format("{}: malformed spec: {}", what, e.what()));
  }
  return record;
}

}  // namespace

MicroTime MicroTime::FromTimestamp(Timestamp t) {
  return MicroTime{t.since_epoch.count() * kMicrosPerMilli};
}

Timestamp MicroTime::ToTimestamp() const {
  int64_t millis = micros / kMicrosPerMilli;
  if (micros % kMicrosPerMilli < 0) {
    --millis;  // round toward minus infinity before 1970
  }
  return Timestamp{Duration(millis)};
}

std::string FormatMicroTime(MicroTime t) {
  using std::chrono::floor;
  std::chrono::sys_time<std::chrono::microseconds> tp{std::chrono::microseconds(t.micros)};
  auto day = floor<std::chrono::days>(tp);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<std::chrono::microseconds> hms{tp - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z",
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), hms.subseconds().count());
}

Result<MicroTime> ParseMicroTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (text.size() < 20 || !ReadDigits(text, 0, 4, year) || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return tl::unexpected(BadMicroTime(text, "expected YYYY-MM-DDTHH:MM:SS"));
  }
  std::chrono::year_month_day ymd{std::chrono::year(year),
                                  std::chrono::month(static_cast<unsigned>(month)),
                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return tl::unexpected(BadMicroTime(text, "date or time out of range"));
  }
  size_t pos = 19;
  int64_t fraction_micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = kMicrosPerSecond / 10;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_micros += (text[pos] - '0') * scale;  // digits past microseconds are dropped
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return tl::unexpected(BadMicroTime(text, "empty fraction"));
    }
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!ReadDigits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !ReadDigits(text, pos + 4, 2, offset_minutes)) {
      return tl::unexpected(BadMicroTime(text, "bad UTC offset"));
    }
    offset_seconds = (text[pos] == '+' ? 1 : -1) * (offset_hours * 3600 + offset_minutes * 60);
    pos += 6;
  } else {
    return tl::unexpected(BadMicroTime(text, "missing time zone"));
  }
  if (pos != text.size()) {
    return tl::unexpected(BadMicroTime(text, "trailing characters"));
  }
  int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return MicroTime{seconds * kMicrosPerSecond + fraction_micros};
}

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config) {
  if (config.lease_namespace.empty() || config.lease_name.empty()) {
    return InvalidArgumentError("leader election: the lease namespace and name must be set");
  }
  if (!(config.lease_duration > config.renew_deadline &&
        config.renew_deadline > config.retry_period && config.retry_period > Duration::zero())) {
    return InvalidArgumentError(fmt::format(
        "leader election: need lease duration ({} ms) > renew deadline ({} ms) > retry period "
        "({} ms) > 0",
        config.lease_duration.count(), config.renew_deadline.count(), config.retry_period.count()));
  }
  if (config.lease_duration < std::chrono::seconds(1)) {
    return InvalidArgumentError("leader election: the lease duration must be at least 1 s");
  }
  return OkStatus();
}

std::string DefaultLeaderIdentity() {
  std::array<char, 256> host{};
  std::string hostname = "gpupack";
  if (gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') {
    hostname = host.data();
  }
  std::random_device device;
  Rng rng((static_cast<uint64_t>(device()) << 32) ^ device());
  return fmt::format("{}_{:016x}", hostname, rng.Next());
}

LeaderElector::LeaderElector(kube::KubeClient& client, const Clock& clock, kube::Sleeper& sleeper,
                             LeaderElectionConfig config)
    : client_(client), clock_(clock), sleeper_(sleeper), config_(std::move(config)) {
  GP_CHECK(ValidateLeaderElectionConfig(config_).has_value(), "invalid leader election config");
  if (config_.identity.empty()) {
    config_.identity = DefaultLeaderIdentity();
  }
}

bool LeaderElector::IsLeader() const {
  // Judged on every call, not only when Run wakes up: a renewal stuck in a slow request must not
  // let the caller act past the renew deadline.
  return leader_.load() && clock_.Now().since_epoch.count() <
                               last_renew_millis_.load() + config_.renew_deadline.count();
}

void LeaderElector::Observe(const LeaseRecord& record, std::string resource_version) {
  if (!observed_record_ || *observed_record_ != record) {
    observed_record_ = record;
    observed_time_ = clock_.Now();
  }
  observed_resource_version_ = std::move(resource_version);
}

bool LeaderElector::HoldsObservedLease() const {
  return observed_record_ && observed_record_->holder_identity == config_.identity;
}

Result<bool> LeaderElector::TryAcquireOrRenew() {
  const Timestamp now = clock_.Now();
  const kube::Resource leases = kube::LeasesResource();
  const kube::ObjectKey key{config_.lease_namespace, config_.lease_name};
  const std::string what = "lease " + key.ToString();

  LeaseRecord desired;
  desired.holder_identity = config_.identity;
  desired.lease_duration_seconds = SecondsOf(config_.lease_duration);
  desired.acquire_time = MicroTime::FromTimestamp(now);
  desired.renew_time = desired.acquire_time;

  Result<nlohmann::json> got = client_.Get(leases, key);
  if (!got && got.error().code() == ErrorCode::kNotFound) {
    nlohmann::json lease = {{"apiVersion", leases.ApiVersion()},
                            {"kind", "Lease"},
                            {"metadata", {{"name", key.name}, {"namespace", key.namespace_name}}},
                            {"spec", RecordToSpec(desired)}};
    Result<nlohmann::json> created = client_.Create(leases, key.namespace_name, lease, {});
    if (!created) {
      if (created.error().code() == ErrorCode::kAlreadyExists) {
        return false;  // another replica created it first; the next attempt reads it
      }
      return tl::unexpected(created.error());
    }
    Observe(desired, kube::ResourceVersionOf(*created));
    return true;
  }
  if (!got) {
    return tl::unexpected(got.error());
  }
  GP_ASSIGN_OR_RETURN(LeaseRecord current, RecordFromLease(*got, what));
  Observe(current, kube::ResourceVersionOf(*got));

  // Expiry by the local clock since the record last changed, never by the holder's renewTime.
  const bool held_by_other = !current.holder_identity.empty() && !HoldsObservedLease();
  const Duration held_for = std::chrono::seconds(current.lease_duration_seconds);
  if (held_by_other && now < observed_time_ + held_for) {
    return false;
  }
  if (HoldsObservedLease()) {
    desired.acquire_time = current.acquire_time;
    desired.lease_transitions = current.lease_transitions;
  } else {
    desired.lease_transitions = current.lease_transitions + 1;
  }
  nlohmann::json lease = *got;
  lease["spec"] = RecordToSpec(desired);
  Result<nlohmann::json> updated = client_.Update(leases, lease, {});
  if (!updated) {
    if (updated.error().code() == ErrorCode::kAborted) {
      return false;  // 409: someone wrote the lease since we read it
    }
    return tl::unexpected(updated.error());
  }
  Observe(desired, kube::ResourceVersionOf(*updated));
  return true;
}

Status LeaderElector::Release() {
  if (!HoldsObservedLease()) {
    return OkStatus();
  }
  const kube::Resource leases = kube::LeasesResource();
  const MicroTime now = MicroTime::FromTimestamp(clock_.Now());
  // client-go's release: nobody holds it, and it expires one second after any clock reads it.
  LeaseRecord released;
  released.lease_duration_seconds = 1;
  released.acquire_time = now;
  released.renew_time = now;
  released.lease_transitions = observed_record_->lease_transitions;
  nlohmann::json lease = {{"apiVersion", leases.ApiVersion()},
                          {"kind", "Lease"},
                          {"metadata",
                           {{"name", config_.lease_name},
                            {"namespace", config_.lease_namespace},
                            {"resourceVersion", observed_resource_version_}}},
                          {"spec", RecordToSpec(released)}};
  GP_ASSIGN_OR_RETURN(nlohmann::json stored, client_.Update(leases, lease, {}));
  Observe(released, kube::ResourceVersionOf(stored));
  leader_.store(false);
  return OkStatus();
}

LeaderElector::End LeaderElector::Run(const kube::CancelToken& cancel,
                                      const LeaderCallbacks& callbacks) {
  std::string last_holder;
  auto note_holder = [&] {
    if (observed_record_ && !observed_record_->holder_identity.empty() &&
        observed_record_->holder_identity != last_holder) {
      last_holder = observed_record_->holder_identity;
      log::Info("leader election: lease {}/{} is held by {}", config_.lease_namespace,
                config_.lease_name, last_holder);
      if (callbacks.on_new_leader) {
        callbacks.on_new_leader(last_holder);
      }
    }
  };

  Rng jitter(std::hash<std::string>{}(config_.identity));
  while (!cancel.IsCancelled()) {
    const Timestamp attempt = clock_.Now();
    Result<bool> acquired = TryAcquireOrRenew();
    note_holder();
    if (callbacks.on_attempt) {
      callbacks.on_attempt();
    }
    if (acquired && *acquired) {
      last_renew_millis_.store(attempt.since_epoch.count());
      leader_.store(true);
      break;
    }
    if (!acquired) {
      log::Warn("leader election: {}", acquired.error().message());
    }
    auto wait = static_cast<double>(config_.retry_period.count()) *
                (1.0 + kAcquireJitter * jitter.UniformDouble());
    sleeper_.Sleep(Duration(static_cast<int64_t>(wait)), &cancel);
  }
  if (cancel.IsCancelled()) {
    return End::kCancelled;
  }

  log::Info("leader election: {} started leading", config_.identity);
  if (callbacks.on_started_leading) {
    callbacks.on_started_leading();
  }
  auto stop_leading = [&] {
    leader_.store(false);
    if (callbacks.on_stopped_leading) {
      callbacks.on_stopped_leading();
    }
  };

  while (true) {
    const Timestamp deadline =
        Timestamp{Duration(last_renew_millis_.load())} + config_.renew_deadline;
    sleeper_.Sleep(
        std::min(config_.retry_period, std::max(Duration::zero(), deadline - clock_.Now())),
        &cancel);
    if (cancel.IsCancelled()) {
      break;
    }
    const Timestamp attempt = clock_.Now();
    Result<bool> renewed = TryAcquireOrRenew();
    note_holder();
    if (callbacks.on_attempt) {
      callbacks.on_attempt();
    }
    if (renewed && *renewed) {
      last_renew_millis_.store(attempt.since_epoch.count());
      continue;
    }
    if (!HoldsObservedLease()) {
      log::Error("leader election: {} lost the lease to {}; stopping", config_.identity,
                 observed_record_ ? observed_record_->holder_identity : std::string("nobody"));
      stop_leading();
      return End::kLostLeadership;
    }
    if (!renewed) {
      log::Warn("leader election: renewal failed: {}", renewed.error().message());
    }
    if (clock_.Now() >= deadline) {
      log::Error("leader election: {} could not renew within {} ms; stopping", config_.identity,
                 config_.renew_deadline.count());
      stop_leading();
      return End::kLostLeadership;
    }
  }

  // Clean shutdown: the caller's work stops first (on_stopped_leading), then the lease is freed
  // so a standby takes over at once. Releasing first would let two leaders act at once.
  stop_leading();
  if (config_.release_on_cancel) {
    if (Status released = Release(); !released) {
      log::Warn("leader election: could not release the lease: {}", released.error().message());
    } else {
      log::Info("leader election: {} released the lease", config_.identity);
    }
  }
  return End::kCancelled;
}

}  // namespace gpupack::controller
