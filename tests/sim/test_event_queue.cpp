// The simulator's radix event queue pops keys in exactly the order of a binary heap ordered by
// (time, sequence number), for the monotone key streams the event loop produces.
#include "sim/event_queue.hpp"

#include <gtest/gtest.h>

#include <queue>
#include <random>
#include <stdexcept>
#include <vector>

namespace bystack::sim {
namespace {

struct item {
  std::int64_t t = 0;
  std::uint64_t seq = 0;
  std::uint32_t payload = 0;
};

struct later {
  bool operator()(const item& a, const item& b) const {
    return a.t != b.t ? a.t > b.t : a.seq > b.seq;
  }
};

TEST(EventQueue, PopsInTimeThenSequenceOrderLikeABinaryHeap) {
  std::mt19937_64 rng(7);
  radix_event_queue<item> q;
  std::priority_queue<item, std::vector<item>, later> ref;
  std::uint64_t seq = 0;
  std::int64_t now = 0;
  std::uint64_t popped = 0;
  auto push = [&](std::int64_t t) {
    item x{t, seq++, static_cast<std::uint32_t>(rng())};
    q.push(x);
    ref.push(x);
  };
  for (int i = 0; i < 50; ++i)
    push(static_cast<std::int64_t>(rng() % 1000));
  while (!ref.empty()) {
    ASSERT_FALSE(q.empty());
    ASSERT_EQ(q.size(), ref.size());
    // Peek, then push keys at the current instant and later (possibly below the peeked one),
    // as a handler running at `now` does, then pop.
    EXPECT_EQ(q.top().t, ref.top().t);
    EXPECT_EQ(q.top().seq, ref.top().seq);
    if (popped < 200'000) {
      auto k = rng() % 4;
      for (std::uint64_t j = 0; j < k; ++j) {
        auto r = rng() % 100;
        // Same instant, a near arrival, or a far timer (a minute ahead).
        std::int64_t d = r < 10   ? 0
                         : r < 95 ? static_cast<std::int64_t>(rng() % 80'000)
                                  : 60'000'000 + static_cast<std::int64_t>(rng() % 7);
        push(now + d);
      }
    }
    auto a = q.pop();
    auto b = ref.top();
    ref.pop();
    ASSERT_EQ(a.t, b.t);
    ASSERT_EQ(a.seq, b.seq);
    ASSERT_EQ(a.payload, b.payload);
    ASSERT_GE(a.t, now);
    now = a.t;
    ++popped;
  }
  EXPECT_TRUE(q.empty());
  EXPECT_GT(popped, 200'000u);
}

TEST(EventQueue, RefusesAKeyBelowTheLastPopped) {
  radix_event_queue<item> q;
  q.push(item{10, 0, 0});
  q.push(item{20, 1, 0});
  EXPECT_EQ(q.pop().t, 10);
  EXPECT_THROW(q.push(item{5, 2, 0}), std::logic_error);
  q.push(item{10, 3, 0}); // the same instant, a later sequence number: fine
  EXPECT_EQ(q.pop().seq, 3u);
  EXPECT_EQ(q.pop().seq, 1u);
  EXPECT_TRUE(q.empty());
}

} // namespace
} // namespace bystack::sim
