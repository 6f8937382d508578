#pragma once
/// The committed chain on disk: each block with its certificate under its big-endian height (and
/// a 160-byte header record beside it, for restarts), and the head height, written together in
/// one atomic batch. In BUTXO mode the same batch carries
/// what the block changed in the ledger: unspent outputs, undo data, asset definitions, supply
/// totals, used issuances, an owner index and a transaction index, and (DPoS) what an electing
/// block elected, so that a restarted node loads its UTXO set and elections instead of replaying
/// the chain.

#include "actors/node/node_core.hpp"
#include "runtime/base/result.hpp"
#include "runtime/codec/codec.hpp"
#include "runtime/ledger/election.hpp"
#include "runtime/ledger/utxo.hpp"
#include "runtime/protocol/messages.hpp"
#include "runtime/store/kv_store.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace bystack::node {

/// Holds the supply totals of one asset after a block.
struct supply_total {
  ledger::asset_id asset;
  std::uint64_t issued = 0;
  std::uint64_t retired = 0;
};

/// Holds what one committed block changed in the ledger, as the store writes it.
struct ledger_changes {
  ledger::block_delta delta;
  std::vector<supply_total> supply; ///< totals after the block, for the assets it touched
  crypto::hash256 utxo_hash;        ///< the set hash after the block
  std::uint64_t utxo_count = 0;
  std::vector<std::pair<crypto::hash256, bytes>> txs; ///< BUTXO id and canonical encoding
  /// What the block elected (DPoS: the last block of an epoch), kept so that a restart rebuilds
  /// the elections from these records instead of replaying every height's changes.
  std::optional<ledger::dpos::election_record> election;
  /// What the host keeps with the block (node_config::ext_record_at), under its height.
  std::optional<bytes> host_record;
};

/// Describes an asset as the API shows it.
struct asset_record {
  ledger::asset_definition definition;
  std::uint64_t issued = 0;
  std::uint64_t retired = 0;
};

/// Locates a committed BUTXO transaction.
struct tx_record {
  std::uint64_t height = 0;
  bytes tx; ///< canonical encoding with witnesses
};

/// The record the store keeps per height next to the block (column `headers`): the header and
/// what the certificate certifies, 160 bytes, so that a restart walks the chain below its window
/// without reading whole blocks.
bytes header_record(const ledger::block_header& h, const proto::block_certificate& c);

/// What a restart takes from the store (chain_store::load_for_restart).
struct stored_chain {
  std::uint64_t head = 0;    ///< the stored head height (0: nothing stored)
  crypto::hash256 head_hash; ///< the head's block hash (the genesis block's when empty)
  /// The proposers of the top heights asked for (load_for_restart's proposers_top): those of
  /// heights proposers_from..head, in height order.
  std::uint64_t proposers_from = 1;
  std::vector<std::uint32_t> proposers;
  std::uint64_t checked = 0; ///< heights read and checked (the walk, and the height below it)
  /// The decoded blocks of the top heights, in height order, ending at the head.
  std::vector<proto::committed_block> top;
};

class chain_store {
public:
  /// Wraps a store that declares every column of columns().
  explicit chain_store(std::unique_ptr<store::kv_store> kv, bool sync_writes)
      : kv_(std::move(kv)), sync_(sync_writes) {}

  /// Returns the column families the store uses.
  static std::vector<std::string> columns();
  /// Opens (creating if missing) the RocksDB store under dir.
  static result<std::unique_ptr<chain_store>> open(const std::filesystem::path& dir,
                                                   bool sync_writes);
  /// Creates a store in memory (tests).
  static std::unique_ptr<chain_store> in_memory();

  /// Writes block and certificate, the ledger changes when given, and moves the head, in one
  /// batch; the block must be the next height after the head.
  result<void> append(const proto::committed_block& b, const ledger_changes* ledger = nullptr);
  /// Returns the stored head height (0: nothing stored).
  result<std::uint64_t> head() const;
  /// Returns the encoded committed block at a height, or nullopt. Safe from any thread.
  result<std::optional<bytes>> raw_at(std::uint64_t height) const;
  /// Reads and decodes the committed block at a height: nullopt above the head; the error names
  /// the height and what failed.
  result<std::optional<proto::committed_block>> block_at(std::uint64_t height,
                                                         const codec::limits& lim = {}) const;
  /// Loads and decodes heights 1..head in order; the error names the first bad height.
  result<std::vector<proto::committed_block>> load_all() const;
  /// What a restart needs, in memory bounded by the chain window instead of the chain: walks
  /// heights 1..head reading each height's header record (header_record(); in a store written
  /// before the records, the block's header and certificate without its transactions),
  /// checking that every height is there, holds its own height, carries a certificate for its
  /// block and extends the block below it (height 1 extends `genesis`), and notes each
  /// proposer of the top `proposers_top` heights (what the elections need: a DPoS node's last
  /// epoch; memory that does not grow with the chain); decodes in full (transactions and their
  /// root checked) only the top `keep` heights (0: every height). The error names the first bad
  /// height and what is wrong.
  /// With `check_top` below the head, the walk starts there instead of at height 1 (at least
  /// the `keep` and `proposers_top` heights are walked): the height below the first one walked
  /// gives the hash the walk starts from (read and checked to hold its height and a certificate
  /// for itself), and the heights below it are not read at all, so that the time does not grow
  /// with the chain (node.check_chain_at_start: window).
  static constexpr std::uint64_t all_heights = ~std::uint64_t{0};
  result<stored_chain> load_for_restart(std::uint64_t keep, const crypto::hash256& genesis,
                                        const codec::limits& lim = {},
                                        std::uint64_t proposers_top = all_heights,
                                        std::uint64_t check_top = all_heights) const;
  /// Reads the proposers of heights from..to (inclusive) from the header records (the blocks'
  /// headers in a store written before them); the error names a height that is missing or does
  /// not decode. No other check: load_for_restart walked these heights already.
  result<std::vector<std::uint32_t>> proposers(std::uint64_t from, std::uint64_t to,
                                               const codec::limits& lim = {}) const;

