#pragma once
/// Twins (Bano et al., "Twins: BFT Systems Made Robust", 2022) and the colluding adversary in
/// simulation. A node with a twin runs two honest cores with the same key; the simulated network
/// carries a message addressed to that node to each of its instances that the partition in force
/// lets the sender reach. Equivocation and votes for two blocks then come from honest code run
/// twice, with no Byzantine logic written by hand. The `adversary: {strategy: split}` section is
/// expressed the same way: every colluder gets a twin, one instance per half of the network, and
/// the messages between the halves are withheld until a release time.

#include "actors/common/params.hpp"
#include "actors/node/environment.hpp"
#include "runtime/base/result.hpp"
#include "runtime/protocol/messages.hpp"
#include "sim/scenario.hpp"

#include <climits>
#include <cstdint>
#include <vector>

namespace bystack::sim {

/// Returns the view a message belongs to (0 for catch-up, transactions and undecodable bytes).
std::uint64_t message_view(const proto::message& m);

/// Returns the protocol parameters of a twin core: at least one synthetic transaction per block,
/// of another size than its node's, so that the two instances propose different blocks (as twins
/// with different pools would) rather than the same block twice.
bbft::params twin_params(bbft::params p);

/// Decides which instances of a node a message reaches. Instances 0..N-1 are the nodes
/// themselves; instance N + k is the twin of the k-th twinned node (twins first, then the
/// adversary's colluders).
class twin_router {
public:
  /// Builds the router of a scenario's `twins:` and `adversary:` sections. Errors: a node or an
  /// instance out of range, a node twinned twice, an instance on two sides, a ledger workload.
  static result<twin_router> make(const scenario& s);

  /// Returns whether the scenario has twins or withheld halves (otherwise nothing is rerouted).
  bool active() const noexcept { return !twin_of_.empty() || !rules_.empty(); }
  std::uint32_t instances() const noexcept {
    return nodes_ + static_cast<std::uint32_t>(twin_of_.size());
  }
  /// Returns the node (and key) an instance runs as.
  std::uint32_t logical(std::uint32_t instance) const {
    return instance < nodes_ ? instance : twin_of_[instance - nodes_];
  }
  /// Returns the twinned node of each twin instance N + k, in order.
  const std::vector<std::uint32_t>& twin_of() const noexcept { return twin_of_; }
  /// Returns the nodes the adversary holds the keys of (twinned nodes and colluders).
  std::vector<std::uint32_t> byzantine_nodes() const;

  struct hop {
    std::uint32_t instance;
    std::int64_t extra_delay_us; ///< a withheld message waits for its release
  };
  /// Appends to `out` the instances of node `to` that a message from instance `from`, sent at
  /// t_us, reaches. `m` is null for bytes that are not a message.
  void route(std::uint32_t from, std::uint32_t to, const proto::message* m, std::int64_t t_us,
             std::vector<hop>& out);

private:
  struct rule {
    bool by_view = true;
    std::uint64_t first_view = 0, last_view = 0; ///< by_view
    std::int64_t from_us = 0, until_us = 0;      ///< otherwise
    std::vector<int> side;                       ///< per instance; -1 hears every side
    std::int64_t release_us = -1;                ///< cross-side: held until then; -1 dropped
  };

  std::uint32_t nodes_ = 0;
  std::vector<std::uint32_t> twin_of_;
  std::vector<std::vector<std::uint32_t>> instances_of_; ///< per node
  std::vector<rule> rules_;
  std::int64_t view_rules_until_us_ = INT64_MAX; ///< twins.heal_ms
  /// Per instance, the last view it sent a message of: messages without a view (catch-up)
  /// follow the partition of their sender's view.
  std::vector<std::uint64_t> last_view_;
};

/// Hands a twin core's effects to the simulator under the twin's instance number, so that the
/// twin has its own CPU, uplink, timers and commits, while its core runs as the twinned node.
class twin_env final : public bbft::node_env {
public:
  twin_env(bbft::node_env& inner, std::uint32_t instance) : inner_(inner), instance_(instance) {}

  std::int64_t now_us(std::uint32_t) override { return inner_.now_us(instance_); }
  result<bbft::msg_ptr> decode(const shared_bytes& b) override { return inner_.decode(b); }
  void charge(std::uint32_t, std::size_t decoded, const crypto::crypto_meter& m) override {
    inner_.charge(instance_, decoded, m);
  }
  void send(std::uint32_t, const bbft::send_effect& e) override { inner_.send(instance_, e); }
  void set_timer(std::uint32_t, const bbft::timer_effect& t) override {
    inner_.set_timer(instance_, t);
  }
  void on_certified(std::uint32_t, const bbft::certified_effect& e) override {
    inner_.on_certified(instance_, e);
  }
  void on_commit(std::uint32_t, const bbft::commit_effect& e) override {
    inner_.on_commit(instance_, e);
  }
  void on_reject(std::uint32_t, const bbft::reject_effect& e, const std::string& d) override {
    inner_.on_reject(instance_, e, d);
  }

private:
  bbft::node_env& inner_;
  std::uint32_t instance_;
};

} // namespace bystack::sim
