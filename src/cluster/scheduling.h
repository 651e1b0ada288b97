// Kubernetes scheduling predicates as pure functions: label selectors, node affinity, taints and
// tolerations, with the exact semantics of the kube-scheduler's NodeAffinity and TaintToleration
// filter plugins (k8s.io/component-helpers/scheduling/corev1). The planner's Fit calls these for
// real nodes and for nodes a template would create, so both are judged the same way.
//
// Semantics kept on purpose:
// - A requirement on an absent label: In, Exists, Gt, Lt fail; NotIn and DoesNotExist match.
// - Gt/Lt compare the label value and the requirement's single value as integers; a value that
//   is not an integer never matches.
// - NodeSelector terms are ORed; the expressions and fields within one term are ANDed; a term
//   with no expressions and no fields matches nothing, and so does a selector with no terms.
// - matchFields supports `metadata.name` only (the one field Kubernetes allows).
// - A toleration with an empty key and operator Exists tolerates every taint; an empty effect
//   matches every effect; operator Equal (or empty) compares values, "" equal to "".
// - The scheduler only filters on NoSchedule and NoExecute taints; PreferNoSchedule is a score.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpupack::cluster {

using Labels = std::map<std::string, std::string, std::less<>>;

enum class SelectorOperator { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };

// "In", "NotIn", ... as Kubernetes spells them.
std::string_view SelectorOperatorName(SelectorOperator op);
std::optional<SelectorOperator> ParseSelectorOperator(std::string_view text);

struct NodeSelectorRequirement {
  std::string key;
  SelectorOperator op = SelectorOperator::kIn;
  std::vector<std::string> values;

  bool operator==(const NodeSelectorRequirement&) const = default;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;  // on labels
  std::vector<NodeSelectorRequirement> match_fields;       // on metadata.name only

  bool operator==(const NodeSelectorTerm&) const = default;
};

// requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed.
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;

  bool operator==(const NodeSelector&) const = default;
};

// preferredDuringSchedulingIgnoredDuringExecution: a score, never a filter.
struct PreferredSchedulingTerm {
  int32_t weight = 0;  // 1..100
  NodeSelectorTerm preference;

  bool operator==(const PreferredSchedulingTerm&) const = default;
};

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };

std::string_view TaintEffectName(TaintEffect effect);
std::optional<TaintEffect> ParseTaintEffect(std::string_view text);

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;

  // "key=value:Effect" (or "key:Effect" with an empty value), as kubectl prints taints.
  std::string ToString() const;

  bool operator==(const Taint&) const = default;
};

enum class TolerationOperator { kEqual, kExists };

struct Toleration {
  std::string key;  // empty: every key (only meaningful with kExists)
  TolerationOperator op = TolerationOperator::kEqual;
  std::string value;
  std::optional<TaintEffect> effect;  // nullopt: every effect
  std::optional<int64_t> toleration_seconds;

  bool operator==(const Toleration&) const = default;
};

// One requirement against a node's labels.
bool MatchesRequirement(const NodeSelectorRequirement& requirement, const Labels& labels);

// One term: every expression against `labels`, every field against `node_name`.
bool MatchesTerm(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name);

// Any term matches.
bool MatchesNodeSelectorTerms(const NodeSelector& selector, const Labels& labels,
                              std::string_view node_name);

// A plain nodeSelector map: every key present with exactly that value.
bool MatchesLabelMap(const Labels& selector, const Labels& labels);

// Kubernetes' v1helper.TolerationsTolerateTaint for one toleration and one taint.
bool ToleratesTaint(const Toleration& toleration, const Taint& taint);

// The first taint with effect NoSchedule or NoExecute that no toleration tolerates, or nullptr
// when the scheduler's TaintToleration filter would pass. The pointer is into `taints`.
const Taint* FindUntoleratedTaint(const std::vector<Toleration>& tolerations,
                                  const std::vector<Taint>& taints);

}  // namespace gpupack::cluster
