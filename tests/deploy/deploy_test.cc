// deploy/ checked without a cluster: kubectl cannot be installed on these machines, so this test
// reads every manifest with yaml-cpp and the project's own readers. What it cannot show is that a
// real API server accepts the objects; the CRD follows the captured one a real kube-apiserver
// 1.26 accepted (shared/reference/kube-wire 09-*), and the captured NodeTemplates that server
// accepted or rejected are checked against this schema the same way.
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "common/file.h"
#include "controller/leader_election.h"
#include "controller/ops_server.h"

namespace gpupack {
namespace {

namespace fs = std::filesystem;

const std::string kDeploy = std::string(GP_SOURCE_DIR) + "/deploy/";
const std::string kCrd = kDeploy + "crd/gpupack.io_nodetemplates.yaml";

std::vector<YAML::Node> LoadAll(const std::string& path) {
  try {
    return YAML::LoadAllFromFile(path);
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << path << ": " << e.what();
    return {};
  }
}

std::vector<std::string> Strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  for (const YAML::Node& item : seq) {
    out.push_back(item.as<std::string>());
  }
  return out;
}

// ---- A small OpenAPI v3 validator: the subset the CRD uses, with the API server's typing of
// YAML scalars (a plain 4 is an integer, a quoted "4" a string). ----

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

bool IsPlainMatch(const YAML::Node& node, const char* pattern) {
  return node.IsScalar() && !IsQuoted(node) && std::regex_match(node.Scalar(), std::regex(pattern));
}

bool IsInteger(const YAML::Node& node) { return IsPlainMatch(node, R"(-?[0-9]+)"); }

bool IsNumber(const YAML::Node& node) {
  return IsPlainMatch(node, R"(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
}

bool IsBoolean(const YAML::Node& node) { return IsPlainMatch(node, "true|false"); }

bool IsString(const YAML::Node& node) {
  return node.IsScalar() && (IsQuoted(node) || (!IsNumber(node) && !IsBoolean(node) &&
                                                node.Scalar() != "null" && node.Scalar() != "~"));
}

void ValidateScalarRules(const YAML::Node& schema, const YAML::Node& value, const std::string& path,
                         std::vector<std::string>& errors) {
  if (schema["enum"]) {
    std::vector<std::string> allowed = Strings(schema["enum"]);
    if (std::find(allowed.begin(), allowed.end(), value.Scalar()) == allowed.end()) {
      errors.push_back(path + ": unsupported value " + value.Scalar());
    }
  }
  if (schema["pattern"] && IsString(value) &&
      !std::regex_search(value.Scalar(), std::regex(schema["pattern"].as<std::string>()))) {
    errors.push_back(path + ": does not match the pattern");
  }
  if (schema["minLength"] && IsString(value) &&
      value.Scalar().size() < schema["minLength"].as<size_t>()) {
    errors.push_back(path + ": too short");
  }
  if (IsNumber(value)) {
    double number = value.as<double>();
    if (schema["minimum"] && number < schema["minimum"].as<double>()) {
      errors.push_back(path + ": should be greater than or equal to " +
                       schema["minimum"].as<std::string>());
    }
    if (schema["maximum"] && number > schema["maximum"].as<double>()) {
      errors.push_back(path + ": should be less than or equal to " +
                       schema["maximum"].as<std::string>());
    }
  }
}

void Validate(const YAML::Node& schema, const YAML::Node& value, const std::string& path,
              std::vector<std::string>& errors) {
  if (schema["x-kubernetes-int-or-string"]) {
    if (!IsInteger(value) && !IsString(value)) {
      errors.push_back(path + ": must be an integer or a string");
      return;
    }
    ValidateScalarRules(schema, value, path, errors);
    return;
  }
  std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  if (type == "object") {
    if (!value.IsMap()) {
      errors.push_back(path + ": must be of type object");
      return;
    }
    const YAML::Node properties = schema["properties"];
    const YAML::Node additional = schema["additionalProperties"];
    if (!properties && !additional) {
      return;  // free-form (metadata)
    }
    for (const auto& entry : value) {
      std::string key = entry.first.as<std::string>();
      std::string child = path.empty() ? key : path + "." + key;
      if (properties && properties[key]) {
        Validate(properties[key], entry.second, child, errors);
      } else if (additional) {
        Validate(additional, entry.second, child, errors);
      } else {
        errors.push_back(child + ": unknown field");
      }
    }
    for (const YAML::Node& required : schema["required"]) {
      if (!value[required.as<std::string>()]) {
        errors.push_back(path + "." + required.as<std::string>() + ": Required value");
      }
    }
  } else if (type == "array") {
    if (!value.IsSequence()) {
      errors.push_back(path + ": must be of type array");
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) {
      Validate(schema["items"], value[i], path + "[" + std::to_string(i) + "]", errors);
    }
  } else {
    bool ok = (type == "string" && IsString(value)) || (type == "integer" && IsInteger(value)) ||
              (type == "number" && IsNumber(value)) || (type == "boolean" && IsBoolean(value));
    if (!ok) {
      errors.push_back(path + ": must be of type " + type);
      return;
    }
    ValidateScalarRules(schema, value, path, errors);
  }
}

// Every path a schema describes ("spec.taints[].key", "spec.labels.*").
void SchemaPaths(const YAML::Node& schema, const std::string& path, std::set<std::string>& out) {
  for (const auto& entry : schema["properties"]) {
    std::string child = path + "." + entry.first.as<std::string>();
    out.insert(child);
    SchemaPaths(entry.second, child, out);
  }
  if (schema["additionalProperties"]) {
    out.insert(path + ".*");
    SchemaPaths(schema["additionalProperties"], path + ".*", out);
  }
  if (schema["items"]) {
    SchemaPaths(schema["items"], path + "[]", out);
  }
}

// Every path a document uses, with the keys of free-form maps (`maps`) written as ".*".
void DocumentPaths(const YAML::Node& value, const std::string& path,
                   const std::set<std::string>& maps, std::set<std::string>& out) {
  if (value.IsMap()) {
    for (const auto& entry : value) {
      std::string child =
          path + "." + (maps.count(path) != 0 ? "*" : entry.first.as<std::string>());
      out.insert(child);
      DocumentPaths(entry.second, child, maps, out);
    }
  } else if (value.IsSequence()) {
    for (const YAML::Node& item : value) {
      DocumentPaths(item, path + "[]", maps, out);
    }
  }
}

class DeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<YAML::Node> crd = LoadAll(kCrd);
    ASSERT_EQ(crd.size(), 1u);
    crd_ = crd[0];
    schema_ = crd_["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    ASSERT_TRUE(schema_.IsMap());
    Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus.has_value()) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
  }

