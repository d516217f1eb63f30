// What a stream's state says, to viewers and in the directory: a running source is live only
// while media arrives, and the directory follows what viewers are told (a real SQLite store).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "access/directory_store.hpp"
#include "app/stream_state_reporter.hpp"
#include "relay/rtp/rtp_header_writer.hpp"

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;

class StreamStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("medrelay-stream-state-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = access::openSqliteDirectoryStore(dir.string());
    store->addTenant("test", "h");
    store->ensureStream("test", "h", "icu-1", "camera", "rtp://127.0.0.1:5004?codec=vp8");
    stream = streams.add(std::make_unique<Stream>(
        "icu-1", "camera", worker, pool,
        std::vector<relay::router::IngestEncoding>{{relay::rtp::Codec::Vp8, 96}}));
    worker.runSync([&] { stream->room().createProducers(); });
  }
  void TearDown() override {
    worker.runSync([&] { stream->room().detach(); });
    store.reset();
    std::filesystem::remove_all(dir);
  }

  // VP8 key frames, one per packet, to the stream's producer.
  void feed(uint16_t from, uint16_t count) {
    worker.runSync([&] {
      auto* producer = stream->room().producer(relay::rtp::Codec::Vp8);
      for (uint16_t seq = from; seq < from + count; ++seq) {
        auto ref = pool.acquire();
        auto out = ref.writable();
        size_t size = relay::rtp::writeRtpHeader(out, {96, true, seq, seq * 3000u, 0x1234});
        const uint8_t keyFrame[] = {0x10, 0x00, 0x9D, 0x01, 0x2A};
        std::copy(std::begin(keyFrame), std::end(keyFrame), out.begin() + size);
        ref.setSize(size + sizeof keyFrame);
        producer->receiveRtp(std::move(ref), 1000 + seq);
      }
    });
  }

  // Waits (generously: sampling is every 2 s) until `state` is what viewers see.
  bool awaitState(StreamState state) {
    for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(50ms))
      if (stream->state() == state) return true;
    return false;
  }

  access::StreamRecord recorded() {
    for (auto& record : store->listStreams())
      if (record.name == "icu-1") return record;
    return {};
  }

  // Waits until the directory records `state`.
  access::StreamRecord awaitRecorded(const std::string& state) {
    auto record = recorded();
    for (auto end = std::chrono::steady_clock::now() + 30s;
         record.state != state && std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(50ms))
      record = recorded();
    return record;
  }

  std::filesystem::path dir;
  std::unique_ptr<access::DirectoryStore> store;
  relay::MediaWorker worker{"state-test"};
  relay::router::PacketPool pool{64};
  StreamRegistry streams;
  std::shared_ptr<Stream> stream;
};

TEST_F(StreamStateTest, ARunningSourceIsLiveOnlyWhileMediaArrives) {
  StreamStateReporter reporter(streams, *store, 100ms);
  stream->setState(StreamState::Live);  // the supervisor: the child runs
  EXPECT_EQ(stream->state(), StreamState::Connecting);
  EXPECT_EQ(stream->health().detail, kWaitingForMedia);
  auto record = awaitRecorded("connecting");
  EXPECT_EQ(record.state, "connecting");
  EXPECT_EQ(record.stateDetail, kWaitingForMedia);

  feed(1, 20);
  ASSERT_TRUE(awaitState(StreamState::Live));
  EXPECT_EQ(stream->health().detail, "");
  record = awaitRecorded("live");
  EXPECT_EQ(record.state, "live");
  EXPECT_EQ(record.stateDetail, "");

  // Nothing more comes: after the next sampling period it is waiting again.
  ASSERT_TRUE(awaitState(StreamState::Connecting));
  EXPECT_EQ(awaitRecorded("connecting").state, "connecting");

  stream->setState(StreamState::Stalled);
  stream->noteSourceEvent("the source stopped sending media", true);
  reporter.poke();
  record = awaitRecorded("stalled");
  EXPECT_EQ(record.state, "stalled");
  EXPECT_EQ(record.stateDetail, "the source stopped sending media");
}

TEST_F(StreamStateTest, ARestartedSourceSaysWhyItFailedUntilMediaArrives) {
  // The supervisor: the camera failed, and its restarted child runs but has sent nothing.
  stream->setState(StreamState::Failed);
  stream->noteSourceEvent("the source failed (unreachable)", true);
  stream->setState(StreamState::Live);
  stream->noteSourceRunning();
  EXPECT_EQ(stream->state(), StreamState::Connecting);
  EXPECT_EQ(stream->health().detail, "the source failed (unreachable)");
  EXPECT_EQ(stream->health().restarts, 1u);

  feed(1, 20);
  ASSERT_TRUE(awaitState(StreamState::Live));
  EXPECT_EQ(stream->health().detail, "");
  // Media came since it ran again: when it pauses, the old failure is history.
  ASSERT_TRUE(awaitState(StreamState::Connecting));
  EXPECT_EQ(stream->health().detail, kWaitingForMedia);
}

// Viewer pages hear that the list changed (a source stalled or came back): once per change,
// never more often than once per reporter interval, and not at all after the hook is removed.
TEST_F(StreamStateTest, ChangesAreAnnouncedThroughTheHookAtMostOncePerInterval) {
  StreamStateReporter reporter(streams, *store, 1s);
  std::atomic<int> told{0};
  std::atomic<int64_t> lastMs{0}, shortestGapMs{1000000};
  reporter.setChangedHook([&] {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    if (lastMs.load() != 0) shortestGapMs = std::min(shortestGapMs.load(), now - lastMs.load());
    lastMs = now;
    ++told;
  });
  stream->setState(StreamState::Live);  // -> connecting: one change
  auto waitTold = [&](int atLeast) {
    for (auto end = std::chrono::steady_clock::now() + 30s;
         told.load() < atLeast && std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(20ms)) {
    }
    return told.load();
  };
  EXPECT_GE(waitTold(1), 1);
  // A burst of changes, each poked at once: they are told, but not one message per change.
  for (int i = 0; i < 10; ++i) {
    stream->setState(i % 2 ? StreamState::Stalled : StreamState::Failed);
    stream->noteSourceEvent("flapping " + std::to_string(i), true);
    reporter.poke();
    std::this_thread::sleep_for(20ms);
  }
  const int afterBurst = waitTold(2);
  EXPECT_GE(afterBurst, 2);
  EXPECT_LE(afterBurst, 4) << "ten changes in a fraction of the interval are not ten messages";
  // Once per interval (1 s); the margin is for a loaded machine's scheduling of the hook.
  EXPECT_GE(shortestGapMs.load(), 500);
  // No change, no message.
  std::this_thread::sleep_for(2500ms);
  const int quiet = told.load();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(told.load(), quiet);
  // Once removed, the hook is not called again.
  reporter.setChangedHook(nullptr);
  stream->setState(StreamState::Down);
  reporter.poke();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(told.load(), quiet);
  EXPECT_EQ(awaitRecorded("down").state, "down") << "the state itself is still written";
}

}  // namespace
}  // namespace medrelay::app
