#include "kube/credentials.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/file.h"

extern char** environ;

namespace gpupack::kube {
namespace {

// Closes the descriptors of a pipe on every path out.
struct Pipe {
  std::array<int, 2> fds{-1, -1};

  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) {
        close(fd);
      }
    }
  }

  void CloseEnd(size_t end) {
    close(fds[end]);
    fds[end] = -1;
  }
};

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

Result<std::string> RunCommand(const std::string& command, const std::vector<std::string>& args,
                               const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env_strings.emplace_back(*entry);
  }
  for (const auto& [name, value] : env) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (auto& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{command};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  Pipe out;
  Pipe err;
  if (pipe(out.fds.data()) != 0 || pipe(err.fds.data()) != 0) {
    return UnavailableError(fmt::format("exec plugin {}: pipe: {}", command, std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out.fds[0]);
  posix_spawn_file_actions_addclose(&actions, err.fds[0]);
  pid_t pid = 0;
  int spawn_error =
      posix_spawnp(&pid, command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return UnavailableError(
        fmt::format("exec plugin {}: cannot start: {}", command, std::strerror(spawn_error)));
  }
  out.CloseEnd(1);
  err.CloseEnd(1);
  std::string stdout_text;
  std::string stderr_text;
  std::array<pollfd, 2> fds{pollfd{out.fds[0], POLLIN, 0}, pollfd{err.fds[0], POLLIN, 0}};
  int open_fds = 2;
  std::array<char, 4096> buffer{};
  while (open_fds > 0) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        (i == 0 ? stdout_text : stderr_text).append(buffer.data(), static_cast<size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string detail = Trim(stderr_text.substr(0, 300));
    for (char& c : detail) {
      if (c == '\n') {
        c = ' ';
      }
    }
    return UnavailableError(fmt::format("exec plugin {} failed (exit {}){}{}", command,
                                        WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                        detail.empty() ? "" : ": ", detail));
  }
  return stdout_text;
}

TokenSource::TokenSource(const ClusterConfig& config, const Clock& clock)
    : clock_(clock),
      fixed_token_(config.token),
      token_file_(config.token_file),
      exec_(config.exec),
      source_(config.source) {}

bool TokenSource::Invalidate() {
  std::lock_guard lock(mu_);
  have_cached_ = false;
  return !token_file_.empty() || exec_.has_value();
}

int TokenSource::ExecRunsForTest() const {
  std::lock_guard lock(mu_);
  return exec_runs_;
}

Result<std::string> TokenSource::Token() {
  std::lock_guard lock(mu_);
  if (have_cached_ && (!expires_at_ || clock_.Now() < *expires_at_)) {
    return cached_;
  }
  if (exec_) {
    GP_ASSIGN_OR_RETURN(cached_, RunExec());
    have_cached_ = true;
    return cached_;
  }
  if (!token_file_.empty()) {
    Result<std::string> token = ReadFile(token_file_, 1 << 20);
    if (!token) {
      return UnavailableError(
          fmt::format("{}: cannot read the token file: {}", source_, token.error().message()));
    }
    cached_ = Trim(*token);
    have_cached_ = true;
    expires_at_ = clock_.Now() + kTokenFileRefresh;
    return cached_;
  }
  return fixed_token_;
}

Result<std::string> TokenSource::RunExec() {
  ++exec_runs_;
  std::vector<std::pair<std::string, std::string>> env = exec_->env;
  nlohmann::json info = {{"apiVersion", exec_->api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  env.emplace_back("KUBERNETES_EXEC_INFO", info.dump());
  GP_ASSIGN_OR_RETURN(std::string output, RunCommand(exec_->command, exec_->args, env));
  std::string where = fmt::format("exec plugin {}", exec_->command);
  try {
    nlohmann::json credential = nlohmann::json::parse(output);
    if (credential.value("kind", "") != "ExecCredential") {
      return UnavailableError(where + ": output is not an ExecCredential");
    }
    if (credential.value("apiVersion", "") != exec_->api_version) {
      return UnavailableError(fmt::format("{}: returned apiVersion \"{}\", expected \"{}\"", where,
                                          credential.value("apiVersion", ""), exec_->api_version));
    }
    const nlohmann::json& status = credential.at("status");
    std::string token = status.value("token", "");
    if (token.empty()) {
      return UnavailableError(where +
                              ": status.token is empty (client certificates from exec "
                              "plugins are not supported)");
    }
    expires_at_.reset();
    std::string expiry = status.value("expirationTimestamp", "");
    if (!expiry.empty()) {
      Result<Timestamp> at = ParseRfc3339(expiry);
      if (!at) {
        return UnavailableError(where + ": status.expirationTimestamp: " + at.error().message());
      }
      expires_at_ = *at + Duration(-kExpiryMargin.count());
    }
    return token;
  } catch (const nlohmann::json::exception& e) {
    return UnavailableError(fmt::format("{}: bad ExecCredential output: {}", where, e.what()));
  }
}

}  // namespace gpupack::kube
