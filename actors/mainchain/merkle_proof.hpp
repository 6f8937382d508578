#pragma once
/// Merkle paths into a mainchain block's transaction root (block.hpp's tx_root): what a light
/// client needs to accept that a transaction is in a block whose header it holds.

#include "actors/mainchain/block.hpp"
#include "runtime/base/result.hpp"
#include "runtime/ledger/detail/encoding.hpp"

#include <cstdint>
#include <vector>

namespace bystack::mainchain {

/// Holds the siblings from a leaf up to the root. `index` and `count` fix at every level
/// whether the node is a left or right child or the odd last node carried up without a sibling.
struct merkle_path {
  std::uint32_t index = 0; ///< the transaction's position in the block
  std::uint32_t count = 0; ///< the block's transaction count
  std::vector<hash256> siblings;
  bool operator==(const merkle_path&) const = default;
};

/// Bounds a path's length: 2^32 transactions need at most 32 siblings.
inline constexpr std::size_t merkle_path_siblings_max = 32;

/// Returns the path of transaction `index` among `ids` (index < ids.size()).
merkle_path make_merkle_path(const std::vector<hash256>& ids, std::uint32_t index);
/// Returns the path of transaction `index` of a block's transactions.
merkle_path make_merkle_path(const std::vector<tx_ptr>& txs, std::uint32_t index);

/// Returns the root the path leads to from `leaf`, or an error when the path's shape does not
/// fit its index and count (too few or too many siblings, index beyond count).
result<hash256> merkle_root_of(const hash256& leaf, const merkle_path& path);

/// Writes the path's canonical encoding; reads one back with its bounds checked (failures are
/// recorded in the reader).
void put(ledger::detail::writer& w, const merkle_path& p);
merkle_path get_merkle_path(ledger::detail::reader& r);

} // namespace bystack::mainchain
