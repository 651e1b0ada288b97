#include "common/file.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpupack {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gp-file-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  size_t EntryCount() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) {
      ++n;
    }
    return n;
  }

  std::filesystem::path dir_;
};

TEST_F(FileTest, WritesAndReadsBack) {
  std::string path = (dir_ / "out.txt").string();
  ASSERT_TRUE(WriteFileAtomically(path, "hello\n").has_value());
  EXPECT_EQ(ReadFile(path).value(), "hello\n");
  ASSERT_TRUE(WriteFileAtomically(path, "replaced").has_value());
  EXPECT_EQ(ReadFile(path).value(), "replaced");
  EXPECT_EQ(EntryCount(), 1u) << "a temporary file was left behind";
}

TEST_F(FileTest, MissingFileIsNotFoundAndNamesThePath) {
  auto result = ReadFile((dir_ / "missing.yaml").string());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("missing.yaml"), std::string::npos);
}

TEST_F(FileTest, DirectoryIsRejected) {
  auto result = ReadFile(dir_.string());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(FileTest, SizeLimitIsEnforced) {
  std::string path = (dir_ / "big").string();
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100, 'x')).has_value());
  EXPECT_FALSE(ReadFile(path, 99).has_value());
  EXPECT_TRUE(ReadFile(path, 100).has_value());
}

TEST_F(FileTest, UnwritableDirectoryFailsWithoutLeavingFiles) {
  std::string path = (dir_ / "no-such-dir" / "out.txt").string();
  auto status = WriteFileAtomically(path, "data");
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message().find("out.txt"), std::string::npos);
  EXPECT_EQ(EntryCount(), 0u);
}

}  // namespace
}  // namespace gpupack
