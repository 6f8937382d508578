#pragma once
/// The simulator's event queue: a radix heap of (time, sequence number) keys.
///
/// Virtual time never goes back and sequence numbers only grow, so every key pushed is larger
/// than the last key popped: the queue is monotone, and a radix heap serves it with appends and
/// occasional redistributions of one bucket instead of a binary heap's log n sifts through
/// memory. Keys are ordered by time, then sequence number, exactly as the binary heap ordered
/// them, so runs are the same.
///
/// Bucket b holds the keys whose highest bit differing from the last popped key is bit b - 1
/// (bucket 0: equal to it). Popping takes the smallest key of the lowest non-empty bucket and
/// moves the rest of that bucket to lower buckets against the new last key. Each key moves down
/// at most 128 times in all, in practice a few.

#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bystack::sim {

template <class Item> class radix_event_queue {
public:
  /// Item must have `std::int64_t t` (>= 0) and `std::uint64_t seq`.
  /// Keys must not be below the last popped one (the simulator never schedules into the past).
  void push(const Item& x) {
    auto k = key_of(x);
    if (k < last_) throw std::logic_error("radix_event_queue: key below the last popped key");
    buckets_[bucket_of(k)].push_back(x);
    ++size_;
    if (have_min_ && k < key_of(min_)) min_ = x;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  /// The smallest item (the queue must not be empty).
  const Item& top() {
    if (!have_min_) {
      find_min();
      have_min_ = true;
    }
    return min_;
  }

  /// Removes and returns the smallest item (the queue must not be empty).
  Item pop() {
    if (buckets_[0].empty()) settle();
    Item x = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    have_min_ = false;
    return x;
  }

private:
  /// A 128-bit key: time in the high word, sequence number in the low word.
  struct key {
    std::uint64_t hi = 0, lo = 0;
    bool operator<(const key& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  };
  static constexpr std::size_t bucket_count = 129;

  static key key_of(const Item& x) { return key{static_cast<std::uint64_t>(x.t), x.seq}; }
  std::size_t bucket_of(key k) const {
    if (auto hi = k.hi ^ last_.hi; hi != 0)
      return 64 + static_cast<std::size_t>(std::bit_width(hi));
    return static_cast<std::size_t>(std::bit_width(k.lo ^ last_.lo));
  }

  void find_min() {
    if (!buckets_[0].empty()) {
      min_ = buckets_[0].back();
      return;
    }
    auto& b = buckets_[first_nonempty()];
    std::size_t best = 0;
    for (std::size_t i = 1; i < b.size(); ++i)
      if (key_of(b[i]) < key_of(b[best])) best = i;
    min_ = b[best];
  }

  std::size_t first_nonempty() const {
    std::size_t i = 1;
    while (buckets_[i].empty())
      ++i;
    return i;
  }

  /// Makes the smallest key the last one and moves its bucket down; bucket 0 then holds it
  /// (keys are unique, so it holds it alone).
  void settle() {
    auto i = first_nonempty();
    auto& b = buckets_[i];
    key m = key_of(b[0]);
    for (std::size_t j = 1; j < b.size(); ++j)
      if (auto k = key_of(b[j]); k < m) m = k;
    last_ = m;
    for (const auto& x : b)
      buckets_[bucket_of(key_of(x))].push_back(x);
    b.clear();
  }

  std::array<std::vector<Item>, bucket_count> buckets_;
  key last_{};
  std::size_t size_ = 0;
  Item min_{};
  bool have_min_ = false;
};

} // namespace bystack::sim
