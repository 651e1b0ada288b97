#include "cluster/snapshot.h"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace gpupack::cluster {
namespace {

Node NamedNode(const std::string& name) {
  Node node;
  node.name = name;
  return node;
}

Pod NamedPod(const std::string& ns, const std::string& name) {
  Pod pod;
  pod.namespace_name = ns;
  pod.name = name;
  return pod;
}

TEST(CompareKeyTest, OrdersPodsAsTheirKeysWouldCompare) {
  for (const auto& [ns, name, key] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"a", "b", "a/b"},
                                                                      {"a", "b", "a/c"},
                                                                      {"a", "bc", "a/b"},
                                                                      {"ab", "c", "a/bc"},
                                                                      {"a", "b", "a/"},
                                                                      {"a", "b", "a/b/c"},
                                                                      {"a", "", "a/"},
                                                                      {"b", "a", "a/z"}}) {
    int want = (ns + "/" + name).compare(key);
    int got = CompareKey(NamedPod(ns, name), key);
    EXPECT_EQ(got < 0, want < 0) << ns << "/" << name << " vs " << key;
    EXPECT_EQ(got == 0, want == 0) << ns << "/" << name << " vs " << key;
  }
}

TEST(CopyOnWriteNodesTest, ReadsInPlaceAndCopiesANodeOnlyWhenWritten) {
  std::vector<Node> cluster = {NamedNode("a"), NamedNode("b"), NamedNode("c")};
  CopyOnWriteNodes nodes({&cluster[0], &cluster[1], &cluster[2]});
  EXPECT_EQ(&nodes[1], &cluster[1]);
  EXPECT_FALSE(nodes.Copied(1));

  nodes.Mutable(1).unschedulable = true;
  EXPECT_TRUE(nodes.Copied(1));
  EXPECT_NE(&nodes[1], &cluster[1]);
  EXPECT_TRUE(nodes[1].unschedulable);
  EXPECT_FALSE(cluster[1].unschedulable);  // the lent node is untouched
  Node* copy = &nodes.Mutable(1);
  EXPECT_EQ(copy, &nodes.Mutable(1));  // copied once
  EXPECT_EQ(&nodes[0], &cluster[0]);

  EXPECT_EQ(nodes.Find("c"), 2u);
  EXPECT_EQ(nodes.Find("bb"), std::nullopt);
}

TEST(CopyOnWriteNodesTest, EraseIfKeepsOrderAndCopies) {
  std::vector<Node> cluster = {NamedNode("a"), NamedNode("b"), NamedNode("c")};
  CopyOnWriteNodes nodes({&cluster[0], &cluster[1], &cluster[2]});
  nodes.Mutable(2).ready = false;
  nodes.EraseIf([](size_t i, const Node&) { return i == 0; });
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "b");
  EXPECT_FALSE(nodes.Copied(0));
  EXPECT_TRUE(nodes.Copied(1));
  EXPECT_FALSE(nodes[1].ready);
  EXPECT_EQ(nodes.Find("c"), 1u);
}

}  // namespace
}  // namespace gpupack::cluster
