#include "relay/common/media_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace medrelay::relay {

TEST(MediaWorker, PostedTasksRunOnTheWorkerThreadInOrder) {
  MediaWorker worker("test");
  std::vector<int> order;
  std::promise<std::thread::id> ranOn;
  worker.post([&] { order.push_back(1); });
  worker.post([&] {
    order.push_back(2);
    ranOn.set_value(std::this_thread::get_id());
  });
  auto future = ranOn.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
  worker.runSync([] {});
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(MediaWorker, RunSyncSeesTheWorkerAsCurrentThread) {
  MediaWorker worker("test");
  bool inside = false;
  worker.runSync([&] { inside = worker.isCurrentThread(); });
  EXPECT_TRUE(inside);
  EXPECT_FALSE(worker.isCurrentThread());
}

TEST(MediaWorker, TimerRepeatsUntilItReturnsFalse) {
  MediaWorker worker("test");
  std::atomic<int> fired{0};
  std::promise<void> done;
  worker.addTimer(std::chrono::milliseconds(1), [&] {
    if (++fired == 3) {
      done.set_value();
      return false;
    }
    return true;
  });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  worker.runSync([] {});
  EXPECT_EQ(fired.load(), 3);
}

TEST(MediaWorker, CancelledTimerNeverFires) {
  MediaWorker worker("test");
  std::atomic<int> fired{0};
  unsigned id = 0;
  worker.runSync([&] {
    id = worker.addTimer(std::chrono::milliseconds(20), [&] { return ++fired, true; });
    worker.cancelTimer(id);
  });
  // A later timer firing proves the loop ran past the cancelled one's deadline.
  std::promise<void> later;
  worker.addTimer(std::chrono::milliseconds(60), [&] { return later.set_value(), false; });
  ASSERT_EQ(later.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(fired.load(), 0);
}

}  // namespace medrelay::relay
