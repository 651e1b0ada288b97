#include "kube/kubeconfig.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/file.h"

namespace gpupack::kube {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(base_dir) / path).string();
}

std::string Scalar(const YAML::Node& map, const char* key) {
  YAML::Node value = map[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

// The `name` entry of a kubeconfig list (clusters, users, contexts), or an undefined node.
YAML::Node FindNamed(const YAML::Node& root, const char* list, const std::string& name,
                     const char* field) {
  YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& entry : entries) {
      if (entry.IsMap() && Scalar(entry, "name") == name) {
        return entry[field];
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Reads `<key>-data` (base64) or `<key>` (a file) into PEM text.
Result<std::string> ReadPem(const YAML::Node& map, const std::string& key,
                            const std::string& base_dir, const std::string& where) {
  std::string data = Scalar(map, (key + "-data").c_str());
  if (!data.empty()) {
    Result<std::string> pem = DecodeBase64(data);
    if (!pem) {
      return tl::unexpected(pem.error().WithContext(where + ": " + key + "-data"));
    }
    return pem;
  }
  std::string file = Scalar(map, key.c_str());
  if (file.empty()) {
    return std::string();
  }
  Result<std::string> pem = ReadFile(Resolve(base_dir, file));
  if (!pem) {
    return tl::unexpected(pem.error().WithContext(where + ": " + key));
  }
  return pem;
}

std::string DirOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

Result<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      value = 62;
    } else if (c == '/' || c == '_') {
      value = 63;
    } else if (c == '=' || c == '\n' || c == '\r' || c == ' ') {
      continue;
    } else {
      return InvalidArgumentError(fmt::format("invalid base64 character '{}'", c));
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

Result<ClusterConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& source_name,
                                      const std::string& base_dir, const std::string& context) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap()) {
      return InvalidArgumentError(source_name + ": not a kubeconfig (expected a YAML mapping)");
    }
    std::string context_name = context.empty() ? Scalar(root, "current-context") : context;
    if (context_name.empty()) {
      return InvalidArgumentError(source_name + ": no current-context set and no --context given");
    }
    YAML::Node ctx = FindNamed(root, "contexts", context_name, "context");
    if (!ctx || !ctx.IsMap()) {
      return InvalidArgumentError(
          fmt::format("{}: context \"{}\" is not defined", source_name, context_name));
    }
    std::string cluster_name = Scalar(ctx, "cluster");
    std::string user_name = Scalar(ctx, "user");
    YAML::Node cluster = FindNamed(root, "clusters", cluster_name, "cluster");
    if (!cluster || !cluster.IsMap()) {
      return InvalidArgumentError(fmt::format("{}: context \"{}\": cluster \"{}\" is not defined",
                                              source_name, context_name, cluster_name));
    }
    ClusterConfig config;
    config.source = fmt::format("kubeconfig {} (context {})", source_name, context_name);
    config.server = Scalar(cluster, "server");
    while (!config.server.empty() && config.server.back() == '/') {
      config.server.pop_back();
    }
    if (config.server.empty()) {
      return InvalidArgumentError(
          fmt::format("{}: cluster \"{}\": server is empty", source_name, cluster_name));
    }
    config.insecure_skip_tls_verify = Scalar(cluster, "insecure-skip-tls-verify") == "true";
    config.tls_server_name = Scalar(cluster, "tls-server-name");
    std::string cluster_where = fmt::format("{}: cluster \"{}\"", source_name, cluster_name);
    GP_ASSIGN_OR_RETURN(config.ca_pem,
                        ReadPem(cluster, "certificate-authority", base_dir, cluster_where));
    std::string ns = Scalar(ctx, "namespace");
    if (!ns.empty()) {
      config.namespace_name = ns;
    }
    if (user_name.empty()) {
      return config;  // anonymous
    }
    YAML::Node user = FindNamed(root, "users", user_name, "user");
    if (!user || !user.IsMap()) {
      return InvalidArgumentError(fmt::format("{}: context \"{}\": user \"{}\" is not defined",
                                              source_name, context_name, user_name));
    }
    std::string user_where = fmt::format("{}: user \"{}\"", source_name, user_name);
    GP_ASSIGN_OR_RETURN(config.client_cert_pem,
                        ReadPem(user, "client-certificate", base_dir, user_where));
    GP_ASSIGN_OR_RETURN(config.client_key_pem, ReadPem(user, "client-key", base_dir, user_where));
    if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
      return InvalidArgumentError(user_where +
                                  ": client-certificate and client-key must be given together");
    }
    config.token = Scalar(user, "token");
    config.token_file = Resolve(base_dir, Scalar(user, "tokenFile"));
    YAML::Node exec = user["exec"];
    if (exec && exec.IsMap()) {
      ExecConfig plugin;
      plugin.api_version = Scalar(exec, "apiVersion");
      if (plugin.api_version != "client.authentication.k8s.io/v1" &&
          plugin.api_version != "client.authentication.k8s.io/v1beta1") {
        return InvalidArgumentError(fmt::format(
            "{}: exec.apiVersion \"{}\" is not supported (use client.authentication.k8s.io/v1 "
            "or v1beta1)",
            user_where, plugin.api_version));
      }
      plugin.command = Scalar(exec, "command");
      if (plugin.command.empty()) {
        return InvalidArgumentError(user_where + ": exec.command is empty");
      }
      // A command with a path separator is relative to the kubeconfig; a bare name is looked up
      // on PATH (client-go's rule).
      if (plugin.command.find('/') != std::string::npos) {
        plugin.command = Resolve(base_dir, plugin.command);
      }
      if (exec["args"] && exec["args"].IsSequence()) {
        for (const auto& arg : exec["args"]) {
          plugin.args.push_back(arg.as<std::string>());
        }
      }
      if (exec["env"] && exec["env"].IsSequence()) {
        for (const auto& var : exec["env"]) {
          plugin.env.emplace_back(Scalar(var, "name"), Scalar(var, "value"));
        }
      }
      config.exec = std::move(plugin);
    }
    return config;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(fmt::format("{}:{}: {}", source_name, e.mark.line + 1, e.msg));
  }
}

