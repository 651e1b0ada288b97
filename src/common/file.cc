#include "common/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpupack {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}

  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

  ~FdCloser() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return NotFoundError(fmt::format("{}: no such file", path));
    }
    return UnavailableError(fmt::format("{}: cannot open: {}", path, ErrnoText()));
  }
  FdCloser closer(fd);

  struct stat info {};

  if (::fstat(fd, &info) != 0) {
    return UnavailableError(fmt::format("{}: cannot stat: {}", path, ErrnoText()));
  }
  if (S_ISDIR(info.st_mode)) {
    return InvalidArgumentError(fmt::format("{}: is a directory, not a file", path));
  }
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return UnavailableError(fmt::format("{}: read failed: {}", path, ErrnoText()));
    }
    if (n == 0) {
      break;
    }
    if (contents.size() + static_cast<size_t>(n) > max_bytes) {
      return InvalidArgumentError(
          fmt::format("{}: file is larger than the {} byte limit", path, max_bytes));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  if (path == "-") {
    if (std::fwrite(contents.data(), 1, contents.size(), stdout) != contents.size() ||
        std::fflush(stdout) != 0) {
      return UnavailableError("standard output: write failed");
    }
    return OkStatus();
  }
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return UnavailableError(fmt::format("{}: cannot create: {}", path, ErrnoText()));
  }
  FdCloser closer(fd);
  auto fail = [&](std::string_view what) {
    std::string message = fmt::format("{}: {}: {}", path, what, ErrnoText());
    ::unlink(temp.c_str());
    return UnavailableError(std::move(message));
  };
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail("write failed");
    }
    written += static_cast<size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    return fail("flush failed");
  }
  if (::close(closer.Release()) != 0) {
    return fail("close failed");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail("rename failed");
  }
  return OkStatus();
}

}  // namespace gpupack
