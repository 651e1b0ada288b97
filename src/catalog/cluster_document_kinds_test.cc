#include "catalog/cluster_document_kinds.h"

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"

namespace gpupack::catalog {
namespace {

class ClusterDocumentKindsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
    AddNvidiaDocumentKinds(registry_, &*gpus_);
    AddClusterDocumentKinds(registry_, *gpus_);
  }

  FileReport CheckPath(const std::string& path) {
    Result<std::string> text = ReadFile(path);
    EXPECT_TRUE(text) << path;
    return registry_.CheckFile(path, text ? *text : "");
  }

  std::optional<gpu::GpuCatalog> gpus_;
  DocumentKindRegistry registry_;
};

TEST_F(ClusterDocumentKindsTest, ExamplesTemplatesAndInstanceCatalogsValidate) {
  const std::string root = GP_SOURCE_DIR;
  for (const char* file :
       {"/examples/mig-seed-deployment.yaml", "/examples/mixed-profiles.yaml",
        "/examples/templates/a100-mig-mixed.yaml", "/catalog/instances/aws.yaml"}) {
    FileReport report = CheckPath(root + file);
    EXPECT_TRUE(report.ok()) << file << ": "
                             << (report.issues.empty() ? "" : report.issues[0].issue.message);
    EXPECT_TRUE(report.issues.empty()) << file;
  }
  EXPECT_EQ(
      CheckPath(root + "/examples/mixed-profiles.yaml").kinds,
      (std::vector<std::string>{"Kubernetes objects", "Kubernetes objects", "Kubernetes objects"}));
  EXPECT_EQ(CheckPath(root + "/catalog/instances/gcp.yaml").kinds,
            (std::vector<std::string>{"instance catalog"}));
}

TEST_F(ClusterDocumentKindsTest, ErrorsSitAtTheirLineInTheFile) {
  FileReport report = registry_.CheckFile("w.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: ok}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: c
    resources: {requests: {memory: 1Q}}
)");
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.issues.size(), 1U);
  EXPECT_EQ(report.issues[0].line, 12);
  EXPECT_EQ(report.issues[0].issue.message.substr(0, 58),
            "Pod/bad: spec.containers[0].resources.requests.memory: inv");
}

TEST_F(ClusterDocumentKindsTest, UnsatisfiablePodsAndUnknownFieldsAreWarnings) {
  FileReport report = registry_.CheckFile("w.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: ml}
spec:
  containers:
  - {name: c, resources: {limits: {nvidia.com/mig-9g.99gb: 1}}}
---
apiVersion: gpupack.io/v1alpha1
kind: NodeTemplate
metadata: {name: t}
spec: {sharedClientsPerGPU: 4}
)");
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(report.issues.size(), 2U);
  EXPECT_EQ(report.issues[0].issue.severity, gpu::Severity::kWarning);
  EXPECT_EQ(report.issues[0].issue.path, "Pod/ml/huge");
  EXPECT_NE(report.issues[0].issue.message.find("MIG profile \"9g.99gb\""), std::string::npos);
  EXPECT_EQ(report.issues[1].line, 11);
  EXPECT_NE(report.issues[1].issue.message.find("unknown field spec.sharedClientsPerGPU"),
            std::string::npos);
}

}  // namespace
}  // namespace gpupack::catalog