  std::vector<std::string> SchemaErrors(const YAML::Node& object) {
    std::vector<std::string> errors;
    Validate(schema_, object, "", errors);
    return errors;
  }

  // Every object of the base, by "Kind/namespace/name".
  std::map<std::string, YAML::Node> BaseObjects() {
    std::map<std::string, YAML::Node> out;
    for (const YAML::Node& file : LoadAll(kDeploy + "kustomization.yaml")[0]["resources"]) {
      for (const YAML::Node& object : LoadAll(kDeploy + file.as<std::string>())) {
        out[object["kind"].as<std::string>() + "/" +
            object["metadata"]["namespace"].as<std::string>("") + "/" +
            object["metadata"]["name"].as<std::string>()] = object;
      }
    }
    return out;
  }

  YAML::Node crd_;
  YAML::Node schema_;
  std::optional<gpu::GpuCatalog> gpus_;
};

TEST_F(DeployTest, KustomizationsListExactlyTheManifestsBesideThem) {
  for (const std::string& dir : {kDeploy, kDeploy + "examples/"}) {
    std::vector<YAML::Node> kustomization = LoadAll(dir + "kustomization.yaml");
    ASSERT_EQ(kustomization.size(), 1u) << dir;
    EXPECT_EQ(kustomization[0]["kind"].as<std::string>(), "Kustomization");
    std::set<std::string> listed;
    for (const std::string& file : Strings(kustomization[0]["resources"])) {
      EXPECT_TRUE(fs::is_regular_file(dir + file)) << dir << file << " is listed but missing";
      listed.insert(fs::path(dir + file).lexically_normal().string());
    }
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      // A folder with its own kustomization is its own unit (deploy/examples).
      if (it->is_directory() && fs::exists(it->path() / "kustomization.yaml")) {
        it.disable_recursion_pending();
        continue;
      }
      std::string path = it->path().lexically_normal().string();
      if (it->path().extension() == ".yaml" && it->path().filename() != "kustomization.yaml") {
        EXPECT_EQ(listed.count(path), 1u) << path << " is not in " << dir << "kustomization.yaml";
      }
    }
  }
}

