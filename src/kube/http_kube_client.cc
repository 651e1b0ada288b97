#include "kube/http_kube_client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kube/api_error.h"
#include "kube/watch_line.h"

namespace gpupack::kube {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

std::string Describe(std::string_view verb, const Resource& resource, std::string_view object) {
  std::string text = fmt::format("{} {}", verb, resource.DisplayName());
  if (!object.empty()) {
    text += " ";
    text += object;
  }
  return text;
}

void AddParam(std::string& query, std::string_view name, std::string_view value) {
  if (value.empty()) {
    return;
  }
  query += query.empty() ? "?" : "&";
  query += name;
  query += "=";
  query += UrlEncode(value);
}

std::string WriteQuery(const WriteOptions& options) {
  std::string query;
  AddParam(query, "fieldManager", options.field_manager);
  AddParam(query, "force", options.force ? "true" : "");
  AddParam(query, "dryRun", options.dry_run ? "All" : "");
  return query;
}

// The DeleteOptions fields that are set; a DELETE body adds kind and apiVersion.
nlohmann::json DeleteOptionsFields(const DeleteOptions& options) {
  nlohmann::json body = nlohmann::json::object();
  if (!options.propagation_policy.empty()) {
    body["propagationPolicy"] = options.propagation_policy;
  }
  if (options.grace_period_seconds) {
    body["gracePeriodSeconds"] = *options.grace_period_seconds;
  }
  if (!options.precondition_uid.empty()) {
    body["preconditions"]["uid"] = options.precondition_uid;
  }
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  return body;
}

bool IsRetryableStatus(long status) { return status == 429 || (status >= 500 && status != 501); }

// State of one watch stream, fed by libcurl's write callback.
struct WatchState {
  const WatchHandler* handler = nullptr;
  CURL* curl = nullptr;
  long http_status = 0;
  std::string pending;  // bytes after the last newline
  std::string error_body;
  WatchOutcome outcome;
  std::optional<Error> stream_error;
  bool stop = false;
  std::string what;

  void Line(std::string_view text) {
    WatchLine line = DecodeWatchLine(text);
    switch (line.kind) {
      case WatchLine::Kind::kBlank:
        return;
      case WatchLine::Kind::kMalformed:
        ++outcome.malformed_lines;
        return;
      case WatchLine::Kind::kExpired:
        outcome.end = WatchOutcome::End::kExpired;
        outcome.detail = std::move(line.detail);
        stop = true;
        return;
      case WatchLine::Kind::kError:
        stream_error = ApiError(line.code, line.object.dump(), what);
        stop = true;
        return;
      case WatchLine::Kind::kEvent:
        if (!line.resource_version.empty()) {
          outcome.last_resource_version = line.resource_version;
        }
        ++outcome.events;
        (*handler)(WatchEvent{line.type, line.object, line.resource_version});
        return;
    }
  }

  size_t Feed(const char* data, size_t size) {
    if (http_status == 0) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
    }
    if (http_status != 200) {
      if (error_body.size() < kMaxErrorBody) {
        error_body.append(data, size);
      }
      return size;
    }
    pending.append(data, size);
    size_t start = 0;
    for (size_t newline = pending.find('\n'); newline != std::string::npos && !stop;
         newline = pending.find('\n', start)) {
      Line(std::string_view(pending).substr(start, newline - start));
      start = newline + 1;
    }
    pending.erase(0, start);
    // Returning less than `size` makes libcurl end the transfer: how an ERROR event stops it.
    return stop ? 0 : size;
  }
};

size_t WatchWrite(char* data, size_t size, size_t count, void* state) {
  return static_cast<WatchState*>(state)->Feed(data, size * count);
}

size_t BufferWrite(char* data, size_t size, size_t count, void* buffer) {
  static_cast<std::string*>(buffer)->append(data, size * count);
  return size * count;
}

int CancelProgress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* token = static_cast<const CancelToken*>(cancel);
  return token != nullptr && token->IsCancelled() ? 1 : 0;
}

}  // namespace

struct HttpKubeClient::CurlHandle {
  struct Deleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  };

  std::unique_ptr<CURL, Deleter> curl{curl_easy_init()};
};

