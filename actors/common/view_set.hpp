#pragma once
/// A small ordered set of view numbers in one sorted vector.
///
/// The cores keep the views whose proposal they handled and the views they relayed: a handful
/// each (older views are dropped as the view advances), inserted once per view by every node.
/// std::set paid a heap node and a tree walk per insert, and at N = 10,000 the insert was the
/// fourth-largest cost of handling a proposal (docs/simulator.md). This set keeps the same order
/// and answers the same calls, so a core that uses it does exactly what it did with std::set.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace bystack::bbft {

class view_set {
public:
  using value_type = std::uint64_t;
  using const_iterator = std::vector<value_type>::const_iterator;

  /// Adds v; the iterator names v, and the flag tells whether it was new.
  std::pair<const_iterator, bool> insert(value_type v) {
    auto at = std::lower_bound(v_.begin(), v_.end(), v);
    if (at != v_.end() && *at == v) return {at, false};
    return {v_.insert(at, v), true};
  }
  const_iterator erase(const_iterator at) { return v_.erase(at); }
  std::size_t erase(value_type v) {
    auto at = std::lower_bound(v_.begin(), v_.end(), v);
    if (at == v_.end() || *at != v) return 0;
    v_.erase(at);
    return 1;
  }
  std::size_t count(value_type v) const { return std::binary_search(v_.begin(), v_.end(), v); }
  const_iterator begin() const { return v_.begin(); }
  const_iterator end() const { return v_.end(); }
  std::size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }

private:
  std::vector<value_type> v_;
};

} // namespace bystack::bbft
