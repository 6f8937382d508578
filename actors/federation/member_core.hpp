#pragma once
/// A federation member: a plain state machine that turns final sidechain pegouts into mainchain
/// releases, events in, effects out.
///
/// Every honest member builds the same release for a pegout without talking to the others:
/// pegouts are handled in their sidechain order; the coins a release may spend are the
/// federation's mainchain outputs at or below the pegout's anchor height (the light client's
/// best height in the sidechain state of the pegout's block, less the confirmation depth: a
/// height every member's mainchain node agrees on) plus the change of earlier releases, less
/// what earlier releases spend; they are taken in (height, id) order until they cover the
/// amount. The federation that releases is the one of the anchor height (rotations,
/// sidechain_rules.hpp); coins of an earlier federation are first migrated to it.
///
/// Migration after a rotation (from mainchain height F, grace G, depth k): its place in the
/// plan is fixed by the sidechain: before the pegouts of the first final sidechain block whose
/// anchor is at or above F (on_sidechain), after every earlier one. Once the member's mainchain
/// view reaches F + G - 1 + (k - 1), it takes the old federation's coins at or below F + G - 1
/// (the last pegins the sidechain honours) plus the planned change of its releases, in id
/// order, and moves them, per asset and lot, to the new program in one transaction (one per
/// ledger::max_tx_inputs coins). Every old member builds the same one, signs it once, and
/// shares signatures as for a release; the members of the new federation release from its
/// outputs. A member
/// signs one release per pegout, ever: if its view later yields another
/// transaction it refuses and counts the conflict. Shares from other members count only when
/// they sign the same transaction. With m valid signatures on every input the release goes to
/// the mainchain.
///
/// Nothing here reads a clock, sleeps, spawns threads or draws randomness.

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <functional>
#include <map>
#include <set>
#include <variant>

namespace bystack::federation {

/// A final sidechain pegout, as members learn it from committed sidechain blocks.
struct pegout_request {
  hash256 id;                 ///< the sidechain pegout output id
  std::uint64_t sequence = 0; ///< its order on the sidechain (height, transaction, output)
  ledger::asset_id mainchain_asset;
  std::uint64_t amount = 0; ///< burned units; the release pays amount - mainchain_fee
  hash256 lot;
  ledger::control_program destination;
  std::uint64_t mainchain_fee = 0;
  std::uint64_t anchor_height = 0; ///< coins at or below this mainchain height may pay it
};

/// Returns the pegouts a committed sidechain block holds, in order; `state` is the sidechain
/// state right after the block (it names the pegged assets and the light client's tip).
std::vector<pegout_request> pegouts_in_block(const std::vector<ledger::tx>& txs,
                                             std::uint64_t height, const ledger::utxo_view& state,
                                             const federation_params& p);

/// A federation output on the mainchain's best chain.
struct federation_coin {
  hash256 id;
  ledger::output out;
  std::uint64_t height = 0; ///< of its block
};

/// One member's signatures on every input of a release.
struct signature_share {
  hash256 pegout;
  hash256 release; ///< the release transaction id the signatures cover
  std::uint8_t key_index = 0;
  std::vector<bytes> signatures; ///< one per input, in input order
};

/// Sends a share to every other member.
struct broadcast_share {
  signature_share share;
};
/// Submits a fully signed release to the mainchain.
struct submit_release {
  hash256 pegout;
  ledger::tx release;
};
using member_effect = std::variant<broadcast_share, submit_release>;

struct member_config {
  federation_params params;
  const crypto::signer* signer = nullptr;           ///< this member's key; not owned
  const crypto::signature_scheme* scheme = nullptr; ///< to check other members' shares
};

struct member_stats {
  std::uint64_t releases_signed = 0;
  std::uint64_t releases_submitted = 0;
  std::uint64_t shares_accepted = 0;
  std::uint64_t shares_refused = 0;  ///< bad signature, unknown key, or another transaction
  std::uint64_t conflicts = 0;       ///< a rebuilt release differed from the one signed
  std::uint64_t refused_to_sign = 0; ///< the signing guard said no
};

class member_core {
public:
  explicit member_core(member_config cfg);

  /// Learns a final pegout (repeats are ignored).
  void on_pegout(const pegout_request& p);
  /// Takes the member's mainchain view: the federation's unspent outputs on its best chain and
  /// that chain's height.
  void on_mainchain(std::vector<federation_coin> unspent, std::uint64_t height);
  /// The same with the ids of the transactions on that best chain (at least those spending
  /// federation outputs), which lets the member replace a release a reorganisation removed for
  /// good: a planned release (or one built on its change) that is not on the chain and spends
  /// an output that is neither unspent there nor created by a planned transaction still
  /// pending is dead; once it has stayed dead while the view grew by release_confirmations - 1
  /// blocks it can no longer come back within the confirmation depth, and the member plans,
  /// signs and shares a replacement (build_replacement). Without the ids nothing is replaced.
  void on_mainchain(std::vector<federation_coin> unspent, std::uint64_t height,
                    std::set<hash256> mined);
  /// Handles another member's share.
  void on_share(const signature_share& s);
  /// Learns that a pegout's release (or a migration, by migration_key) is on the mainchain (it
  /// stops waiting for shares).
  void on_released(const hash256& pegout);
  /// Learns that the pegouts of final sidechain blocks up to `height` were delivered, the last
  /// with anchor height `anchor` (pegouts_in_block's anchor_height): places migrations.
  void on_sidechain(std::uint64_t height, std::uint64_t anchor);
  /// Follows an elected rotation (election.hpp), appended to the schedule in the order the
  /// sidechain committed it.
  result<void> add_rotation(federation_rotation r);

