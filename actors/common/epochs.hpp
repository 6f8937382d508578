#pragma once
/// DPoS epochs in the BBFT core (docs/dpos.md): the consensus set and its grouping as a function
/// of a block's height.
///
/// Every node that may ever sit in a set has a fixed node id, its index in the core's validator
/// set (the *universe*: all candidates that run a node). An epoch's set is a subset of it, with a
/// partial topology (non-members belong to no group). Certificates of a block count only the
/// members of that block's epoch and need more than 2/3 of them; timeout certificates need more
/// than 2/3 of the set deciding the next height and, on the first height of an epoch, of the
/// previous epoch's set too (joint quorum: either set may hold the lock of the last commit).

#include "actors/common/topology.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/election.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace bystack::bbft {

/// One epoch's consensus set over the universe of node ids.
class epoch_set {
public:
  /// Builds the set of `epoch` from groups of node ids (supers[g] first in groups[g]) over a
  /// universe of `universe` nodes.
  static result<epoch_set> make(std::uint64_t epoch, std::uint32_t universe,
                                std::vector<std::uint32_t> supers,
                                std::vector<std::vector<std::uint32_t>> groups);

  std::uint64_t epoch() const noexcept { return epoch_; }
  const std::shared_ptr<const topology>& topo() const noexcept { return topo_; }
  const std::vector<std::uint32_t>& members() const noexcept { return members_; }
  bool contains(std::uint32_t node) const { return topo_->contains(node); }
  std::size_t size() const noexcept { return members_.size(); }
  std::size_t quorum() const noexcept { return members_.size() * 2 / 3 + 1; }
  std::size_t max_faulty() const noexcept {
    return members_.empty() ? 0 : (members_.size() - 1) / 3;
  }

private:
  std::uint64_t epoch_ = 0;
  std::shared_ptr<const topology> topo_;
  std::vector<std::uint32_t> members_; ///< sorted
};

/// Answers which set decides which height. Implementations must return the same pointer for the
/// same epoch on every call, and never change an epoch's set once returned.
class consensus_set_provider {
public:
  virtual ~consensus_set_provider() = default;
  virtual std::uint64_t epoch_of(std::uint64_t height) const = 0;
  /// Returns the set of an epoch, or null while it is not known (its electing block is not
  /// committed yet).
  virtual std::shared_ptr<const epoch_set> set_of(std::uint64_t epoch) const = 0;
};

/// Sets given up front, per epoch (tests; a later epoch without its own set keeps the last).
class static_set_provider final : public consensus_set_provider {
public:
  explicit static_set_provider(std::uint64_t epoch_blocks) : epoch_blocks_(epoch_blocks) {}
  void add(std::shared_ptr<const epoch_set> s) { sets_[s->epoch()] = std::move(s); }
  std::uint64_t epoch_of(std::uint64_t height) const override {
    return ledger::dpos::epoch_of(height, epoch_blocks_);
  }
  std::shared_ptr<const epoch_set> set_of(std::uint64_t epoch) const override;

private:
  std::uint64_t epoch_blocks_;
  std::map<std::uint64_t, std::shared_ptr<const epoch_set>> sets_;
};

/// Elects sets from the chain: feed it every committed block's delta in height order (through
/// butxo_options::on_commit); the commit of the last block of epoch e elects epoch e + 2 from the
/// vote tally. Epochs 0 and 1 use the genesis set. Members map to node ids by their node key
/// (the validator set); an elected candidate that runs no known node is skipped.
class election_provider final : public consensus_set_provider {
public:
  election_provider(ledger::dpos::election_params p, ledger::dpos::super_policy policy,
                    std::shared_ptr<const crypto::validator_set> universe,
                    ledger::dpos::elected_set genesis);

  void on_commit(const ledger::block_delta& d, std::uint64_t height);
  /// Notes who proposed a committed block (call for every committed block, after on_commit). A
  /// super node that proposed no block during an epoch in which it was a super node is not made
  /// a super node again (it stays a member if elected) until it proposes: a crashed super node
  /// would otherwise lead views that time out in every epoch. Deterministic: every node reads
  /// the same proposers and sets from the same chain.
  void note_proposer(std::uint64_t height, std::uint32_t proposer);
  std::uint64_t epoch_of(std::uint64_t height) const override {
    return ledger::dpos::epoch_of(height, p_.epoch_blocks);
  }
  std::shared_ptr<const epoch_set> set_of(std::uint64_t epoch) const override;

  /// Returns what the commit of `height` elected (the record a store keeps so that a restart
  /// need not replay the chain), or nullopt when that commit elected nothing. Valid until the
  /// next on_commit.
  std::optional<ledger::dpos::election_record> record_at(std::uint64_t height) const;
  /// Rebuilds the state after the commit of `height` from the records of every election up to
  /// it (in height order; every electing height up to `height` must have one) and the vote tally
  /// after it (vote_tally::from_state of the state at `height`): call on a provider that has
  /// seen no commit, then note_proposer for every height from the last record's (1 without one)
  /// to `height`, as the first commit did. Equal to feeding every commit again (tests check
  /// it); a record that does not fit (a missing or extra epoch, a grouping that cannot be rebuilt
  /// from it) is refused, naming its height.
  result<void> restore(const std::vector<ledger::dpos::election_record>& records,
                       ledger::dpos::vote_tally tally, std::uint64_t height);
  /// The super nodes demoted for proposing nothing in their epoch (node ids), and the proposers
  /// noted in the current epoch.
  const std::set<std::uint32_t>& demoted() const noexcept { return failed_supers_; }
  const std::set<std::uint32_t>& proposed() const noexcept { return proposed_; }
  /// The first height whose proposers the state after `records` still needs noted (restore()).
  static std::uint64_t replay_from(const std::vector<ledger::dpos::election_record>& records) {
    return records.empty() ? 1 : records.back().height;
  }

  /// Returns the election of an epoch (null if not yet elected).
  const ledger::dpos::elected_set* elected(std::uint64_t epoch) const;
  const ledger::dpos::vote_tally& tally() const noexcept { return tally_; }
  std::uint64_t last_height() const noexcept { return height_; }
  const ledger::dpos::election_params& params() const noexcept { return p_; }

private:
  std::shared_ptr<const epoch_set> build(const ledger::dpos::elected_set& e,
                                         const std::set<std::uint32_t>& demoted = {}) const;

  ledger::dpos::election_params p_;
  ledger::dpos::super_policy policy_;
  std::shared_ptr<const crypto::validator_set> universe_;
  ledger::dpos::vote_tally tally_;
  std::uint64_t height_ = 0;
  std::map<std::uint64_t, ledger::dpos::elected_set> elected_;
  std::map<std::uint64_t, std::shared_ptr<const epoch_set>> sets_;
  std::set<std::uint32_t> proposed_;      ///< proposers in the current epoch
  std::set<std::uint32_t> failed_supers_; ///< super nodes that proposed nothing in their epoch
  std::optional<ledger::dpos::election_record> last_record_; ///< the last commit's election
};

} // namespace bystack::bbft
