// OpsServer: the controller's operations endpoints over plain HTTP (cpp-httplib), for
// Prometheus and the kubelet's probes:
//   GET /metrics  the registry in the Prometheus text format 0.0.4
//   GET /healthz  200 "ok" while the control loop is alive (it called Heartbeat within the
//                 liveness timeout); 503 with how long it has been silent otherwise
//   GET /readyz   200 "ok" once SetReady(true) (informers synced); 503 with the reason before
// Anything else is 404. Like controller-runtime, metrics and probes have their own addresses
// (`:8080` and `:8081` by default) so a NetworkPolicy can open the probe port to the kubelet
// alone; both listeners answer every path, and equal addresses share one listener.
//
// Thread safety: thread-safe. Requests are served on the server's own threads; Heartbeat and
// SetReady may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace gpupack::controller {

class MetricsRegistry;

struct BindAddress {
  std::string host;  // "0.0.0.0" when the address was ":8080"
  int port = 0;      // 0: any free port
};

// Parses ":8080", "127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080". InvalidArgument naming the text
// otherwise (missing port, port out of 0..65535).
[[nodiscard]] Result<BindAddress> ParseBindAddress(std::string_view text);

struct OpsServerOptions {
  std::string metrics_bind_address = ":8080";
  std::string probe_bind_address = ":8081";
  // /healthz fails when the loop has not called Heartbeat for this long. Generous: the loop may
  // sleep a resync interval (1 min) and a reconcile of a large cluster takes a while; the caller
  // should heartbeat on every wakeup.
  Duration liveness_timeout = std::chrono::minutes(5);
};

class OpsServer {
 public:
  // `registry` and `clock` must outlive the server.
  OpsServer(const MetricsRegistry& registry, const Clock& clock, OpsServerOptions options);
  ~OpsServer();

  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // Binds and starts serving on background threads. InvalidArgument for a bad address,
  // Unavailable when an address cannot be bound (in use, no permission); nothing is left
  // listening then. Counts as a heartbeat. Call once.
  [[nodiscard]] Status Start();

  // Stops serving and joins the threads. Idempotent; the destructor calls it.
  void Stop();

  // The bound ports (the chosen ones when an address asked for port 0); 0 before Start.
  int metrics_port() const;
  int probe_port() const;

  // The process's loop is alive: the control loop while leading, the election loop
  // (LeaderCallbacks::on_attempt) while standing by, or a standby would be restarted.
  void Heartbeat();

  // Ready (informers synced) or not, with the reason /readyz shows ("informers not synced:
  // pods, nodes").
  void SetReady(bool ready, std::string reason = {});

 private:
  struct Answer {
    int status;
    std::string body;
  };

  // One bound address, served on its own thread.
  struct Listener {
    std::string address;
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    std::atomic<bool> finished{false};  // the serving loop returned
    int port = 0;
  };

  Answer Health() const;
  Answer Ready() const;
  [[nodiscard]] Status Listen(Listener& listener);

  const MetricsRegistry& registry_;
  const Clock& clock_;
  const OpsServerOptions options_;
  // One or two listeners; the probe address's is listeners_.back().
  std::vector<std::unique_ptr<Listener>> listeners_;

  mutable std::mutex mu_;
  Timestamp last_heartbeat_;                   // guarded by mu_
  bool ready_ = false;                         // guarded by mu_
  std::string not_ready_reason_ = "starting";  // guarded by mu_
};

}  // namespace gpupack::controller
