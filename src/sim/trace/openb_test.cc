#include "sim/trace/openb.h"

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

TEST(OpenbTest, ParsesANodeListWithAnyColumnOrder) {
  Result<std::vector<plan::packing::PackNodeSpec>> nodes = ParseOpenbNodeList(
      "model,sn,cpu_milli,memory_mib,gpu\r\nT4,n1,104000,524288,2\n\n,n2,32000,262144,0\n",
      "nodes.csv");
  ASSERT_TRUE(nodes.has_value()) << nodes.error().message();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].name, "n1");
  EXPECT_EQ((*nodes)[0].cpu_milli, 104000);
  EXPECT_EQ((*nodes)[0].gpu_count, 2);
  EXPECT_EQ((*nodes)[0].model, "T4");
  EXPECT_EQ((*nodes)[1].model, "");
}

TEST(OpenbTest, NodeListErrorsNameFileAndLine) {
  auto error = [](std::string_view text) {
    Result<std::vector<plan::packing::PackNodeSpec>> nodes = ParseOpenbNodeList(text, "n.csv");
    EXPECT_FALSE(nodes.has_value());
    return nodes.has_value() ? std::string() : nodes.error().message();
  };
  EXPECT_EQ(error("sn,cpu_milli,memory_mib,gpu,model\nn1,8000,1024,2,T4\nn2,lots,1024,2,T4\n"),
            "n.csv:3: cpu_milli 'lots' is not an integer");
  EXPECT_EQ(error("sn,cpu_milli,memory_mib,gpu\n"), "n.csv:1: header has no column 'model'");
  EXPECT_EQ(error("sn,cpu_milli,memory_mib,gpu,model\nn1,8000,1024,2\n"),
            "n.csv:2: expected 5 fields, found 4");
  EXPECT_EQ(error("sn,cpu_milli,memory_mib,gpu,model\nn1,8000,1024,2,\n"),
            "n.csv:2: node n1 has GPUs but no model");
  EXPECT_EQ(error("sn,cpu_milli,memory_mib,gpu,model\nn1,8000,1024,99,T4\n"),
            "n.csv:2: gpu 99 is outside 0..16");
  EXPECT_EQ(error(""), "n.csv:0: empty file; expected a header line");
}

TEST(OpenbTest, ParsesPodListsWithAndWithoutGpuSpec) {
  Result<std::vector<OpenbPod>> full = ParseOpenbPodList(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase\n"
      "p1,12000,16384,1,460,,LS,Running\n"
      "p2,16000,32768,1,1000,V100M16|V100M32,LS,Running\n"
      "p3,4000,0,0,0,nan,BE,Failed\n",
      "pods.csv");
  ASSERT_TRUE(full.has_value()) << full.error().message();
  ASSERT_EQ(full->size(), 3u);
  EXPECT_EQ((*full)[0].gpu_milli, 460);
  EXPECT_TRUE((*full)[0].gpu_spec.empty());
  EXPECT_EQ((*full)[1].gpu_spec, (std::vector<std::string>{"V100M16", "V100M32"}));
  EXPECT_TRUE((*full)[2].gpu_spec.empty());
  // The multigpu variants have only five columns.
  Result<std::vector<OpenbPod>> short_form = ParseOpenbPodList(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np1,64000,65536,8,1000\n", "multi.csv");
  ASSERT_TRUE(short_form.has_value()) << short_form.error().message();
  EXPECT_EQ((*short_form)[0].num_gpu, 8);
}

TEST(OpenbTest, RejectsInconsistentGpuRequests) {
  auto error = [](std::string_view row) {
    Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n" + std::string(row), "p.csv");
    EXPECT_FALSE(pods.has_value());
    return pods.has_value() ? std::string() : pods.error().message();
  };
  EXPECT_EQ(error("p,1000,10,2,500\n"),
            "p.csv:2: a pod with 2 GPUs must ask for whole GPUs (gpu_milli 1000), not 500");
  EXPECT_EQ(error("p,1000,10,0,300\n"), "p.csv:2: gpu_milli 300 without GPUs (num_gpu 0)");
  EXPECT_EQ(error("p,1000,10,1,1500\n"), "p.csv:2: gpu_milli 1500 is outside 0..1000");
  EXPECT_EQ(error("p,-5,10,1,500\n"), "p.csv:2: cpu_milli -5 is outside 0..2305843009213693951");
  EXPECT_EQ(error(",1000,10,1,500\n"), "p.csv:2: empty pod name");
}

TEST(OpenbTest, MissingFileIsNotFound) {
  Result<std::vector<OpenbPod>> pods = ReadOpenbPodList("/nonexistent/openb_pod_list_x.csv");
  ASSERT_FALSE(pods.has_value());
  EXPECT_EQ(pods.error().code(), ErrorCode::kNotFound);
}

TEST(OpenbTest, GpuSpecBecomesAModelMaskOfTheCluster) {
  std::vector<plan::packing::PackNodeSpec> specs = {{"a", 1000, 1000, 1, "T4"},
                                                    {"b", 1000, 1000, 1, "V100M16"}};
  plan::packing::PackCluster cluster = *plan::packing::PackCluster::Create(specs);
  OpenbPod any{"p", 1000, 10, 1, 1000, {}, {}, {}, {}};
  EXPECT_EQ(ToPackPod(any, cluster).allowed_models, ~uint32_t{0});
  OpenbPod v100{"p", 1000, 10, 1, 1000, {"V100M16", "V100M32"}, {}, {}, {}};
  EXPECT_EQ(ToPackPod(v100, cluster).allowed_models, uint32_t{1} << *cluster.ModelIndex("V100M16"));
  OpenbPod unknown{"p", 1000, 10, 1, 1000, {"H100"}, {}, {}, {}};
  EXPECT_EQ(ToPackPod(unknown, cluster).allowed_models, 0u);
}

}  // namespace
}  // namespace gpupack::sim
