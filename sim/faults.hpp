#pragma once
/// Faults as scenario data, applied by the simulated environment (never inside honest protocol
/// code): crashes and restarts, message loss, extra delay, partitions, and Byzantine behaviours
/// that rewrite a node's outgoing effects. Also the checkers that watch from outside: safety
/// (certificates of committed blocks) and liveness (commits resume after the last fault heals).

#include "actors/common/topology.hpp"
#include "actors/node/node_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace bystack::sim {

struct run_result;

class fault_plan {
public:
  static result<fault_plan> make(const scenario& s, const bbft::topology& topo,
                                 const crypto::validator_set& set,
                                 const crypto::certificate_scheme& certs);

  /// Gives the plan the cores (to rebuild a crashed node on restart).
  void attach(std::vector<std::shared_ptr<bbft::node_core>>& cores) { cores_ = &cores; }
  /// Gives the plan a way to sign as a Byzantine node (its own key: equivocation, double votes).
  void set_signer_factory(std::function<std::unique_ptr<crypto::signer>(std::uint32_t)> f) {
    make_signer_ = std::move(f);
  }

  /// One message a node actually puts on the wire after its behaviour switch.
  struct outgoing {
    std::vector<std::uint32_t> to;
    bbft::msg_ptr msg; ///< a protocol message, or
    shared_bytes raw;  ///< bytes that are not one (garbage)
  };
  /// Returns whether `from` behaves Byzantine at time t (then rewrite() decides what it sends).
  bool byzantine_now(std::uint32_t from, std::int64_t t) const;
  /// Applies the node's Byzantine behaviours to one send effect of its honest core.
  std::vector<outgoing> rewrite(std::uint32_t from, const bbft::send_effect& e, std::int64_t t,
                                keyed_rng& rng);
  /// Returns the number of honest nodes that must commit for the run to complete (honest and not
  /// crashed for good).
  std::uint64_t expected_to_finish() const;
  /// Returns whether node is crashed for good (never restarts).
  bool crashed_for_good(std::uint32_t node) const;

  /// Returns whether node is up at time t.
  bool alive(std::uint32_t node, std::int64_t t) const;
  /// Returns whether node follows the protocol (not Byzantine) - crashed nodes count as honest.
  bool honest(std::uint32_t node) const { return !byzantine_[node]; }

  struct verdict {
    bool drop = false;
    std::int64_t extra_delay_us = 0;
  };
  /// Decides the fate of one message leaving `from` for `to` at time t.
  verdict on_send(std::uint32_t from, std::uint32_t to, std::int64_t t, keyed_rng& rng) const;

  /// Returns the first time after t at which a node goes down or comes back (INT64_MAX: none):
  /// the simulator's lookahead windows end there, so that a node is up or down for a whole window.
  std::int64_t next_change_after(std::int64_t t) const;
  /// Returns whether some node has a Byzantine behaviour switch (rewrite() keeps state).
  bool rewrites() const { return any_behaviour_; }
  /// Whether any link fault (drop, delay, partition) is planned: without, on_send changes nothing.
  bool link_faults() const { return !links_.empty(); }

  /// Applies crash/restart transitions due at or before t; calls restarted(node, true) for each
  /// node that comes back.
  void advance(std::int64_t t, const std::function<void(std::uint32_t, bool)>& restarted);

  /// Records an honest commit (liveness checker).
  void on_commit(std::uint32_t node, std::int64_t t);
  /// Checks a committed block's certificate independently of the nodes.
  bool certificate_ok(const proto::block_certificate& c) const;
  /// Fills the liveness verdict: after the last fault heals, every honest live node committed
  /// again within the scenario's bound.
  void check_liveness(run_result& out, std::int64_t end_us) const;
  /// Returns the time the last fault heals (0 without faults; -1 if one never heals).
  std::int64_t last_heal_us() const { return last_heal_us_; }

private:
  struct window {
    std::int64_t from_us;
    std::int64_t until_us; ///< INT64_MAX: never heals
    bool contains(std::int64_t t) const { return t >= from_us && t < until_us; }
  };
  struct link_fault {
    window w;
    std::vector<bool> side_a; ///< for partitions: nodes on one side
    std::vector<bool> side_b;
    std::vector<bool> nodes; ///< for loss/delay: messages from or to these (empty: all)
    double rate = 0;
    std::int64_t delay_us = 0;
    bool partition = false;
  };

  const scenario* s_ = nullptr;
  const bbft::topology* topo_ = nullptr;
  const crypto::validator_set* set_ = nullptr;
  const crypto::certificate_scheme* certs_ = nullptr;
  std::vector<std::shared_ptr<bbft::node_core>>* cores_ = nullptr;
  std::vector<std::vector<window>> down_; ///< per node
  std::vector<bool> was_down_;
  std::vector<std::uint32_t> crashable_; ///< nodes with down windows
  std::vector<bool> byzantine_;
  std::vector<link_fault> links_;
  struct behaviour {
    std::string kind;
    window w;
  };
  std::vector<std::vector<behaviour>> behaviours_; ///< per node
  bool any_behaviour_ = false;                     ///< some node has a behaviour switch
  std::function<std::unique_ptr<crypto::signer>(std::uint32_t)> make_signer_;
  std::vector<std::unique_ptr<crypto::signer>> signers_; ///< Byzantine nodes' keys, on demand
  const crypto::signer& signer_of(std::uint32_t node);
  /// invalid_block: the rewritten proposal per original block, so that T0 and the leader's own
  /// T1 carry the same invalid block.
  std::unordered_map<crypto::hash256, bbft::msg_ptr> invalid_blocks_;
  std::vector<std::int64_t> last_commit_us_;
  std::vector<std::int64_t> longest_gap_us_;
  std::int64_t last_heal_us_ = 0;
};

} // namespace bystack::sim
