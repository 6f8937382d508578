// The simulator's event queues (the radix queue, and the calendar of time buckets the loop uses)
// pop keys in exactly the order of a binary heap ordered by (time, sequence number), for the
// monotone key streams the event loop produces.
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

template <class Queue> class EventQueue : public ::testing::Test {};
/// The calendar with small buckets and a short ring too, so that keys cross the ring's horizon
/// and come back from the far queue often.
using queues = ::testing::Types<radix_event_queue<item>, bucket_event_queue<item>,
                                bucket_event_queue<item, 4, 6>>;
TYPED_TEST_SUITE(EventQueue, queues);

TYPED_TEST(EventQueue, PopsInTimeThenSequenceOrderLikeABinaryHeap) {
  std::mt19937_64 rng(7);
  TypeParam q;
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
        // Same instant, a near arrival, a later one, or a far timer (a minute ahead).
        std::int64_t d = r < 10   ? 0
                         : r < 90 ? static_cast<std::int64_t>(rng() % 80'000)
                         : r < 95 ? static_cast<std::int64_t>(rng() % 2'000'000)
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

TYPED_TEST(EventQueue, RefusesAKeyBelowTheLastPopped) {
  TypeParam q;
  q.push(item{10, 0, 0});
  q.push(item{20, 1, 0});
  EXPECT_EQ(q.pop().t, 10);
  EXPECT_THROW(q.push(item{5, 2, 0}), std::logic_error);
  q.push(item{10, 3, 0}); // the same instant, a later sequence number: fine
  EXPECT_EQ(q.pop().seq, 3u);
  EXPECT_EQ(q.pop().seq, 1u);
  EXPECT_TRUE(q.empty());
}

/// A peek that skips empty buckets, then keys pushed below the peeked one (the loop peeks the
/// next window's first event, then the flush schedules arrivals before it).
TYPED_TEST(EventQueue, KeysPushedBelowAPeekedOneComeFirst) {
  TypeParam q;
  q.push(item{5'000'000, 0, 0});
  EXPECT_EQ(q.top().t, 5'000'000);
  q.push(item{3'000, 1, 1});
  q.push(item{3'000, 2, 2});
  q.push(item{2'999, 3, 3});
  q.push(item{4'000'000, 4, 4});
  EXPECT_EQ(q.pop().seq, 3u);
  EXPECT_EQ(q.pop().seq, 1u);
  EXPECT_EQ(q.pop().seq, 2u);
  EXPECT_EQ(q.pop().seq, 4u);
  EXPECT_EQ(q.pop().seq, 0u);
  EXPECT_TRUE(q.empty());
}

/// The loop's pattern: a window [t, t + 20 ms) pops every key due before its end (asking
/// has_before), then schedules arrivals 20-80 ms after each popped key and, now and then, a view
/// timer a minute ahead; the order must be the reference's, and has_before must not take a
/// bucket beyond the window (a timer a minute ahead when nothing else is pending), or the
/// arrivals pushed after it would all pile up in the heap of keys below the current bucket.
TEST(BucketEventQueue, WindowsPopInOrderAndPeekNoFurtherThanTheWindow) {
  std::mt19937_64 rng(11);
  bucket_event_queue<item> q;
  std::priority_queue<item, std::vector<item>, later> ref;
  std::uint64_t seq = 0, popped = 0;
  auto push = [&](std::int64_t t) {
    item x{t, seq++, static_cast<std::uint32_t>(rng())};
    q.push(x);
    ref.push(x);
  };
  push(0);
  while (!ref.empty()) {
    auto t = q.top().t;
    ASSERT_EQ(t, ref.top().t);
    auto end = t + 20'000;
    std::vector<std::int64_t> sends;
    while (q.has_before(end)) {
      auto a = q.pop();
      auto b = ref.top();
      ref.pop();
      ASSERT_EQ(a.seq, b.seq);
      ASSERT_LT(a.t, end);
      ++popped;
      if (popped < 100'000) sends.push_back(a.t);
    }
    ASSERT_TRUE(ref.empty() || ref.top().t >= end);
    // Keys pushed into the window's last bucket (1,024 us by default) wait in the heap; all
    // the others go into the ring or the far queue.
    std::size_t in_last_bucket = q.below_current();
    for (auto s : sends) {
      auto k = s == 0 ? 50 : rng() % 3;
      for (std::uint64_t j = 0; j < k; ++j) {
        auto x = s + 20'000 + static_cast<std::int64_t>(rng() % 60'000);
        in_last_bucket += (x >> 10) <= ((end - 1) >> 10) ? 1 : 0;
        push(x);
      }
      if (rng() % 50 == 0) push(s + 60'000'000);
    }
    ASSERT_LE(q.below_current(), in_last_bucket);
  }
  EXPECT_GT(popped, 100'000u);
}

/// remove_far_if (the simulator drops stale timers' keys with it): the loop's pattern with a
/// view timer a minute ahead per popped key, and every so often the timers with an odd payload
/// taken out of the far queue. The rest must pop in the reference's order (the reference drops
/// the removed ones when it reaches them), and every removed item must be a far one matching
/// the predicate, handed to the sink once.
TEST(BucketEventQueue, RemovingFarItemsKeepsTheOrderOfTheRest) {
  std::mt19937_64 rng(5);
  bucket_event_queue<item> q;
  std::priority_queue<item, std::vector<item>, later> ref;
  std::vector<bool> gone;
  std::uint64_t seq = 0, popped = 0, removed = 0;
  auto push = [&](std::int64_t t) {
    item x{t, seq++, static_cast<std::uint32_t>(rng())};
    gone.push_back(false);
    q.push(x);
    ref.push(x);
  };
  push(0);
  while (!ref.empty()) {
    while (!ref.empty() && gone[ref.top().seq])
      ref.pop();
    if (ref.empty()) break;
    ASSERT_FALSE(q.empty());
    auto a = q.pop();
    ASSERT_EQ(a.seq, ref.top().seq);
    ASSERT_FALSE(gone[a.seq]);
    ref.pop();
    if (++popped < 60'000) {
      auto k = rng() % 3;
      for (std::uint64_t j = 0; j < k; ++j)
        push(a.t + 20'000 + static_cast<std::int64_t>(rng() % 60'000));
      push(a.t + 60'000'000);
    }
    if (popped % 5'000 == 0) {
      auto far_before = q.far_size();
      auto size_before = q.size();
      std::uint64_t sunk = 0;
      auto n = q.remove_far_if([](const item& x) { return x.payload % 2 == 1; },
                               [&](const item& x) {
                                 EXPECT_EQ(x.payload % 2, 1u);
                                 EXPECT_FALSE(gone[x.seq]);
                                 gone[x.seq] = true;
                                 ++sunk;
                               });
      EXPECT_EQ(n, sunk);
      EXPECT_EQ(q.size(), size_before - n);
      EXPECT_EQ(q.far_size(), far_before - n);
      removed += n;
    }
  }
  EXPECT_TRUE(q.empty());
  EXPECT_GT(removed, 10'000u);
}

TEST(BucketEventQueue, SortedAheadNamesTheItemsPoppedNext) {
  // One bucket's keys (width 2^10 us; bucket 4, after the current one), pushed out of order: once
  // the bucket is sorted, the item k places behind the next one is the (k + 1)-th popped next, and
  // none is named past the end.
  bucket_event_queue<item> q;
  std::uint64_t seq = 0;
  for (std::int64_t t : {4700, 4100, 4500, 4300, 4900, 4200})
    q.push(item{t, seq++, static_cast<std::uint32_t>(t)});
  EXPECT_EQ(q.sorted_ahead(0), nullptr); // nothing sorted before the first pop
  ASSERT_EQ(q.pop().t, 4100);
  for (std::size_t k = 0; k < 4; ++k) {
    const auto* a = q.sorted_ahead(k);
    ASSERT_NE(a, nullptr) << k;
    EXPECT_EQ(a->t, std::vector<std::int64_t>({4200, 4300, 4500, 4700})[k]);
  }
  ASSERT_NE(q.sorted_ahead(4), nullptr);
  EXPECT_EQ(q.sorted_ahead(4)->t, 4900);
  EXPECT_EQ(q.sorted_ahead(5), nullptr);
  for (std::int64_t t : {4200, 4300, 4500, 4700, 4900})
    EXPECT_EQ(q.pop().t, t);
  EXPECT_EQ(q.sorted_ahead(0), nullptr);
}

} // namespace
} // namespace bystack::sim
