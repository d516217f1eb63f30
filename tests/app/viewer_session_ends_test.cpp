// Why viewer sessions ended, as /metrics shows it: every reason has its own bounded label, any
// other code (whatever a peer or a future code path says) counts as "other", and the counts
// appear per stream, zeros included (so a rate over them works from the first scrape).
#include "app/viewer_session_ends.hpp"

#include <gtest/gtest.h>

#include <string>

#include "app/stream_metrics.hpp"
#include "app/stream_registry.hpp"

namespace medrelay::app {
namespace {

TEST(ViewerSessionEnds, EveryReasonKeepsItsNameAndAnythingElseIsOther) {
  for (size_t i = 0; i < kViewerEndCount; ++i) {
    auto end = static_cast<ViewerEnd>(i);
    EXPECT_EQ(viewerEndFromCode(viewerEndName(end)), end) << viewerEndName(end);
  }
  EXPECT_EQ(viewerEndFromCode("ice-failed"), ViewerEnd::IceFailed);
  EXPECT_EQ(viewerEndFromCode(""), ViewerEnd::Other);
  EXPECT_EQ(viewerEndFromCode("ICE-FAILED"), ViewerEnd::Other);
  EXPECT_EQ(viewerEndFromCode("ice-failed\n{x=\"y\"}"), ViewerEnd::Other);
}

TEST(ViewerSessionEnds, CountsShowPerStreamAndReasonInMetrics) {
  relay::MediaWorker worker{"ends-test"};
  relay::router::PacketPool pool{16};
  StreamRegistry streams;
  auto a = streams.add(std::make_unique<Stream>(
      "or-1", "camera", worker, pool,
      std::vector<relay::router::IngestEncoding>{{relay::rtp::Codec::Vp8, 96}}));
  auto b = streams.add(std::make_unique<Stream>(
      "or-2", "camera", worker, pool,
      std::vector<relay::router::IngestEncoding>{{relay::rtp::Codec::Vp8, 96}}));
  a->viewerEnds().note(ViewerEnd::IceFailed);
  a->viewerEnds().note(ViewerEnd::IceFailed);
  a->viewerEnds().note(ViewerEnd::Left);
  b->viewerEnds().note(viewerEndFromCode("dtls-failed"));
  const std::string text = streamMetricsText(streams.all());
  auto has = [&](const std::string& line) { return text.find("\n" + line + "\n"); };
  EXPECT_NE(has(R"(medrelay_viewer_sessions_ended_total{stream="or-1",reason="ice-failed"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(has(R"(medrelay_viewer_sessions_ended_total{stream="or-1",reason="left"} 1)"),
            std::string::npos);
  EXPECT_NE(has(R"(medrelay_viewer_sessions_ended_total{stream="or-1",reason="dtls-failed"} 0)"),
            std::string::npos);
  EXPECT_NE(has(R"(medrelay_viewer_sessions_ended_total{stream="or-2",reason="dtls-failed"} 1)"),
            std::string::npos);
  EXPECT_NE(has(R"(medrelay_viewer_sessions_ended_total{stream="or-2",reason="ice-failed"} 0)"),
            std::string::npos);
}

}  // namespace
}  // namespace medrelay::app