  // -- ledger ---------------------------------------------------------------------------------

  /// Writes the state after genesis and its marker (a fresh store, head 0); `rules`, when not
  /// empty, is the text of the host's chain rules the marker covers (one `KEY VALUE` line each),
  /// kept so that a later start with other rules can name the key that changed.
  result<void> write_ledger_genesis(const ledger::utxo_set& genesis, const crypto::hash256& marker,
                                    const std::string& rules = {});
  /// Returns the genesis marker written by write_ledger_genesis, or nullopt (no ledger data).
  result<std::optional<crypto::hash256>> ledger_genesis() const;
  /// Returns the chain rules text written with the marker, or nullopt (none written).
  result<std::optional<std::string>> ledger_rules() const;
  /// Loads the UTXO set as of the head and checks it against the set hash stored with the head.
  result<ledger::utxo_set> load_ledger() const;
  /// Returns the election records (column `elections`, one per electing height, written with
  /// its block) in height order; the error names the height of a record that does not decode or
  /// is stored under another height.
  result<std::vector<ledger::dpos::election_record>> election_records() const;
  /// Writes election and host records in one batch, for a store written before them: a start
  /// that had to replay the chain writes what it rebuilt, so that the next start reads them.
  result<void> backfill_records(const std::vector<ledger::dpos::election_record>& elections,
                                const std::vector<std::pair<std::uint64_t, bytes>>& host);
  /// Returns the host's records (column `host_records`, node_config::ext_record_at) by height,
  /// in height order, undecoded (the host decodes them).
  result<std::vector<std::pair<std::uint64_t, bytes>>> host_records() const;
  /// Returns the undo data (encoded block_delta) of a height, or nullopt.
  result<std::optional<bytes>> undo_at(std::uint64_t height) const;

  // Reads for the API: safe from any thread (RocksDB reads); each sees committed blocks only.
  result<std::optional<ledger::utxo_entry>> utxo(const crypto::hash256& id) const;
  /// Lists the unspent outputs of an address (at most max, in output id order); `more` tells
  /// whether some were left out.
  result<std::vector<std::pair<crypto::hash256, ledger::utxo_entry>>>
  utxos_of(const crypto::hash256& address, std::size_t max, bool* more = nullptr) const;
  /// Tells whether the owner index holds any output of this address.
  result<bool> has_owner(const crypto::hash256& address) const;
  result<std::optional<asset_record>> asset(const ledger::asset_id& id) const;
  result<std::optional<tx_record>> committed_tx(const crypto::hash256& id) const;
  /// Returns the units of an asset issued so far (0 when none; pseudo assets too).
  result<std::uint64_t> issued(const ledger::asset_id& id) const;
  /// Tells whether an issue input id (or a claim key) has been used.
  result<bool> issuance_used(const crypto::hash256& issue_input_id) const;

  // Client transactions this node accepted and has not seen committed (BUTXO mode), by
  // acceptance sequence: kept across a restart so that "accepted" survives a crash of the node
  // that said it. Written with the store's sync setting.
  /// Records accepted transactions (sequence, encoded BUTXO transaction).
  result<void> put_pending(const std::vector<std::pair<std::uint64_t, bytes>>& txs);
  /// Forgets transactions that were committed or dropped.
  result<void> erase_pending(const std::vector<std::uint64_t>& seqs);
  /// Returns the recorded transactions in sequence order.
  result<std::vector<std::pair<std::uint64_t, bytes>>> load_pending() const;

private:
  /// The header of the stored height `i` and the hash its certificate certifies, from its header
  /// record or (none stored) the block read without its transactions; nullopt: no block there.
  result<std::optional<codec::stored_header>> header_at(std::uint64_t i,
                                                        const codec::limits& lim) const;

  /// Every (height, value) of a column keyed by be64 heights, in height order; `what` names an
  /// entry in the error about a key that is no height.
  result<std::vector<std::pair<std::uint64_t, bytes>>> by_height(const std::string& column,
                                                                 const char* what) const;

  std::unique_ptr<store::kv_store> kv_;
  bool sync_;
  std::optional<std::uint64_t> head_; ///< cached by the single writer
};

/// Serves the committed blocks below a consensus core's in-memory window from the store, so that
/// a node keeps only its last `node.retained_blocks` heights in memory and still answers a peer
/// that catches up from further back. A block that cannot be read or decoded, or that sits at
/// another height than asked, is not served (the peer asks another) and is counted.
class store_archive final : public bbft::chain_archive {
public:
  store_archive(const chain_store& store, codec::limits lim) : store_(store), lim_(lim) {}
  std::optional<proto::committed_block> committed_block_at(std::uint64_t h) const override;
  /// Blocks served from the store so far.
  std::uint64_t reads() const noexcept { return reads_.load(std::memory_order_relaxed); }
  /// Heights asked for that the store held but could not serve (read error, bad encoding,
  /// wrong height).
  std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

private:
  const chain_store& store_;
  codec::limits lim_;
  mutable std::atomic<std::uint64_t> reads_{0};
  mutable std::atomic<std::uint64_t> failures_{0};
};

} // namespace bystack::node
