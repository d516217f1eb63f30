#include "common/prometheus_text.hpp"

#include <gtest/gtest.h>

namespace medrelay {

TEST(PrometheusText, WritesFamiliesAndEscapedLabels) {
  PrometheusText out;
  out.family("medrelay_viewers", "gauge", "Viewers watching a stream.");
  out.sample("medrelay_viewers", {{"stream", "or-1"}}, uint64_t{3});
  out.sample("medrelay_viewers", {{"stream", "a\"b\\c\nd"}}, uint64_t{0});
  out.sample("medrelay_up", {}, 1.5);
  EXPECT_EQ(out.text(),
            "# HELP medrelay_viewers Viewers watching a stream.\n"
            "# TYPE medrelay_viewers gauge\n"
            "medrelay_viewers{stream=\"or-1\"} 3\n"
            "medrelay_viewers{stream=\"a\\\"b\\\\c\\nd\"} 0\n"
            "medrelay_up 1.5\n");
}

}  // namespace medrelay
