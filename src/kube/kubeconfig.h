// Where the API server is and how to authenticate to it: from a kubeconfig file (the current
// context or a named one) or from the in-cluster service account. File references in a
// kubeconfig (certificate-authority, client-certificate, client-key, tokenFile, an exec command
// given as a relative path) are resolved against the kubeconfig's folder, as kubectl does;
// certificates are read into memory here, so the HTTP layer sees PEM bytes only.
//
// yaml-cpp is used here and only here in src/kube (ARCHITECTURE.md).
//
// Thread safety: values and functions without shared state.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace gpupack::kube {

// An exec credential plugin (client.authentication.k8s.io v1 or v1beta1), e.g. `aws eks
// get-token`.
struct ExecConfig {
  std::string api_version;
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
};

struct ClusterConfig {
  std::string server;  // "https://host:port", no trailing slash
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // a fixed bearer token
  std::string token_file;  // re-read periodically and after a 401 (bound tokens rotate)
  std::optional<ExecConfig> exec;
  std::string namespace_name = "default";
  std::string source;  // "kubeconfig <path> (context <name>)" or "in-cluster", for messages
};

// Reads environment variables; tests pass a map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnv();

// Parses kubeconfig YAML. `context` empty: current-context. `base_dir` resolves relative file
// paths; `source_name` prefixes error messages. InvalidArgument on malformed YAML or a missing
// cluster/user/context; NotFound when a referenced file is missing.
[[nodiscard]] Result<ClusterConfig> ParseKubeconfig(const std::string& yaml_text,
                                                    const std::string& source_name,
                                                    const std::string& base_dir,
                                                    const std::string& context);

// Reads and parses a kubeconfig file.
[[nodiscard]] Result<ClusterConfig> LoadKubeconfig(const std::string& path,
                                                   const std::string& context);

// The in-cluster config: KUBERNETES_SERVICE_HOST/PORT and `service_account_dir` (token, ca.crt,
// namespace). FailedPrecondition when not running in a pod.
[[nodiscard]] Result<ClusterConfig> LoadInClusterConfig(
    const EnvLookup& env,
    const std::string& service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// What kubectl would use: `kubeconfig_path` if given, else $KUBECONFIG (its first entry), else
// the in-cluster config when running in a pod, else ~/.kube/config.
[[nodiscard]] Result<ClusterConfig> ResolveClusterConfig(const std::string& kubeconfig_path,
                                                         const std::string& context,
                                                         const EnvLookup& env);

// Standard base64 (padding optional); InvalidArgument on other characters.
[[nodiscard]] Result<std::string> DecodeBase64(std::string_view text);

}  // namespace gpupack::kube
