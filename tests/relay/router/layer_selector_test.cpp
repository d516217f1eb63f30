// The layer a viewer gets from its receiver's feedback: down at once on an estimate that fell
// below the current layer or on heavy loss the estimate does not explain, never on one that is
// still climbing, up one step after a quiet spell, slower after a step up that had to be taken
// back, never onto a layer that is not filled, and the viewer's pin first.
#include "relay/router/layer_selector.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace medrelay::relay::router {
namespace {

// Rates of the default ladder (kbit/s): 1280x720, 640x360, 320x180.
constexpr std::array<uint32_t, 3> kLadder = {2000, 600, 200};

struct Link {
  LayerSelector selector{0};
  std::array<uint32_t, 3> kbps = kLadder;
  int current = 0;
  uint64_t estimateBps = 0;
  int64_t estimateAtMs = -1;
  uint8_t loss = 0;
  int64_t reportAtMs = -1;

  // One call as the viewer session makes it; the switch is taken at once.
  int step(int64_t nowMs) {
    LayerSelector::Feedback f;
    f.nowMs = nowMs;
    f.layerKbps = kbps;
    f.current = current;
    f.estimateBps = estimateBps;
    f.estimateAtMs = estimateAtMs;
    f.fractionLost = loss;
    f.reportAtMs = reportAtMs;
    current = selector.choose(f);
    return current;
  }
  void remb(uint64_t bps, int64_t at) {
    estimateBps = bps;
    estimateAtMs = at;
  }
  void report(uint8_t fractionLost, int64_t at) {
    loss = fractionLost;
    reportAtMs = at;
  }
  // Every 250 ms from `from` to `to`, with a clean report and `estimate` each second.
  void cleanUntil(int64_t from, int64_t to, uint64_t estimate) {
    for (int64_t t = from; t < to; t += 250) {
      if (t % 1000 == 0) {
        report(0, t);
        remb(estimate, t);
      }
      step(t);
    }
  }
};

TEST(LayerSelector, AnEstimateThatFellBelowTheLayerMovesDownToTheLargestThatFits) {
  Link link;
  link.remb(2'400'000, 2000);
  EXPECT_EQ(link.step(2000), 0);
  link.remb(900'000, 3000);  // 0.85 x 900 = 765: the 600 kbit/s layer fits, 2000 does not
  EXPECT_EQ(link.step(3000), 1);
  link.remb(300'000, 4500);  // 255: nothing fits, the lowest layer it is
  EXPECT_EQ(link.step(4500), 2);
}

TEST(LayerSelector, AnEstimateStillClimbingIsNotActedOn) {
  // libwebrtc opens low and climbs while what it receives is above its estimate.
  Link link;
  for (int64_t t = 500; t <= 10500; t += 500) {
    link.remb(300'000 + 80 * static_cast<uint64_t>(t), t);  // 340 -> 1140 kbit/s
    ASSERT_EQ(link.step(t), 0) << "at " << t << " ms";
  }
  // A small dip (the estimator's own noise) is not a fall either.
  link.remb(1'110'000, 11000);
  EXPECT_EQ(link.step(11000), 0);
  // A real one is: the estimator saw queues build and took 0.85 x what arrives.
  link.remb(850'000, 11500);
  EXPECT_EQ(link.step(11500), 1);
  // An estimate that fell long after its peak is measured from the estimates since.
  Link slow;
  slow.remb(2'400'000, 1000);
  slow.step(1000);
  slow.remb(1'900'000, 1000 + LayerSelector::kFallWindowMs + 1);
  EXPECT_EQ(slow.step(1000 + LayerSelector::kFallWindowMs + 1), 0);
}

TEST(LayerSelector, HeavyLossStepsDownOneLayerAtMostOnceASecond) {
  Link link;
  link.report(60, 200);  // ~23 % lost, right at the start: loss counts at once
  EXPECT_EQ(link.step(200), 1);
  link.report(60, 700);
  EXPECT_EQ(link.step(700), 1) << "a second step waits for the first to show";
  link.report(60, 1300);
  EXPECT_EQ(link.step(1300), 2);
  // Light loss (5 %, as a lossy but wide link has) moves nothing.
  Link lossy;
  lossy.report(13, 3000);
  EXPECT_EQ(lossy.step(3000), 0);
}

TEST(LayerSelector, HeavyButNotSevereLossMovesOnlyWhenItPersists) {
  Link link;
  link.report(28, 1000);  // ~11 %: one report may be a burst
  EXPECT_EQ(link.step(1000), 0);
  link.report(0, 2000);
  EXPECT_EQ(link.step(2000), 0);
  link.report(28, 3000);
  EXPECT_EQ(link.step(3000), 0) << "not in a row";
  link.report(28, 4000);
  EXPECT_EQ(link.step(4000), 1) << "two in a row: the link's limit";
  link.report(28, 5000);
  EXPECT_EQ(link.step(5000), 1) << "the new layer is judged on reports of its own";
  link.report(28, 6000);
  EXPECT_EQ(link.step(6000), 2);
}

TEST(LayerSelector, StepsUpOneLayerAfterAQuietSpellAndNotWhileLossPersists) {
  Link link;
  link.current = 2;
  link.cleanUntil(0, LayerSelector::kFirstUpDelayMs, 0);
  EXPECT_EQ(link.current, 2) << "not before the spell is over";
  EXPECT_EQ(link.step(LayerSelector::kFirstUpDelayMs), 1);

  Link lossy;
  lossy.current = 2;
  for (int64_t t = 0; t <= 10000; t += 250) {
    if (t % 1000 == 0) lossy.report(8, t);  // ~3 %: not heavy, but no room to grow
    lossy.step(t);
  }
  EXPECT_EQ(lossy.current, 2);
}

TEST(LayerSelector, LossWithRoomInTheEstimateIsLeftToRetransmission) {
  // A lossy Wi-Fi: packets lost at random, no queue, so the estimate climbs to ~1.5 x what
  // arrives. A smaller layer would not cure that loss; NACK/RTX repairs it.
  Link wifi;
  for (int64_t t = 0; t <= 10000; t += 250) {
    if (t % 1000 == 0) {
      wifi.remb(3'000'000, t);
      wifi.report(60, t);  // ~23 %
    }
    ASSERT_EQ(wifi.step(t), 0) << "at " << t << " ms";
  }
  // Nor does it keep a viewer that is down from coming back up.
  Link back;
  back.current = 2;
  for (int64_t t = 0; t <= LayerSelector::kFirstUpDelayMs; t += 250) {
    if (t % 1000 == 0) {
      back.remb(300'000, t);  // 1.5 x 200
      back.report(13, t);     // ~5 %
    }
    back.step(t);
  }
  EXPECT_EQ(back.current, 1);
  // The same loss with an estimate at what arrives is the link's limit.
  Link full;
  full.remb(2'000'000, 0);
  full.report(60, 0);
  EXPECT_EQ(full.step(0), 1);
}

TEST(LayerSelector, AStepUpTakenBackMakesTheNextWaitLonger) {
  Link link;
  link.current = 1;
  link.cleanUntil(0, 4250, 0);
  ASSERT_EQ(link.current, 0) << "stepped up at 4 s";
  link.report(60, 5000);  // and the link could not carry it
  EXPECT_EQ(link.step(5000), 1);
  EXPECT_EQ(link.selector.upDelayMs(0), 2 * LayerSelector::kFirstUpDelayMs);
  link.cleanUntil(5250, 5000 + 2 * LayerSelector::kFirstUpDelayMs, 0);
  EXPECT_EQ(link.current, 1) << "the second try waits twice as long";
  EXPECT_EQ(link.step(5000 + 2 * LayerSelector::kFirstUpDelayMs), 0);
  // Failing again and again: the wait stops growing at its ceiling.
  int64_t t = 13000;  // just stepped up
  for (int i = 0; i < 6; ++i) {
    link.report(60, t + 1000);
    ASSERT_EQ(link.step(t + 1000), 1) << "taken back";
    t += 1000 + link.selector.upDelayMs(0);
    link.cleanUntil(t - link.selector.upDelayMs(0) + 250, t, 0);
    ASSERT_EQ(link.current, 1) << "not before the wait is over";
    ASSERT_EQ(link.step(t), 0) << "up again when it is";
  }
  EXPECT_EQ(link.selector.upDelayMs(0), LayerSelector::kLongestUpDelayMs);
  // A step up that holds brings the short wait back.
  link.current = 0;
  link.cleanUntil(t + 250, t + 250 + LayerSelector::kProbeMs + 250, 0);
  EXPECT_EQ(link.selector.upDelayMs(0), LayerSelector::kFirstUpDelayMs);
}

TEST(LayerSelector, AStepThatHoldsDoesNotShortenTheWaitForOneThatFailed) {
  // A link that carries 360p but not 720p: the failed try at 720p is remembered while the
  // viewer goes down to 180p and comes back to 360p.
  Link link;
  link.current = 1;
  link.cleanUntil(0, 4250, 0);
  ASSERT_EQ(link.current, 0);
  link.report(60, 5000);
  ASSERT_EQ(link.step(5000), 1) << "720p taken back";
  link.report(60, 6000);
  ASSERT_EQ(link.step(6000), 2) << "and the queue it left takes 360p down too";
  link.cleanUntil(6250, 6000 + LayerSelector::kFirstUpDelayMs + 250, 0);
  ASSERT_EQ(link.current, 1) << "360p never failed: its short wait";
  const int64_t upAt = 6000 + LayerSelector::kFirstUpDelayMs;
  link.cleanUntil(upAt + 250, upAt + LayerSelector::kProbeMs + 500, 0);
  EXPECT_EQ(link.current, 1) << "720p still waits longer";
  EXPECT_EQ(link.selector.upDelayMs(0), 2 * LayerSelector::kFirstUpDelayMs);
  EXPECT_EQ(link.selector.upDelayMs(1), LayerSelector::kFirstUpDelayMs);
  link.cleanUntil(upAt + LayerSelector::kProbeMs + 500,
                  upAt + 2 * LayerSelector::kFirstUpDelayMs + 250, 0);
  EXPECT_EQ(link.current, 0) << "until its own longer wait is over";
}

TEST(LayerSelector, AnEstimatePinnedAtTheCurrentRateHoldsTheLayer) {
  Link link;
  link.current = 1;
  link.cleanUntil(3000, 20000, 650'000);  // the receiver sees no room above 600 kbit/s
  EXPECT_EQ(link.current, 1);
  link.cleanUntil(20000, 20250, 900'000);
  EXPECT_EQ(link.current, 0) << "now it does (1.5 x 600): a step up to try";
}

TEST(LayerSelector, AnEstimateThatFellHoldsBackTheNextStepUp) {
  Link link;
  link.current = 2;
  link.remb(1'000'000, 0);
  link.step(0);
  link.remb(700'000, 1000);  // fell, but 200 kbit/s still fits: no step down
  EXPECT_EQ(link.step(1000), 2);
  link.cleanUntil(1250, 1000 + LayerSelector::kFirstUpDelayMs, 700'000);
  EXPECT_EQ(link.current, 2) << "not within the spell after the fall";
  EXPECT_EQ(link.step(1000 + LayerSelector::kFirstUpDelayMs), 1);
}

TEST(LayerSelector, LayersThatAreNotFilledAreNeverChosen) {
  Link link;
  link.kbps = {2000, 0, 200};  // a source too small for the middle size... or it stopped
  link.report(60, 200);
  EXPECT_EQ(link.step(200), 2) << "down past the empty layer";
  link.kbps = {2000, 600, 0};  // the current layer stops
  EXPECT_EQ(link.step(300), 0) << "the largest that fits (no estimate: any)";
  link.remb(800'000, 3000);
  link.kbps = {0, 600, 200};
  EXPECT_EQ(link.step(3000), 1);
  link.kbps = {0, 0, 0};
  EXPECT_EQ(link.step(3250), 1) << "nothing filled: stay";
}

TEST(LayerSelector, APinnedLayerWinsWhileItIsFilled) {
  Link link;
  link.selector.pin(2);
  EXPECT_EQ(link.step(100), 2);
  link.cleanUntil(250, 30000, 5'000'000);
  EXPECT_EQ(link.current, 2) << "no step up while pinned";
  link.selector.pin(0);
  link.report(100, 31000);
  EXPECT_EQ(link.step(31000), 0) << "nor down";
  link.kbps = {0, 600, 200};
  EXPECT_NE(link.step(31250), 0) << "a pinned layer that stops is left";
  link.selector.pin(std::nullopt);
  EXPECT_EQ(link.selector.pinned(), std::nullopt);
}

}  // namespace
}  // namespace medrelay::relay::router