Result<ClusterConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseKubeconfig(text, path, DirOf(path), context);
}

Result<ClusterConfig> LoadInClusterConfig(const EnvLookup& env,
                                          const std::string& service_account_dir) {
  std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return FailedPreconditionError(
        "not running in a pod (KUBERNETES_SERVICE_HOST/PORT unset); give --kubeconfig");
  }
  ClusterConfig config;
  config.source = "in-cluster";
  // An IPv6 service address needs brackets in a URL.
  std::string bracketed = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
  config.server = "https://" + bracketed + ":" + *port;
  config.token_file = service_account_dir + "/token";
  GP_ASSIGN_OR_RETURN(config.ca_pem, ReadFile(service_account_dir + "/ca.crt"));
  Result<std::string> ns = ReadFile(service_account_dir + "/namespace");
  if (ns && !ns->empty()) {
    config.namespace_name = *ns;
    while (!config.namespace_name.empty() &&
           (config.namespace_name.back() == '\n' || config.namespace_name.back() == ' ')) {
      config.namespace_name.pop_back();
    }
  }
  return config;
}

Result<ClusterConfig> ResolveClusterConfig(const std::string& kubeconfig_path,
                                           const std::string& context, const EnvLookup& env) {
  if (!kubeconfig_path.empty()) {
    return LoadKubeconfig(kubeconfig_path, context);
  }
  if (std::optional<std::string> list = env("KUBECONFIG"); list && !list->empty()) {
    return LoadKubeconfig(list->substr(0, list->find(':')), context);
  }
  if (env("KUBERNETES_SERVICE_HOST") && context.empty()) {
    return LoadInClusterConfig(env);
  }
  std::optional<std::string> home = env("HOME");
  if (!home) {
    return FailedPreconditionError("no kubeconfig: give --kubeconfig or set KUBECONFIG");
  }
  return LoadKubeconfig(*home + "/.kube/config", context);
}

}  // namespace gpupack::kube
