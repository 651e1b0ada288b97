#include "kube/symbol.h"

#include <mutex>
#include <unordered_set>

namespace gpupack::kube {
namespace {

struct TextHash {
  using is_transparent = void;

  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct Pool {
  std::mutex mu;
  // Node-based: element addresses never move, so Symbols may point into it.
  std::unordered_set<std::string, TextHash, std::equal_to<>> strings;
};

Pool& ThePool() {
  static Pool pool;
  return pool;
}

const std::string* EmptyString() {
  static const std::string empty;
  return &empty;
}

}  // namespace

Symbol::Symbol() : text_(EmptyString()) {}

Symbol Symbol::Intern(std::string_view text) {
  if (text.empty()) {
    return Symbol();
  }
  Pool& pool = ThePool();
  std::lock_guard lock(pool.mu);
  auto it = pool.strings.find(text);
  if (it == pool.strings.end()) {
    it = pool.strings.emplace(text).first;
  }
  return Symbol(&*it);
}

}  // namespace gpupack::kube
