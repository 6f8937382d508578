#pragma once
/// Mainchain blocks: a proof-of-work header over a Merkle root of BUTXO transaction ids.

#include "runtime/ledger/tx.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace bystack::mainchain {

using crypto::hash256;
using tx_ptr = std::shared_ptr<const ledger::tx>;

/// Holds what identifies a mainchain block; its hash is the block hash and the input of the
/// proof of work (as Bytom feeds its block hash to Tensority).
struct header {
  std::uint32_t version = 1;
  std::uint64_t height = 0;
  hash256 previous;
  std::uint64_t timestamp_ms = 0;
  std::uint64_t bits = 0; ///< compact target (runtime/pow/difficulty.hpp)
  std::uint64_t nonce = 0;
  hash256 tx_root; ///< Merkle root over the transaction ids
  hash256 seed;    ///< Tensority seed (Bytom's rule, runtime/pow/tensority.hpp)

  /// Returns SHA3-256 of the canonical header encoding.
  hash256 hash() const;
  bool operator==(const header&) const = default;
};

/// Bytes of a header on the wire (its canonical encoding).
inline constexpr std::size_t header_bytes = 4 + 8 + 32 + 8 + 8 + 8 + 32 + 32;

/// Holds a header and its transactions; the hash is computed once, since every node on every
/// hop asks for it.
class block {
public:
  block(header h, std::vector<tx_ptr> txs)
      : header_(h), txs_(std::move(txs)), hash_(header_.hash()) {}

  const header& hdr() const noexcept { return header_; }
  const std::vector<tx_ptr>& txs() const noexcept { return txs_; }
  const hash256& hash() const noexcept { return hash_; }
  /// Returns the canonical size: header plus encoded transactions.
  std::size_t encoded_bytes() const;

private:
  header header_;
  std::vector<tx_ptr> txs_;
  hash256 hash_;
};

using block_ptr = std::shared_ptr<const block>;

/// Returns the Merkle root (SHA3-256, domain-separated nodes, odd nodes carried up) over the
/// transaction ids; the root of no transactions is the zero hash.
hash256 tx_root(const std::vector<tx_ptr>& txs);

/// Builds a block, filling the header's tx_root from the transactions.
block_ptr make_block(header h, std::vector<tx_ptr> txs);

} // namespace bystack::mainchain
