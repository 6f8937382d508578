#pragma once
/// A hash table keyed by object address, for the simulator's memos of encoded and decoded
/// messages (sim/simulation.cpp, `remember`).
///
/// Open addressing with linear probing over a power-of-two array of slots, each holding the key
/// and its value in place: an insertion allocates nothing, a look-up hashes with a multiply and a
/// shift (std::unordered_map with pointer keys divides by a prime and allocates a node per
/// entry), and a sweep over all entries reads the slots in address order instead of chasing a
/// node list. Erasing leaves a tombstone, so no entry moves on erase and a pointer to a value
/// stays valid until the next insertion that grows or rebuilds the table (`rebuilds()` counts
/// those, so a holder of such pointers can tell when they went stale). The table rebuilds when
/// live entries and tombstones fill half of it, sized so that the live entries fill at most a
/// quarter afterwards.
///
/// Not thread-safe for writes; look-ups of a table no one writes may run on several threads.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace bystack::sim {

template <class Key, class Value> class ptr_table {
public:
  using key_type = const Key*;

  ptr_table() = default;

  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  /// Number of rebuilds so far (growth, or clearing out tombstones): each one moves every value.
  std::uint64_t rebuilds() const { return rebuilds_; }
  std::size_t capacity() const { return slots_.size(); }

  /// The value held for k, or null.
  Value* find(key_type k) {
    if (slots_.empty() || !k) return nullptr;
    for (auto i = home(k);; i = (i + 1) & mask_) {
      auto& s = slots_[i];
      if (s.key == k) return &s.value;
      if (s.key == nullptr) return nullptr;
    }
  }
  const Value* find(key_type k) const { return const_cast<ptr_table*>(this)->find(k); }

  /// Asks for the cache line of k's home slot (a hint: a look-up of k soon after is cheaper).
  void prefetch(key_type k) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(k)]);
  }

  /// Inserts v under k unless k is held already (then v is dropped, as std::unordered_map's
  /// emplace does); returns the value held and whether it was inserted.
  std::pair<Value*, bool> emplace(key_type k, Value v) {
    if ((live_ + dead_ + 1) * 2 > slots_.size()) rebuild();
    std::size_t grave = SIZE_MAX;
    for (auto i = home(k);; i = (i + 1) & mask_) {
      auto& s = slots_[i];
      if (s.key == k) return {&s.value, false};
      if (s.key == tomb() && grave == SIZE_MAX) grave = i;
      if (s.key == nullptr) {
        auto at = grave != SIZE_MAX ? grave : i;
        if (at == grave) --dead_;
        slots_[at].key = k;
        slots_[at].value = std::move(v);
        ++live_;
        return {&slots_[at].value, true};
      }
    }
  }

  /// Erases k's entry, if any; returns whether there was one.
  bool erase(key_type k) {
    auto* v = find(k);
    if (!v) return false;
    erase(v);
    return true;
  }
  /// Erases the entry whose value v is (as find() or emplace() returned it), without looking it
  /// up again.
  void erase(const Value* v) { erase_slot(slot_of(v)); }

  /// Calls f(key, value) for every entry, in slot order; erases the entries for which it returns
  /// true. f may erase entries of other tables, and of this one other than the one it is given.
  /// prefetch(value) is called some entries ahead of f, so f's reads behind the value (reference
  /// counts, other tables) can be on their way.
  template <class F, class Prefetch> void erase_if(F&& f, Prefetch&& prefetch) {
    constexpr std::size_t ahead = 16; // entries, not slots: most slots are empty
    const auto n = slots_.size();
    std::size_t p = 0, queued = 0; // next slot to look ahead at; entries prefetched, not visited
    for (std::size_t i = 0; i < n; ++i) {
      for (; p < n && queued < ahead; ++p)
        if (live(slots_[p].key)) {
          prefetch(slots_[p].value);
          ++queued;
        }
      auto& s = slots_[i];
      if (!live(s.key)) continue;
      --queued;
      if (f(s.key, s.value)) erase_slot(i);
    }
  }

  /// Drops every entry; keeps the slots' memory.
  void clear() {
    if (live_ + dead_ == 0) return;
    for (auto& s : slots_)
      if (s.key) s = slot{};
    live_ = dead_ = 0;
  }

  void swap(ptr_table& o) noexcept {
    slots_.swap(o.slots_);
    std::swap(mask_, o.mask_);
    std::swap(bits_, o.bits_);
    std::swap(live_, o.live_);
    std::swap(dead_, o.dead_);
    std::swap(rebuilds_, o.rebuilds_);
  }

private:
  struct slot {
    key_type key = nullptr;
    Value value{};
  };
  static key_type tomb() { return reinterpret_cast<key_type>(std::uintptr_t{1}); }
  static bool live(key_type k) { return k != nullptr && k != tomb(); }

  std::size_t home(key_type k) const {
    auto h = (reinterpret_cast<std::uintptr_t>(k) >> 4) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(h >> (64 - bits_));
  }
  std::size_t slot_of(const Value* v) const {
    // The value's slot: values live inside the slots, which are contiguous.
    auto base = reinterpret_cast<std::uintptr_t>(&slots_[0].value);
    return (reinterpret_cast<std::uintptr_t>(v) - base) / sizeof(slot);
  }
  void erase_slot(std::size_t i) {
    slots_[i] = slot{};
    slots_[i].key = tomb();
    --live_;
    ++dead_;
  }

  void rebuild() {
    std::size_t cap = min_capacity;
    while (cap < (live_ + 1) * 4)
      cap *= 2;
    std::vector<slot> old;
    old.swap(slots_);
    slots_.resize(cap);
    mask_ = cap - 1;
    bits_ = static_cast<unsigned>(std::countr_zero(cap));
    dead_ = 0;
    ++rebuilds_;
    for (auto& s : old) {
      if (!live(s.key)) continue;
      auto i = home(s.key);
      while (slots_[i].key != nullptr)
        i = (i + 1) & mask_;
      slots_[i].key = s.key;
      slots_[i].value = std::move(s.value);
    }
  }

  static constexpr std::size_t min_capacity = 256;
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  unsigned bits_ = 0;
  std::size_t live_ = 0; ///< entries
  std::size_t dead_ = 0; ///< tombstones
  std::uint64_t rebuilds_ = 0;
};

} // namespace bystack::sim
