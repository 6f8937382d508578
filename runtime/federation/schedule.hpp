#pragma once
/// The elected federation schedule on real processes (docs/federation.md, "Elections on real
/// processes"): a DPoS vote tally kept from the committed sidechain blocks' deltas and a
/// federation_elector fed at every commit with the tally and the light client's tip in the
/// state after the block. bystackd (sidechain_host), bystack-federationd and bystack-cli
/// (sidechain_replica) run the same code over the same committed blocks, so they derive the same
/// rotations at the same heights.

#include "actors/federation/election.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/ledger/dpos.hpp"

#include <optional>

namespace bystack::federation {

/// What one electing sidechain height (the last block of an epoch) did to the schedule: the
/// term it elected, or none when the members and collectors stay. A node's store keeps one per
/// electing height, written with its block, so that a restart rebuilds the schedule from them and
/// the vote tally of its UTXO set instead of replaying every height.
struct schedule_record {
  std::uint64_t height = 0;
  std::optional<federation_term> term;
  bool operator==(const schedule_record&) const = default;
};
/// Encodes a record canonically (version byte first).
bytes encode(const schedule_record& r);
/// Decodes a record; refuses an unknown version, oversized or truncated fields and trailing
/// bytes, naming the field.
result<schedule_record> decode_schedule_record(byte_view data);

class federation_schedule {
public:
  federation_schedule(federation_term genesis, federation_election_params p)
      : elector_(std::move(genesis), p) {}

  /// Takes committed block `height` (its delta, empty for a block the ledger refused) and the
  /// committed state after it. Returns the term it elects, if the members or collectors change.
  std::optional<federation_term> on_commit(const ledger::block_delta& d, std::uint64_t height,
                                           const ledger::utxo_view& state,
                                           const federation_params& p);

  /// Returns the rotation a new term makes (nullopt when only the collectors changed).
  std::optional<federation_rotation> rotation_of(const federation_term& t) const;

  /// Returns what the last on_commit did, when it was for `height` and that height elects.
  std::optional<schedule_record> record_at(std::uint64_t height) const;
  /// Rebuilds the schedule after sidechain height `head` from the records of every electing
  /// height up to it (in height order) and the tally of the state at `head`, on a schedule that
  /// has seen no commit; a missing or misplaced record is refused naming its height.
  result<void> restore(const std::vector<schedule_record>& records, ledger::dpos::vote_tally tally,
                       std::uint64_t head);

  const federation_elector& elector() const noexcept { return elector_; }
  const ledger::dpos::vote_tally& tally() const noexcept { return tally_; }

private:
  ledger::dpos::vote_tally tally_;
  federation_elector elector_;
  std::optional<schedule_record> last_record_;
  std::uint64_t height_ = 0;
};

/// Returns the schedule as JSON-ready text fields (for GET /federation and status pages).
struct term_summary {
  std::uint64_t epoch = 0, sidechain_from = 0, mainchain_from = 0;
  std::string address;
  unsigned threshold = 0;
  std::vector<std::string> members, collectors;
  std::size_t replaced = 0;
};
std::vector<term_summary> summarize(const std::vector<federation_term>& terms);

} // namespace bystack::federation
