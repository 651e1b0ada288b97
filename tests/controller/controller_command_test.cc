// `gpupack controller` as a user runs it: the real binary, a kubeconfig file (server, test CA,
// bearer token), the stateful loopback HTTPS API server seeded with the seed scenario (7
// MIG pods pending, the a100-mig-single NodeTemplate).
//   - `--dry-run --once` prints the NodeClaim it would create (with gpupack's labels), one line
//     per action, and the server sees reads only;
//   - without --once the command runs until SIGTERM: it takes the leader Lease, creates the
//     NodeClaim, and on SIGTERM stops its loop, releases the Lease and exits 0.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/file.h"
#include "controller/seed_scenario_testing.h"
#include "kube/resource.h"
#include "kube/testing/loopback_api_server.h"

extern char** environ;

namespace gpupack::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr std::string_view kToken = "gpupack-cli-token";

// A child process with stdout in a file and stderr on a pipe the test reads line by line.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& stdout_path) {
    int fds[2];
    if (pipe(fds) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (const std::string& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawned != 0) {
      ADD_FAILURE() << "cannot start " << args[0];
      close(fds[0]);
      pid_ = -1;
      return;
    }
    stderr_ = fdopen(fds[0], "r");
  }

  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      (void)Wait();
    }
    if (stderr_ != nullptr) {
      fclose(stderr_);
    }
  }

  // Reads stderr until a line containing `text`, or its end (false). Blocks: the ctest TIMEOUT
  // bounds a child that neither says it nor exits.
  bool WaitForLine(std::string_view text) {
    char* line = nullptr;
    size_t size = 0;
    bool found = false;
    while (!found && stderr_ != nullptr && getline(&line, &size, stderr_) >= 0) {
      log_ += line;
      found = std::string_view(line).find(text) != std::string_view::npos;
    }
    free(line);
    return found;
  }

  void Signal(int signal) { kill(pid_, signal); }

  // Reads stderr to its end and reaps the child: its exit status, or -1 when it did not exit.
  int Wait() {
    (void)WaitForLine("\x01never");
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) {
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::FILE* stderr_ = nullptr;
  std::string log_;
};

class ControllerCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.RequireToken(std::string(kToken));
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("controller-command-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "kubeconfig")
        << "apiVersion: v1\nkind: Config\n"
        << "clusters:\n- name: loopback\n  cluster:\n    server: " << server_.Url()
        << "\n    certificate-authority: " << GP_KUBE_TESTDATA << "/ca.crt\n"
        << "users:\n- name: gpupack\n  user:\n    token: " << kToken << "\n"
        << "contexts:\n- name: loopback\n  context: {cluster: loopback, user: gpupack}\n"
        << "current-context: loopback\n";
    // GCP sells the one-GPU A100 (a2-highgpu-1g) the seed fits on.
    testing::LoadCatalogs("gcp", gpus_, instances_);
    nlohmann::json node_template = testing::MigSingleTemplate();
    node_template["spec"]["nodeClassRef"] = {
        {"group", "karpenter.k8s.gcp"}, {"kind", "GCENodeClass"}, {"name", "gpu"}};
    testing::SeedMigScenario(server_.fake(), *gpus_, node_template);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Command(std::vector<std::string> flags) {
    std::vector<std::string> args = {GP_GPUPACK_BINARY, "controller",
                                     "--kubeconfig",    (dir_ / "kubeconfig").string(),
                                     "--catalog",       "gcp"};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }

  std::vector<nlohmann::json> NodeClaims() {
    Result<kube::ObjectList> list = server_.fake().ListAll(kube::NodeClaimsResource(), {});
    EXPECT_TRUE(list) << list.error().message();
    return list ? list->items : std::vector<nlohmann::json>{};
  }

  kube::testing::LoopbackApiServer server_{GP_KUBE_TESTDATA};
  std::filesystem::path dir_;
  std::optional<gpu::GpuCatalog> gpus_;
  std::optional<cluster::InstanceCatalog> instances_;
};

TEST_F(ControllerCommandTest, DryRunOncePrintsTheNodeClaimItWouldCreateAndWritesNothing) {
  const size_t calls_before = server_.fake().Calls().size();
  Child child(Command({"--dry-run", "--once"}), (dir_ / "out").string());
  ASSERT_EQ(child.Wait(), 0) << child.log();

  std::vector<std::string> lines;
  std::string out = ReadFile((dir_ / "out").string()).value_or("");
  for (size_t start = 0, end; start < out.size(); start = end + 1) {
    end = out.find('\n', start);
    lines.push_back(out.substr(start, end - start));
  }
  ASSERT_THAT(lines, SizeIs(2)) << out;
  EXPECT_THAT(lines[0], StartsWith("nodeclaim.karpenter.sh created (dry run): 1 x a2-highgpu-1g "));
  EXPECT_THAT(lines[0], HasSubstr("from NodeTemplate a100-mig-single"));
  EXPECT_THAT(lines[0], HasSubstr("1 x A100-SXM4-40GB mig "));
  EXPECT_THAT(lines[0], HasSubstr("labels gpupack.io/node-template=a100-mig-single,"
                                  "gpupack.io/planned-sharing=mig-single,"
                                  "nvidia.com/device-plugin.config=mig-single,"));
  EXPECT_THAT(lines[0], HasSubstr("nvidia.com/mig.config=all-1g.5gb"));
  EXPECT_THAT(lines[1], StartsWith("# planned: 1 node(s) launched, 0 launch failure(s), 7 pod(s) "
                                   "nominated"));

  // Reads only: no NodeClaim, no ConfigMap, no Lease, no Event.
  std::vector<std::string> calls = server_.fake().Calls();
  ASSERT_GT(calls.size(), calls_before);
  for (size_t i = calls_before; i < calls.size(); ++i) {
    EXPECT_TRUE(calls[i].starts_with("list ") || calls[i].starts_with("get ") ||
                calls[i].starts_with("watch "))
        << calls[i];
  }
  EXPECT_TRUE(NodeClaims().empty());
}

TEST_F(ControllerCommandTest, RunningUntilSigtermCreatesTheNodeClaimThenExitsCleanly) {
  Child child(Command({"--namespace", "gpupack-system", "--batch-idle", "0s", "--batch-max", "0s",
                       "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address",
                       "127.0.0.1:0"}),
              (dir_ / "out").string());
  // The report line follows the NodeClaim's creation.
  ASSERT_TRUE(child.WaitForLine("node(s) launched")) << child.log();
  std::vector<nlohmann::json> claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1)) << child.log();
  EXPECT_EQ(claims[0]["metadata"]["labels"]["gpupack.io/node-template"], "a100-mig-single");

  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0) << child.log();
  EXPECT_THAT(child.log(), HasSubstr("stopping"));
  // The Lease was released on the way out, so a standby takes over at once.
  Result<kube::ObjectList> leases = server_.fake().ListAll(kube::LeasesResource(), {});
  ASSERT_TRUE(leases) << leases.error().message();
  ASSERT_THAT(leases->items, SizeIs(1));
  EXPECT_EQ(leases->items[0]["spec"].value("holderIdentity", ""), "") << leases->items[0].dump();
  EXPECT_THAT(NodeClaims(), SizeIs(1));  // nothing more was bought
}

}  // namespace
}  // namespace gpupack::controller
