#include "kube/testing/loopback_api_server.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

namespace gpupack::kube::testing {
namespace {

using Clock = std::chrono::steady_clock;
using OrderedJson = nlohmann::ordered_json;

// The real API server's 401 body (kube-wire 04-wrong-token-401), byte for byte.
constexpr std::string_view kUnauthorizedBody =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})";

// Plurals of namespaced kinds: their collection without a namespace lists all namespaces.
bool IsNamespacedPlural(std::string_view plural) {
  static constexpr std::string_view kNamespaced[] = {"pods",
                                                     "configmaps",
                                                     "events",
                                                     "leases",
                                                     "secrets",
                                                     "services",
                                                     "endpoints",
                                                     "deployments",
                                                     "replicasets",
                                                     "statefulsets",
                                                     "jobs",
                                                     "daemonsets",
                                                     "poddisruptionbudgets",
                                                     "serviceaccounts",
                                                     "persistentvolumeclaims"};
  return std::find(std::begin(kNamespaced), std::end(kNamespaced), plural) != std::end(kNamespaced);
}

// The Kind of a plural, for list kinds, bookmarks and conflict messages.
std::string KindOf(std::string_view plural) {
  static const std::map<std::string_view, std::string_view> kKinds = {
      {"configmaps", "ConfigMap"},
      {"events", "Event"},
      {"leases", "Lease"},
      {"namespaces", "Namespace"},
      {"nodeclaims", "NodeClaim"},
      {"nodepools", "NodePool"},
      {"nodes", "Node"},
      {"nodetemplates", "NodeTemplate"},
      {"poddisruptionbudgets", "PodDisruptionBudget"},
      {"pods", "Pod"}};
  auto it = kKinds.find(plural);
  if (it != kKinds.end()) {
    return std::string(it->second);
  }
  std::string kind(plural.substr(0, plural.empty() ? 0 : plural.size() - 1));
  if (!kind.empty()) {
    kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
  }
  return kind;
}

// Custom resources accept no strategic merge patch (415, kube-wire
// 09-nodeclaim-strategic-merge-patch-415); built-in groups are "" or end in .k8s.io or have no dot.
bool IsCustomGroup(std::string_view group) {
  constexpr std::string_view kBuiltIn = ".k8s.io";
  return group.find('.') != std::string_view::npos &&
         !(group.size() >= kBuiltIn.size() &&
           group.substr(group.size() - kBuiltIn.size()) == kBuiltIn);
}

std::string StatusJson(int code, std::string_view reason, std::string_view message,
                       const OrderedJson& details = OrderedJson()) {
  OrderedJson status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", OrderedJson::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details.is_null()) {
    status["details"] = details;
  }
  status["code"] = code;
  return status.dump();
}

constexpr std::string_view kSuccessStatus =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201})";

void Send(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body, "application/json");
}

std::string Param(const httplib::Request& request, const char* name) {
  return request.has_param(name) ? request.get_param_value(name) : std::string();
}

std::optional<int64_t> ParseInt(const std::string& text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

std::string EventLine(std::string_view type, const nlohmann::json& object) {
  return fmt::format(R"({{"type":"{}","object":{}}})", type, object.dump()) + "\n";
}

}  // namespace

// What a request addresses.
struct LoopbackApiServer::Route {
  Resource resource;
  ObjectKey key;  // name empty: the collection
  std::string subresource;
  std::string verb;  // for messages: get, list, watch, create, update, patch, delete, bind, evict

  bool IsCollection() const { return key.name.empty(); }

  OrderedJson Details(std::string_view kind) const {
    OrderedJson details = {{"name", key.name}};
    if (!resource.group.empty()) {
      details["group"] = resource.group;
    }
    details["kind"] = kind;
    return details;
  }
};

// Handles one routed request against the fake.
class LoopbackApiServer::Router {
 public:
  Router(LoopbackApiServer& server, const httplib::Request& request, httplib::Response& response)
      : server_(server), fake_(server.fake_), request_(request), response_(response) {}

