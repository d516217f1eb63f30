// The link's loss from receiver reports: counted over a window of at least a second and enough
// packets, whatever the reports' own fraction says, and never fooled by a receiver that went
// backwards or by duplicates.
#include "relay/router/receiver_loss_window.hpp"

#include <gtest/gtest.h>

namespace medrelay::relay::router {
namespace {

TEST(ReceiverLossWindow, CountsOverASecondOfReportsNotOneReport) {
  ReceiverLossWindow window;
  EXPECT_FALSE(window.add(0, 1000, 0));  // the first opens the window
  // Reports every 100 ms, 20 packets each, one lost in every other report (5 % of 200 packets;
  // a single report says 1 of 20 or 0).
  std::optional<uint8_t> loss;
  int32_t lost = 0;
  for (int i = 1; i <= 10; ++i) {
    if (i % 2 == 0) ++lost;
    loss = window.add(lost, 1000 + 20 * i, 100 * i);
    if (i < 10) {
      ASSERT_FALSE(loss) << "window still open at report " << i;
    }
  }
  ASSERT_TRUE(loss);
  EXPECT_EQ(*loss, 5 * 256 / 200);  // 5 of 200
  // The next window starts where this one closed.
  ASSERT_FALSE(window.add(lost, 1300, 1500));
  auto next = window.add(lost + 100, 1400, 2000);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 128) << "100 lost of the 200 expected since the last window closed";
}

TEST(ReceiverLossWindow, WaitsForEnoughPackets) {
  ReceiverLossWindow window;
  window.add(0, 0, 0);
  EXPECT_FALSE(window.add(1, ReceiverLossWindow::kMinPackets - 1, 5000)) << "too few to judge";
  auto loss = window.add(1, 100, 5100);
  ASSERT_TRUE(loss);
  EXPECT_EQ(*loss, 256 / 100);
}

TEST(ReceiverLossWindow, DuplicatesAndRestartsGiveNoLoss) {
  ReceiverLossWindow window;
  window.add(10, 5000, 0);
  auto loss = window.add(5, 5100, 1000);  // cumulative went down: duplicates arrived
  ASSERT_TRUE(loss);
  EXPECT_EQ(*loss, 0);
  EXPECT_FALSE(window.add(0, 10, 2000)) << "a receiver that went backwards starts a new window";
  EXPECT_FALSE(window.add(0, 10 + 200'000, 3000)) << "so does one that jumped";
  loss = window.add(20, 10 + 200'000 + 100, 4000);
  ASSERT_TRUE(loss);
  EXPECT_EQ(*loss, 20 * 256 / 100);
}

}  // namespace
}  // namespace medrelay::relay::router
