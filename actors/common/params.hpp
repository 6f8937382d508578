#pragma once
/// Protocol parameters of a node; every bound carries its unit in its name.

#include <cstdint>

namespace bystack::bbft {

struct params {
  std::int64_t view_timeout_us = 4'000'000;      ///< first timeout of a view
  std::int64_t max_view_timeout_us = 64'000'000; ///< cap of the doubling backoff
  std::int64_t group_wait_us = 2'000'000; ///< a super node sends a partial group cert after this
  std::int64_t block_interval_us = 0;     ///< 0: the next leader proposes at once
  /// With an application whose pool is empty, the leader waits this long after its parent
  /// before proposing an empty block (0 or <= block_interval_us: empty blocks at the block
  /// interval, as with transactions). A transaction arriving meanwhile lets it propose at the
  /// block interval. Must stay below view_timeout_us, or idle views would time out.
  std::int64_t empty_block_interval_us = 0;
  std::int64_t sync_retry_us = 1'000'000; ///< resend an unanswered catch-up request
  std::uint32_t max_block_txs = 10'000;
  std::uint64_t max_pool_txs = 200'000;
  std::uint32_t sync_max_blocks = 64;
  /// Synthetic workload (simulation): a leader whose pool is short fills its block with this many
  /// generated transactions of synthetic_payload_bytes each.
  std::uint32_t synthetic_txs_per_block = 0;
  std::uint32_t synthetic_payload_bytes = 100;
};

} // namespace bystack::bbft
