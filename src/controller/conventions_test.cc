#include "controller/conventions.h"

#include <gtest/gtest.h>

namespace gpupack::controller {
namespace {

// NodeClaim names come from StableHash: a restarted controller (any build) must compute the
// same ones, so the hash is FNV-1a 64 exactly (its published test vectors).
TEST(ConventionsTest, StableHashIsFnv1a64) {
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(StableHash("foobar"), 0x85944171f73967e8ULL);
}

TEST(ConventionsTest, Hex16IsSixteenLowerCaseDigits) {
  EXPECT_EQ(Hex16(0xaf63dc4c8601ec8cULL), "af63dc4c8601ec8c");
  EXPECT_EQ(Hex16(0x2a), "000000000000002a");
}

}  // namespace
}  // namespace gpupack::controller