TEST_F(DeployTest, EveryManifestIsAKubernetesObjectWithANamespaceWhereItNeedsOne) {
  const std::set<std::string> cluster_scoped = {
      "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "NodeTemplate"};
  int objects = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kDeploy)) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "kustomization.yaml") {
      continue;
    }
    for (const YAML::Node& object : LoadAll(entry.path().string())) {
      ++objects;
      std::string where = entry.path().string();
      ASSERT_TRUE(object["apiVersion"] && object["kind"] && object["metadata"]["name"]) << where;
      bool namespaced = cluster_scoped.count(object["kind"].as<std::string>()) == 0;
      EXPECT_EQ(static_cast<bool>(object["metadata"]["namespace"]), namespaced)
          << where << ": " << object["kind"] << "/" << object["metadata"]["name"];
    }
  }
  EXPECT_GE(objects, 15);
}

TEST_F(DeployTest, CrdIsTheStructuralV1alpha1ClusterScopedNodeTemplateWithStatusAndColumns) {
  EXPECT_EQ(crd_["metadata"]["name"].as<std::string>(), "nodetemplates.gpupack.io");
  EXPECT_EQ(crd_["spec"]["scope"].as<std::string>(), "Cluster");
  const YAML::Node version = crd_["spec"]["versions"][0];
  EXPECT_EQ(version["name"].as<std::string>(), "v1alpha1");
  EXPECT_TRUE(version["subresources"]["status"].IsMap());
  std::vector<std::string> columns;
  for (const YAML::Node& column : version["additionalPrinterColumns"]) {
    columns.push_back(column["name"].as<std::string>());
    // Every column points at a field the schema has.
    std::string json_path = column["jsonPath"].as<std::string>();
    if (json_path.rfind(".status.", 0) == 0) {
      EXPECT_TRUE(schema_["properties"]["status"]["properties"][json_path.substr(8)]) << json_path;
    }
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"GPUs", "Slots", "Allocation", "$/h", "Age"}));
}

// Every field of the reader, with a value it accepts: the schema must describe exactly these
// paths, and the reader must read every one without a warning.
constexpr const char* kEveryField = R"(
apiVersion: gpupack.io/v1alpha1
kind: NodeTemplate
metadata:
  name: every-field
spec:
  instanceTypes: ["p4d.*"]
  excludeInstanceTypes: [p4de.24xlarge]
  gpuModels: [A100-SXM4-40GB]
  zones: [us-east-1a]
  capacityTypes: [spot, on-demand]
  spotPercent: 40
  minGpusPerNode: 1
  maxGpusPerNode: 8
  gpuSharing:
    timeSlicing:
      enabled: true
      sharedClientsPerGpu: 4
      perGpuModel:
        A100-SXM4-40GB: 8
    mig:
      enabled: true
      strategy: mixed
      dynamic: true
  labels:
    team: ml
  taints:
    - key: gpu
      value: shared
      effect: NoSchedule
  limits:
    gpus: 64
    hourlyCost: 150.5
  nodeClassRef:
    group: karpenter.k8s.aws
    kind: EC2NodeClass
    name: gpu
)";

TEST_F(DeployTest, SchemaDescribesExactlyTheFieldsTheReaderAccepts) {
  YAML::Node document = YAML::Load(kEveryField);
  std::set<std::string> schema_paths;
  SchemaPaths(schema_["properties"]["spec"], "spec", schema_paths);
  std::set<std::string> document_paths;
  DocumentPaths(document["spec"], "spec",
                {"spec.labels", "spec.gpuSharing.timeSlicing.perGpuModel"}, document_paths);
  EXPECT_EQ(document_paths, schema_paths);
  EXPECT_EQ(SchemaErrors(document), std::vector<std::string>{});

  Result<catalog::KubeObjects> read = catalog::ReadKubeObjects(kEveryField, "every-field", *gpus_);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->warnings, std::vector<std::string>{});
  ASSERT_EQ(read->templates.size(), 1u);
  const cluster::NodeTemplate& t = read->templates[0];
  EXPECT_EQ(t.exclude_instance_types, std::vector<std::string>{"p4de.24xlarge"});
  EXPECT_EQ(t.spot_percent, 40);
  EXPECT_EQ(t.max_gpus_per_node, 8);
  EXPECT_TRUE(t.mig.dynamic);
  EXPECT_EQ(t.time_slicing.per_gpu_model.at("A100-SXM4-40GB"), 8);
  EXPECT_EQ(t.max_hourly_cost, 150.5);
  ASSERT_TRUE(t.node_class_ref.has_value());
  EXPECT_EQ(t.node_class_ref->kind, "EC2NodeClass");
}

