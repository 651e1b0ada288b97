// Symbol: an interned, immutable string. The informer caches hold 150,000 pods and 5,000 nodes
// whose label keys, label values, taints, tolerations, resource names and node names repeat
// thousands of times; a Symbol is one pointer to the single pooled copy, where a std::string is
// 32 bytes plus a heap block for anything over 15 characters (BENCHMARKS.md has the effect).
//
// The pool only grows: it holds each distinct string once for the life of the process, which is
// bounded by the distinct label values in the cluster, not by the number of objects.
//
// Thread safety: Intern is thread-safe (one mutex); Symbols are values, safe to share.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace gpupack::kube {

class Symbol {
 public:
  // The empty string.
  Symbol();

  // The pooled copy of `text`.
  static Symbol Intern(std::string_view text);

  const std::string& str() const { return *text_; }

  bool empty() const { return text_->empty(); }

  // Equal text means the same pooled string, so equality is a pointer comparison.
  bool operator==(const Symbol& other) const { return text_ == other.text_; }

  bool operator==(std::string_view other) const { return *text_ == other; }

  // Ordered by text, so sorted lists of Symbols read alphabetically.
  std::strong_ordering operator<=>(const Symbol& other) const {
    return text_ == other.text_ ? std::strong_ordering::equal : *text_ <=> *other.text_;
  }

 private:
  explicit Symbol(const std::string* text) : text_(text) {}

  const std::string* text_;
};

}  // namespace gpupack::kube
