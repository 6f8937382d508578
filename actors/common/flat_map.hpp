#pragma once
/// A small map in one vector, in the order its entries came.
///
/// A core holds a few uncommitted blocks (one or two per view in flight) and looks one up by
/// hash several times per message: whether a proposal's justify is certified, the parent's
/// header, the two-chain rule. In std::unordered_map each look-up chased a bucket and then a heap
/// node, two cache misses once the node's state had left the cache: at N = 10,000 its find was
/// 5.9% of bystack-sim-bench's samples (perf record, 0baa154). Here the entries are contiguous: a
/// look-up reads one line per entry, and the owner can prefetch them all before it needs them.
///
/// A look-up is linear in the entries. Iteration is in insertion order (erasing keeps the order
/// of the rest), so whatever iterates the map is deterministic by construction rather than by
/// the hash function's bucket layout. Erasing or inserting moves entries: iterators and pointers
/// into the map are valid only until the next change.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace bystack::bbft {

template <class Key, class Value> class flat_map {
public:
  using value_type = std::pair<Key, Value>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator find(const Key& k) { return find_in(v_, k); }
  const_iterator find(const Key& k) const { return find_in(v_, k); }
  std::size_t count(const Key& k) const { return find(k) != v_.end() ? 1 : 0; }
  /// Adds (k, v) unless k is there; the iterator names k's entry, the flag tells whether it is new.
  std::pair<iterator, bool> try_emplace(const Key& k, Value v) {
    if (auto at = find(k); at != v_.end()) return {at, false};
    v_.emplace_back(k, std::move(v));
    return {std::prev(v_.end()), true};
  }
  iterator erase(const_iterator at) { return v_.erase(at); }
  std::size_t erase(const Key& k) {
    auto at = find(k);
    if (at == v_.end()) return 0;
    v_.erase(at);
    return 1;
  }
  /// Erases the entries for which pred(entry) holds; returns how many.
  template <class Pred> std::size_t erase_if(Pred pred) { return std::erase_if(v_, pred); }
  void clear() noexcept { v_.clear(); }

  iterator begin() noexcept { return v_.begin(); }
  iterator end() noexcept { return v_.end(); }
  const_iterator begin() const noexcept { return v_.begin(); }
  const_iterator end() const noexcept { return v_.end(); }
  std::size_t size() const noexcept { return v_.size(); }
  bool empty() const noexcept { return v_.empty(); }
  /// The entries' storage (for prefetching).
  const value_type* data() const noexcept { return v_.data(); }

private:
  template <class Vec> static auto find_in(Vec& v, const Key& k) {
    return std::find_if(v.begin(), v.end(), [&k](const value_type& e) { return e.first == k; });
  }
  std::vector<value_type> v_;
};

} // namespace bystack::bbft