// The other direction, from the reader's source: every name it accepts without a warning (its
// WarnUnknownFields lists, plus the taint fields it reads one by one) is a schema property.
TEST_F(DeployTest, EveryFieldNameTheReaderKnowsIsInTheSchema) {
  Result<std::string> source =
      ReadFile(std::string(GP_SOURCE_DIR) + "/src/catalog/node_template_reader.cc");
  ASSERT_TRUE(source.has_value());
  std::set<std::string> reader_names = {"key", "value", "effect"};
  std::regex call(R"(WarnUnknownFields\([^{]*\{([^}]*)\})");
  std::regex quoted(R"re("([A-Za-z]+)")re");
  int lists = 0;
  for (auto it = std::sregex_iterator(source->begin(), source->end(), call);
       it != std::sregex_iterator(); ++it, ++lists) {
    std::string names = (*it)[1];
    for (auto name = std::sregex_iterator(names.begin(), names.end(), quoted);
         name != std::sregex_iterator(); ++name) {
      reader_names.insert((*name)[1]);
    }
  }
  EXPECT_EQ(lists, 6);  // spec, gpuSharing, timeSlicing, mig, limits, nodeClassRef
  std::set<std::string> schema_names;
  std::set<std::string> paths;
  SchemaPaths(schema_["properties"]["spec"], "spec", paths);
  for (const std::string& path : paths) {
    std::string last = path.substr(path.find_last_of(".") + 1);
    if (last != "*") {
      schema_names.insert(last);
    }
  }
  EXPECT_EQ(reader_names, schema_names);
}

