#include "catalog/internal/yaml_guard.h"

#include <cstddef>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace gpupack::catalog::catalog_internal {
namespace {

// Counts parse events and throws once there are more than a terminating parse can produce: at
// most a few per input byte ("[]" is four: document start, sequence start and end, document end).
class EventBudget : public YAML::EventHandler {
 public:
  explicit EventBudget(size_t text_size) : limit_(4 * text_size + 64) {}

  void OnDocumentStart(const YAML::Mark& mark) override { Count(mark); }

  void OnDocumentEnd() override { Count(YAML::Mark()); }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { Count(mark); }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { Count(mark); }

  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    Count(mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {
    Count(mark);
  }

  void OnSequenceEnd() override { Count(YAML::Mark()); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    Count(mark);
  }

  void OnMapEnd() override { Count(YAML::Mark()); }

 private:
  void Count(const YAML::Mark& mark) {
    if (!mark.is_null()) {
      last_ = mark;
    }
    if (++events_ > limit_) {
      throw YAML::ParserException(last_,
                                  "malformed YAML that this parser cannot finish reading "
                                  "(a stray ',' after a top-level value?)");
    }
  }

  size_t limit_;
  size_t events_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

}  // namespace

void GuardYamlParse(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  EventBudget budget(text.size());
  while (parser.HandleNextDocument(budget)) {
  }
}

}  // namespace gpupack::catalog::catalog_internal
