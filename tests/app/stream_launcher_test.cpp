// Retiring a stream (a DICOM series past its retention) with real parts: a media worker, a
// packet pool, a supervisor running `medrelay ingest` children of the test picture. A retired
// stream leaves the registry, its room loses its producers (a viewer who found it just before
// is told it is unavailable) and its child stops; a watched stream, or one with a viewer in its
// room, stays and keeps its media; the name can be launched again as a new stream.
#include "app/stream_launcher.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;

struct QuietListener : pipelines::Supervisor::Listener {
  void onSourceStateChanged(const std::string&, pipelines::SourceState,
                            const std::string&) override {}
};

struct NoFigures : relay::router::ViewerFiguresSource {
  relay::router::ViewerFigures viewerFigures() const override { return {}; }
};

StreamPlan testPicture(const std::string& name) {
  StreamPlan plan;
  plan.name = name;
  plan.kind = "dicom";
  plan.ingest.source = "test://";
  plan.ingest.width = 160;
  plan.ingest.height = 120;
  plan.ingest.fps = 15;
  plan.ingest.codecs = {"vp8"};
  plan.ingest.layers = 1;
  plan.encodings = {{relay::rtp::Codec::Vp8, 96, true}};
  return plan;
}

// Waits (generously: a loaded machine starts encoders slowly) for packets into the room.
bool mediaArrives(const Stream& stream) {
  const auto before = stream.room().figures().packetsIn;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stream.room().figures().packetsIn > before) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

pid_t childOf(const pipelines::Supervisor& supervisor, const std::string& name) {
  for (const auto& status : supervisor.status())
    if (status.stream == name) return status.pid;
  return -1;
}

class StreamLauncherTest : public ::testing::Test {
 protected:
  void TearDown() override {
    launcher.reset();
    supervisor.stop();
    for (const auto& stream : registry.all())
      worker.runSync([&] { stream->room().detach(); });
  }

  relay::MediaWorker worker{"launcher-test"};
  relay::router::PacketPool pool{512};
  StreamRegistry registry;
  QuietListener listener;
  pipelines::Supervisor supervisor{MEDRELAY_BINARY, listener};
  std::unique_ptr<StreamLauncher> launcher = std::make_unique<StreamLauncher>(
      std::vector<StreamLauncher::WorkerSlot>{{&worker, &pool}}, registry, supervisor);
};

TEST_F(StreamLauncherTest, ARetiredStreamLeavesWithItsChildAndCanComeBackAsNew) {
  auto retired = launcher->launch(testPicture("series-a"));
  auto kept = launcher->launch(testPicture("series-b"));
  ASSERT_TRUE(mediaArrives(*retired));
  ASSERT_TRUE(mediaArrives(*kept));
  pid_t child = childOf(supervisor, "series-a");
  ASSERT_GT(child, 0);

  EXPECT_TRUE(launcher->retire("series-a"));
  EXPECT_EQ(registry.find("series-a"), nullptr);
  size_t producers = 1;
  worker.runSync([&] { producers = retired->room().layers(relay::rtp::Codec::Vp8).size(); });
  EXPECT_EQ(producers, 0u) << "a viewer who found it just before gets no producers to join";
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (::kill(child, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_NE(::kill(child, 0), 0) << "its ingest child stopped";
  EXPECT_EQ(childOf(supervisor, "series-a"), -1);
  EXPECT_TRUE(launcher->retire("series-a")) << "gone already";
  EXPECT_TRUE(mediaArrives(*kept)) << "the stream beside it runs on";

  auto again = launcher->launch(testPicture("series-a"));
  EXPECT_NE(again, retired) << "a new stream under the old name";
  EXPECT_EQ(registry.find("series-a"), again);
  EXPECT_TRUE(mediaArrives(*again));
}

TEST_F(StreamLauncherTest, AWatchedStreamOrOneWithAViewerStays) {
  auto stream = launcher->launch(testPicture("series-w"));
  ASSERT_TRUE(mediaArrives(*stream));
  {
    Stream::Watch watch(*stream);
    EXPECT_FALSE(launcher->retire("series-w"));
    EXPECT_EQ(registry.find("series-w"), stream);
  }
  // A viewer in the room without a Watch: the one who found the stream just before it left
  // the registry and joined first. The stream goes back into the registry, untouched.
  NoFigures viewer;
  worker.runSync([&] { stream->room().viewerJoined(viewer); });
  EXPECT_FALSE(launcher->retire("series-w"));
  EXPECT_EQ(registry.find("series-w"), stream);
  EXPECT_TRUE(mediaArrives(*stream));
  worker.runSync([&] { stream->room().viewerLeft(viewer); });
  EXPECT_TRUE(launcher->retire("series-w"));
  EXPECT_EQ(registry.find("series-w"), nullptr);
}

}  // namespace
}  // namespace medrelay::app