  // Parses "/api/v1/..." or "/apis/<group>/<version>/..."; false for other paths.
  bool Parse() {
    std::vector<std::string> parts;
    size_t start = 1;
    while (start <= request_.path.size()) {
      size_t slash = request_.path.find('/', start);
      std::string part = request_.path.substr(start, slash - start);
      if (!part.empty()) {
        parts.push_back(part);
      }
      if (slash == std::string::npos) {
        break;
      }
      start = slash + 1;
    }
    size_t next = 0;
    if (parts.size() >= 3 && parts[0] == "api") {
      route_.resource.version = parts[1];
      next = 2;
    } else if (parts.size() >= 4 && parts[0] == "apis") {
      route_.resource.group = parts[1];
      route_.resource.version = parts[2];
      next = 3;
    } else {
      return false;
    }
    std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(next), parts.end());
    if (rest.size() >= 3 && rest[0] == "namespaces") {
      route_.key.namespace_name = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    }
    if (rest.empty() || rest.size() > 3) {
      return false;
    }
    route_.resource.plural = rest[0];
    route_.resource.namespaced =
        !route_.key.namespace_name.empty() || IsNamespacedPlural(route_.resource.plural);
    route_.key.name = rest.size() > 1 ? rest[1] : "";
    route_.subresource = rest.size() > 2 ? rest[2] : "";
    return true;
  }

  void Serve() {
    const std::string& method = request_.method;
    const std::string& sub = route_.subresource;
    if (method == "GET" && route_.IsCollection()) {
      std::string watch = Param(request_, "watch");
      return watch == "1" || watch == "true" ? Watch() : List();
    }
    if (method == "GET" && (sub.empty() || sub == "status")) {
      return Get();
    }
    if (method == "POST" && route_.IsCollection()) {
      return Create();
    }
    if (method == "POST" && sub == "binding" && route_.resource.plural == "pods") {
      return Bind();
    }
    if (method == "POST" && sub == "eviction" && route_.resource.plural == "pods") {
      return Evict();
    }
    if (method == "PUT" && !route_.IsCollection() && (sub.empty() || sub == "status")) {
      return Update();
    }
    if (method == "PATCH" && !route_.IsCollection() && (sub.empty() || sub == "status")) {
      return Patch();
    }
    if (method == "DELETE" && !route_.IsCollection() && sub.empty()) {
      return Delete();
    }
    if (method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" ||
        method == "DELETE") {
      return NotFoundPath();
    }
    Send(response_, 405,
         StatusJson(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource"));
  }

  void NotFoundPath() {
    Send(response_, 404,
         StatusJson(404, "NotFound", "the server could not find the requested resource",
                    OrderedJson::object()));
  }

 private:
  // The real server's answer to an error of the fake, by its code and the verb.
  void Fail(const Error& error) {
    const Route& r = route_;
    std::string display = r.resource.DisplayName();
    std::string kind = KindOf(r.resource.plural);
    switch (error.code()) {
      case ErrorCode::kNotFound:
        Send(response_, 404,
             StatusJson(404, "NotFound", fmt::format("{} \"{}\" not found", display, r.key.name),
                        r.Details(r.resource.plural)));
        return;
      case ErrorCode::kAlreadyExists:
        Send(response_, 409,
             StatusJson(409, "AlreadyExists",
                        fmt::format("{} \"{}\" already exists", display, r.key.name),
                        r.Details(r.resource.plural)));
        return;
      case ErrorCode::kAborted:
        Send(response_, 409, ConflictBody());
        return;
      case ErrorCode::kInvalidArgument:
        Send(response_, 422,
             StatusJson(422, "Invalid",
                        fmt::format("{} \"{}\" is invalid: {}", kind, r.key.name, error.message()),
                        r.Details(kind)));
        return;
      case ErrorCode::kUnavailable:
        if (r.verb == "evict") {
          // kube-wire 08-eviction-blocked-by-pdb-429.
          OrderedJson details = {
              {"causes", {{{"reason", "DisruptionBudget"}, {"message", error.message()}}}}};
          Send(response_, 429,
               StatusJson(429, "TooManyRequests",
                          "Cannot evict pod as it would violate the pod's disruption budget.",
                          details));
          return;
        }
        Send(response_, 503, StatusJson(503, "ServiceUnavailable", error.message()));
        return;
      case ErrorCode::kFailedPrecondition:
        Send(response_, 403, StatusJson(403, "Forbidden", error.message(), r.Details(display)));
        return;
      case ErrorCode::kDeadlineExceeded:
        Send(response_, 504, StatusJson(504, "Timeout", error.message()));
        return;
      default:
        Send(response_, 500,
             StatusJson(500, "InternalError", "Internal error occurred: " + error.message()));
        return;
    }
  }

  // 409 Conflict with the message the real server gives for this verb.
  std::string ConflictBody() {
    const Route& r = route_;
    if (r.verb == "bind") {
      std::optional<nlohmann::json> pod = fake_.Peek(r.resource, r.key);
      std::string node = pod ? pod->value("/spec/nodeName"_json_pointer, "") : "";
      return StatusJson(409, "Conflict",
                        fmt::format("Operation cannot be fulfilled on pods/binding \"{}\": pod {} "
                                    "is already assigned to node \"{}\"",
                                    r.key.name, r.key.name, node),
                        OrderedJson{{"name", r.key.name}, {"kind", "pods/binding"}});
    }
    if (r.verb == "delete") {
      std::optional<nlohmann::json> object = fake_.Peek(r.resource, r.key);
      std::string kind = KindOf(r.resource.plural);
      std::string message;
      if (!delete_options_.precondition_uid.empty()) {
        message = fmt::format(
            "the UID in the precondition ({}) does not match the UID in record ({}). The object "
            "might have been deleted and then recreated",
            delete_options_.precondition_uid,
            object ? object->value("/metadata/uid"_json_pointer, "") : "");
      } else {
        message = fmt::format(
            "the ResourceVersion in the precondition ({}) does not match the ResourceVersion in "
            "record ({}). The object might have been modified",
            delete_options_.precondition_resource_version,
            object ? ResourceVersionOf(*object) : "");
      }
      return StatusJson(
          409, "Conflict",
          fmt::format("Operation cannot be fulfilled on {} \"{}\": {}", kind, r.key.name, message),
          r.Details(kind));
    }
    return StatusJson(409, "Conflict",
                      fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been "
                                  "modified; please apply your changes to the latest version and "
                                  "try again",
                                  r.resource.DisplayName(), r.key.name),
                      r.Details(r.resource.plural));
  }

  void BadRequest(const std::string& message) {
    Send(response_, 400, StatusJson(400, "BadRequest", message));
  }

  std::optional<nlohmann::json> Body() {
    nlohmann::json body = nlohmann::json::parse(request_.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      BadRequest("the body of the request could not be decoded as a JSON object");
      return std::nullopt;
    }
    return body;
  }

  WriteOptions Write() const {
    WriteOptions options;
    options.field_manager = Param(request_, "fieldManager");
    options.force = Param(request_, "force") == "true";
    options.dry_run = Param(request_, "dryRun") == "All";
    options.subresource = route_.subresource;
    return options;
  }

  void Get() {
    route_.verb = "get";
    Result<nlohmann::json> object = fake_.Get(route_.resource, route_.key);
    return object ? Send(response_, 200, object->dump()) : Fail(object.error());
  }

  void List() {
    route_.verb = "list";
    ListOptions options;
    options.namespace_name = route_.key.namespace_name;
    options.label_selector = Param(request_, "labelSelector");
    options.field_selector = Param(request_, "fieldSelector");
    options.limit = ParseInt(Param(request_, "limit")).value_or(0);
    // The token is "<list resourceVersion>:<fake's token>"; it expires, as etcd's do, once the
    // history it was taken at is compacted (kube-wire 03-list-continue-token-expired-410).
    std::string token = Param(request_, "continue");
    std::optional<int64_t> list_version;
    if (!token.empty()) {
      size_t colon = token.find(':');
      list_version = ParseInt(token.substr(0, colon));
      if (colon == std::string::npos || !list_version) {
        return BadRequest("continue key is not valid: " + token);
      }
      if (*list_version < fake_.CompactedThrough()) {
        Send(response_, 410,
             StatusJson(410, "Expired",
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter, or use "
                        "the continue token in this response to retrieve the remainder of the "
                        "results. Continuing with the provided token results in an inconsistent "
                        "list - objects that were created, modified, or deleted between the time "
                        "the first chunk was returned and now may show up in the list."));
        return;
      }
      options.continue_token = token.substr(colon + 1);
    }
    Result<ObjectList> list = fake_.List(route_.resource, options);
    if (!list) {
      return Fail(list.error());
    }
    std::string version = list_version ? std::to_string(*list_version) : list->resource_version;
    nlohmann::json metadata = {{"resourceVersion", version}};
    if (!list->continue_token.empty()) {
      metadata["continue"] = version + ":" + list->continue_token;
    }
    // Built as text: a list of thousands of objects is dumped once, not copied into a document.
    std::string body =
        fmt::format(R"({{"kind":"{}List","apiVersion":"{}","metadata":{},"items":[)",
                    KindOf(route_.resource.plural), route_.resource.ApiVersion(), metadata.dump());
    for (size_t i = 0; i < list->items.size(); ++i) {
      body += (i == 0 ? "" : ",") + list->items[i].dump();
    }
    body += "]}";
    Send(response_, 200, body);
  }

  void Watch() {
    route_.verb = "watch";
    auto stream = std::make_shared<WatchStream>();
    stream->resource = route_.resource;
    stream->options.namespace_name = route_.key.namespace_name;
    stream->options.label_selector = Param(request_, "labelSelector");
    stream->options.field_selector = Param(request_, "fieldSelector");
    stream->bookmarks = Param(request_, "allowWatchBookmarks") == "true";
    std::string version = Param(request_, "resourceVersion");
    stream->initial_events = version.empty() || version == "0";
    if (!stream->initial_events) {
      std::optional<int64_t> from = ParseInt(version);
      if (!from) {
        return BadRequest("invalid resource version \"" + version + "\"");
      }
      stream->from = *from;
    }
    // A real server picks 30 to 60 minutes when the client does not say.
    int64_t timeout = ParseInt(Param(request_, "timeoutSeconds")).value_or(1800);
    stream->deadline = Clock::now() + std::chrono::seconds(timeout);
    {
      std::lock_guard lock(server_.mu_);
      stream->cut_after = server_.cut_watches_after_;
      ++server_.watches_;
    }
    LoopbackApiServer& server = server_;
    response_.status = 200;
    response_.set_chunked_content_provider("application/json",
                                           [&server, stream](size_t, httplib::DataSink& sink) {
                                             return server.Stream(*stream, sink);
                                           });
  }

  void Create() {
    route_.verb = "create";
    std::optional<nlohmann::json> object = Body();
    if (!object) {
      return;
    }
    route_.key.name = object->value("/metadata/name"_json_pointer, "");
    std::string body_namespace = object->value("/metadata/namespace"_json_pointer, "");
    if (!body_namespace.empty() && body_namespace != route_.key.namespace_name) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the "
          "request");
    }
    Result<nlohmann::json> created =
        fake_.Create(route_.resource, route_.key.namespace_name, *object, Write());
    return created ? Send(response_, 201, created->dump()) : Fail(created.error());
  }

  void Update() {
    route_.verb = "update";
    std::optional<nlohmann::json> object = Body();
    if (!object) {
      return;
    }
    std::string name = object->value("/metadata/name"_json_pointer, "");
    if (name != route_.key.name) {
      return BadRequest(
          fmt::format("the name of the object ({}) does not match the name on the "
                      "URL ({})",
                      name, route_.key.name));
    }
    if (route_.resource.namespaced) {
      (*object)["metadata"]["namespace"] = route_.key.namespace_name;
    }
    Result<nlohmann::json> updated = fake_.Update(route_.resource, *object, Write());
    return updated ? Send(response_, 200, updated->dump()) : Fail(updated.error());
  }

  void Patch() {
    route_.verb = "patch";
    std::string content_type = request_.get_header_value("Content-Type");
    content_type = content_type.substr(0, content_type.find(';'));
    std::optional<PatchType> type;
    for (PatchType candidate :
         {PatchType::kMerge, PatchType::kJson, PatchType::kStrategicMerge, PatchType::kApply}) {
      if (PatchContentType(candidate) == content_type) {
        type = candidate;
      }
    }
    bool custom = IsCustomGroup(route_.resource.group);
    if (!type || (custom && type == PatchType::kStrategicMerge)) {
      std::string accepted = custom ? "application/json-patch+json, application/merge-patch+json, "
                                      "application/apply-patch+yaml"
                                    : "application/json-patch+json, application/merge-patch+json, "
                                      "application/apply-patch+yaml, "
                                      "application/strategic-merge-patch+json";
      Send(response_, 415,
           StatusJson(415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types "
                      "include: " +
                          accepted));
      return;
    }
    WriteOptions options = Write();
    if (type == PatchType::kApply && options.field_manager.empty()) {
      // kube-wire 10-ssa-apply-missing-fieldmanager-422.
      OrderedJson details = {{"group", "meta.k8s.io"},
                             {"kind", "PatchOptions"},
                             {"causes",
                              {{{"reason", "FieldValueRequired"},
                                {"message", "Required value: is required for apply patch"},
                                {"field", "fieldManager"}}}}};
      Send(response_, 422,
           StatusJson(422, "Invalid",
                      "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                      "required for apply patch",
                      details));
      return;
    }
    if (nlohmann::json::parse(request_.body, nullptr, false).is_discarded()) {
      return BadRequest("error decoding patch: the loopback server takes JSON patch bodies only");
    }
    Result<nlohmann::json> patched =
        fake_.Patch(route_.resource, route_.key, *type, request_.body, options);
    return patched ? Send(response_, 200, patched->dump()) : Fail(patched.error());
  }

  // DeleteOptions from the body (as HttpKubeClient and kubectl send them) or the query.
  DeleteOptions ReadDeleteOptions(const nlohmann::json& body) {
    DeleteOptions options;
    options.precondition_uid = body.value("/preconditions/uid"_json_pointer, "");
    options.precondition_resource_version =
        body.value("/preconditions/resourceVersion"_json_pointer, "");
    options.propagation_policy =
        body.value("propagationPolicy", Param(request_, "propagationPolicy"));
    if (body.contains("gracePeriodSeconds") && body["gracePeriodSeconds"].is_number_integer()) {
      options.grace_period_seconds = body["gracePeriodSeconds"].get<int64_t>();
    } else if (std::optional<int64_t> grace = ParseInt(Param(request_, "gracePeriodSeconds"))) {
      options.grace_period_seconds = grace;
    }
    return options;
  }

  void Delete() {
    route_.verb = "delete";
    nlohmann::json body = request_.body.empty()
                              ? nlohmann::json::object()
                              : nlohmann::json::parse(request_.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return BadRequest("the body of the request could not be decoded as DeleteOptions");
    }
    delete_options_ = ReadDeleteOptions(body);
    Result<nlohmann::json> deleted = fake_.Delete(route_.resource, route_.key, delete_options_);
    return deleted ? Send(response_, 200, deleted->dump()) : Fail(deleted.error());
  }

  void Bind() {
    route_.verb = "bind";
    std::optional<nlohmann::json> binding = Body();
    if (!binding) {
      return;
    }
    std::string node = binding->value("/target/name"_json_pointer, "");
    if (node.empty()) {
      OrderedJson details = {{"name", route_.key.name},
                             {"kind", "Binding"},
                             {"causes",
                              {{{"reason", "FieldValueRequired"},
                                {"message", "Required value"},
                                {"field", "target.name"}}}}};
      Send(response_, 422,
           StatusJson(422, "Invalid",
                      fmt::format("Binding \"{}\" is invalid: target.name: Required value",
                                  route_.key.name),
                      details));
      return;
    }
    Status bound = fake_.Bind(route_.key, node);
    return bound ? Send(response_, 201, std::string(kSuccessStatus)) : Fail(bound.error());
  }

  void Evict() {
    route_.verb = "evict";
    std::optional<nlohmann::json> eviction = Body();
    if (!eviction) {
      return;
    }
    delete_options_ = ReadDeleteOptions(eviction->value("deleteOptions", nlohmann::json::object()));
    Status evicted = fake_.Evict(route_.key, delete_options_);
    return evicted ? Send(response_, 201, std::string(kSuccessStatus)) : Fail(evicted.error());
  }

  LoopbackApiServer& server_;
  FakeKubeClient& fake_;
  const httplib::Request& request_;
  httplib::Response& response_;
  Route route_;
  DeleteOptions delete_options_;
};

