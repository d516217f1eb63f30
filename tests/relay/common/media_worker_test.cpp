#include "relay/common/media_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

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

// A task posted from the worker thread runs after the posting task returns, never inside it:
// objects post their own destruction from C library callbacks that are still on the stack
// (g_main_context_invoke ran such tasks at once, and a viewer was freed inside libnice's receive
// callback).
TEST(MediaWorker, TaskPostedFromTheWorkerRunsAfterThePosterReturns) {
  MediaWorker worker("test");
  std::vector<std::string> events;
  std::promise<void> done;
  worker.post([&] {
    worker.post([&] {
      events.push_back("posted task");
      done.set_value();
    });
    events.push_back("poster returns");
  });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(events, (std::vector<std::string>{"poster returns", "posted task"}));
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
