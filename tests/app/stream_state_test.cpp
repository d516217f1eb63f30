// What a stream's state says, to viewers and in the directory: a running source is live only
// while media arrives, and the directory follows what viewers are told (a real SQLite store).
#include <gtest/gtest.h>

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
  Stream* stream = nullptr;
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

}  // namespace
}  // namespace medrelay::app
