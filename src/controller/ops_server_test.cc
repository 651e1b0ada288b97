#include "controller/ops_server.h"

#include <atomic>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

#include "controller/metrics.h"

namespace gpupack::controller {
namespace {

using std::chrono::seconds;

// The server's threads read the clock while the test advances it, so unlike ManualClock this one
// is thread-safe.
class SharedManualClock final : public Clock {
 public:
  Timestamp Now() const override { return Timestamp{Duration(millis_.load())}; }

  void Advance(Duration d) { millis_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> millis_{1'000'000};
};

TEST(BindAddressTest, ParsesPortOnlyHostAndBracketedIpv6) {
  EXPECT_EQ(ParseBindAddress(":8080")->host, "0.0.0.0");
  EXPECT_EQ(ParseBindAddress(":8080")->port, 8080);
  EXPECT_EQ(ParseBindAddress("127.0.0.1:0")->host, "127.0.0.1");
  EXPECT_EQ(ParseBindAddress("127.0.0.1:0")->port, 0);
  EXPECT_EQ(ParseBindAddress("[::1]:9090")->host, "::1");
}

TEST(BindAddressTest, RejectsAddressesWithoutAValidPortNamingThem) {
  for (const char* bad : {"8080", "localhost:", ":http", ":65536", ":-1", "::1:80"}) {
    Result<BindAddress> parsed = ParseBindAddress(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_NE(parsed.error().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

class OpsServerTest : public ::testing::Test {
 protected:
  OpsServerTest() {
    counter_.Inc();
    options_.metrics_bind_address = "127.0.0.1:0";
    options_.probe_bind_address = "127.0.0.1:0";
  }

  MetricsRegistry registry_;
  Counter& counter_ = registry_.AddCounter("test_total", "T.");
  SharedManualClock clock_;
  OpsServerOptions options_;
};

TEST_F(OpsServerTest, ServesMetricsInTheTextFormatOverLoopback) {
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  ASSERT_GT(server.metrics_port(), 0);
  httplib::Client client("127.0.0.1", server.metrics_port());
  httplib::Result response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, registry_.Expose());
  EXPECT_EQ(response->get_header_value("Content-Type"), kMetricsContentType);
  counter_.Inc();
  EXPECT_NE(client.Get("/metrics")->body.find("test_total 2\n"), std::string::npos);
  EXPECT_EQ(client.Get("/nope")->status, 404);
}

TEST_F(OpsServerTest, ReadyzIs503WithTheReasonUntilInformersSynced) {
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  httplib::Client client("127.0.0.1", server.probe_port());
  EXPECT_EQ(client.Get("/readyz")->status, 503);
  EXPECT_EQ(client.Get("/readyz")->body, "starting\n");
  server.SetReady(false, "informers not synced: pods, nodes");
  EXPECT_EQ(client.Get("/readyz")->body, "informers not synced: pods, nodes\n");
  server.SetReady(true);
  httplib::Result ready = client.Get("/readyz");
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ok\n");
}

TEST_F(OpsServerTest, HealthzFailsWhenTheLoopStopsHeartbeating) {
  options_.liveness_timeout = seconds(60);
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  httplib::Client client("127.0.0.1", server.probe_port());
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  clock_.Advance(seconds(59));
  server.Heartbeat();
  clock_.Advance(seconds(60));
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  clock_.Advance(seconds(1) + std::chrono::milliseconds(1));
  httplib::Result stale = client.Get("/healthz");
  EXPECT_EQ(stale->status, 503);
  EXPECT_EQ(stale->body, "control loop silent for 61 s (limit 60 s)\n");
}

TEST_F(OpsServerTest, MetricsAndProbesListenOnTheirOwnPorts) {
  options_.probe_bind_address = ":0";
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  ASSERT_NE(server.metrics_port(), server.probe_port());
  for (int port : {server.metrics_port(), server.probe_port()}) {
    httplib::Client client("127.0.0.1", port);
    EXPECT_EQ(client.Get("/healthz")->status, 200);
    EXPECT_EQ(client.Get("/metrics")->status, 200);
  }
}

TEST_F(OpsServerTest, EqualAddressesShareOneListener) {
  options_.probe_bind_address = options_.metrics_bind_address;
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  EXPECT_EQ(server.metrics_port(), server.probe_port());
}

TEST_F(OpsServerTest, AnAddressInUseIsUnavailableAndLeavesNothingListening) {
  OpsServer first(registry_, clock_, options_);
  ASSERT_TRUE(first.Start().has_value());
  OpsServerOptions taken = options_;
  taken.probe_bind_address = "127.0.0.1:" + std::to_string(first.metrics_port());
  OpsServer second(registry_, clock_, taken);
  Status started = second.Start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(second.metrics_port(), 0);
}

TEST_F(OpsServerTest, StopEndsServingAndIsIdempotent) {
  OpsServer server(registry_, clock_, options_);
  ASSERT_TRUE(server.Start().has_value());
  int port = server.metrics_port();
  server.Stop();
  server.Stop();
  httplib::Client client("127.0.0.1", port);
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST_F(OpsServerTest, ABadAddressIsInvalidArgument) {
  options_.metrics_bind_address = "localhost";
  OpsServer server(registry_, clock_, options_);
  Status started = server.Start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gpupack::controller