TEST_F(DeployTest, ExampleNodeTemplatesPassTheSchemaAndTheReaderWithoutWarnings) {
  std::vector<std::string> files;
  for (const std::string& dir :
       {kDeploy + "examples", std::string(GP_SOURCE_DIR) + "/examples/templates"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename() != "kustomization.yaml") {
        files.push_back(entry.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 8u);
  for (const std::string& file : files) {
    for (const YAML::Node& object : LoadAll(file)) {
      EXPECT_EQ(SchemaErrors(object), std::vector<std::string>{}) << file;
    }
    Result<catalog::KubeObjects> read = catalog::ReadKubeFiles({file}, *gpus_);
    ASSERT_TRUE(read.has_value()) << read.error().message();
    EXPECT_EQ(read->templates.size(), 1u) << file;
    EXPECT_EQ(read->warnings, std::vector<std::string>{}) << file;
  }
}

// The NodeTemplates a real API server accepted, rejected (422) and warned about, replayed
// against this schema: the same verdicts, for the same fields.
TEST_F(DeployTest, SchemaAgreesWithTheCapturedServerVerdicts) {
  const std::string captures = std::string(GP_SHARED_DIR) + "/reference/kube-wire";
  if (!std::filesystem::is_directory(captures)) {
    GTEST_SKIP() << "the captured API server exchanges are not here: " << captures;
  }
  auto body = [&](const std::string& exchange) {
    std::vector<YAML::Node> documents = LoadAll(captures + "/" + exchange + "/request-body.json");
    if (documents.empty()) {
      ADD_FAILURE() << exchange << ": no request body";
      return YAML::Node();
    }
    return documents[0];
  };
  EXPECT_EQ(SchemaErrors(body("09-nodetemplate-create")), std::vector<std::string>{});
  EXPECT_EQ(SchemaErrors(body("09-nodetemplate-create-invalid-422")),
            std::vector<std::string>{"spec.gpuSharing.timeSlicing.sharedClientsPerGpu: should be "
                                     "less than or equal to 48"});
  std::vector<std::string> bad_types =
      SchemaErrors(body("09-nodetemplate-create-invalid-types-422"));
  std::sort(bad_types.begin(), bad_types.end());
  EXPECT_EQ(bad_types,
            (std::vector<std::string>{
                "spec.gpuSharing.mig.enabled: must be of type boolean",
                "spec.gpuSharing.mig.strategy: unsupported value dual",
                "spec.gpuSharing.timeSlicing.perGpuModel.NVIDIA-A100-SXM4-40GB: should be "
                "greater than or equal to 2",
                "spec.gpuSharing.timeSlicing.sharedClientsPerGpu: must be of type integer"}));
  std::vector<std::string> unknown =
      SchemaErrors(body("09-nodetemplate-create-unknown-field-warn"));
  std::sort(unknown.begin(), unknown.end());
  EXPECT_EQ(unknown, (std::vector<std::string>{
                         "spec.bogus: unknown field",
                         "spec.gpuSharing.timeSlicing.sharedClientsPerGPU: unknown field"}));
}

// One permission: API group, resource (with subresource), verb, and the namespace it is needed
// in ("" = cluster-wide).
using Permission = std::tuple<std::string, std::string, std::string, std::string>;

// What the controller calls, by component. Keep it honest: a new call in src/controller or
// src/kube needs a line here and a rule in deploy/rbac.yaml.
std::set<Permission> PermissionsTheCodeUses() {
  std::set<Permission> needed;
  auto add = [&](const std::string& group, const std::string& resource,
                 std::vector<std::string> verbs, const std::string& ns = "") {
    for (const std::string& verb : verbs) {
      needed.insert({group, resource, verb, ns});
    }
  };
  // Informers (KubeClusterView); KubeActuator reads a pod before binding it and lists a node's
  // pods before reconfiguring or draining it.
  add("", "pods", {"get", "list", "watch"});
  // The scheduler (schedulerName: gpupack).
  add("", "pods/binding", {"create"});
  // Remove: drain through the Eviction API.
  add("", "pods/eviction", {"create"});
  // Informer; KubeActuator: labels, taints and cordon by JSON patch, delete a node without a
  // NodeClaim.
  add("", "nodes", {"get", "list", "watch", "patch", "delete"});
  // KubeActuator: core/v1 Events on pods and nodes; after a restart an existing Event is read
  // (get) and its count patched.
  add("", "events", {"create", "get", "patch"});
  // KubeActuator: Launch (create; 409 = already there) and Remove (get, delete); informer.
  add("karpenter.sh", "nodeclaims", {"get", "list", "watch", "create", "delete"});
  add("gpupack.io", "nodetemplates", {"get", "list", "watch"});
  add("gpupack.io", "nodetemplates/status", {"patch"});
  // LeaderElector: create the Lease, then get and update it.
  add("coordination.k8s.io", "leases", {"create", "get", "update"}, "gpupack-system");
  // The device-plugin and mig-parted ConfigMaps: informer; KubeActuator gets, creates,
  // merge-patches and UpdateWithRetry (get + update).
  add("", "configmaps", {"get", "list", "watch", "create", "update", "patch"}, "gpu-operator");
  return needed;
}

TEST_F(DeployTest, RbacGrantsExactlyWhatTheCodeCallsToTheControllerServiceAccount) {
  std::map<std::string, YAML::Node> objects = BaseObjects();
  ASSERT_EQ(objects.count("ServiceAccount/gpupack-system/gpupack-controller"), 1u);
  std::set<Permission> granted;
  std::map<Permission, std::vector<std::string>> resource_names;
  for (const auto& [id, binding] : objects) {
    std::string kind = binding["kind"].as<std::string>();
    if (kind != "ClusterRoleBinding" && kind != "RoleBinding") {
      continue;
    }
    bool to_controller = false;
    for (const YAML::Node& subject : binding["subjects"]) {
      to_controller |= subject["kind"].as<std::string>() == "ServiceAccount" &&
                       subject["name"].as<std::string>() == "gpupack-controller" &&
                       subject["namespace"].as<std::string>() == "gpupack-system";
    }
    ASSERT_TRUE(to_controller) << id;
    std::string ns = binding["metadata"]["namespace"].as<std::string>("");
    std::string role_id = binding["roleRef"]["kind"].as<std::string>() + "/" +
                          (binding["roleRef"]["kind"].as<std::string>() == "Role" ? ns : "") + "/" +
                          binding["roleRef"]["name"].as<std::string>();
    ASSERT_EQ(objects.count(role_id), 1u) << id << " binds a missing " << role_id;
    for (const YAML::Node& rule : objects[role_id]["rules"]) {
      for (const std::string& group : Strings(rule["apiGroups"])) {
        for (const std::string& resource : Strings(rule["resources"])) {
          for (const std::string& verb : Strings(rule["verbs"])) {
            EXPECT_NE(verb, "*") << role_id;
            Permission p{group, resource, verb, ns};
            granted.insert(p);
            if (rule["resourceNames"]) {
              resource_names[p] = Strings(rule["resourceNames"]);
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(granted, PermissionsTheCodeUses());
  // The lease rules that name an object name the one the elector uses.
  controller::LeaderElectionConfig election;
  for (const char* verb : {"get", "update"}) {
    Permission lease{"coordination.k8s.io", "leases", verb, election.lease_namespace};
    EXPECT_EQ(resource_names[lease], std::vector<std::string>{election.lease_name}) << verb;
  }
}

TEST_F(DeployTest, DeploymentRunsTwoLeaderElectedReplicasOfThisVersionWithProbesAndLimits) {
  std::map<std::string, YAML::Node> objects = BaseObjects();
  const YAML::Node deployment = objects["Deployment/gpupack-system/gpupack-controller"];
  ASSERT_TRUE(deployment.IsMap());
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 2);
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), "gpupack-controller");
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_GE(pod["topologySpreadConstraints"].size(), 1u);
  ASSERT_EQ(pod["containers"].size(), 1u);
  const YAML::Node container = pod["containers"][0];

  std::string version = GP_PROJECT_VERSION;
  EXPECT_EQ(container["image"].as<std::string>(), "ghcr.io/gpupack/gpupack:" + version);
  const YAML::Node kustomization = LoadAll(kDeploy + "kustomization.yaml")[0];
  EXPECT_EQ(kustomization["images"][0]["newTag"].as<std::string>(), version);

  std::vector<std::string> args = Strings(container["args"]);
  ASSERT_GE(args.size(), 2u);
  EXPECT_EQ(args[0], "controller");
  EXPECT_EQ(args[1], "--leader-elect");
  std::map<std::string, int> ports;
  for (const YAML::Node& port : container["ports"]) {
    ports[port["name"].as<std::string>()] = port["containerPort"].as<int>();
  }
  // The bind addresses in the args (or OpsServer's defaults) are the container's ports.
  controller::OpsServerOptions ops;
  for (const std::string& arg : args) {
    if (arg.rfind("--metrics-bind-address=", 0) == 0) {
      ops.metrics_bind_address = arg.substr(arg.find('=') + 1);
    } else if (arg.rfind("--health-probe-bind-address=", 0) == 0) {
      ops.probe_bind_address = arg.substr(arg.find('=') + 1);
    }
  }
  EXPECT_EQ(controller::ParseBindAddress(ops.metrics_bind_address)->port, ports["metrics"]);
  EXPECT_EQ(controller::ParseBindAddress(ops.probe_bind_address)->port, ports["probes"]);
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["port"].as<std::string>(), "probes");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["port"].as<std::string>(), "probes");
  for (const char* kind : {"requests", "limits"}) {
    EXPECT_TRUE(container["resources"][kind]["cpu"]) << kind;
    EXPECT_TRUE(container["resources"][kind]["memory"]) << kind;
  }
  EXPECT_TRUE(container["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(container["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(Strings(container["securityContext"]["capabilities"]["drop"]),
            std::vector<std::string>{"ALL"});

  // The metrics Service and the PDB select these pods.
  const YAML::Node labels = deployment["spec"]["template"]["metadata"]["labels"];
  for (const YAML::Node& selector :
       {objects["Service/gpupack-system/gpupack-controller-metrics"]["spec"]["selector"],
        objects["PodDisruptionBudget/gpupack-system/gpupack-controller"]["spec"]["selector"]
               ["matchLabels"]}) {
    ASSERT_TRUE(selector.IsMap());
    for (const auto& entry : selector) {
      EXPECT_EQ(labels[entry.first.as<std::string>()].as<std::string>(""),
                entry.second.as<std::string>());
    }
  }
}

}  // namespace
}  // namespace gpupack
