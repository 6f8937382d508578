#pragma once
/// The UTXO state: unspent outputs, asset definitions, issued supply and used issuances; block
/// deltas that apply and undo; a set hash that every honest node shares at every height.

#include "runtime/ledger/tx.hpp"

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace bystack::ledger {

/// Holds an unspent output with where it was created.
struct utxo_entry {
  output out;
  std::uint64_t height = 0; ///< block height that created it
  bool operator==(const utxo_entry&) const = default;
};

/// Reads state for validation; implemented by the UTXO set and by overlays over it.
class utxo_view {
public:
  virtual ~utxo_view() = default;
  /// Returns the unspent output with this id, or null (unknown or spent).
  virtual const utxo_entry* find(const hash256& id) const = 0;
  /// Returns the definition of an asset that has been issued or defined at genesis, or null.
  virtual const asset_definition* asset(const asset_id& id) const = 0;
  /// Returns the base units of an asset issued so far (coinbase included for the native asset).
  virtual std::uint64_t issued(const asset_id& id) const = 0;
  /// Tells whether an issue input with this id has been used (an issuance cannot be replayed).
  virtual bool issuance_used(const hash256& issue_input_id) const = 0;
};

/// Records what one block changed, enough to apply it and to undo it.
struct block_delta {
  std::uint64_t height = 0;
  std::vector<std::pair<hash256, utxo_entry>> created;
  std::vector<std::pair<hash256, utxo_entry>> spent; ///< with the entries, for undo
  std::vector<std::pair<asset_id, std::uint64_t>> issued;
  std::vector<asset_definition> new_assets;
  std::vector<hash256> issuances;
  std::vector<std::pair<asset_id, std::uint64_t>> retired;
  /// Set-hash elements of `created` and `spent` (same order), computed once by
  /// cache_element_hashes() so that many states can apply one delta cheaply; not encoded.
  std::vector<hash256> created_hashes;
  std::vector<hash256> spent_hashes;
  void cache_element_hashes();
};

bytes encode(const utxo_entry& e);
result<utxo_entry> decode_utxo_entry(byte_view b);
bytes encode(const block_delta& d);
result<block_delta> decode_block_delta(byte_view b);
bytes encode(const asset_definition& d);
result<asset_definition> decode_asset_definition(byte_view b);

/// Accumulates a hash of a set that does not depend on insertion order: the sum modulo 2^256 of
/// SHA3-256 of each element. Adding and removing an element are O(1), so every node can keep the
/// hash of its whole UTXO set at every height.
class set_hash {
public:
  void add(const hash256& element_hash);
  void remove(const hash256& element_hash);
  hash256 value() const;
  bool operator==(const set_hash&) const = default;

private:
  std::array<std::uint64_t, 4> limbs_{};
};

/// Returns the element hash of an unspent output for the set hash.
hash256 utxo_element_hash(const hash256& id, const utxo_entry& e);

/// Holds the whole state in memory (simulation, tests, and the cache of a real node).
class utxo_set : public utxo_view {
public:
  const utxo_entry* find(const hash256& id) const override;
  const asset_definition* asset(const asset_id& id) const override;
  std::uint64_t issued(const asset_id& id) const override;
  bool issuance_used(const hash256& issue_input_id) const override;

  /// Applies a delta on top of the current state (its spent outputs must be present).
  void apply(const block_delta& d);
  /// Reverts the most recent delta applied.
  void undo(const block_delta& d);
  /// Adds an asset definition (genesis) without issuing units.
  void define(const asset_definition& d);

  std::size_t size() const noexcept { return utxos_.size(); }
  hash256 hash() const { return hash_.value(); }
  std::uint64_t height() const noexcept { return height_; }
  void set_height(std::uint64_t h) { height_ = h; }
  std::uint64_t retired(const asset_id& id) const;
  const std::unordered_map<hash256, utxo_entry>& entries() const noexcept { return utxos_; }
  const std::unordered_map<asset_id, asset_definition>& assets() const noexcept { return assets_; }
  /// Sums the unspent base units of every asset.
  std::map<asset_id, std::uint64_t> supply_by_asset() const;

private:
  std::unordered_map<hash256, utxo_entry> utxos_;
  std::unordered_map<asset_id, asset_definition> assets_;
  std::unordered_map<asset_id, std::uint64_t> issued_;
  std::unordered_map<asset_id, std::uint64_t> retired_;
  std::unordered_set<hash256> issuances_;
  set_hash hash_;
  std::uint64_t height_ = 0;
};

/// Layers uncommitted changes over a base view: what a block sees of the blocks before it, and
/// what a transaction sees of the transactions before it in its block.
class utxo_overlay : public utxo_view {
public:
  explicit utxo_overlay(const utxo_view& base) : base_(&base) {}

  const utxo_entry* find(const hash256& id) const override;
  const asset_definition* asset(const asset_id& id) const override;
  std::uint64_t issued(const asset_id& id) const override;
  bool issuance_used(const hash256& issue_input_id) const override;

  /// Records one transaction's changes (already validated) into the overlay and into delta.
  void spend(const hash256& id, block_delta& delta);
  void create(const hash256& id, utxo_entry e, block_delta& delta);
  void issue(const asset_definition& def, std::uint64_t amount, const hash256& issue_input_id,
             block_delta& delta);
  void add_coinbase(const asset_id& native, std::uint64_t amount, block_delta& delta);
  /// Replays a whole delta (an earlier block's changes) into the overlay.
  void replay(const block_delta& delta);

private:
  const utxo_view* base_;
  std::unordered_map<hash256, utxo_entry> created_;
  std::unordered_set<hash256> spent_;
  std::unordered_map<asset_id, asset_definition> assets_;
  std::unordered_map<asset_id, std::uint64_t> issued_;
  std::unordered_set<hash256> issuances_;
};

} // namespace bystack::ledger