struct HttpKubeClient::Request {
  std::string method = "GET";
  std::string path;  // with the query
  std::string body;
  std::string content_type;
  std::string what;                     // "get nodes ip-10-0-1-10", for messages
  bool idempotent = true;               // false: POST
  bool retry_too_many_requests = true;  // false: evictions (429 is a PDB's answer)
  WatchState* watch = nullptr;          // streams the body into the watch when set
  Duration timeout = Duration::zero();  // zero: the client's request_timeout
};

struct HttpKubeClient::Response {
  long status = 0;
  std::string body;
  std::optional<int64_t> retry_after_seconds;
  std::vector<std::string> warnings;
};

namespace {

struct HeaderSink {
  std::optional<int64_t> retry_after;
  std::vector<std::string> warnings;
};

size_t HeaderWrite(char* data, size_t size, size_t count, void* sink_ptr) {
  auto* sink = static_cast<HeaderSink*>(sink_ptr);
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
      value.remove_suffix(1);
    }
    if (name == "retry-after") {
      try {
        sink->retry_after = std::stoll(std::string(value));
      } catch (const std::exception&) {
        // An HTTP date instead of seconds: fall back to our own backoff.
      }
    } else if (name == "warning") {
      sink->warnings.emplace_back(value);
    }
  }
  return size * count;
}

}  // namespace

Result<std::unique_ptr<HttpKubeClient>> HttpKubeClient::Create(ClusterConfig config,
                                                               HttpClientOptions options) {
  bool https = config.server.rfind("https://", 0) == 0;
  bool loopback_http = config.server.rfind("http://127.0.0.1", 0) == 0;
  if (!https && !loopback_http) {
    return InvalidArgumentError(
        fmt::format("{}: server \"{}\" must be an https:// URL", config.source, config.server));
  }
  GlobalInitOnce();
  return std::make_unique<HttpKubeClient>(ConstructionKey(), std::move(config), options);
}

HttpKubeClient::HttpKubeClient(ConstructionKey, ClusterConfig config, HttpClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : system_clock_),
      sleeper_(options_.sleeper != nullptr ? *options_.sleeper : real_sleeper_),
      tokens_(config_, clock_),
      rng_(options_.jitter_seed) {}

HttpKubeClient::~HttpKubeClient() = default;

HttpClientStats HttpKubeClient::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::unique_ptr<HttpKubeClient::CurlHandle> HttpKubeClient::TakeHandle() {
  {
    std::lock_guard lock(mu_);
    ++stats_.requests;
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      curl_easy_reset(handle->curl.get());
      return handle;
    }
  }
  return std::make_unique<CurlHandle>();
}

void HttpKubeClient::ReturnHandle(std::unique_ptr<CurlHandle> handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 8) {
    idle_.push_back(std::move(handle));
  }
}

Duration HttpKubeClient::Backoff(int retry) {
  double base = static_cast<double>(options_.retry.initial_backoff.count()) *
                std::pow(2.0, static_cast<double>(retry));
  double capped = std::min(base, static_cast<double>(options_.retry.max_backoff.count()));
  double draw;
  {
    std::lock_guard lock(mu_);
    draw = rng_.UniformDouble();
  }
  return Duration(static_cast<int64_t>(capped / 2 + draw * capped / 2));
}

