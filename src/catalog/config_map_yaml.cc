#include "catalog/config_map_yaml.h"

#include "catalog/internal/yaml_reader.h"

namespace gpupack::catalog {
namespace {

using catalog_internal::YamlReader;

}  // namespace

bool IsConfigMap(std::string_view text) {
  YamlReader reader("", 1, nullptr);
  Result<YAML::Node> root = reader.Load(text);
  if (!root || !root->IsMap()) {
    return false;
  }
  try {
    const YAML::Node kind = (*root)["kind"];
    return kind && kind.IsScalar() && kind.Scalar() == "ConfigMap";
  } catch (const YAML::Exception&) {
    return false;
  }
}

Result<ConfigMapDocument> ParseConfigMap(std::string_view text, std::string_view source) {
  YamlReader reader(std::string(source), 1, nullptr);
  GP_ASSIGN_OR_RETURN(YAML::Node root, reader.Load(text));
  try {
    GP_TRY(reader.RequireMap(root, ""));
    const YAML::Node kind = root["kind"];
    if (!kind || !kind.IsScalar() || kind.Scalar() != "ConfigMap") {
      return reader.Fail(root, "kind", "not a ConfigMap");
    }
    const YAML::Node api_version = root["apiVersion"];
    if (!api_version || !api_version.IsScalar() || api_version.Scalar() != "v1") {
      return reader.Fail(api_version ? api_version : root, "apiVersion",
                         "a ConfigMap needs apiVersion v1");
    }
    if (root["binaryData"]) {
      return reader.Fail(root["binaryData"], "binaryData",
                         "binaryData is not read by NVIDIA's tools; use data");
    }
    ConfigMapDocument document;
    if (const YAML::Node metadata = root["metadata"]) {
      GP_TRY(reader.RequireMap(metadata, "metadata"));
      if (const YAML::Node name = metadata["name"]) {
        GP_ASSIGN_OR_RETURN(document.name, reader.String(name, "metadata.name"));
      }
      if (const YAML::Node namespace_node = metadata["namespace"]) {
        GP_ASSIGN_OR_RETURN(document.namespace_name,
                            reader.String(namespace_node, "metadata.namespace"));
      }
    }
    const YAML::Node data = root["data"];
    if (!data || data.IsNull()) {
      return document;
    }
    GP_TRY(reader.RequireMap(data, "data"));
    for (const auto& item : data) {
      const std::string path = "data." + item.first.Scalar();
      GP_ASSIGN_OR_RETURN(std::string value, reader.String(item.second, path));
      document.data.push_back({item.first.Scalar(), std::move(value),
                               catalog_internal::BlockScalarFirstLine(item.second, 1),
                               reader.Line(item.first)});
    }
    return document;
  } catch (const YAML::Exception& e) {
    return reader.Fail(root, "", std::string("malformed ConfigMap: ") + e.what());
  }
}

std::string RenderConfigMap(std::string_view name, std::string_view namespace_name,
                            const std::vector<std::pair<std::string, std::string>>& data) {
  std::string out =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + catalog_internal::YamlScalar(name) +
      "\n";
  if (!namespace_name.empty()) {
    out += "  namespace: " + catalog_internal::YamlScalar(namespace_name) + "\n";
  }
  if (data.empty()) {
    return out + "data: {}\n";
  }
  out += "data:\n";
  for (const auto& [key, text] : data) {
    // Chomping: `|-` keeps no final newline, `|` one, `|+` all of them, so every value reads
    // back byte for byte.
    const bool ends_with_newline = text.ends_with('\n');
    const bool ends_with_blank_lines = text.ends_with("\n\n");
    out += "  " + catalog_internal::YamlScalar(key) + ": " +
           (ends_with_blank_lines ? "|+" : (ends_with_newline ? "|" : "|-"));
    // YAML takes the indentation from the first non-empty line; when that line itself starts
    // with spaces the indentation must be given explicitly.
    const size_t first_content = text.find_first_not_of('\n');
    if (first_content != std::string::npos && text[first_content] == ' ') {
      out += "2";  // explicit indentation (relative to the key's): the first line is indented
    }
    out += "\n";
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) {
        end = text.size();
      }
      std::string_view line(text.data() + start, end - start);
      out += line.empty() ? "\n" : "    " + std::string(line) + "\n";
      start = end + 1;
    }
  }
  return out;
}

}  // namespace gpupack::catalog
