// LoopbackHttps: the TLS listener the test servers share (ReplayServer, LoopbackApiServer). It
// binds 127.0.0.1 on an ephemeral port, never any other address, serves TLS with the test CA's
// server certificate (src/kube/testdata/server.{crt,key}) and hands every request, whatever its
// method, to one handler on a pool of server threads.
//
// Thread safety: the handler runs on several server threads at once; it must be thread-safe.
// Destruction stops the listener and waits for handlers in flight, so a handler that blocks (a
// watch stream) must be told to return first.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace gpupack::kube::testing {

struct LoopbackHttpsOptions {
  // With a file, clients must present a certificate signed by that CA.
  std::string client_ca_file;
  // Server threads. A keep-alive connection holds one for as long as it is open, so this bounds
  // the concurrent connections (and open watches) served without queueing.
  int threads = 8;
  time_t keep_alive_seconds = 1;
  size_t keep_alive_max_requests = 5;  // then the server closes the connection
};

class LoopbackHttps {
 public:
  using Handler = std::function<void(const httplib::Request& request, httplib::Response& response)>;

  // `testdata` is src/kube/testdata. Listening when this returns.
  LoopbackHttps(const std::string& testdata, Handler handler, const LoopbackHttpsOptions& options);
  ~LoopbackHttps();

  LoopbackHttps(const LoopbackHttps&) = delete;
  LoopbackHttps& operator=(const LoopbackHttps&) = delete;

  // "https://127.0.0.1:<port>".
  std::string Url() const;

 private:
  Handler handler_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace gpupack::kube::testing
