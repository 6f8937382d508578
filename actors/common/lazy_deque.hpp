#pragma once
/// A std::deque that takes no memory while it has never held anything.
///
/// libstdc++'s std::deque allocates its map and a first 512-byte node when it is constructed, so
/// an empty one costs about 576 bytes of heap. A node core has four queues that stay empty in
/// most runs (the leader pool without an application, early certificates, the compact relay's
/// included batches and transactions): about 2.2 KB per simulated node, 2.2 GB at N = 1,000,000.
/// This wrapper creates the deque on the first push and otherwise behaves like it (same order,
/// same operations), so a core that uses it does exactly what it did with the deque.

#include <deque>
#include <memory>
#include <utility>

namespace bystack::bbft {

template <class T> class lazy_deque {
public:
  using container = std::deque<T>;
  using iterator = typename container::iterator;
  using const_iterator = typename container::const_iterator;

  lazy_deque() = default;
  lazy_deque(const lazy_deque& o) : d_(o.d_ ? std::make_unique<container>(*o.d_) : nullptr) {}
  lazy_deque& operator=(const lazy_deque& o) {
    if (this != &o) d_ = o.d_ ? std::make_unique<container>(*o.d_) : nullptr;
    return *this;
  }
  lazy_deque(lazy_deque&&) noexcept = default;
  lazy_deque& operator=(lazy_deque&&) noexcept = default;

  bool empty() const noexcept { return !d_ || d_->empty(); }
  std::size_t size() const noexcept { return d_ ? d_->size() : 0; }
  /// Whether the deque was ever created (memory studies and tests).
  bool allocated() const noexcept { return d_ != nullptr; }

  T& front() { return d_->front(); }
  const T& front() const { return d_->front(); }
  void pop_front() { d_->pop_front(); }
  template <class U> void push_back(U&& x) { get().push_back(std::forward<U>(x)); }

  // Without a deque, iterators of one shared empty deque (never written: begin() == end()).
  iterator begin() { return d_ ? d_->begin() : none().begin(); }
  iterator end() { return d_ ? d_->end() : none().end(); }
  const_iterator begin() const { return d_ ? d_->cbegin() : none().cbegin(); }
  const_iterator end() const { return d_ ? d_->cend() : none().cend(); }
  /// `at` must be an element of this deque (so the deque exists).
  iterator erase(const_iterator at) { return d_->erase(at); }

private:
  container& get() {
    if (!d_) d_ = std::make_unique<container>();
    return *d_;
  }
  static container& none() {
    static container empty;
    return empty;
  }
  std::unique_ptr<container> d_;
};

} // namespace bystack::bbft
