#pragma once
/// DPoS on the BUTXO ledger (whitepaper 3.1, 2.1.4; docs/dpos.md): candidates register, token
/// holders lock native units in votes for them, and vetoes unlock the votes after a lock period.
///
/// - A *registration* is an output of kind 18 ("register"): native units (at least the deposit)
///   owned by the candidate's node key alone, whose data names the node key, its network address
///   and a declared region. The candidate's id is the output's id.
/// - A *vote* is an output of kind 17: native units owned by the voter, whose data is the id of a
///   registration that is unspent when the vote is made.
/// - A *veto* is an input of kind 17 whose payload (`ext`, the only field an extension input
///   encodes) is the id of a vote (or of a registration: the candidate withdraws), signed by its
///   owner, no earlier than `vote_lock_blocks` after the block that created it. It gives the
///   locked units back to the transaction.
///
/// Neither a vote nor a registration can be unlocked by a plain spend (rules.cpp refuses every
/// extension kind there). The vote tally is derived from the blocks' deltas, one block at a time,
/// and undone the same way: an election never scans the UTXO set.

#include "runtime/ledger/rules.hpp"

#include <map>
#include <string>
#include <unordered_map>

namespace bystack::ledger::dpos {

inline constexpr auto vote_output = static_cast<output_kind>(17);
inline constexpr auto register_output = static_cast<output_kind>(18);
inline constexpr auto veto_input = static_cast<input_kind>(17);
inline constexpr std::size_t max_address_bytes = 128;
inline constexpr std::size_t max_region_bytes = 32;

/// The payload of a registration output.
struct registration {
  crypto::public_key node_key{};
  std::string address; ///< host:port where the node listens
  std::string region;  ///< declared region (super-node choice may use it)
  bool operator==(const registration&) const = default;
};
bytes encode(const registration& r);
/// Decodes a registration payload; refuses trailing bytes and oversized fields.
result<registration> decode_registration(byte_view data);

struct dpos_params {
  std::uint64_t vote_lock_blocks = 100; ///< a vote is vetoed no earlier than this after creation
  std::uint64_t min_vote = 1;           ///< native base units a vote locks at least
  std::uint64_t candidate_deposit = 1;  ///< native base units a registration locks at least
};

/// Validates registrations, votes and vetoes; give it to butxo_options::ext / check_block.
class dpos_rules final : public extension_rules {
public:
  dpos_rules(asset_id native, dpos_params p) : native_(native), p_(p) {}

  tx_error check_input(const input& in, const hash256& iid, const hash256& txid,
                       const utxo_view& view,
                       const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t,
                                                    asset_kind)>& credit,
                       std::vector<sig_job>& sigs) const override;
  tx_error check_input_at(std::uint64_t height, const input& in, const hash256& iid,
                          const hash256& txid, const utxo_view& view,
                          const std::function<tx_error(const asset_id&, const hash256&,
                                                       std::uint64_t, asset_kind)>& credit,
                          std::vector<sig_job>& sigs) const override;
  tx_error check_output(const output& out, const utxo_view& view) const override;
  void apply_input(const input& in, const hash256& iid, const hash256& txid, utxo_overlay& overlay,
                   block_delta& delta, std::uint64_t height) const override;
  const dpos_params& params() const noexcept { return p_; }

private:
  asset_id native_;
  dpos_params p_;
};

/// Builds a registration output (owned by the node key) and a vote output.
output make_registration(const asset_id& native, std::uint64_t deposit, const registration& r);
output make_vote(const asset_id& native, std::uint64_t amount, const hash256& candidate,
                 const control_program& voter);
/// Builds an unsigned veto input for a vote or registration output.
input make_veto(const hash256& locked_output);

/// A registered candidate with the votes locked for it.
struct candidate {
  hash256 id; ///< the registration output
  registration reg;
  std::uint64_t deposit = 0;
  std::uint64_t registered_at = 0; ///< height of the block that registered it
  std::uint64_t votes = 0;
  bool operator==(const candidate&) const = default;
};

/// Keeps the votes per candidate and the registrations, block by block.
class vote_tally {
public:
  /// Adds a committed block's changes (created and spent registrations and votes).
  void apply(const block_delta& d);
  /// Reverts a delta applied last (a block rolled back).
  void undo(const block_delta& d);
  /// Rebuilds from a whole state (once, after a restart from a store).
  static vote_tally from_state(const utxo_set& s);

  /// Returns the registered candidates, by id.
  std::vector<candidate> candidates() const;
  std::uint64_t votes_for(const hash256& candidate_id) const;
  std::uint64_t total_votes() const noexcept { return total_; }
  std::size_t registered() const noexcept { return regs_.size(); }
  bool operator==(const vote_tally&) const = default;

private:
  void add(const hash256& id, const utxo_entry& e);
  void remove(const hash256& id, const utxo_entry& e);
  std::map<hash256, candidate> regs_;
  std::map<hash256, std::uint64_t> votes_; ///< by candidate id (also after it withdrew)
  std::uint64_t total_ = 0;
};

} // namespace bystack::ledger::dpos
