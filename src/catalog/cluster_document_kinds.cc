#include "catalog/cluster_document_kinds.h"

#include <charconv>

#include "catalog/instance_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/snapshot.h"

namespace gpupack::catalog {
namespace {

bool IsWorkloadOrList(const DocumentView& view) {
  const std::string& kind = view.kind;
  return kind == "Pod" || kind == "Node" || kind == "Deployment" || kind == "StatefulSet" ||
         kind == "ReplicaSet" || kind == "Job" || kind == "List" || kind == "PodList" ||
         kind == "NodeList" || kind == "DeploymentList" || kind == "StatefulSetList" ||
         kind == "ReplicaSetList" || kind == "JobList" || kind == "NodeTemplateList";
}

// A reader message "<source>:<line>: <rest>" as an issue at the file's line (the document
// starts at view.first_line); other messages are put on the document's first line.
LocatedIssue ToIssue(const DocumentView& view, gpu::Severity severity, const std::string& message) {
  std::string prefix = view.source + ":";
  int line = 0;
  std::string rest = message;
  if (message.starts_with(prefix)) {
    const char* begin = message.data() + prefix.size();
    const char* end = message.data() + message.size();
    auto [ptr, ec] = std::from_chars(begin, end, line);
    if (ec == std::errc() && ptr + 1 < end && *ptr == ':' && *(ptr + 1) == ' ') {
      rest = std::string(ptr + 2, end);
    } else {
      line = 0;
    }
  }
  int file_line = line > 0 ? view.first_line + line - 1 : view.first_line;
  return {{severity, "", rest}, view.source, file_line};
}

std::vector<LocatedIssue> CheckKubeObjects(const DocumentView& view,
                                           const gpu::GpuCatalog& catalog) {
  std::vector<LocatedIssue> issues;
  Result<KubeObjects> objects = ReadKubeObjects(view.text, view.source, catalog);
  if (!objects) {
    issues.push_back(ToIssue(view, gpu::Severity::kError, objects.error().message()));
    return issues;
  }
  for (const std::string& warning : objects->warnings) {
    issues.push_back(ToIssue(view, gpu::Severity::kWarning, warning));
  }
  std::vector<std::string> ignored;
  Result<cluster::ClusterSnapshot> snapshot = cluster::BuildSnapshot(
      objects->nodes, objects->pods, objects->templates, {}, catalog, ignored);
  if (!snapshot) {
    issues.push_back(
        {{gpu::Severity::kError, "", snapshot.error().message()}, view.source, view.first_line});
    return issues;
  }
  for (const cluster::Pod* pod : snapshot->UnsatisfiablePods()) {
    issues.push_back({{gpu::Severity::kWarning, "Pod/" + pod->Key(),
                       "no node gpupack can make will run it: " + pod->unsatisfiable_reason},
                      view.source,
                      view.first_line});
  }
  return issues;
}

}  // namespace

void AddClusterDocumentKinds(DocumentKindRegistry& registry, const gpu::GpuCatalog& catalog) {
  registry.Add({"Kubernetes objects", IsWorkloadOrList,
                [&catalog](const DocumentView& view) { return CheckKubeObjects(view, catalog); }});
  registry.Add({"gpupack NodeTemplate",
                [](const DocumentView& view) { return view.kind == "NodeTemplate"; },
                [&catalog](const DocumentView& view) { return CheckKubeObjects(view, catalog); }});
  registry.Add({"instance catalog",
                [](const DocumentView& view) {
                  return view.is_yaml_mapping && view.HasKey("instanceTypes");
                },
                [&catalog](const DocumentView& view) {
                  std::vector<LocatedIssue> issues;
                  Result<cluster::InstanceCatalog> parsed =
                      ParseInstanceCatalog(view.text, view.source, catalog);
                  if (!parsed) {
                    issues.push_back(
                        ToIssue(view, gpu::Severity::kError, parsed.error().message()));
                  }
                  return issues;
                }});
}

}  // namespace gpupack::catalog