Result<HttpKubeClient::Response> HttpKubeClient::Perform(const Request& request,
                                                         const CancelToken* cancel,
                                                         bool* never_sent) {
  GP_ASSIGN_OR_RETURN(std::string token, tokens_.Token());
  std::unique_ptr<CurlHandle> handle = TakeHandle();
  if (!handle->curl) {
    return InternalError("curl_easy_init failed");
  }
  CURL* curl = handle->curl.get();
  std::string url = config_.server + request.path;
  Slist connect_to;
  if (!config_.tls_server_name.empty()) {
    // Verify (and send SNI for) tls-server-name while connecting to the server's address.
    std::string authority = config_.server.substr(config_.server.find("://") + 3);
    size_t colon = authority.rfind(':');
    std::string port =
        colon == std::string::npos || authority.back() == ']' ? "443" : authority.substr(colon + 1);
    std::string host = colon == std::string::npos || authority.back() == ']'
                           ? authority
                           : authority.substr(0, colon);
    url = "https://" + config_.tls_server_name + ":" + port + request.path;
    connect_to.reset(curl_slist_append(
        nullptr, (config_.tls_server_name + ":" + port + ":" + host + ":" + port).c_str()));
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to.get());
  }
  Response response;
  HeaderSink headers;
  char error_buffer[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  Duration timeout =
      request.timeout == Duration::zero() ? options_.request_timeout : request.timeout;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  // Blobs are copied by libcurl (CURL_BLOB_COPY), so the config's strings need not outlive this.
  curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
  if (!config_.ca_pem.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  }
  curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()), config_.client_cert_pem.size(),
                 CURL_BLOB_COPY};
  curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                CURL_BLOB_COPY};
  if (!config_.client_cert_pem.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  }

  Slist header_list;
  auto add_header = [&header_list](const std::string& header) {
    header_list.reset(curl_slist_append(header_list.release(), header.c_str()));
  };
  add_header("Accept: application/json");
  add_header("Expect:");
  if (!token.empty()) {
    add_header("Authorization: Bearer " + token);
  }
  if (!request.content_type.empty()) {
    add_header("Content-Type: " + request.content_type);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderWrite);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
  if (request.watch != nullptr) {
    request.watch->curl = curl;
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WatchWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, request.watch);
  } else {
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, BufferWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  }
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, CancelProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, cancel);

  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.retry_after_seconds = headers.retry_after;
  response.warnings = std::move(headers.warnings);
  bool stopped_by_watch = request.watch != nullptr && request.watch->stop;
  if (code != CURLE_OK && !stopped_by_watch) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
        code == CURLE_SSL_CERTPROBLEM) {
      // Not transient: a retry would fail the same way.
      return FailedPreconditionError(
          fmt::format("{}: TLS verification of {} failed: {} (check certificate-authority in {})",
                      request.what, config_.server, detail, config_.source));
    }
    if (request.watch != nullptr && response.status == 200) {
      // The stream broke after it started: the watch ends and is resumed by the caller.
      request.watch->outcome.detail = detail;
      return response;
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
      return UnavailableError(request.what + ": cancelled");
    }
    // Connection refused or an unresolved host: the server never saw the request, so even a
    // POST may be retried.
    bool not_sent = code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST;
    if (never_sent != nullptr) {
      *never_sent = not_sent;
    }
    return UnavailableError(fmt::format("{}: {}{}: {}", request.what,
                                        not_sent ? "cannot connect to " : "connection to ",
                                        config_.server, not_sent ? "" : " failed", detail));
  }
  ReturnHandle(std::move(handle));
  return response;
}

Result<HttpKubeClient::Response> HttpKubeClient::Call(const Request& request) {
  bool refreshed_auth = false;
  int retry = 0;
  while (true) {
    bool not_sent = false;
    Result<Response> response = Perform(request, nullptr, &not_sent);
    Duration wait;
    if (!response) {
      if (response.error().code() != ErrorCode::kUnavailable ||
          (!request.idempotent && !not_sent)) {
        return response;
      }
      if (retry + 1 >= options_.retry.max_attempts) {
        return tl::unexpected(response.error().WithContext(
            fmt::format("gave up after {} attempts", options_.retry.max_attempts)));
      }
      wait = Backoff(retry);
    } else if (response->status >= 200 && response->status < 300) {
      return response;
    } else if (response->status == 401 && !refreshed_auth && tokens_.Invalidate()) {
      // The token may have rotated (bound service-account tokens, exec plugins): read it again.
      refreshed_auth = true;
      std::lock_guard lock(mu_);
      ++stats_.auth_refreshes;
      continue;
    } else {
      bool retryable = IsRetryableStatus(response->status) &&
                       (request.retry_too_many_requests || response->status != 429) &&
                       (request.idempotent || response->status == 429);
      if (!retryable || retry + 1 >= options_.retry.max_attempts) {
        Error error = ApiError(response->status, response->body, request.what);
        if (retryable) {
          return tl::unexpected(error.WithContext(
              fmt::format("gave up after {} attempts", options_.retry.max_attempts)));
        }
        if (response->retry_after_seconds) {
          return tl::unexpected(
              Error(error.code(), fmt::format("{} (retry after {}s)", error.message(),
                                              *response->retry_after_seconds)));
        }
        return tl::unexpected(error);
      }
      wait = response->retry_after_seconds
                 ? std::min<Duration>(std::chrono::seconds(*response->retry_after_seconds),
                                      options_.retry.max_retry_after)
                 : Backoff(retry);
    }
    ++retry;
    {
      std::lock_guard lock(mu_);
      ++stats_.retries;
    }
    sleeper_.Sleep(wait, nullptr);
  }
}

