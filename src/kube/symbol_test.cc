#include "kube/symbol.h"

#include <string>

#include <gtest/gtest.h>

namespace gpupack::kube {
namespace {

TEST(SymbolTest, EqualTextIsTheSamePooledString) {
  std::string built = std::string("nvidia.com/") + "mig-1g.5gb";
  Symbol a = Symbol::Intern("nvidia.com/mig-1g.5gb");
  Symbol b = Symbol::Intern(built);
  EXPECT_EQ(a, b);
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_EQ(a, "nvidia.com/mig-1g.5gb");
  EXPECT_NE(a, Symbol::Intern("nvidia.com/gpu"));
}

TEST(SymbolTest, EmptySymbolsAreEqualWhetherDefaultOrInterned) {
  EXPECT_EQ(Symbol(), Symbol::Intern(""));
  EXPECT_TRUE(Symbol().empty());
}

TEST(SymbolTest, OrderIsAlphabetical) {
  EXPECT_LT(Symbol::Intern("cpu"), Symbol::Intern("memory"));
  EXPECT_GT(Symbol::Intern("nvidia.com/gpu"), Symbol::Intern("memory"));
}

}  // namespace
}  // namespace gpupack::kube
