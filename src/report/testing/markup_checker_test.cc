#include "report/testing/markup_checker.h"

#include <gtest/gtest.h>

namespace gpupack::report::testing {
namespace {

TEST(MarkupCheckerTest, AcceptsWellFormedSvgAndHtml) {
  EXPECT_TRUE(CheckWellFormed("<svg a=\"1\"><g><text>x &amp; y</text><rect/></g></svg>"));
  EXPECT_TRUE(
      CheckWellFormed("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
                      "<style>a > b {}</style></head><body><!-- c -->"
                      "<script>if (1 < 2 && 3) {}</script></body></html>\n"));
}

TEST(MarkupCheckerTest, RejectsBrokenMarkup) {
  for (const char* bad : {
           "<svg><g></svg>",               // misnested
           "<svg><g>",                     // unclosed
           "<svg></svg><svg></svg>",       // two roots
           "<svg>a & b</svg>",             // bare ampersand
           "<svg>&nbsp;</svg>",            // entity XML does not know
           "<svg a=1></svg>",              // unquoted attribute
           "<svg a=\"1\" a=\"2\"></svg>",  // repeated attribute
           "<svg a=\"<\"></svg>",          // '<' in an attribute
           "<svg>a < b</svg>",             // '<' in text
           "text<svg></svg>",              // text outside the root
           "",                             // nothing
       }) {
    EXPECT_FALSE(CheckWellFormed(bad)) << bad;
  }
}

}  // namespace
}  // namespace gpupack::report::testing