LoopbackApiServer::LoopbackApiServer(const std::string& testdata, LoopbackApiServerOptions options)
    : options_(options) {
  LoopbackHttpsOptions https;
  https.threads = options_.threads;
  https.keep_alive_seconds = options_.keep_alive_seconds;
  https.keep_alive_max_requests = options_.keep_alive_max_requests;
  https_ = std::make_unique<LoopbackHttps>(
      testdata,
      [this](const httplib::Request& request, httplib::Response& response) {
        Handle(request, response);
      },
      https);
}

LoopbackApiServer::~LoopbackApiServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  https_.reset();
}

std::string LoopbackApiServer::Url() const { return https_->Url(); }

void LoopbackApiServer::RequireToken(const std::string& token) {
  std::lock_guard lock(mu_);
  required_token_ = token;
}

void LoopbackApiServer::FailNext(const std::string& prefix, int count, int status,
                                 int retry_after_seconds) {
  std::lock_guard lock(mu_);
  faults_.push_back(Fault{prefix, count, status, retry_after_seconds});
}

void LoopbackApiServer::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

void LoopbackApiServer::Delay(const std::string& prefix, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  std::erase_if(delays_, [&](const auto& entry) { return entry.first == prefix; });
  if (delay.count() > 0) {
    delays_.emplace_back(prefix, delay);
  }
}

