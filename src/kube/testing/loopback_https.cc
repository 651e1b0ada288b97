#include "kube/testing/loopback_https.h"

#include <httplib.h>

namespace gpupack::kube::testing {

LoopbackHttps::LoopbackHttps(const std::string& testdata, Handler handler,
                             const LoopbackHttpsOptions& options)
    : handler_(std::move(handler)) {
  std::string cert = testdata + "/server.crt";
  std::string key = testdata + "/server.key";
  server_ = std::make_unique<httplib::SSLServer>(
      cert.c_str(), key.c_str(),
      options.client_ca_file.empty() ? nullptr : options.client_ca_file.c_str());
  server_->set_keep_alive_timeout(options.keep_alive_seconds);
  server_->set_keep_alive_max_count(options.keep_alive_max_requests);
  // As a real API server (Go sets TCP_NODELAY on every connection): with Nagle's algorithm on,
  // an answer written as headers then body waits for the client's delayed ACK, about 40 ms per
  // request on a kept-alive connection.
  server_->set_tcp_nodelay(true);
  size_t threads = static_cast<size_t>(options.threads);
  // httplib's hook hands back a raw pointer and the server takes ownership of it.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
    handler_(request, response);
  };
  server_->Get(".*", dispatch);
  server_->Post(".*", dispatch);
  server_->Put(".*", dispatch);
  server_->Patch(".*", dispatch);
  server_->Delete(".*", dispatch);
  // Loopback only, ephemeral port: the listening socket exists (and queues connections) as soon
  // as this returns, so no readiness wait is needed.
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it (a thread start, not a sleep).
  while (!server_->is_running()) {
    std::this_thread::yield();
  }
}

LoopbackHttps::~LoopbackHttps() {
  server_->stop();
  thread_.join();
}

std::string LoopbackHttps::Url() const { return "https://127.0.0.1:" + std::to_string(port_); }

}  // namespace gpupack::kube::testing
