#pragma once
/// The committed chain on disk: each block with its certificate under its big-endian height, and
/// the head height, written together in one atomic batch.

#include "runtime/base/result.hpp"
#include "runtime/protocol/messages.hpp"
#include "runtime/store/kv_store.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace bystack::node {

class chain_store {
public:
  /// Wraps a store that declares the columns "blocks" and "meta".
  explicit chain_store(std::unique_ptr<store::kv_store> kv, bool sync_writes)
      : kv_(std::move(kv)), sync_(sync_writes) {}

  /// Opens (creating if missing) the RocksDB store under dir.
  static result<std::unique_ptr<chain_store>> open(const std::filesystem::path& dir,
                                                   bool sync_writes);
  /// Creates a store in memory (tests).
  static std::unique_ptr<chain_store> in_memory();

  /// Writes block and certificate and moves the head, atomically; the block must be the next
  /// height after the head.
  result<void> append(const proto::committed_block& b);
  /// Returns the stored head height (0: nothing stored).
  result<std::uint64_t> head() const;
  /// Returns the encoded committed block at a height, or nullopt. Safe from any thread.
  result<std::optional<bytes>> raw_at(std::uint64_t height) const;
  /// Loads and decodes heights 1..head in order; the error names the first bad height.
  result<std::vector<proto::committed_block>> load_all() const;

private:
  std::unique_ptr<store::kv_store> kv_;
  bool sync_;
  std::optional<std::uint64_t> head_; ///< cached by the single writer
};

} // namespace bystack::node
