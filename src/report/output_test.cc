#include "report/output.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace gpupack::report {
namespace {

// Converts a parsed YAML node back to JSON, reading scalars the way a YAML 1.1 loader would.
nlohmann::json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& item : node) {
        out[item.first.as<std::string>()] = FromYaml(item.second);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) {
        out.push_back(FromYaml(item));
      }
      return out;
    }
    case YAML::NodeType::Scalar: {
      if (node.Tag() == "!") {  // quoted: always a string
        return node.as<std::string>();
      }
      const std::string& text = node.Scalar();
      if (text == "true" || text == "false") {
        return text == "true";
      }
      if (text == "null") {
        return nullptr;
      }
      int64_t integer = 0;
      if (YAML::convert<int64_t>::decode(node, integer)) {
        return integer;
      }
      double real = 0;
      if (YAML::convert<double>::decode(node, real)) {
        return real;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

TEST(OutputTest, YamlRoundTripsThroughARealYamlParser) {
  nlohmann::json doc = {
      {"name", "A100-SXM4-40GB"},
      {"memoryMiB", 40960},
      {"migCapable", true},
      {"ratio", 0.5},
      {"tricky",
       {"true", "1.5", "", "a: b", "- x", "#c", "ok", "0x20B010DE", "0o17", "1:20", ".inf", "y",
        "1e3", "3g.20gb"}},
      {"nested", {{"profiles", {"3g.20gb", "1g.5gb"}}, {"empty", nlohmann::json::array()}}},
      {"list", {{{"profile", "1g.5gb"}, {"start", 0}}, {{"profile", "2g.10gb"}, {"start", 2}}}},
      {"emptyObject", nlohmann::json::object()},
  };
  std::string text = ToYamlText(doc);
  YAML::Node parsed = YAML::Load(text);
  EXPECT_EQ(FromYaml(parsed), doc) << text;
}

TEST(OutputTest, ParsesFormatsAndRejectsOthers) {
  EXPECT_EQ(ParseOutputFormat("json").value(), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("yaml").value(), OutputFormat::kYaml);
  EXPECT_EQ(ParseOutputFormat("table").value(), OutputFormat::kTable);
  auto bad = ParseOutputFormat("xml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("xml"), std::string::npos);
}

TEST(OutputTest, FormatOutputPrintsTheTableTextOrTheDocumentAsAsked) {
  nlohmann::json document = {{"valid", true}};
  EXPECT_EQ(FormatOutput(OutputFormat::kTable, "a: valid\n", document), "a: valid\n");
  EXPECT_EQ(FormatOutput(OutputFormat::kJson, "a: valid\n", document), ToJsonText(document));
  EXPECT_EQ(FormatOutput(OutputFormat::kYaml, "a: valid\n", document), "valid: true\n");
}

TEST(OutputTest, TableAlignsColumns) {
  Table table({"name", "gpus"});
  table.AddRow({"a100", "8"});
  table.AddRow({"t4-long-name", "1"});
  EXPECT_EQ(table.ToText(),
            "NAME           GPUS\n"
            "a100           8\n"
            "t4-long-name   1\n");
}

}  // namespace
}  // namespace gpupack::report
