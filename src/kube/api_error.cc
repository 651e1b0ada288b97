#include "kube/api_error.h"

#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gpupack::kube {
namespace {

// One line: the API server's messages may contain newlines (server-side apply conflicts).
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

ErrorCode CodeFor(long http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 415:
    case 422:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kFailedPrecondition;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kAborted;
    case 410:
      return ErrorCode::kAborted;
    case 504:
      return ErrorCode::kDeadlineExceeded;
    default:
      return http_status >= 500 || http_status == 429 ? ErrorCode::kUnavailable
                                                      : ErrorCode::kInternal;
  }
}

std::string_view Hint(long http_status) {
  switch (http_status) {
    case 401:
      return " (the credentials were rejected: check the token, client certificate or exec "
             "plugin in the kubeconfig)";
    case 403:
      return " (the identity lacks this permission: check the gpupack ClusterRole and its "
             "binding)";
    default:
      return "";
  }
}

}  // namespace

Error ApiError(long http_status, std::string_view body, std::string_view what) {
  std::string reason;
  std::string message;
  std::string causes;
  try {
    nlohmann::json status = nlohmann::json::parse(body);
    if (status.is_object() && status.value("kind", "") == "Status") {
      reason = status.value("reason", "");
      message = OneLine(status.value("message", ""));
      auto details = status.find("details");
      if (details != status.end() && details->is_object() && details->contains("causes") &&
          (*details)["causes"].is_array()) {
        // The API server repeats identical causes (node labels, taints); list each once, in
        // order of first appearance.
        std::set<std::string> seen;
        for (const auto& cause : (*details)["causes"]) {
          if (!cause.is_object()) {
            continue;
          }
          std::string field = cause.value("field", "");
          std::string text = OneLine(cause.value("message", cause.value("reason", "")));
          std::string line = field.empty() ? text : field + ": " + text;
          if (seen.insert(line).second) {
            causes += causes.empty() ? line : "; " + line;
          }
        }
      }
    }
  } catch (const nlohmann::json::exception&) {
    // Not a Status: fall through to the raw body below.
  }
  if (message.empty() && reason.empty()) {
    std::string raw = OneLine(body.substr(0, 200));
    message = raw.empty() ? "no response body" : "\"" + raw + "\"";
  }
  std::string text = fmt::format("{}: HTTP {}{}{}: {}", what, http_status,
                                 reason.empty() ? "" : " ", reason, message);
  if (!causes.empty() && message.find(causes) == std::string::npos) {
    text += " [causes: " + causes + "]";
  }
  text += Hint(http_status);
  return Error(CodeFor(http_status, reason), std::move(text));
}

}  // namespace gpupack::kube