void LoopbackApiServer::CutWatchesAfter(int64_t events) {
  std::lock_guard lock(mu_);
  cut_watches_after_ = events;
}

int64_t LoopbackApiServer::RequestCount() const {
  std::lock_guard lock(mu_);
  return requests_;
}

int64_t LoopbackApiServer::FaultCount() const {
  std::lock_guard lock(mu_);
  return faults_served_;
}

int64_t LoopbackApiServer::WatchCount() const {
  std::lock_guard lock(mu_);
  return watches_;
}

void LoopbackApiServer::Notify() { changed_.notify_all(); }

void LoopbackApiServer::Handle(const httplib::Request& request, httplib::Response& response) {
  std::string what = request.method + " " + request.target;
  std::optional<Fault> fault;
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mu_);
    ++requests_;
    if (!required_token_.empty() &&
        request.get_header_value("Authorization") != "Bearer " + required_token_) {
      Send(response, 401, std::string(kUnauthorizedBody));
      return;
    }
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (what.rfind(it->prefix, 0) == 0) {
        fault = *it;
        ++faults_served_;
        if (--it->remaining <= 0) {
          faults_.erase(it);
        }
        break;
      }
    }
    for (const auto& [prefix, wait] : delays_) {
      if (what.rfind(prefix, 0) == 0) {
        delay = std::max(delay, wait);
      }
    }
  }
  if (delay.count() > 0) {
    std::this_thread::sleep_for(delay);
  }
  if (fault) {
    if (fault->status == 429) {
      response.set_header("Retry-After", std::to_string(fault->retry_after_seconds));
      Send(response, 429,
           StatusJson(429, "TooManyRequests", "Too many requests, please try again later.",
                      OrderedJson{{"retryAfterSeconds", fault->retry_after_seconds}}));
    } else if (fault->status == 503) {
      Send(response, 503,
           StatusJson(503, "ServiceUnavailable",
                      "the server is currently unable to handle the "
                      "request"));
    } else {
      Send(response, fault->status,
           StatusJson(fault->status, "InternalError",
                      "Internal error occurred: injected by the loopback server"));
    }
    return;
  }
  if (request.method == "GET" && request.path == "/version") {
    Result<nlohmann::json> version = fake_.GetPath("/version");
    Send(response, 200, version ? version->dump() : "{}");
    return;
  }
  Router router(*this, request, response);
  if (!router.Parse()) {
    router.NotFoundPath();
    return;
  }
  router.Serve();
  if (request.method != "GET") {
    Notify();
  }
}

