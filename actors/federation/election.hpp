#pragma once
/// Federation member and collector elections on the sidechain's DPoS votes (docs/federation.md,
/// "Elections"): the rotations that federation_params::rotations held as configuration become
/// the output of a pure function of the committed sidechain.
///
/// Candidates are the DPoS candidates (registration outputs, kind 18, and the votes locked for
/// them, runtime/ledger/dpos.hpp), ranked as the consensus election ranks them
/// (ledger::dpos::rank: votes, then earlier registration, then lower id; a node key registered
/// twice counts once). A federation member signs with its registration's node key. One
/// registration serves both elections: a federation member is a sidechain operator with a key
/// the token holders vote for, and a separate registration kind would only split the same votes.
///
/// When the last sidechain block of epoch e commits, the tally after it elects the federation of
/// epoch e + 2 (the DPoS election's pipeline, runtime/ledger/election.hpp: every node has
/// committed the electing block before it checks a block of e + 2). The new federation
///  - has `seats` members: the top-ranked eligible candidates, but at most floor(n / 3) of the
///    current members are replaced per rotation (the worst-voted incumbents leave first; seats
///    left empty for want of candidates keep their incumbents);
///  - has the threshold threshold_for(n, (n - 1) / 2) (2 of 3, 3 of 4, 3 of 5 ...);
///  - takes pegins in mainchain blocks from `mainchain_from` = the light client's tip in the
///    electing block's state + activation_margin_blocks (every validator reads the same state),
///    and at least grace_blocks above the previous rotation's,
///    and claims of them are judged by it in sidechain blocks from `sidechain_from` on;
///  - keeps the previous federation's address open for federation_params::grace_blocks.
/// Collectors are the top `collectors` eligible candidates (no cap: a collector holds nothing).
///
/// Nothing here reads a clock, spawns threads or draws randomness.

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/ledger/election.hpp"

namespace bystack::federation {

struct federation_election_params {
  std::uint64_t epoch_blocks = 1200; ///< the sidechain's DPoS epoch
  std::uint32_t seats = 0;           ///< n; 0: the size of the genesis federation
  std::uint32_t collectors = 1;
  std::uint64_t min_votes = 1; ///< fewer votes: not eligible
  std::uint64_t activation_margin_blocks = 6;
  /// federation_params::grace_blocks: a rotation starts at least this far above the previous
  /// rotation, so that the previous federation's grace period is never cut short by the next.
  std::uint64_t grace_blocks = 0;
};

/// One federation of the schedule.
struct federation_term {
  std::uint64_t epoch = 0;                 ///< first sidechain epoch it is in force
  std::uint64_t sidechain_from = 0;        ///< first sidechain height whose claims it judges
  std::uint64_t mainchain_from = 0;        ///< pegins in mainchain blocks from here pay it
  std::vector<crypto::public_key> members; ///< rank order (incumbents first, then newcomers)
  ledger::control_program program;
  std::vector<crypto::public_key> collectors;
  std::size_t replaced = 0; ///< members of the previous term who left
  bool operator==(const federation_term&) const = default;
};

/// Returns the members and collectors the candidates elect after `current` (epoch and heights
/// are left to the caller). Pure: every node with the same tally gets the same term.
federation_term elect_federation(const std::vector<ledger::dpos::candidate>& cands,
                                 const federation_term& current,
                                 const federation_election_params& p);

/// Returns the genesis term: the initial producers act as members and the first `collectors`
/// of them as collectors.
result<federation_term> genesis_term(std::vector<crypto::public_key> producers,
                                     const federation_election_params& p);

/// Follows the committed sidechain and keeps the elected schedule.
class federation_elector {
public:
  federation_elector(federation_term genesis, federation_election_params p);

  /// Takes the commit of sidechain block `height`: at an epoch's last block it elects the term
  /// of epoch + 2 from the tally after the block and `lc_tip_height`, the light client's best
  /// height in that state. Returns the new term when the members or collectors change.
  std::optional<federation_term> on_commit(std::uint64_t height,
                                           const ledger::dpos::vote_tally& tally,
                                           std::uint64_t lc_tip_height);

  /// Returns every term, genesis first.
  const std::vector<federation_term>& terms() const noexcept { return terms_; }
  /// Returns the term in force at a sidechain height.
  const federation_term& at_sidechain(std::uint64_t height) const;
  /// Returns the rotations of the schedule (terms whose program changed), as sidechain_rules,
  /// member_core and collector_core take them.
  std::vector<federation_rotation> rotations() const;
  /// Returns every federation program of the schedule, the genesis one first (supply checker).
  std::vector<ledger::control_program> programs() const;
  /// Adds the terms elected after genesis, as a restart reads them from the store, to an
  /// elector that has elected nothing yet; refuses terms out of order (epochs must grow, each
  /// in force from its epoch's first height) or an elector that has elected already.
  result<void> restore(std::vector<federation_term> later);
  const federation_election_params& params() const noexcept { return p_; }

private:
  federation_election_params p_;
  std::vector<federation_term> terms_;
};

} // namespace bystack::federation
