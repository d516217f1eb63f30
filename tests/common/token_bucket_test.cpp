// TokenBucket and BurstLog: the two primitives behind every limit and every refusal log line.
#include "common/token_bucket.hpp"

#include <gtest/gtest.h>

#include "common/burst_log.hpp"

namespace medrelay {
namespace {

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  TokenBucket bucket(10, 5);  // 10 a second, bursts of 5
  int taken = 0;
  for (int i = 0; i < 20; ++i)
    taken += bucket.take(1000);
  EXPECT_EQ(taken, 5) << "the burst, all at one instant";
  EXPECT_FALSE(bucket.take(1050)) << "half a token refilled";
  EXPECT_TRUE(bucket.take(1100)) << "one token refilled after 100 ms";
  EXPECT_EQ(bucket.waitMs(1100), 101);
  EXPECT_FALSE(bucket.full(1100));
  EXPECT_TRUE(bucket.full(1600)) << "idle long enough: back to a full burst";
  EXPECT_TRUE(bucket.take(1600, 5));
  EXPECT_FALSE(bucket.take(900)) << "time going backwards refills nothing";
}

TEST(TokenBucket, ARateOfZeroNeverAllows) {
  TokenBucket none(0, 0);
  EXPECT_FALSE(none.take(0));
  EXPECT_FALSE(none.take(1'000'000));
}

TEST(BurstLog, LogsTheFirstOfABurstAndCountsTheRest) {
  BurstLog log(10'000);
  uint64_t suppressed = 99;
  EXPECT_TRUE(log.shouldLog(0, suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 1; i <= 500; ++i)
    EXPECT_FALSE(log.shouldLog(i, suppressed));
  EXPECT_TRUE(log.shouldLog(10'001, suppressed));
  EXPECT_EQ(suppressed, 500u) << "the next line tells how many went unlogged";
}

}  // namespace
}  // namespace medrelay
