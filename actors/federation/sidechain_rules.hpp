#pragma once
/// The federation's rules on the sidechain ledger: a light client of the mainchain kept inside
/// the sidechain's own UTXO state, claims (pegins) checked against it, pegout burns and the
/// records that complete them.
///
/// Extension kinds (runtime/ledger/rules.hpp's extension_rules):
/// - input `header` (20): a run of mainchain headers relayed by a collector. Each header's
///   version, height, difficulty bits (the mainchain's retarget_bits), seed, median-time rule
///   and proof of work (the mainchain's pow_checker) are checked against its parent, which the
///   sidechain must hold. The heaviest chain by cumulative work is the light client's best chain;
///   a branch with more work replaces the tip (a mainchain reorganisation).
/// - input `claim` (16): a mainchain transaction, its Merkle path to the transaction root of a
///   block on the light client's best chain with at least `pegin_confirmations` confirmations,
///   the index of its output paying the federation program, and that output's asset definition.
///   The output's `data` names the sidechain owner. The claim creates the pegged asset's units
///   for that owner; each mainchain output is claimable once.
/// - output `pegout` (16): burns pegged units, naming the mainchain program to pay and the
///   mainchain fee taken out of the amount; it stays in the state, unspendable, until
/// - input `release` (21): a record that the mainchain transaction releasing the pegout is on
///   the light client's best chain with `release_confirmations`; it removes the pegout and counts
///   its units as retired.
///
/// State: every record is a UTXO entry with an id derived from what it describes (headers by
/// hash, the tip by a counter held as the issued supply of a pseudo asset), so that undo, the
/// set hash, persistence and views over uncommitted blocks all come from the ledger itself.

#include "actors/mainchain/consensus.hpp"
#include "actors/mainchain/merkle_proof.hpp"
#include "runtime/ledger/rules.hpp"

#include <limits>
#include <optional>

