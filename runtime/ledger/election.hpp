#pragma once
/// The DPoS election as pure functions (docs/dpos.md): which candidates form the consensus set of
/// an epoch, which of them are super nodes and who joins which group.
///
/// Epochs: heights 1..E are epoch 0, E+1..2E epoch 1, and so on (E = epoch_blocks; genesis,
/// height 0, belongs to epoch 0). When the last block of epoch e commits (height (e+1)E), the
/// tally after it elects the set of epoch e + 2, not e + 1. BBFT proposes and certifies the child
/// of a block before that block is final, so the first blocks of epoch e + 1 are certified
/// while the last block of epoch e is not yet committed: their set must have been fixed earlier.
/// Fixing epoch e + 2 at the end of epoch e leaves a whole epoch between the election and its
/// first block, so every node, including one that catches up block by block, has committed the
/// electing block before it must check a certificate of the new epoch. Epochs 0 and 1 use the
/// genesis set.

#include "runtime/ledger/dpos.hpp"

#include <functional>
#include <optional>

namespace bystack::ledger::dpos {

struct election_params {
  std::uint64_t epoch_blocks = 1200;
  std::uint32_t consensus_size = 21; ///< seats
  std::uint32_t min_size = 4;        ///< fewer eligible candidates: the previous set stays
  std::uint64_t min_votes = 1;       ///< a candidate with fewer votes is not eligible
};

/// Returns the epoch of a block height.
inline std::uint64_t epoch_of(std::uint64_t height, std::uint64_t epoch_blocks) {
  return height == 0 || epoch_blocks == 0 ? 0 : (height - 1) / epoch_blocks;
}
/// Returns the epoch whose set the commit of `height` elects, if that height ends an epoch.
inline std::optional<std::uint64_t> elects_epoch(std::uint64_t height, std::uint64_t epoch_blocks) {
  if (height == 0 || epoch_blocks == 0 || height % epoch_blocks != 0) return std::nullopt;
  return epoch_of(height, epoch_blocks) + 2;
}

/// One seat of a consensus set.
struct member {
  hash256 candidate; ///< registration output id (zero for a genesis member)
  crypto::public_key key{};
  std::string address;
  std::string region;
  std::uint64_t votes = 0;
  bool operator==(const member&) const = default;
};

/// The members of one epoch, in rank order (most votes first).
struct elected_set {
  std::uint64_t epoch = 0;
  std::vector<member> members;
  bool carried_over = false; ///< too few eligible candidates: the previous set kept
  bool operator==(const elected_set&) const = default;
};

/// What one election decided, kept so that a restart rebuilds the elections without replaying
/// the chain (the node's store writes one per electing height, in that block's batch): the
/// elected set, the super nodes demoted at that moment (node ids, ascending: super nodes that
/// proposed nothing in their epoch), and whether the grouping with them demoted failed so that
/// the previous set was kept without demotions.
struct election_record {
  std::uint64_t height = 0; ///< the electing block (the last of its epoch)
  elected_set elected;
  std::vector<std::uint32_t> demoted;
  bool kept_previous = false;
  bool operator==(const election_record&) const = default;
};
/// Encodes a record canonically (version byte first).
bytes encode(const election_record& r);
/// Decodes a record; refuses an unknown version, oversized or truncated fields, unsorted node
/// ids and trailing bytes, naming the field.
result<election_record> decode_election_record(byte_view data);

/// Ranks candidates: more votes first, then earlier registration, then lower id. A node key
/// registered twice keeps its best-ranked registration only.
std::vector<candidate> rank(std::vector<candidate> cands);

/// Elects the set of `epoch`: the top consensus_size eligible candidates by rank, or `previous`
/// (relabelled) when fewer than min_size are eligible.
elected_set elect(const std::vector<candidate>& cands, const election_params& p,
                  const elected_set& previous, std::uint64_t epoch);

/// Returns how many members of b are not in a (by node key).
std::size_t members_changed(const elected_set& a, const elected_set& b);

/// Super nodes and groups over the members of a set (indices into members); supers[g] is the
/// first entry of groups[g].
struct grouping {
  std::vector<std::uint32_t> supers;
  std::vector<std::vector<std::uint32_t>> groups;
  bool operator==(const grouping&) const = default;
};
/// Chooses super nodes and assigns groups; replaceable (docs/dpos.md compares two).
using super_policy = std::function<grouping(const std::vector<member>&)>;
/// Returns the one-way delay between two members in microseconds (declared regions or measured).
using delay_fn = std::function<double(const member&, const member&)>;

/// Stake only: the m best-ranked members are the super nodes; the others go round robin, in
/// rank order, so groups differ in size by at most one.
super_policy stake_only(std::uint32_t m);
/// Stake plus delay: the first super node is the best-ranked member; each next one is chosen
/// among the 2m best-ranked as the one that most lowers the sum of every member's delay to its
/// nearest super node (ties by rank). Members then join their nearest super node (ties by rank)
/// unless its group holds max_group already (then the next nearest): groups may be uneven.
/// max_group 0: twice the even size.
super_policy stake_and_delay(std::uint32_t m, delay_fn delay, std::uint32_t max_group = 0);

/// Checks a grouping: every member in exactly one group, each super first in its own group.
bool valid_grouping(const grouping& g, std::size_t members);

} // namespace bystack::ledger::dpos
