// The labels and capacity gpu::ComputeAdvertised predicts, checked against NVIDIA's own files:
// the regexes of k8s-device-plugin's GFD end-to-end tests (tests/expected-output*.txt) and the
// label dumps of real H100 nodes in the GPU operator docs (cloud-native-docs). Uses the shipped
// GPU catalog, so a wrong product name, memory figure or slice count there fails here too.
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"
#include "gpu/advertised.h"

namespace gpupack::catalog {
namespace {

std::string NvidiaFile(const std::string& name) {
  Result<std::string> text = ReadFile(std::string(GP_SHARED_DIR) + "/reference/nvidia/" + name);
  EXPECT_TRUE(text) << (text ? "" : text.error().message());
  return text.value_or("");
}

const gpu::GpuCatalog& Catalog() {
  static const Result<gpu::GpuCatalog> catalog = LoadBuiltInGpuCatalog();
  EXPECT_TRUE(catalog) << (catalog ? "" : catalog.error().message());
  return *catalog;
}

gpu::AdvertisedNode Advertise(std::string_view model_name, int count, gpu::MigStrategy strategy,
                              std::vector<std::string> geometry) {
  Result<const gpu::GpuModel*> model = Catalog().Find(model_name);
  EXPECT_TRUE(model) << model_name;
  gpu::NodeGpuLayout layout;
  layout.gpu_count = count;
  layout.mig_enabled = !geometry.empty();
  layout.mig_geometry = std::move(geometry);
  Result<gpu::AdvertisedNode> node =
      ComputeAdvertised(**model, layout, gpu::MakeTimeSlicingConfig(strategy, 1, {}, false));
  EXPECT_TRUE(node) << (node ? "" : node.error().message());
  return node.value_or(gpu::AdvertisedNode{});
}

struct LabelRule {
  std::string text;
  std::regex key;
  std::regex value;
};

// One rule per line, `<key regex>=<value regex>`. The key must match whole; the value regex is
// searched (unanchored), as NVIDIA's harness does: several rules are written as character
// classes (`[none|mps|time-slicing]`) or without digits (`gpu.product=[A-Za-z_-]+`) and only
// work that way.
std::vector<LabelRule> Rules(const std::string& file) {
  std::vector<LabelRule> rules;
  std::string text = NvidiaFile(file);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? end : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    if (line.empty()) {
      continue;
    }
    size_t equals = line.find('=');
    rules.push_back(
        {line, std::regex(line.substr(0, equals)), std::regex(line.substr(equals + 1))});
  }
  return rules;
}

// Rules for labels we do not produce: driver/runtime facts, the machine name, and data the
// catalog does not hold (SM counts, engine counts).
bool RuntimeOnly(const std::string& rule) {
  for (const char* part :
       {"cuda", "gfd\\.timestamp", "gpu\\.machine", "multiprocessors", "engines"}) {
    if (rule.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

void ExpectConforms(const gpu::AdvertisedNode& node, const std::string& file) {
  std::vector<LabelRule> rules = Rules(file);
  ASSERT_GT(rules.size(), 20U);
  for (const auto& [key, value] : node.labels) {
    bool matched = false;
    for (const LabelRule& rule : rules) {
      if (std::regex_match(key, rule.key)) {
        matched = true;
        EXPECT_TRUE(std::regex_search(value, rule.value))
            << key << "=" << value << " does not match " << rule.text;
      }
    }
    EXPECT_TRUE(matched) << key << " is not among " << file << "'s labels";
  }
  size_t claimed = 0;
  for (const LabelRule& rule : rules) {
    if (RuntimeOnly(rule.text)) {
      continue;
    }
    ++claimed;
    bool present = std::any_of(node.labels.begin(), node.labels.end(), [&](const auto& label) {
      return std::regex_match(label.first, rule.key);
    });
    EXPECT_TRUE(present) << "no label for " << rule.text;
  }
  EXPECT_GT(claimed, 8U);
}

TEST(NvidiaLabelsTest, WholeGpuLabelsConformToGfdExpectedOutput) {
  ExpectConforms(Advertise("T4", 4, gpu::MigStrategy::kNone, {}),
                 "k8s-device-plugin__tests_expected-output.txt");
  ExpectConforms(Advertise("H100-SXM5-80GB", 8, gpu::MigStrategy::kNone, {}),
                 "k8s-device-plugin__tests_expected-output.txt");
}

TEST(NvidiaLabelsTest, SingleStrategyLabelsConformToGfdExpectedOutput) {
  gpu::AdvertisedNode node = Advertise("H100-SXM5-80GB", 1, gpu::MigStrategy::kSingle,
                                       std::vector<std::string>(7, "1g.10gb"));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.count"), "7");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.memory"), "9984");
  ExpectConforms(node, "k8s-device-plugin__tests_expected-output-mig-single.txt");
}

TEST(NvidiaLabelsTest, MixedStrategyLabelsConformToGfdExpectedOutput) {
  ExpectConforms(Advertise("H100-SXM5-80GB", 2, gpu::MigStrategy::kMixed,
                           {"3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"}),
                 "k8s-device-plugin__tests_expected-output-mig-mixed.txt");
}

// Keys of a real node that we predict must carry the real node's value. The dumps come from an
// older GFD than v0.20: they have no nvidia.com/gpu.mode, which v0.20 writes (it is in
// expected-output*.txt), so that key alone is exempt.
void ExpectMatchesDump(const gpu::AdvertisedNode& node, const std::string& file,
                       size_t expected_keys) {
  nlohmann::json dump = nlohmann::json::parse(NvidiaFile(file));
  size_t compared = 0;
  for (const auto& [key, value] : node.labels) {
    if (key == "nvidia.com/gpu.mode") {
      continue;
    }
    ASSERT_TRUE(dump.contains(key)) << key << " is not on the real node";
    EXPECT_EQ(dump[key].get<std::string>(), value) << key;
    ++compared;
  }
  EXPECT_EQ(compared, expected_keys);
}

TEST(NvidiaLabelsTest, MixedAllBalancedH100MatchesTheRealNode) {
  gpu::AdvertisedNode node = Advertise("NVIDIA-H100-80GB-HBM3", 1, gpu::MigStrategy::kMixed,
                                       {"1g.10gb", "1g.10gb", "2g.20gb", "3g.40gb"});
  // family, compute.major/minor, mig.capable, mps.capable, mig.strategy, 5 gpu.* labels, and
  // count/replicas/product/sharing-strategy/memory/slices.gi/slices.ci for 3 profiles.
  ExpectMatchesDump(node, "cloud-native-docs__mig-mixed-node-labels.json", 6 + 5 + 3 * 7);
  EXPECT_EQ(node.capacity, (std::map<std::string, int64_t>{{"nvidia.com/mig-1g.10gb", 2},
                                                           {"nvidia.com/mig-2g.20gb", 1},
                                                           {"nvidia.com/mig-3g.40gb", 1}}));
}

TEST(NvidiaLabelsTest, SingleStrategyMigDisabledH100MatchesTheRealNode) {
  gpu::AdvertisedNode node = Advertise("H100-SXM5-80GB", 1, gpu::MigStrategy::kSingle, {});
  ExpectMatchesDump(node, "cloud-native-docs__mig-single-node-labels.json", 6 + 5);
  EXPECT_EQ(node.capacity, (std::map<std::string, int64_t>{{"nvidia.com/gpu", 1}}));
}

}  // namespace
}  // namespace gpupack::catalog