namespace bystack::federation {

using crypto::hash256;

inline constexpr auto claim_input = static_cast<ledger::input_kind>(16);
inline constexpr auto header_input = static_cast<ledger::input_kind>(20);
inline constexpr auto release_input = static_cast<ledger::input_kind>(21);
inline constexpr auto pegout_output = static_cast<ledger::output_kind>(16);
/// Kinds of state records (never valid as transaction outputs).
inline constexpr auto header_record = static_cast<ledger::output_kind>(20);
inline constexpr auto tip_record = static_cast<ledger::output_kind>(21);

/// A change of federation: pegins in mainchain blocks from `from_height` on pay `program`.
/// An elected rotation (election.hpp) judges claims only in sidechain blocks from
/// `sidechain_from` on, so that a node that learned the election early judges like the others.
struct federation_rotation {
  ledger::control_program program;
  std::uint64_t from_height = 0;
  std::uint64_t sidechain_from = 0; ///< 0: in force at every sidechain height (configured)
};

/// Fixes what the sidechain accepts from and about the mainchain.
struct federation_params {
  ledger::control_program federation; ///< the mainchain program pegins pay (federation_program)
  /// Later federations, ascending from_height: configured, or elected (election.hpp) and added
  /// with add_rotation as the sidechain commits the electing blocks.
  std::vector<federation_rotation> rotations;
  std::uint64_t grace_blocks = 0;    ///< pegins to the previous federation honoured this long
  hash256 mainchain;                 ///< the mainchain's chain id
  ledger::asset_id mainchain_native; ///< the only asset a pegout's mainchain fee may be in
  mainchain::consensus_params consensus;
  mainchain::header genesis; ///< the light client's first header, trusted
  std::uint64_t pegin_confirmations = 6;
  std::uint64_t release_confirmations = 6;
  std::uint64_t fork_depth_max = 1000;   ///< a header may fork at most this far below the tip
  std::uint64_t claim_depth_max = 10000; ///< deeper blocks are not looked up (bounded walk)
  std::size_t headers_per_input_max = 64;
  /// Mainchain native units each migration transaction pays as its fee, taken from the old
  /// federation's fee reserve (outputs carrying fee_reserve_memo()), never from the pegged
  /// coins, so that the new federation locks exactly what the old one did. 0: no fee (and no
  /// reserve needed).
  std::uint64_t migration_fee = 0;
};

// -- payloads -----------------------------------------------------------------------------------

struct claim_payload {
  ledger::asset_definition definition; ///< of the mainchain output's asset
  ledger::tx mc_tx;
  std::uint32_t output_index = 0;
  mainchain::merkle_path path;
  hash256 block;
};

struct pegout_payload {
  ledger::control_program destination; ///< the mainchain owner of the release
  std::uint64_t mainchain_fee = 0;     ///< taken out of the amount (mainchain native asset only)
};

struct release_payload {
  hash256 pegout; ///< the sidechain pegout output id
  ledger::tx mc_tx;
  mainchain::merkle_path path;
  hash256 block;
};

bytes encode_headers(const std::vector<mainchain::header>& hs);
result<std::vector<mainchain::header>> decode_headers(byte_view b, std::size_t max);
bytes encode(const claim_payload& c);
result<claim_payload> decode_claim(byte_view b);
bytes encode(const pegout_payload& p);
result<pegout_payload> decode_pegout(byte_view b);
bytes encode(const release_payload& r);
result<release_payload> decode_release(byte_view b);

ledger::input make_header_input(const std::vector<mainchain::header>& hs);
ledger::input make_claim_input(const claim_payload& c);
ledger::input make_release_input(const release_payload& r);
ledger::output make_pegout_output(const ledger::asset_id& asset, std::uint64_t amount,
                                  const pegout_payload& p, const hash256& lot = {});

/// Returns the federation program pegins in a mainchain block at `height` pay.
const ledger::control_program& federation_at(const federation_params& p, std::uint64_t height);
/// Tells whether a pegin owned by `owner` in a mainchain block at `height` may be claimed in a
/// sidechain block at `sidechain_height`: it pays the federation of that height, or the previous
/// one within grace_blocks of the rotation (rotations not yet in force at sidechain_height are
/// ignored).
bool accepts_pegin(const federation_params& p, const ledger::control_program& owner,
                   std::uint64_t height,
                   std::uint64_t sidechain_height = std::numeric_limits<std::uint64_t>::max());
/// Appends a rotation to the schedule: it must start above the last one and replace at most a
/// third of the members (check_rotation).
result<void> add_rotation(federation_params& p, federation_rotation r);
/// Returns every federation program of the schedule, the first first.
std::vector<ledger::control_program> federations(const federation_params& p);

// -- assets and ids -----------------------------------------------------------------------------

/// Returns the sidechain definition of a pegged mainchain asset: the same name, kind and
/// decimals, the mainchain asset id in `data`, and an issuer no signature can satisfy (threshold
/// above its key count), so that units appear only through claims.
ledger::asset_definition pegged_definition(const ledger::asset_definition& mainchain_def);
/// Returns the mainchain asset id a sidechain definition maps, if it is a pegged definition.
std::optional<ledger::asset_id> mainchain_asset_of(const ledger::asset_definition& def);
/// Returns the issuance key recording that a mainchain output was claimed.
hash256 claim_key(const hash256& mainchain_output);
/// Returns the id of the sidechain output a claim of a mainchain output creates.
hash256 pegin_output_id(const hash256& mainchain_output);
/// Returns the memo a release output carries: the pegout output id it pays.
bytes release_memo(const hash256& pegout);
/// Returns the data that marks a federation output as part of the fee reserve (migration fees):
/// paid to the federation from outside the pegged supply, never claimable on the sidechain (it
/// is no sidechain program), never spent by a release, and counted apart by the supply checker.
const bytes& fee_reserve_memo();
/// Tells whether an output is a fee reserve coin (its data is fee_reserve_memo()).
bool is_fee_reserve(const ledger::output& o);

// -- the light client ---------------------------------------------------------------------------

struct header_info {
  mainchain::header hdr;
  hash256 hash;
  pow::uint256 work; ///< cumulative, this header included
};

/// Reads the mainchain light client kept in a sidechain state (any view: committed, a block's
/// overlay, a pool).
class light_client {
public:
  light_client(const federation_params& p, const ledger::utxo_view& view) : p_(&p), view_(&view) {}
  std::optional<header_info> find(const hash256& h) const;
  /// Returns the best header (the genesis header before any relay).
  header_info tip() const;
  /// Returns how many times the tip changed (the counter of tip records).
  std::uint64_t tip_changes() const;
  /// Returns the confirmations of a block on the best chain (1 for the tip), or 0 when it is
  /// unknown, off the best chain or deeper than claim_depth_max.
  std::uint64_t confirmations(const hash256& block) const;
  /// Returns the hash of the best chain's header at `height`, if within claim_depth_max.
  std::optional<hash256> best_at(std::uint64_t height) const;
  /// Checks a run of headers (each the child of the one before, the first a child of a header
  /// the state holds); pow may be null to skip the proof-of-work check (already done).
  ledger::tx_error check(const std::vector<mainchain::header>& hs,
                         mainchain::pow_checker* pow) const;

private:
  const federation_params* p_;
  const ledger::utxo_view* view_;
};

/// Validates the federation's kinds; kinds it does not know go to `next` (the DPoS kinds) or
/// are refused.
class sidechain_rules final : public ledger::extension_rules {
public:
  sidechain_rules(federation_params p, mainchain::pow_checker& pow,
                  const ledger::extension_rules* next = nullptr)
      : p_(std::move(p)), pow_(&pow), next_(next) {}

  ledger::tx_error
  check_input(const ledger::input& in, const hash256& iid, const hash256& txid,
              const ledger::utxo_view& view,
              const std::function<ledger::tx_error(const ledger::asset_id&, const hash256&,
                                                   std::uint64_t, ledger::asset_kind)>& credit,
              std::vector<ledger::sig_job>& sigs) const override;
  ledger::tx_error check_output(const ledger::output& out,
                                const ledger::utxo_view& view) const override;
  ledger::tx_error
  check_input_at(std::uint64_t height, const ledger::input& in, const hash256& iid,
                 const hash256& txid, const ledger::utxo_view& view,
                 const std::function<ledger::tx_error(const ledger::asset_id&, const hash256&,
                                                      std::uint64_t, ledger::asset_kind)>& credit,
                 std::vector<ledger::sig_job>& sigs) const override;
  void apply_input(const ledger::input& in, const hash256& iid, const hash256& txid,
                   ledger::utxo_overlay& overlay, ledger::block_delta& delta,
                   std::uint64_t height) const override;

  const federation_params& params() const noexcept { return p_; }
  /// Adds an elected rotation (between blocks: the host calls it when the electing block
  /// commits, before any block that could be judged by it is checked).
  result<void> add_rotation(federation_rotation r) {
    return federation::add_rotation(p_, std::move(r));
  }

private:
  ledger::tx_error check_claim(const ledger::input& in, const hash256& iid, const hash256& txid,
                               const ledger::utxo_view& view, std::uint64_t sidechain_height) const;
  ledger::tx_error check_release(const ledger::input& in, const hash256& iid, const hash256& txid,
                                 const ledger::utxo_view& view) const;

  federation_params p_;
  mainchain::pow_checker* pow_;
  const ledger::extension_rules* next_;
};

} // namespace bystack::federation
