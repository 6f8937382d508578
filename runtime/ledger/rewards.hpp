#pragma once
/// DPoS rewards (whitepaper 3.1; docs/dpos.md "Rewards"): each block's reward plus fees is split
/// between the delegate that produced it and the voters of that delegate, as the outputs of the
/// block's coinbase. A consensus rule: every validator recomputes the split from the chain alone
/// and refuses a block whose coinbase deviates (`bad-reward`).
///
/// The rule, settled per block:
/// - total T = block_reward + the block's fees; the producer is the block's proposer, whose
///   node key the caller resolves (`producer_key`); its payee is control_program::single(key),
///   the owner of its registration;
/// - the voters are the owners of the vote outputs locked for any registration of that node key
///   that is unspent at the block's parent (the votes as the chain holds them before the block),
///   aggregated per owner program;
/// - the voters' pool P = floor(T * (100 - producer_share_pct) / 100); a voter with amount a
///   out of A receives floor(P * a / A); a share below `min_voter_payout` is skipped (not
///   accumulated): it stays with the producer, as do all rounding remainders;
/// - coinbase outputs: the producer's first (T minus what the voters receive, if not zero), then
///   one per paid voter in ascending order of the owner's address. No voters: all to the
///   producer.
/// Per-block settlement needs no accumulated state besides the votes, and the dust floor bounds
/// the voter outputs of a block by P / min_voter_payout whatever the number of voters.

#include "runtime/ledger/tx.hpp"
#include "runtime/ledger/utxo.hpp"

#include <map>
#include <optional>
#include <set>
#include <span>

namespace bystack::ledger::rewards {

struct reward_params {
  std::uint32_t producer_share_pct = 100; ///< 0..100: the producer's share before the voters'
  std::uint64_t min_voter_payout = 1;     ///< smaller voter shares are skipped (to the producer)
};

/// Returns what is wrong with the parameters, or an empty string.
std::string check(const reward_params& p);

/// One coinbase payee.
struct payout {
  control_program owner;
  std::uint64_t amount = 0;
  bool operator==(const payout&) const = default;
};

/// A voter of one delegate: its program and the native units it locks for it.
struct voter_stake {
  control_program owner;
  std::uint64_t amount = 0;
};
/// Voters keyed by the owner's address (ascending: the order of the coinbase outputs).
using voter_map = std::map<hash256, voter_stake>;

/// Splits `total` between the producer and `voters` by the rule above.
std::vector<payout> split(std::uint64_t total, const control_program& producer,
                          const voter_map& voters, const reward_params& p);

/// Keeps, from committed block deltas, the registrations (by node key) and the vote outputs (by
/// candidate and owner), so that the voters of a delegate are known without a scan of the UTXO
/// set. Deltas are applied in height order, like dpos::vote_tally.
class voter_book {
public:
  void apply(const block_delta& d);
  /// Rebuilds from a whole state (once, after a restart from a store).
  static voter_book from_state(const utxo_set& s);
  /// Returns the voters of the delegate with node key `key` after the committed deltas and
  /// then `pending` (the uncommitted blocks from the committed tip to the parent, in order).
  voter_map voters_of(const crypto::public_key& key,
                      std::span<const block_delta* const> pending = {}) const;
  std::size_t vote_outputs() const noexcept { return votes_.size(); }

private:
  struct vote_entry {
    hash256 candidate;
    hash256 owner_address;
    control_program owner;
    std::uint64_t amount = 0;
  };
  static bool vote_of(const utxo_entry& e, vote_entry& out);
  void add(const hash256& id, const utxo_entry& e);
  void remove(const hash256& id, const utxo_entry& e);
  std::map<crypto::public_key, std::set<hash256>> regs_; ///< node key -> registration ids
  std::map<hash256, crypto::public_key> reg_key_;        ///< registration id -> node key
  std::map<hash256, vote_entry> votes_;                  ///< vote output id -> vote
  std::map<hash256, std::set<hash256>> by_candidate_;    ///< registration id -> vote ids
};

/// Builds the coinbase of a block at `height` paying `payouts` (null when total is zero).
std::optional<tx> coinbase(const hash256& chain, const asset_id& native, std::uint64_t height,
                           std::uint64_t total, const std::vector<payout>& payouts);

/// Checks that a block's first transaction is exactly the coinbase the rule prescribes;
/// returns an empty string or what deviates.
std::string check_coinbase(const std::vector<tx>& txs, const asset_id& native, std::uint64_t total,
                           const std::vector<payout>& expected);

} // namespace bystack::ledger::rewards
