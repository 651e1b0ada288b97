#include "catalog/config_map_yaml.h"

#include <gtest/gtest.h>

namespace gpupack::catalog {
namespace {

TEST(ConfigMapYamlTest, ReadsKeysTextsAndStartLines) {
  Result<ConfigMapDocument> map = ParseConfigMap(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plugin-configs\n  namespace: gpu\n"
      "data:\n  a: |-\n    version: v1\n    x: 1\n  b: \"inline\"\n",
      "cm.yaml");
  ASSERT_TRUE(map) << map.error().message();
  EXPECT_EQ(map->name, "plugin-configs");
  EXPECT_EQ(map->namespace_name, "gpu");
  ASSERT_EQ(map->data.size(), 2U);
  EXPECT_EQ(map->data[0].key, "a");
  EXPECT_EQ(map->data[0].text, "version: v1\nx: 1");
  EXPECT_EQ(map->data[0].first_line, 8);
  EXPECT_EQ(map->data[1].text, "inline");
  EXPECT_EQ(map->data[1].first_line, 10);
}

TEST(ConfigMapYamlTest, RendersValuesThatReadBackByteForByte) {
  std::vector<std::pair<std::string, std::string>> data = {
      {"ts-4", "version: v1\nflags:\n  migStrategy: none\n"},
      {"no-final-newline", "version: v1"},
      {"config.yaml", "  indented first line\nnext\n\nafter blank\n"}};
  std::string text = RenderConfigMap("gpupack-plugin-configs", "gpu-operator", data);
  EXPECT_TRUE(IsConfigMap(text));
  Result<ConfigMapDocument> map = ParseConfigMap(text, "cm.yaml");
  ASSERT_TRUE(map) << map.error().message() << "\n" << text;
  ASSERT_EQ(map->data.size(), data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(map->data[i].key, data[i].first);
    EXPECT_EQ(map->data[i].text, data[i].second) << text;
  }
  EXPECT_EQ(map->namespace_name, "gpu-operator");
}

TEST(ConfigMapYamlTest, RejectsOtherKindsAndBinaryData) {
  EXPECT_FALSE(IsConfigMap("version: v1\n"));
  EXPECT_FALSE(IsConfigMap("kind: [\n"));
  Result<ConfigMapDocument> secret = ParseConfigMap("apiVersion: v1\nkind: Secret\n", "s.yaml");
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().message(), "s.yaml:1: kind: not a ConfigMap");
  Result<ConfigMapDocument> binary =
      ParseConfigMap("apiVersion: v1\nkind: ConfigMap\nbinaryData:\n  a: AAAA\n", "b.yaml");
  ASSERT_FALSE(binary);
  EXPECT_EQ(binary.error().message(),
            "b.yaml:4: binaryData: binaryData is not read by NVIDIA's tools; use data");
  EXPECT_FALSE(ParseConfigMap("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1]\n", "c.yaml"));
}

}  // namespace
}  // namespace gpupack::catalog