bool LoopbackApiServer::Stream(WatchStream& watch, httplib::DataSink& sink) {
  // Writes one event line; false when the client is gone or the stream is cut (at once after
  // its last event, so a cut stream never idles).
  auto write = [&](const std::string& line) {
    if (watch.cut_after >= 0 && watch.sent >= watch.cut_after) {
      return false;
    }
    ++watch.sent;
    return sink.write(line.data(), line.size()) &&
           (watch.cut_after < 0 || watch.sent < watch.cut_after);
  };
  auto stopping = [&] {
    std::lock_guard lock(mu_);
    return stopping_;
  };
  if (watch.initial_events) {
    watch.initial_events = false;
    ListOptions list_options;
    list_options.namespace_name = watch.options.namespace_name;
    list_options.label_selector = watch.options.label_selector;
    list_options.field_selector = watch.options.field_selector;
    Result<ObjectList> list = fake_.List(watch.resource, list_options);
    if (!list) {
      return false;
    }
    watch.from = std::stoll(list->resource_version);
    for (const nlohmann::json& object : list->items) {
      if (!write(EventLine("ADDED", object))) {
        return false;
      }
    }
  }
  if (watch.cut_after == 0) {
    return false;
  }
  auto last_write = Clock::now();
  while (!stopping()) {
    auto now = Clock::now();
    if (now >= watch.deadline) {
      break;
    }
    int64_t version = fake_.ResourceVersion();
    if (version > watch.checked) {
      watch.options.resource_version = std::to_string(watch.from);
      std::vector<std::string> lines;
      Result<WatchOutcome> outcome = fake_.Watch(
          watch.resource, watch.options,
          [&](const WatchEvent& event) {
            lines.push_back(EventLine(WatchEventTypeName(event.type), event.object));
          },
          nullptr);
      if (!outcome) {
        return false;
      }
      if (outcome->end == WatchOutcome::End::kExpired) {
        // kube-wire 03-watch-too-old-rv-410-error-event: a 200 stream with one ERROR event.
        write(fmt::format(R"({{"type":"ERROR","object":{}}})",
                          StatusJson(410, "Expired", outcome->detail)) +
              "\n");
        break;
      }
      watch.checked = version;
      if (!outcome->last_resource_version.empty()) {
        watch.from = std::stoll(outcome->last_resource_version);
      }
      for (const std::string& line : lines) {
        if (!write(line)) {
          return false;
        }
      }
      if (!lines.empty()) {
        last_write = Clock::now();
      }
      continue;
    }
    if (watch.bookmarks && now - last_write >= options_.bookmark_interval) {
      // Every event up to `checked` for this selection has been sent.
      nlohmann::json bookmark = {
          {"kind", KindOf(watch.resource.plural)},
          {"apiVersion", watch.resource.ApiVersion()},
          {"metadata", {{"resourceVersion", std::to_string(watch.checked)}}}};
      if (!write(EventLine("BOOKMARK", bookmark))) {
        return false;
      }
      last_write = now;
      continue;
    }
    // An idle stream notices a client that went away (a cancelled watch) here rather than at its
    // deadline, so it does not hold a server thread for half an hour.
    if (!sink.is_writable()) {
      return false;
    }
    std::unique_lock lock(mu_);
    auto wake =
        std::min({watch.deadline, now + kWatchPollInterval,
                  watch.bookmarks ? last_write + options_.bookmark_interval : watch.deadline});
    changed_.wait_until(lock, wake);
  }
  sink.done();
  return true;
}

}  // namespace gpupack::kube::testing
