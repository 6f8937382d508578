#pragma once
/// The simulator's event queue: a radix heap of (time, sequence number) keys.
///
/// Virtual time never goes back and sequence numbers only grow, so every key pushed is larger
/// than the last key popped: the queue is monotone, and a radix heap serves it with appends and
/// occasional redistributions of one bucket instead of a binary heap's log n sifts through
/// memory. Keys are ordered by time, then sequence number, exactly as the binary heap ordered
/// them, so runs are the same.
///
/// Bucket b holds the keys whose highest bit differing from the base key is bit b - 1 (bucket
/// 0: equal to it). When bucket 0 is empty, peeking or popping makes the smallest key of the
/// lowest non-empty bucket the base and moves the rest of that bucket to lower buckets against
/// it. A key pushed after a peek may fall below the base; such keys wait in a binary heap that
/// is served first. In the simulator that is most of them (78% of pushes at N = 2,000): the base
/// often settles on a far key (a view timer or a stale timer's key a minute ahead) and the
/// round's traffic, due before it, goes to the heap. So the heap holds the near events only
/// (thousands) while the far ones wait in the buckets, instead of one binary heap of all of them
/// (at N = 10,000 mostly stale timers' keys): fewer instructions per event than a textbook
/// radix heap here (9,185 against 9,555 per delivery, callgrind) and shorter sifts than one heap.

#include <algorithm>
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
    if (k < last_) {
      // Below the key top() settled on but not below the last popped one: due before the base,
      // it waits in the heap of near keys, popped first.
      if (k < popped_) throw std::logic_error("radix_event_queue: key below the last popped key");
      early_.push_back(x);
      std::push_heap(early_.begin(), early_.end(), greater{});
    } else {
      buckets_[bucket_of(k)].push_back(x);
    }
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  /// The smallest item (the queue must not be empty).
  const Item& top() {
    if (!early_.empty()) return early_.front();
    if (buckets_[0].empty()) settle();
    return buckets_[0].back();
  }

  /// Removes and returns the smallest item (the queue must not be empty).
  Item pop() {
    --size_;
    if (!early_.empty()) {
      std::pop_heap(early_.begin(), early_.end(), greater{});
      Item x = early_.back();
      early_.pop_back();
      popped_ = key_of(x);
      return x;
    }
    if (buckets_[0].empty()) settle();
    Item x = buckets_[0].back();
    buckets_[0].pop_back();
    popped_ = last_;
    return x;
  }

  /// Removes the items for which `drop(item)` holds, handing each to `sink(item)` (in no
  /// particular order); the order of the others is unchanged. Buffers left mostly empty are
  /// shrunk, so the memory goes back. Returns the number removed.
  template <class Drop, class Sink> std::size_t remove_if(Drop drop, Sink sink) {
    std::size_t removed = 0;
    auto sweep = [&](std::vector<Item>& v) {
      auto kept = std::remove_if(v.begin(), v.end(), [&](const Item& x) {
        if (!drop(x)) return false;
        sink(x);
        return true;
      });
      removed += static_cast<std::size_t>(v.end() - kept);
      v.erase(kept, v.end());
      if (v.capacity() > 4 * v.size() + 16) v.shrink_to_fit();
    };
    // A radix bucket's keys stay in their bucket (the base is unchanged), and the heap of near
    // keys is rebuilt, so every remaining key is popped in the same order as before.
    for (auto& b : buckets_)
      sweep(b);
    auto before = early_.size();
    sweep(early_);
    if (early_.size() != before) std::make_heap(early_.begin(), early_.end(), greater{});
    size_ -= removed;
    return removed;
  }

