#pragma once
/// Transactions, blocks and their canonical hashes.
///
/// The canonical byte layout used for hashing is defined here, independent of the wire codec, so
/// that a block hash is the same whatever carries it.

#include "runtime/base/bytes.hpp"
#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/keys.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace bystack::ledger {

using crypto::hash256;

/// Upper bounds on what a node accepts (network input is checked against them).
inline constexpr std::size_t max_tx_payload_bytes = 64 * 1024;
inline constexpr std::size_t max_block_transactions = 100'000;
inline constexpr std::size_t max_block_bytes = 64 * 1024 * 1024;

/// Holds an opaque transaction signed by a client key (later issues give it BUTXO structure).
struct transaction {
  crypto::public_key sender{};
  std::uint64_t nonce = 0;
  bytes payload;
  bytes signature; ///< over id(), by sender

  /// Returns SHA3-256 over sender, nonce and payload (what the client signs).
  hash256 id() const;
  bool operator==(const transaction&) const = default;
};

/// Holds what identifies a block; its hash is the block hash.
struct block_header {
  std::uint64_t height = 0;
  std::uint64_t view = 0;        ///< the consensus view (round) the block was proposed in
  std::uint64_t parent_view = 0; ///< the view of the parent block (leader rotation needs it)
  hash256 parent;
  hash256 tx_root;
  std::uint64_t timestamp_ms = 0;
  std::uint32_t proposer = 0; ///< index in the validator set
  std::uint32_t tx_count = 0;

  /// Returns SHA3-256 of the canonical header encoding (remembered per thread for recent headers).
  hash256 hash() const;
  bool operator==(const block_header&) const = default;

private:
  hash256 compute_hash() const;
};

/// Holds a header and its transactions.
struct block {
  block_header header;
  std::vector<transaction> txs;

  hash256 hash() const { return header.hash(); }
  bool operator==(const block&) const = default;
};

using block_ptr = std::shared_ptr<const block>;

/// Returns the Merkle root (SHA3-256, odd nodes carried up) over the transaction ids; the root
/// of no transactions is the zero hash.
hash256 merkle_root(const std::vector<transaction>& txs);

/// Builds a block over txs, filling tx_root and tx_count.
block make_block(std::uint64_t height, std::uint64_t view, const hash256& parent,
                 std::uint64_t parent_view, std::uint64_t timestamp_ms, std::uint32_t proposer,
                 std::vector<transaction> txs);

} // namespace bystack::ledger
