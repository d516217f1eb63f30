// When a chat group hears that a stream can be watched, and that it no longer can.
#include "app/stream_availability.hpp"

#include <gtest/gtest.h>

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;
using S = StreamState;

class StreamAvailabilityTest : public ::testing::Test {
 protected:
  std::vector<StreamAvailability::Change> at(std::chrono::milliseconds t,
                                             std::vector<std::pair<std::string, S>> states) {
    return availability.observe(states, start + t);
  }
  static std::string words(const std::vector<StreamAvailability::Change>& changes) {
    std::string out;
    for (const auto& c : changes)
      out += (out.empty() ? "" : " ") + c.stream + (c.available ? "+" : "-") + c.state;
    return out;
  }
  StreamAvailability::Clock::time_point start = StreamAvailability::Clock::now();
  StreamAvailability availability{10s};
};

TEST_F(StreamAvailabilityTest, AnnouncesAStreamOnceWhenItCanBeWatched) {
  EXPECT_EQ(words(at(0s, {{"cam", S::Connecting}, {"series", S::Standby}})), "series+standby");
  EXPECT_EQ(words(at(1s, {{"cam", S::Live}, {"series", S::Standby}})), "cam+live");
  EXPECT_EQ(words(at(2s, {{"cam", S::Live}, {"series", S::Live}})), "");  // standby to live
  EXPECT_EQ(availability.announced(), (std::set<std::string>{"cam", "series"}));
}

TEST_F(StreamAvailabilityTest, AnnouncesItGoneOnlyAfterTheHoldDown) {
  at(0s, {{"cam", S::Live}});
  EXPECT_EQ(words(at(1s, {{"cam", S::Stalled}})), "");
  EXPECT_EQ(words(at(5s, {{"cam", S::Connecting}})), "");  // a restart
  EXPECT_EQ(words(at(9s, {{"cam", S::Live}})), "");        // back within 10 s: no news
  EXPECT_EQ(words(at(12s, {{"cam", S::Failed}})), "");
  EXPECT_EQ(words(at(21s, {{"cam", S::Connecting}})), "");
  EXPECT_EQ(words(at(22s, {{"cam", S::Failed}})), "cam-failed");  // 10 s without a picture
  EXPECT_EQ(words(at(40s, {{"cam", S::Failed}})), "");
  EXPECT_EQ(words(at(41s, {{"cam", S::Live}})), "cam+live");
}

TEST_F(StreamAvailabilityTest, NeverAnnouncesAStreamThatNeverCameUp) {
  EXPECT_EQ(words(at(0s, {{"cam", S::Connecting}})), "");
  EXPECT_EQ(words(at(60s, {{"cam", S::Failed}})), "");
  EXPECT_EQ(words(at(61s, {})), "");
  EXPECT_TRUE(availability.announced().empty());
}

TEST_F(StreamAvailabilityTest, AStreamThatLeavesIsAnnouncedRemoved) {
  at(0s, {{"series", S::Standby}, {"cam", S::Live}});
  EXPECT_EQ(words(at(1s, {{"cam", S::Live}})), "");
  EXPECT_EQ(words(at(11s, {{"cam", S::Live}})), "series-removed");
  EXPECT_EQ(availability.announced(), (std::set<std::string>{"cam"}));
  EXPECT_EQ(words(at(12s, {{"cam", S::Live}, {"series", S::Standby}})), "series+standby");
}

TEST_F(StreamAvailabilityTest, ARestartAnnouncesOnlyWhatChangedMeanwhile) {
  availability.restore({"cam", "gone"}, start);
  EXPECT_EQ(words(at(1s, {{"cam", S::Connecting}, {"new", S::Live}})), "new+live");
  EXPECT_EQ(words(at(3s, {{"cam", S::Live}, {"new", S::Live}})), "");
  EXPECT_EQ(words(at(10s, {{"cam", S::Live}, {"new", S::Live}})), "gone-removed");
}

}  // namespace
}  // namespace medrelay::app