Result<nlohmann::json> HttpKubeClient::CallJson(const Request& request) {
  GP_ASSIGN_OR_RETURN(Response response, Call(request));
  try {
    return nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception& e) {
    return InternalError(
        fmt::format("{}: the server answered with invalid JSON: {}", request.what, e.what()));
  }
}

Result<nlohmann::json> HttpKubeClient::GetPath(const std::string& path) {
  Request request;
  request.path = path;
  request.what = "get " + path;
  return CallJson(request);
}

Result<nlohmann::json> HttpKubeClient::Get(const Resource& resource, const ObjectKey& key) {
  Request request;
  request.path = resource.ObjectPath(key);
  request.what = Describe("get", resource, key.ToString());
  return CallJson(request);
}

Result<ObjectList> HttpKubeClient::List(const Resource& resource, const ListOptions& options) {
  std::string query;
  AddParam(query, "labelSelector", options.label_selector);
  AddParam(query, "fieldSelector", options.field_selector);
  AddParam(query, "limit", options.limit > 0 ? std::to_string(options.limit) : "");
  AddParam(query, "continue", options.continue_token);
  AddParam(query, "resourceVersion", options.resource_version);
  Request request;
  request.path = resource.CollectionPath(options.namespace_name) + query;
  request.what = Describe("list", resource,
                          options.namespace_name.empty() ? "" : "in " + options.namespace_name);
  GP_ASSIGN_OR_RETURN(nlohmann::json document, CallJson(request));
  ObjectList list;
  try {
    const nlohmann::json& metadata = document.at("metadata");
    list.resource_version = metadata.value("resourceVersion", "");
    list.continue_token = metadata.value("continue", "");
    nlohmann::json& items = document.at("items");
    if (items.is_array()) {  // null for an empty list
      list.items.reserve(items.size());
      for (auto& item : items) {
        list.items.push_back(std::move(item));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return InternalError(fmt::format("{}: not a list: {}", request.what, e.what()));
  }
  return list;
}

Result<WatchOutcome> HttpKubeClient::Watch(const Resource& resource, const WatchOptions& options,
                                           const WatchHandler& handler, const CancelToken* cancel) {
  std::string query = "?watch=true";
  AddParam(query, "labelSelector", options.label_selector);
  AddParam(query, "fieldSelector", options.field_selector);
  AddParam(query, "resourceVersion", options.resource_version);
  AddParam(query, "allowWatchBookmarks", options.allow_bookmarks ? "true" : "");
  AddParam(query, "timeoutSeconds",
           options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "");
  WatchState state;
  state.handler = &handler;
  state.what = Describe("watch", resource,
                        options.namespace_name.empty() ? "" : "in " + options.namespace_name);
  state.outcome.last_resource_version = options.resource_version;
  Request request;
  request.path = resource.CollectionPath(options.namespace_name) + query;
  request.what = state.what;
  request.watch = &state;
  // The server ends the stream at timeoutSeconds; give it a margin before calling it dead.
  request.timeout = std::chrono::seconds(options.timeout_seconds + 30);
  Result<Response> response = Perform(request, cancel, nullptr);
  if (cancel != nullptr && cancel->IsCancelled()) {
    state.outcome.end = WatchOutcome::End::kCancelled;
    return state.outcome;
  }
  if (!response) {
    return tl::unexpected(response.error());
  }
  if (response->status == 410) {
    state.outcome.end = WatchOutcome::End::kExpired;
    state.outcome.detail = ApiError(410, state.error_body, state.what).message();
    return state.outcome;
  }
  if (response->status != 200) {
    if (response->status == 401) {
      tokens_.Invalidate();  // the next attempt reads the credentials again
    }
    return tl::unexpected(ApiError(response->status, state.error_body, state.what));
  }
  if (state.stream_error) {
    return tl::unexpected(*state.stream_error);
  }
  if (!state.pending.empty() && !state.stop) {
    // A last line without its newline: the connection dropped inside an event.
    ++state.outcome.malformed_lines;
  }
  return state.outcome;
}

Result<nlohmann::json> HttpKubeClient::Create(const Resource& resource,
                                              const std::string& namespace_name,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) {
  Request request;
  request.method = "POST";
  request.idempotent = false;
  request.path = resource.CollectionPath(namespace_name) + WriteQuery(options);
  request.body = object.dump();
  request.content_type = "application/json";
  ObjectKey key = KeyOf(object);
  if (key.name.empty() && object.contains("metadata")) {
    key.name = object["metadata"].value("generateName", "") + "*";
  }
  key.namespace_name = namespace_name;
  request.what = Describe("create", resource, key.ToString());
  return CallJson(request);
}

Result<nlohmann::json> HttpKubeClient::Update(const Resource& resource,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) {
  ObjectKey key = KeyOf(object);
  Request request;
  request.method = "PUT";
  request.path = resource.ObjectPath(key, options.subresource) + WriteQuery(options);
  request.body = object.dump();
  request.content_type = "application/json";
  request.what = Describe("update", resource, key.ToString());
  return CallJson(request);
}

Result<nlohmann::json> HttpKubeClient::Patch(const Resource& resource, const ObjectKey& key,
                                             PatchType type, const std::string& body,
                                             const WriteOptions& options) {
  if (type == PatchType::kApply && options.field_manager.empty()) {
    return InvalidArgumentError(Describe("apply", resource, key.ToString()) +
                                ": server-side apply needs a field manager");
  }
  Request request;
  request.method = "PATCH";
  request.path = resource.ObjectPath(key, options.subresource) + WriteQuery(options);
  request.body = body;
  request.content_type = std::string(PatchContentType(type));
  request.what = Describe(
      type == PatchType::kApply ? "apply" : "patch", resource,
      options.subresource.empty() ? key.ToString() : key.ToString() + "/" + options.subresource);
  return CallJson(request);
}

Result<nlohmann::json> HttpKubeClient::Delete(const Resource& resource, const ObjectKey& key,
                                              const DeleteOptions& options) {
  Request request;
  request.method = "DELETE";
  request.path = resource.ObjectPath(key);
  nlohmann::json body = DeleteOptionsFields(options);
  body["kind"] = "DeleteOptions";
  body["apiVersion"] = "v1";
  request.body = body.dump();
  request.content_type = "application/json";
  request.what = Describe("delete", resource, key.ToString());
  return CallJson(request);
}

Status HttpKubeClient::Evict(const ObjectKey& pod, const DeleteOptions& options) {
  nlohmann::json eviction = {{"apiVersion", "policy/v1"},
                             {"kind", "Eviction"},
                             {"metadata", {{"name", pod.name}, {"namespace", pod.namespace_name}}}};
  if (nlohmann::json fields = DeleteOptionsFields(options); !fields.empty()) {
    eviction["deleteOptions"] = std::move(fields);
  }
  Request request;
  request.method = "POST";
  request.idempotent = false;
  request.retry_too_many_requests = false;
  request.path = PodsResource().ObjectPath(pod, "eviction");
  request.body = eviction.dump();
  request.content_type = "application/json";
  request.what = "evict pod " + pod.ToString();
  GP_TRY(Call(request));
  return OkStatus();
}

Status HttpKubeClient::Bind(const ObjectKey& pod, const std::string& node_name) {
  nlohmann::json binding = {
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", {{"name", pod.name}, {"namespace", pod.namespace_name}}},
      {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}}}};
  Request request;
  request.method = "POST";
  request.idempotent = false;
  request.path = PodsResource().ObjectPath(pod, "binding");
  request.body = binding.dump();
  request.content_type = "application/json";
  request.what = fmt::format("bind pod {} to node {}", pod.ToString(), node_name);
  GP_TRY(Call(request));
  return OkStatus();
}

}  // namespace gpupack::kube
