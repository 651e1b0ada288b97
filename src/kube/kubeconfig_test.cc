#include "kube/kubeconfig.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "common/file.h"

namespace gpupack::kube {
namespace {

std::string TestData(const std::string& name) { return std::string(GP_KUBE_TESTDATA) + "/" + name; }

std::string Read(const std::string& path) { return *ReadFile(path); }

const char* const kTwoContexts = R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://prod.example.com:6443/
    certificate-authority: ca.crt
- name: lab-cluster
  cluster:
    server: https://lab.example.com
    insecure-skip-tls-verify: true
users:
- name: token-user
  user:
    token: abc123
- name: cert-user
  user:
    client-certificate: client.crt
    client-key: client.key
- name: file-user
  user:
    tokenFile: /var/run/token
contexts:
- name: prod
  context: {cluster: prod-cluster, user: cert-user, namespace: gpupack-system}
- name: lab
  context: {cluster: lab-cluster, user: token-user}
- name: rotating
  context: {cluster: lab-cluster, user: file-user}
- name: broken
  context: {cluster: nowhere, user: token-user}
)";

TEST(KubeconfigTest, CurrentContextReadsCertificateFilesRelativeToTheKubeconfig) {
  Result<ClusterConfig> config = ParseKubeconfig(kTwoContexts, "config.yaml", GP_KUBE_TESTDATA, "");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server, "https://prod.example.com:6443");
  EXPECT_EQ(config->ca_pem, Read(TestData("ca.crt")));
  EXPECT_EQ(config->client_cert_pem, Read(TestData("client.crt")));
  EXPECT_EQ(config->client_key_pem, Read(TestData("client.key")));
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->namespace_name, "gpupack-system");
  EXPECT_EQ(config->source, "kubeconfig config.yaml (context prod)");
}

TEST(KubeconfigTest, ExplicitContextSelectsAnotherClusterAndUser) {
  Result<ClusterConfig> config =
      ParseKubeconfig(kTwoContexts, "config.yaml", GP_KUBE_TESTDATA, "lab");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server, "https://lab.example.com");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->token, "abc123");
  EXPECT_TRUE(config->ca_pem.empty());
  EXPECT_EQ(config->namespace_name, "default");
}

TEST(KubeconfigTest, TokenFileIsKeptAsAPathToReadLater) {
  Result<ClusterConfig> config =
      ParseKubeconfig(kTwoContexts, "config.yaml", GP_KUBE_TESTDATA, "rotating");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->token_file, "/var/run/token");
}

TEST(KubeconfigTest, UnknownContextAndUndefinedClusterAreNamed) {
  Result<ClusterConfig> missing =
      ParseKubeconfig(kTwoContexts, "config.yaml", GP_KUBE_TESTDATA, "staging");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "config.yaml: context \"staging\" is not defined");
  Result<ClusterConfig> broken =
      ParseKubeconfig(kTwoContexts, "config.yaml", GP_KUBE_TESTDATA, "broken");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message(),
            "config.yaml: context \"broken\": cluster \"nowhere\" is not defined");
}

TEST(KubeconfigTest, BrokenYamlNamesTheLine) {
  Result<ClusterConfig> config = ParseKubeconfig("clusters:\n- name: [x\n", "bad.yaml", "", "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.error().message().rfind("bad.yaml:", 0), 0u) << config.error().message();
}

TEST(KubeconfigTest, MissingCertificateFileIsNotFoundNamingTheCluster) {
  std::string text = kTwoContexts;
  text.replace(text.find("certificate-authority: ca.crt"), 29, "certificate-authority: no.crt");
  Result<ClusterConfig> config = ParseKubeconfig(text, "config.yaml", GP_KUBE_TESTDATA, "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(config.error().message().find("config.yaml: cluster \"prod-cluster\": "
                                          "certificate-authority"),
            std::string::npos)
      << config.error().message();
}

TEST(KubeconfigTest, DataFieldsAreBase64Decoded) {
  const char* text = R"(current-context: c
clusters:
- name: k
  cluster: {server: "https://k", certificate-authority-data: "LS0tLS1CRUdJTiBDRVJU"}
users:
- name: u
  user: {client-certificate-data: "Y2VydA==", client-key-data: "a2V5"}
contexts:
- name: c
  context: {cluster: k, user: u}
)";
  Result<ClusterConfig> config = ParseKubeconfig(text, "k.yaml", "", "");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->ca_pem, "-----BEGIN CERT");
  EXPECT_EQ(config->client_cert_pem, "cert");
  EXPECT_EQ(config->client_key_pem, "key");
}

TEST(KubeconfigTest, BadBase64IsAnErrorNamingTheField) {
  const char* text = R"(current-context: c
clusters:
- name: k
  cluster: {server: "https://k", certificate-authority-data: "not*base64"}
contexts:
- name: c
  context: {cluster: k}
)";
  Result<ClusterConfig> config = ParseKubeconfig(text, "k.yaml", "", "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message(),
            "k.yaml: cluster \"k\": certificate-authority-data: invalid base64 character '*'");
}

TEST(KubeconfigTest, ExecPluginKeepsCommandArgsAndEnv) {
  const char* text = R"(current-context: eks
clusters:
- name: k
  cluster: {server: "https://ABC.gr7.us-east-1.eks.amazonaws.com"}
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-east-1, eks, get-token, --cluster-name, gpu]
      env:
      - {name: AWS_PROFILE, value: prod}
contexts:
- name: eks
  context: {cluster: k, user: aws}
)";
  Result<ClusterConfig> config = ParseKubeconfig(text, "k.yaml", "/home/me/.kube", "");
  ASSERT_TRUE(config) << config.error().message();
  ASSERT_TRUE(config->exec);
  EXPECT_EQ(config->exec->command, "aws");  // bare names are looked up on PATH
  EXPECT_EQ(config->exec->args.size(), 6u);
  EXPECT_EQ(config->exec->env.at(0), (std::pair<std::string, std::string>("AWS_PROFILE", "prod")));
}

TEST(KubeconfigTest, ExecPluginWithUnsupportedApiVersionIsRefused) {
  const char* text = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)";
  Result<ClusterConfig> config = ParseKubeconfig(text, "k.yaml", "", "");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("v1alpha1\" is not supported"), std::string::npos);
}

TEST(KubeconfigTest, InClusterConfigUsesTheServiceAccountFiles) {
  std::string dir = ::testing::TempDir() + "/gp-sa";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(WriteFileAtomically(dir + "/token", "sa-token"));
  ASSERT_TRUE(WriteFileAtomically(dir + "/ca.crt", "CA"));
  ASSERT_TRUE(WriteFileAtomically(dir + "/namespace", "gpupack-system"));
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  EnvLookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  Result<ClusterConfig> config = LoadInClusterConfig(lookup, dir);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->ca_pem, "CA");
  EXPECT_EQ(config->token_file, dir + "/token");
  EXPECT_EQ(config->namespace_name, "gpupack-system");
  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  EXPECT_EQ(LoadInClusterConfig(lookup, dir)->server, "https://[fd00::1]:443");
  env.clear();
  Result<ClusterConfig> outside = LoadInClusterConfig(lookup, dir);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gpupack::kube
