#pragma once
/// A mainchain node's data directory (RocksDB): every block that reached the node's best chain,
/// in the order it got there, and the tip it left, written together in one atomic batch.
///
///   column "blocks": be64(sequence) -> encode_block (runtime/mainchain/wire.hpp)
///   column "meta":   "genesis" -> genesis block hash (refuses a directory of another network)
///                    "tip"     -> tip hash | be64 height | UTXO set hash | be64 next sequence
///
/// A restarted node replays the blocks in sequence order through the same core (their proof of
/// work was checked before they were written, so the replay trusts it; transactions are checked
/// again, rebuilding the UTXO set and the undo data of every block), and refuses to start unless
/// it reaches the stored tip and UTXO set hash.

#include "runtime/base/result.hpp"
#include "runtime/mainchain/wire.hpp"
#include "runtime/store/kv_store.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace bystack::mainchaind {

/// The tip a batch of blocks left.
struct tip_record {
  crypto::hash256 tip;
  std::uint64_t height = 0;
  crypto::hash256 utxo_hash;
};

class block_store {
public:
  /// Opens (creating if missing) the store; refuses one written for another genesis block.
  static result<std::unique_ptr<block_store>> open(const std::filesystem::path& dir,
                                                   const crypto::hash256& genesis_hash, bool sync);
  /// Creates a store in memory (tests).
  static result<std::unique_ptr<block_store>> in_memory(const crypto::hash256& genesis_hash);

  /// Returns every stored block in the order written; the error names the first bad one.
  result<std::vector<block_ptr>> load(const wire_limits& lim) const;
  /// Returns the last tip written, or nothing for a fresh store.
  result<std::optional<tip_record>> tip() const;
  /// Appends blocks and moves the tip in one batch.
  result<void> append(const std::vector<block_ptr>& blocks, const tip_record& t);
  std::uint64_t blocks_stored() const noexcept { return next_; }

private:
  block_store(std::unique_ptr<store::kv_store> kv, bool sync) : kv_(std::move(kv)), sync_(sync) {}
  result<void> init(const crypto::hash256& genesis_hash);

  std::unique_ptr<store::kv_store> kv_;
  bool sync_ = false;
  std::uint64_t next_ = 0; ///< sequence of the next block
};

} // namespace bystack::mainchaind
