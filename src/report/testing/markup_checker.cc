#include "report/testing/markup_checker.h"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace gpupack::report::testing {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == ':' || c == '_';
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

bool IsVoidElement(std::string_view name) {
  return name == "meta" || name == "link" || name == "br" || name == "hr" || name == "img" ||
         name == "input";
}

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  Status Run() {
    while (pos_ < text_.size()) {
      if (text_[pos_] == '<') {
        GP_TRY(Markup());
      } else {
        GP_TRY(Text());
      }
    }
    if (!open_.empty()) {
      return Fail("<" + open_.back() + "> is never closed");
    }
    if (roots_ != 1) {
      return Fail(fmt::format("{} root elements instead of one", roots_));
    }
    return OkStatus();
  }

 private:
  tl::unexpected<Error> Fail(const std::string& what) const {
    return InvalidArgumentError(fmt::format("offset {}: {}", pos_, what));
  }

  Status Text() {
    const size_t end = text_.find('<', pos_);
    const std::string_view text =
        text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
    if (open_.empty() && text.find_first_not_of(" \n\t\r") != std::string_view::npos) {
      return Fail("text outside the root element");
    }
    GP_TRY(Entities(text));
    pos_ = end == std::string_view::npos ? text_.size() : end;
    return OkStatus();
  }

  Status Entities(std::string_view text) const {
    static const std::set<std::string, std::less<>> kNamed = {"amp", "lt", "gt", "quot", "apos"};
    for (size_t amp = text.find('&'); amp != std::string_view::npos;
         amp = text.find('&', amp + 1)) {
      const size_t semicolon = text.find(';', amp);
      if (semicolon == std::string_view::npos || semicolon - amp > 10) {
        return Fail("a bare '&'");
      }
      const std::string_view name = text.substr(amp + 1, semicolon - amp - 1);
      const bool numeric = name.size() > 1 && name[0] == '#' &&
                           name.find_first_not_of("0123456789", 1) == std::string_view::npos;
      if (!numeric && !kNamed.contains(name)) {
        return Fail(fmt::format("unknown entity &{};", name));
      }
    }
    return OkStatus();
  }

  Status Skip(std::string_view terminator, std::string_view what) {
    const size_t end = text_.find(terminator, pos_);
    if (end == std::string_view::npos) {
      return Fail(fmt::format("unterminated {}", what));
    }
    pos_ = end + terminator.size();
    return OkStatus();
  }

  std::string Name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) {
      ++pos_;
    }
  }

  Status Markup() {
    if (text_.substr(pos_).starts_with("<!--")) {
      return Skip("-->", "comment");
    }
    if (text_.substr(pos_).starts_with("<!")) {
      if (roots_ > 0 || !open_.empty()) {
        return Fail("a declaration inside the document");
      }
      return Skip(">", "declaration");
    }
    if (text_.substr(pos_).starts_with("</")) {
      pos_ += 2;
      const std::string name = Name();
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '>') {
        return Fail("a closing tag without '>'");
      }
      if (open_.empty() || open_.back() != name) {
        return Fail(fmt::format("</{}> closes <{}>", name, open_.empty() ? "" : open_.back()));
      }
      open_.pop_back();
      ++pos_;
      return OkStatus();
    }
    ++pos_;
    const std::string name = Name();
    if (name.empty()) {
      return Fail("a '<' that starts no tag");
    }
    if (open_.empty() && roots_++ > 0) {
      return Fail(fmt::format("a second root element <{}>", name));
    }
    std::set<std::string> attributes;
    while (true) {
      const size_t before = pos_;
      SkipSpace();
      if (pos_ >= text_.size()) {
        return Fail(fmt::format("unterminated <{}>", name));
      }
      if (text_.substr(pos_).starts_with("/>")) {
        pos_ += 2;
        return OkStatus();
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (pos_ == before) {
        return Fail(fmt::format("no space between attributes of <{}>", name));
      }
      const std::string attribute = Name();
      if (attribute.empty() || !attributes.insert(attribute).second) {
        return Fail(fmt::format("a bad or repeated attribute '{}' in <{}>", attribute, name));
      }
      if (pos_ + 1 >= text_.size() || text_[pos_] != '=' || text_[pos_ + 1] != '"') {
        return Fail(fmt::format("attribute '{}' of <{}> is not =\"...\"", attribute, name));
      }
      pos_ += 2;
      const size_t end = text_.find('"', pos_);
      if (end == std::string_view::npos) {
        return Fail("an unterminated attribute value");
      }
      const std::string_view value = text_.substr(pos_, end - pos_);
      if (value.find('<') != std::string_view::npos) {
        return Fail(fmt::format("a '<' in attribute '{}'", attribute));
      }
      GP_TRY(Entities(value));
      pos_ = end + 1;
    }
    if (IsVoidElement(name)) {
      return OkStatus();
    }
    if (name == "script" || name == "style") {
      return Skip("</" + name + ">", "<" + name + ">");
    }
    open_.push_back(name);
    return OkStatus();
  }

  std::string_view text_;
  size_t pos_ = 0;
  int roots_ = 0;
  std::vector<std::string> open_;
};

}  // namespace

Status CheckWellFormed(std::string_view document) { return Checker(document).Run(); }

}  // namespace gpupack::report::testing
