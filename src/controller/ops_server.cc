#include "controller/ops_server.h"

#include <charconv>
#include <utility>

#include <fmt/format.h>
#include <httplib.h>

#include "common/log.h"
#include "controller/metrics.h"

namespace gpupack::controller {

Result<BindAddress> ParseBindAddress(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format("bind address \"{}\": {}", text, why));
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return bad("expected host:port or :port");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("put an IPv6 address in brackets: [::1]:8080");
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return bad("the port must be a number in 0..65535");
  }
  return BindAddress{host.empty() ? std::string("0.0.0.0") : std::string(host), port};
}

OpsServer::OpsServer(const MetricsRegistry& registry, const Clock& clock, OpsServerOptions options)
    : registry_(registry), clock_(clock), options_(std::move(options)) {}

OpsServer::~OpsServer() { Stop(); }

Status OpsServer::Start() {
  Heartbeat();
  std::vector<std::string> addresses = {options_.metrics_bind_address};
  if (options_.probe_bind_address != options_.metrics_bind_address) {
    addresses.push_back(options_.probe_bind_address);
  }
  for (const std::string& address : addresses) {
    auto listener = std::make_unique<Listener>();
    listener->address = address;
    Status listening = Listen(*listener);
    listeners_.push_back(std::move(listener));
    if (!listening) {
      Stop();
      return listening;
    }
  }
  return OkStatus();
}

Status OpsServer::Listen(Listener& listener) {
  GP_ASSIGN_OR_RETURN(BindAddress bind, ParseBindAddress(listener.address));
  listener.server = std::make_unique<httplib::Server>();
  httplib::Server& server = *listener.server;
  // httplib's default also sets SO_REUSEPORT, which would let a second process bind the same
  // port and steal half the probes; SO_REUSEADDR alone allows a quick restart.
  server.set_tcp_nodelay(true);  // no delayed-ACK wait between an answer's headers and body
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  auto answer = [](httplib::Response& response, const Answer& a) {
    response.status = a.status;
    response.set_content(a.body, "text/plain; charset=utf-8");
  };
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry_.Expose(), std::string(kMetricsContentType).c_str());
  });
  server.Get("/healthz", [this, answer](const httplib::Request&, httplib::Response& response) {
    answer(response, Health());
  });
  server.Get("/readyz", [this, answer](const httplib::Request&, httplib::Response& response) {
    answer(response, Ready());
  });
  if (bind.port == 0) {
    listener.port = server.bind_to_any_port(bind.host);
  } else if (server.bind_to_port(bind.host, bind.port)) {
    listener.port = bind.port;
  }
  if (listener.port <= 0) {
    listener.port = 0;
    listener.server.reset();
    return UnavailableError(
        fmt::format("operations server: cannot listen on {}", listener.address));
  }
  listener.thread = std::thread([&listener] {
    listener.server->listen_after_bind();
    listener.finished.store(true);
  });
  log::Info("operations server: /metrics /healthz /readyz on {} (port {})", listener.address,
            listener.port);
  return OkStatus();
}

void OpsServer::Stop() {
  for (const std::unique_ptr<Listener>& listener : listeners_) {
    if (!listener->thread.joinable()) {
      continue;
    }
    // httplib's stop() is a no-op until the serving loop runs; wait for it to start (or fail).
    while (!listener->server->is_running() && !listener->finished.load()) {
      std::this_thread::yield();
    }
    listener->server->stop();
    listener->thread.join();
  }
  listeners_.clear();
}

int OpsServer::metrics_port() const { return listeners_.empty() ? 0 : listeners_.front()->port; }

int OpsServer::probe_port() const { return listeners_.empty() ? 0 : listeners_.back()->port; }

void OpsServer::Heartbeat() {
  std::lock_guard lock(mu_);
  last_heartbeat_ = clock_.Now();
}

void OpsServer::SetReady(bool ready, std::string reason) {
  std::lock_guard lock(mu_);
  ready_ = ready;
  not_ready_reason_ = ready ? std::string() : std::move(reason);
}

OpsServer::Answer OpsServer::Health() const {
  std::lock_guard lock(mu_);
  Duration silent = clock_.Now() - last_heartbeat_;
  if (silent > options_.liveness_timeout) {
    return {
        503,
        fmt::format(
            "control loop silent for {} s (limit {} s)\n",
            std::chrono::duration_cast<std::chrono::seconds>(silent).count(),
            std::chrono::duration_cast<std::chrono::seconds>(options_.liveness_timeout).count())};
  }
  return {200, "ok\n"};
}

OpsServer::Answer OpsServer::Ready() const {
  std::lock_guard lock(mu_);
  if (!ready_) {
    return {503, (not_ready_reason_.empty() ? std::string("not ready") : not_ready_reason_) + "\n"};
  }
  return {200, "ok\n"};
}

}  // namespace gpupack::controller
