#include "catalog/document_kinds.h"

#include <gtest/gtest.h>

namespace gpupack::catalog {
namespace {

std::vector<std::string> Lines(const FileReport& report) {
  std::vector<std::string> lines;
  for (const LocatedIssue& issue : report.issues) {
    lines.push_back(FormatIssue(issue));
  }
  return lines;
}

DocumentKindRegistry NvidiaKinds() {
  DocumentKindRegistry registry;
  AddNvidiaDocumentKinds(registry, nullptr);
  return registry;
}

TEST(DocumentKindsTest, DetectsMigPartedAndDevicePluginConfigs) {
  DocumentKindRegistry registry = NvidiaKinds();
  FileReport mig = registry.CheckFile(
      "mig.yaml",
      "version: v1\nmig-configs:\n  off:\n    - devices: all\n      mig-enabled: false\n");
  EXPECT_TRUE(mig.ok());
  EXPECT_EQ(mig.kinds, std::vector<std::string>{"mig-parted config"});
  FileReport plugin = registry.CheckFile("dp.yaml", "version: v1\nflags:\n  migStrategy: single\n");
  EXPECT_TRUE(plugin.ok());
  EXPECT_EQ(plugin.kinds, std::vector<std::string>{"device-plugin config"});
}

TEST(DocumentKindsTest, ReportsProblemsInsideConfigMapsAtTheirFileLines) {
  FileReport report = NvidiaKinds().CheckFile(
      "cm.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plugin\ndata:\n"
      "  ts-1: |-\n    version: v1\n    sharing:\n      timeSlicing:\n        resources:\n"
      "        - name: nvidia.com/gpu\n          replicas: 1\n"
      "  notes.txt: hello\n");
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.kinds, std::vector<std::string>{"device-plugin config (ConfigMap key ts-1)"});
  EXPECT_EQ(Lines(report),
            (std::vector<std::string>{
                "cm.yaml:12: error: sharing.timeSlicing.resources[0].replicas: number of "
                "replicas must be >= 2 (got 1)",
                "cm.yaml:13: note: data.notes.txt: not a file gpupack knows (mig-parted config, "
                "device-plugin config); not checked"}));
}

TEST(DocumentKindsTest, ChecksEveryDocumentOfAMultiDocumentFile) {
  FileReport report = NvidiaKinds().CheckFile(
      "multi.yaml", "version: v1\nflags: {migStrategy: none}\n---\nversion: v3\nmig-configs: {}\n");
  EXPECT_EQ(report.kinds, (std::vector<std::string>{"device-plugin config", "mig-parted config"}));
  EXPECT_EQ(Lines(report),
            std::vector<std::string>{
                "multi.yaml:4: error: version: unknown version \"v3\" (expected v1)"});
}

TEST(DocumentKindsTest, UnknownBrokenAndEmptyFilesAreErrors) {
  DocumentKindRegistry registry = NvidiaKinds();
  EXPECT_EQ(Lines(registry.CheckFile("x.yaml", "apiVersion: v1\nkind: Pod\n")),
            std::vector<std::string>{"x.yaml:1: error: cannot tell what this document is (known: "
                                     "mig-parted config, device-plugin config)"});
  EXPECT_EQ(
      Lines(registry.CheckFile("bad.yaml", "version: v1\nflags: [\n")),
      std::vector<std::string>{"bad.yaml:3: error: invalid YAML: end of sequence flow not found"});
  EXPECT_EQ(Lines(registry.CheckFile("empty.yaml", "\n")),
            std::vector<std::string>{"empty.yaml: error: empty file"});
  FileReport unknown_map = registry.CheckFile(
      "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: clients\ndata:\n  a: b\n");
  EXPECT_FALSE(unknown_map.ok());
}

TEST(DocumentKindsTest, NewKindsPlugInWithoutTouchingTheDetector) {
  DocumentKindRegistry registry = NvidiaKinds();
  registry.Add(
      {"pod", [](const DocumentView& view) { return view.kind == "Pod"; },
       [](const DocumentView& view) {
         return std::vector<LocatedIssue>{
             {{gpu::Severity::kWarning, "spec", "no GPU requested"}, view.source, view.first_line}};
       }});
  FileReport report = registry.CheckFile("pod.yaml", "apiVersion: v1\nkind: Pod\n");
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.kinds, std::vector<std::string>{"pod"});
  EXPECT_EQ(Lines(report), std::vector<std::string>{"pod.yaml:1: warning: spec: no GPU requested"});
}

}  // namespace
}  // namespace gpupack::catalog