private:
  /// A 128-bit key: time in the high word, sequence number in the low word.
  struct key {
    std::uint64_t hi = 0, lo = 0;
    bool operator<(const key& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  };
  static constexpr std::size_t bucket_count = 129;

  struct greater {
    bool operator()(const Item& a, const Item& b) const { return key_of(b) < key_of(a); }
  };
  static key key_of(const Item& x) { return key{static_cast<std::uint64_t>(x.t), x.seq}; }
  std::size_t bucket_of(key k) const {
    if (auto hi = k.hi ^ last_.hi; hi != 0)
      return 64 + static_cast<std::size_t>(std::bit_width(hi));
    return static_cast<std::size_t>(std::bit_width(k.lo ^ last_.lo));
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
  key last_{};   ///< the bucket base: the smallest key in the buckets once settled
  key popped_{}; ///< the last key popped
  std::size_t size_ = 0;
  std::vector<Item> early_; ///< keys in [popped_, last_), a binary heap
};

/// The simulator's event queue since the per-delivery pass: a calendar of time buckets.
///
/// Keys (time, sequence number) go unsorted into the bucket of their time (2^width_bits us per
/// bucket, a ring of 2^ring_bits buckets ahead of the current one, 4.2 s by default, longer
/// than the link latencies and the CPU backlog of a flat-voting super node; keys further ahead,
/// mostly view timers, wait in a radix queue and move into the ring as it advances; buckets
/// take their buffers from a pool of emptied ones). When the loop reaches a bucket it sorts
/// that bucket once, contiguously, and pops from its end; a key pushed into the current bucket
/// (or, after a peek that skipped empty buckets, below it) waits in a small binary heap that pop
/// compares with the sorted bucket. So a push is an append, a pop a read from the end of a
/// sorted array, and the sorting works on a few thousand contiguous keys at a time instead of
/// sifting through a heap of a million keys (the radix queue's heap of near keys at M = N =
/// 1,000, with a cache miss at every level). The loop asks has_before(end) at the end of a
/// window, which does not take a bucket beyond the window (see there). Same order as the radix
/// queue: time, then sequence number; the test checks it against std::priority_queue.
template <class Item, unsigned width_bits = 10, unsigned ring_bits = 12> class bucket_event_queue {
public:
  /// Item must have `std::int64_t t` (>= 0) and `std::uint64_t seq`.
  /// Keys must not be below the last popped one (the simulator never schedules into the past).
  void push(const Item& x) {
    auto k = key_of(x);
    if (k < popped_) throw std::logic_error("bucket_event_queue: key below the last popped key");
    auto b = bucket_of(x);
    if (b <= cur_) {
      near_.push_back(x);
      std::push_heap(near_.begin(), near_.end(), greater{});
    } else if (b - cur_ < ring_size) {
      bucket(b).push_back(x);
    } else {
      far_.push(x);
    }
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  /// The smallest item (the queue must not be empty).
  const Item& top() {
    if (sorted_.empty() && near_.empty()) advance();
    if (near_.empty()) return sorted_.back();
    if (sorted_.empty() || greater{}(sorted_.back(), near_.front())) return near_.front();
    return sorted_.back();
  }

  /// Whether the smallest item is due before `end` (>= 1). Unlike top(), it does not move on to
  /// a bucket at or after end's: the loop asks this at the end of a window, and the keys pushed
  /// next (the window's sends, due at `end` or later) should find the ring where they belong
  /// instead of below a bucket taken early (a view timer a minute ahead when the ring is empty).
  bool has_before(std::int64_t end) {
    if (size_ == 0) return false;
    if (sorted_.empty() && near_.empty()) {
      auto b = next_in_ring();
      if (!far_.empty()) b = std::min(b, bucket_of(far_.top()));
      if (b > (static_cast<std::uint64_t>(end - 1) >> width_bits)) return false;
      advance();
    }
    return top().t < end;
  }

  /// Removes the items beyond the ring (the far queue, mostly timers) for which `drop(item)`
  /// holds, handing each to `sink(item)`; the others keep their order. Returns the number removed.
  template <class Drop, class Sink> std::size_t remove_far_if(Drop drop, Sink sink) {
    auto n = far_.remove_if(drop, sink);
    size_ -= n;
    return n;
  }
  /// Keys waiting beyond the ring.
  std::size_t far_size() const { return far_.size(); }

  /// Keys waiting in the heap of keys at or below the current bucket (for tests).
  std::size_t below_current() const { return near_.size(); }

  /// The item k places behind the next one in the current bucket's sorted keys, or null: most
  /// often the (k + 1)-th item to be popped next (a key pushed below the bucket may come
  /// first), for asking the memory it names ahead of time.
  const Item* sorted_ahead(std::size_t k) const {
    return sorted_.size() > k ? &sorted_[sorted_.size() - 1 - k] : nullptr;
  }

  /// Removes and returns the smallest item (the queue must not be empty).
  Item pop() {
    if (sorted_.empty() && near_.empty()) advance();
    --size_;
    Item x;
    if (!near_.empty() && (sorted_.empty() || greater{}(sorted_.back(), near_.front()))) {
      std::pop_heap(near_.begin(), near_.end(), greater{});
      x = near_.back();
      near_.pop_back();
    } else {
      x = sorted_.back();
      sorted_.pop_back();
    }
    popped_ = key_of(x);
    return x;
  }

private:
  static constexpr std::uint64_t ring_size = std::uint64_t{1} << ring_bits;
  static constexpr std::uint64_t ring_mask = ring_size - 1;
  static constexpr std::size_t words = ring_size / 64;

  struct key {
    std::uint64_t hi = 0, lo = 0;
    bool operator<(const key& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  };
  static key key_of(const Item& x) { return key{static_cast<std::uint64_t>(x.t), x.seq}; }
  static std::uint64_t bucket_of(const Item& x) {
    return static_cast<std::uint64_t>(x.t) >> width_bits;
  }
  struct greater {
    bool operator()(const Item& a, const Item& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };

  /// The ring's bucket b, marked non-empty, with a pooled buffer if it had none.
  std::vector<Item>& bucket(std::uint64_t b) {
    auto& v = ring_[b & ring_mask];
    if (v.empty()) {
      mark(b & ring_mask);
      if (v.capacity() == 0 && !pool_.empty()) {
        v = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    return v;
  }

  void mark(std::uint64_t slot) { used_[slot / 64] |= std::uint64_t{1} << (slot % 64); }
  void unmark(std::uint64_t slot) { used_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64)); }

  /// The first bucket after cur_ holding keys in the ring, or UINT64_MAX.
  std::uint64_t next_in_ring() const {
    auto start = (cur_ + 1) & ring_mask;
    auto w = start / 64;
    auto bits = used_[w] & (~std::uint64_t{0} << (start % 64));
    for (std::size_t i = 0; i <= words; ++i) {
      if (bits != 0) {
        auto slot = (w * 64 + static_cast<std::uint64_t>(std::countr_zero(bits)));
        auto dist = (slot - start) & ring_mask; // buckets after cur_ + 1
        if (dist < ring_size - 1) return cur_ + 1 + dist;
      }
      w = (w + 1) % words;
      bits = used_[w];
    }
    return UINT64_MAX;
  }

  /// Makes the next non-empty bucket the current one and sorts it (near_ and sorted_ are empty).
  void advance() {
    auto b = next_in_ring();
    if (!far_.empty()) b = std::min(b, bucket_of(far_.top()));
    cur_ = b;
    // The ring now covers (cur_, cur_ + ring_size): far keys that fall in it move in.
    while (!far_.empty() && bucket_of(far_.top()) - cur_ < ring_size) {
      auto x = far_.pop();
      auto fb = bucket_of(x);
      if (fb == cur_) {
        sorted_.push_back(x);
      } else {
        bucket(fb).push_back(x);
      }
    }
    auto& v = ring_[cur_ & ring_mask];
    if (!v.empty()) {
      unmark(cur_ & ring_mask);
      // The emptied buffer goes to the pool, for the next bucket that fills: buffers live only
      // in non-empty buckets, so a long ring does not keep one per bucket it went by.
      if (sorted_.empty()) {
        retire(std::move(sorted_));
        sorted_ = std::move(v);
      } else {
        sorted_.insert(sorted_.end(), v.begin(), v.end());
        retire(std::move(v));
      }
      v = std::vector<Item>();
    }
    sort_bucket();
  }

  /// An emptied buffer goes to the pool, unless it is larger than a bucket usually needs: pooled,
  /// the room of the fullest buckets ever seen would stay for the whole run (at M = N = 300 the
  /// buffers held 5.8 MB after 2 rounds and 15.2 MB after 10; massif). Such a buffer is freed,
  /// and a bucket that fills up again grows its own.
  void retire(std::vector<Item>&& b) {
    if (b.capacity() == 0) return;
    b.clear();
    if (b.capacity() <= pooled_max) {
      pool_.push_back(std::move(b));
    } else {
      std::vector<Item>().swap(b);
    }
  }
  static constexpr std::size_t pooled_max = 64; ///< items a pooled buffer may have room for

  /// Sorts the current bucket's keys, the smallest last. Its keys were appended in sequence
  /// order (a key waits beyond the ring until every later push for its bucket goes to the ring,
  /// and leaves the far queue in order), so a counting sort by time within the bucket, stable,
  /// gives the (time, sequence) order in two passes instead of a comparison sort's n log n. A
  /// check pass confirms it; keys pushed out of sequence order fall back to the comparison sort.
  void sort_bucket() {
    constexpr std::size_t width = std::size_t{1} << width_bits;
    auto n = sorted_.size();
    if (n < 64) {
      std::sort(sorted_.begin(), sorted_.end(), greater{});
      return;
    }
    auto base = static_cast<std::int64_t>(cur_ << width_bits);
    // Slot s holds time base + width - 1 - s: the latest time first.
    counts_.assign(width + 1, 0);
    for (const auto& x : sorted_)
      ++counts_[width - static_cast<std::size_t>(x.t - base)];
    for (std::size_t i = 1; i <= width; ++i)
      counts_[i] += counts_[i - 1];
    scratch_.resize(n);
    // Backwards, so that among keys of one time the last appended (the largest sequence
    // number) comes first.
    for (auto i = n; i-- > 0;) {
      const auto& x = sorted_[i];
      scratch_[counts_[width - 1 - static_cast<std::size_t>(x.t - base)]++] = x;
    }
    sorted_.swap(scratch_);
    for (std::size_t i = 1; i < n; ++i)
      if (!greater{}(sorted_[i - 1], sorted_[i])) {
        std::sort(sorted_.begin(), sorted_.end(), greater{});
        return;
      }
  }

  std::vector<std::vector<Item>> ring_ = std::vector<std::vector<Item>>(ring_size);
  std::vector<std::uint64_t> used_ = std::vector<std::uint64_t>(words, 0); ///< non-empty buckets
  std::uint64_t cur_ = 0;                                                  ///< the current bucket
  std::vector<Item> sorted_;            ///< its keys, largest first
  std::vector<std::vector<Item>> pool_; ///< emptied buffers
  std::vector<std::uint32_t> counts_;   ///< sort_bucket's counters
  std::vector<Item> scratch_;           ///< sort_bucket's second buffer
  std::vector<Item> near_;      ///< keys pushed at or below the current bucket, a binary heap
  radix_event_queue<Item> far_; ///< keys beyond the ring (mostly timers)
  key popped_{};                ///< the last key popped
  std::size_t size_ = 0;
};

} // namespace bystack::sim
