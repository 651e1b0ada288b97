#include "cluster/scheduling.h"

#include <algorithm>
#include <charconv>

namespace gpupack::cluster {
namespace {

constexpr std::string_view kFieldMetadataName = "metadata.name";

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return std::nullopt;
  }
  return value;
}

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Gt/Lt: both sides must parse as integers and the requirement needs exactly one value.
bool CompareInteger(const NodeSelectorRequirement& requirement, std::string_view label_value) {
  if (requirement.values.size() != 1) {
    return false;
  }
  std::optional<int64_t> bound = ParseInteger(requirement.values.front());
  std::optional<int64_t> actual = ParseInteger(label_value);
  if (!bound || !actual) {
    return false;
  }
  return requirement.op == SelectorOperator::kGt ? *actual > *bound : *actual < *bound;
}

bool MatchesValue(const NodeSelectorRequirement& requirement,
                  std::optional<std::string_view> value) {
  switch (requirement.op) {
    case SelectorOperator::kIn:
      return value.has_value() && Contains(requirement.values, *value);
    case SelectorOperator::kNotIn:
      return !value.has_value() || !Contains(requirement.values, *value);
    case SelectorOperator::kExists:
      return value.has_value();
    case SelectorOperator::kDoesNotExist:
      return !value.has_value();
    case SelectorOperator::kGt:
    case SelectorOperator::kLt:
      return value.has_value() && CompareInteger(requirement, *value);
  }
  return false;
}

}  // namespace

std::string_view SelectorOperatorName(SelectorOperator op) {
  switch (op) {
    case SelectorOperator::kIn:
      return "In";
    case SelectorOperator::kNotIn:
      return "NotIn";
    case SelectorOperator::kExists:
      return "Exists";
    case SelectorOperator::kDoesNotExist:
      return "DoesNotExist";
    case SelectorOperator::kGt:
      return "Gt";
    case SelectorOperator::kLt:
      return "Lt";
  }
  return "?";
}

std::optional<SelectorOperator> ParseSelectorOperator(std::string_view text) {
  for (SelectorOperator op :
       {SelectorOperator::kIn, SelectorOperator::kNotIn, SelectorOperator::kExists,
        SelectorOperator::kDoesNotExist, SelectorOperator::kGt, SelectorOperator::kLt}) {
    if (SelectorOperatorName(op) == text) {
      return op;
    }
  }
  return std::nullopt;
}

std::string_view TaintEffectName(TaintEffect effect) {
  switch (effect) {
    case TaintEffect::kNoSchedule:
      return "NoSchedule";
    case TaintEffect::kPreferNoSchedule:
      return "PreferNoSchedule";
    case TaintEffect::kNoExecute:
      return "NoExecute";
  }
  return "?";
}

std::optional<TaintEffect> ParseTaintEffect(std::string_view text) {
  for (TaintEffect effect :
       {TaintEffect::kNoSchedule, TaintEffect::kPreferNoSchedule, TaintEffect::kNoExecute}) {
    if (TaintEffectName(effect) == text) {
      return effect;
    }
  }
  return std::nullopt;
}

std::string Taint::ToString() const {
  std::string out = key;
  if (!value.empty()) {
    out += '=';
    out += value;
  }
  out += ':';
  out += TaintEffectName(effect);
  return out;
}

bool MatchesRequirement(const NodeSelectorRequirement& requirement, const Labels& labels) {
  auto it = labels.find(requirement.key);
  std::optional<std::string_view> value;
  if (it != labels.end()) {
    value = it->second;
  }
  return MatchesValue(requirement, value);
}

bool MatchesTerm(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name) {
  if (term.match_expressions.empty() && term.match_fields.empty()) {
    return false;
  }
  for (const NodeSelectorRequirement& requirement : term.match_expressions) {
    if (!MatchesRequirement(requirement, labels)) {
      return false;
    }
  }
  for (const NodeSelectorRequirement& requirement : term.match_fields) {
    std::optional<std::string_view> value;
    if (requirement.key == kFieldMetadataName) {
      value = node_name;
    }
    if (!MatchesValue(requirement, value)) {
      return false;
    }
  }
  return true;
}

bool MatchesNodeSelectorTerms(const NodeSelector& selector, const Labels& labels,
                              std::string_view node_name) {
  return std::any_of(
      selector.terms.begin(), selector.terms.end(),
      [&](const NodeSelectorTerm& term) { return MatchesTerm(term, labels, node_name); });
}

bool MatchesLabelMap(const Labels& selector, const Labels& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

bool ToleratesTaint(const Toleration& toleration, const Taint& taint) {
  if (toleration.effect.has_value() && *toleration.effect != taint.effect) {
    return false;
  }
  if (!toleration.key.empty() && toleration.key != taint.key) {
    return false;
  }
  switch (toleration.op) {
    case TolerationOperator::kExists:
      return true;
    case TolerationOperator::kEqual:
      return toleration.value == taint.value;
  }
  return false;
}

const Taint* FindUntoleratedTaint(const std::vector<Toleration>& tolerations,
                                  const std::vector<Taint>& taints) {
  for (const Taint& taint : taints) {
    if (taint.effect == TaintEffect::kPreferNoSchedule) {
      continue;
    }
    bool tolerated = std::any_of(tolerations.begin(), tolerations.end(),
                                 [&](const Toleration& t) { return ToleratesTaint(t, taint); });
    if (!tolerated) {
      return &taint;
    }
  }
  return nullptr;
}

}  // namespace gpupack::cluster
