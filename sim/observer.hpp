#pragma once
/// What the simulator tells an outside observer while it runs (the trace writer, the sequence
/// diagram): message copies sent and handed to nodes, the CPU time each node spends on its mail,
/// certifications and commits. Observers only read: they cannot change the run or its trace hash.

#include "actors/common/effects.hpp"
#include "actors/common/topology.hpp"
#include "sim/scenario.hpp"

#include <cstdint>
#include <vector>

namespace bystack::sim {

/// Describes one piece of mail handed to a node: a message copy, a timer, or a (re)start.
struct dispatch_info {
  enum class kind : std::uint8_t { deliver, timer, start };
  kind what = kind::deliver;
  std::uint64_t copy_id = 0; ///< the copy's id from on_send (deliver only)
  std::uint32_t from = 0;
  std::uint8_t sub = 0; ///< phase of a delivery, timer_kind of a timer
  std::uint64_t view = 0;
  std::size_t bytes = 0;
};

/// Receives the simulator's events; every hook has an empty default.
class run_observer {
public:
  virtual ~run_observer() = default;
  /// Announces the run before any event.
  virtual void on_start(const scenario&, const bbft::topology&) {}
  /// Reports one message copy leaving `from` for `to`: `copy_id` names it until delivery (0 when a
  /// fault dropped it on the way), `sent_us` is when the sender's CPU released it, `arrival_us`
  /// when it reaches the receiver.
  virtual void on_send(std::uint64_t /*copy_id*/, std::uint32_t /*from*/, std::uint32_t /*to*/,
                       bbft::phase, std::uint64_t /*view*/, std::size_t /*bytes*/,
                       std::int64_t /*sent_us*/, std::int64_t /*arrival_us*/) {}
  /// Reports mail handed to a live node's mailbox at `t_us`; the node handles its mail in order.
  virtual void on_dispatch(std::uint32_t /*node*/, const dispatch_info&, std::int64_t /*t_us*/) {}
  /// Reports that `node` starts handling its next mail at `start_us`; its CPU was busy until
  /// `busy_before_us`, which ends its previous piece of work.
  virtual void on_handle(std::uint32_t /*node*/, std::int64_t /*start_us*/,
                         std::int64_t /*busy_before_us*/) {}
  /// Reports that all mail handed out so far is handled; `busy_us[n]` ends node n's last work.
  virtual void on_quiet(const std::vector<std::int64_t>& /*busy_us*/) {}
  virtual void on_certified(std::uint32_t /*node*/, std::uint64_t /*height*/,
                            std::uint64_t /*view*/, std::int64_t /*t_us*/) {}
  virtual void on_commit(std::uint32_t /*node*/, std::uint64_t /*height*/, std::uint64_t /*view*/,
                         std::int64_t /*t_us*/) {}
  /// Announces the end of the run at simulated time `now_us`.
  virtual void on_end(std::int64_t /*now_us*/) {}
};

/// Hands every event to several observers in turn.
class observer_list final : public run_observer {
public:
  void add(run_observer* o) {
    if (o) list_.push_back(o);
  }
  bool empty() const { return list_.empty(); }
  void on_start(const scenario& s, const bbft::topology& t) override {
    for (auto* o : list_)
      o->on_start(s, t);
  }
  void on_send(std::uint64_t id, std::uint32_t from, std::uint32_t to, bbft::phase ph,
               std::uint64_t view, std::size_t bytes, std::int64_t sent_us,
               std::int64_t arrival_us) override {
    for (auto* o : list_)
      o->on_send(id, from, to, ph, view, bytes, sent_us, arrival_us);
  }
  void on_dispatch(std::uint32_t node, const dispatch_info& d, std::int64_t t_us) override {
    for (auto* o : list_)
      o->on_dispatch(node, d, t_us);
  }
  void on_handle(std::uint32_t node, std::int64_t start_us, std::int64_t busy_us) override {
    for (auto* o : list_)
      o->on_handle(node, start_us, busy_us);
  }
  void on_quiet(const std::vector<std::int64_t>& busy_us) override {
    for (auto* o : list_)
      o->on_quiet(busy_us);
  }
  void on_certified(std::uint32_t node, std::uint64_t h, std::uint64_t v,
                    std::int64_t t_us) override {
    for (auto* o : list_)
      o->on_certified(node, h, v, t_us);
  }
  void on_commit(std::uint32_t node, std::uint64_t h, std::uint64_t v, std::int64_t t_us) override {
    for (auto* o : list_)
      o->on_commit(node, h, v, t_us);
  }
  void on_end(std::int64_t now_us) override {
    for (auto* o : list_)
      o->on_end(now_us);
  }

private:
  std::vector<run_observer*> list_;
};

} // namespace bystack::sim