  std::vector<member_effect> take_effects() { return std::exchange(out_, {}); }

  /// Asked before this member signs `release` (a transaction id) for `pegout`; false: it does
  /// not sign. A host with a durable record of what it signed (runtime/federation) writes the
  /// pair there first and refuses a release other than the one recorded for the pegout, so that
  /// a restarted member never signs a second release. Empty (the default): always signs.
  using signing_guard = std::function<bool(const hash256& pegout, const hash256& release)>;
  void set_signing_guard(signing_guard g) { guard_ = std::move(g); }

  /// Returns the release this member signed for a pegout, if any.
  const ledger::tx* signed_release(const hash256& pegout) const;
  const member_stats& stats() const noexcept { return stats_; }
  std::size_t pending() const noexcept { return pegouts_.size() - released_.size(); }

  /// Builds the release of pegout `p` (exposed for tests): null when the coins do not cover it
  /// or the mainchain view is below its anchor.
  std::optional<ledger::tx> build_release(const pegout_request& p) const;
  /// Builds the replacement of a pegout's dead release (exposed for tests): the federation's
  /// oldest coins on the member's best chain, by (height, id), planned change first (height 0),
  /// until they cover the amount; null while the newest coin taken is not yet
  /// release_confirmations deep in the view (every member with that chain prefix takes the
  /// same coins) or the coins do not cover it.
  std::optional<ledger::tx> build_replacement(const pegout_request& p) const;
  /// Returns how many dead releases were replaced.
  std::uint64_t replaced() const noexcept { return replaced_; }
  /// Builds the migrations of rotation `r` (index into params.rotations; exposed for tests):
  /// null while the view is not deep enough; empty when the old federation holds nothing.
  std::optional<std::vector<ledger::tx>> build_migration(std::size_t r) const;
  /// Returns the id under which chunk `chunk` of rotation `r`'s migration is signed and
  /// submitted.
  hash256 migration_key(std::size_t r, std::size_t chunk) const;
  /// Returns how many rotations' migrations are planned.
  std::size_t migrations_planned() const noexcept { return migrated_; }

private:
  void advance();
  /// Forgets the planned releases dead for good (see on_mainchain with ids), so that advance()
  /// plans their replacements.
  void replace_dead();
  /// Plans the migrations whose place is at or before sequence `seq`; false while one waits.
  bool migrate_before(std::uint64_t seq);
  /// Records a planned transaction (release or migration) and signs it if this member is one
  /// of `program`'s members.
  void plan(const hash256& key, ledger::tx t, const ledger::control_program& program,
            bool migration);
  void try_submit(const hash256& pegout);
  bool share_valid(const signature_share& s, const ledger::tx& t) const;

  /// Returns this member's key index in a program, if it is a member.
  std::optional<std::uint8_t> index_in(const ledger::control_program& p) const;

  member_config cfg_;
  std::map<hash256, ledger::control_program> program_; ///< pegout -> the federation releasing it
  std::map<std::uint64_t, pegout_request> pegouts_;    ///< by sequence
  std::set<hash256> known_;
  std::map<hash256, federation_coin> unspent_;
  std::uint64_t mc_height_ = 0;
  bool have_view_ = false;
  /// What the releases planned so far spend and create (in sequence order).
  std::set<hash256> planned_spent_;
  std::map<hash256, federation_coin> planned_change_;
  std::map<hash256, ledger::tx> signed_; ///< pegout -> the one release signed
  std::map<hash256, std::map<std::uint8_t, std::vector<bytes>>> shares_; ///< pegout -> key -> sigs
  std::map<hash256, std::vector<signature_share>> early_; ///< shares before our own release
  std::set<hash256> submitted_;
  std::set<hash256> released_;
  std::uint64_t next_sequence_ = 0;           ///< pegouts below it are planned
  std::map<std::size_t, std::uint64_t> slot_; ///< rotation -> sequence its migration precedes
  std::size_t migrated_ = 0;                  ///< rotations whose migrations are planned
  // Replacement after a reorganisation (on_mainchain with the best chain's transaction ids).
  bool have_mined_ = false;
  std::set<hash256> mined_;                     ///< transactions on the best chain
  std::vector<hash256> order_;                  ///< planned keys, in plan order
  std::map<hash256, ledger::tx> planned_;       ///< key -> the planned transaction
  std::set<hash256> migration_keys_;            ///< planned keys that are migrations
  std::map<hash256, std::uint64_t> dead_since_; ///< key -> view height first seen dead
  std::set<hash256> replacing_;                 ///< pegouts whose release is replaced
  std::uint64_t replaced_ = 0;
  member_stats stats_;
  std::vector<member_effect> out_;
  signing_guard guard_;
};

} // namespace bystack::federation
