#pragma once
/// Protocol parameters of a node; every bound carries its unit in its name.

#include <cstdint>

namespace bystack::bbft {

/// How proposals travel (docs/relay.md): whole blocks (the paper's T0/T1), compact proposals
/// rebuilt from gossiped transactions, or whole blocks that super nodes forward as they stream in
/// (cut-through; the core sends the same messages as `full`, the transport pipelines them).
enum class relay_mode : std::uint8_t { full = 0, compact = 1, pipelined = 2 };

struct params {
  std::int64_t view_timeout_us = 4'000'000;      ///< first timeout of a view
  std::int64_t max_view_timeout_us = 64'000'000; ///< cap of the doubling backoff
  std::int64_t group_wait_us = 2'000'000; ///< a super node sends a partial group cert after this
  std::int64_t block_interval_us = 0;     ///< 0: the next leader proposes at once
  /// Off: a leader proposes block_interval_us after its parent's timestamp, so every late block
  /// shifts all later ones. On: it aims at two intervals after its grandparent instead (a parent
  /// that came late is followed sooner, never sooner than half an interval after it), so the
  /// chain keeps one block per interval on average while the round fits into it. Either way the
  /// leader proposes only once it holds the parent's certificate.
  bool block_catch_up = false;
  /// With an application whose pool is empty, the leader waits this long after its parent
  /// before proposing an empty block (0 or <= block_interval_us: empty blocks at the block
  /// interval, as with transactions). A transaction arriving meanwhile lets it propose at the
  /// block interval. Must stay below view_timeout_us, or idle views would time out.
  std::int64_t empty_block_interval_us = 0;
  /// A super node sends a first group certificate as soon as this share of its group has voted,
  /// and the complete one when the last vote arrives (0: off, one certificate per group when the
  /// group is complete or group_wait_us runs out, as in the paper's T3). The slowest members of a
  /// group (the farthest region, one fetching missing batches) then no longer hold up the
  /// certification of the block at the next leader; costs up to M - 1 more T3 messages per super
  /// node and view (docs/relay.md, "Early group certificates").
  double early_group_cert_share = 0;
  std::int64_t sync_retry_us = 1'000'000; ///< resend an unanswered catch-up request
  std::uint32_t max_block_txs = 10'000;
  std::uint64_t max_pool_txs = 200'000;
  std::uint32_t sync_max_blocks = 64;
  /// Synthetic workload (simulation): a leader whose pool is short fills its block with this many
  /// generated transactions of synthetic_payload_bytes each.
  std::uint32_t synthetic_txs_per_block = 0;
  std::uint32_t synthetic_payload_bytes = 100;

  relay_mode relay = relay_mode::full;
  // Transaction gossip (relay: compact; docs/relay.md). Clients submit to gossip_entry_nodes
  // nodes spread evenly over the ids; each forms a batch of its clients' transactions every
  // gossip_interval_us and announces new batches to its overlay peers at the same interval.
  std::uint32_t gossip_client_tps = 0;   ///< synthetic client load over the whole network
  std::uint32_t gossip_entry_nodes = 16; ///< nodes that take client transactions
  std::uint32_t gossip_degree = 8;       ///< overlay peers per node (even)
  std::int64_t gossip_interval_us = 100'000;
  bool gossip_verify_txs = true; ///< charge one signature check per new transaction
  /// A leader proposes batches it has held this long (others will likely hold them too); its own
  /// younger batches go into the block prefilled.
  std::int64_t compact_min_age_us = 1'000'000;
  /// Own batches younger than this go into the block prefilled; older ones wait for min age.
  /// Negative: compact_min_age_us (every own batch is proposed at once).
  std::int64_t compact_prefill_age_us = -1;
  /// A leader proposes its own batches (not prefilled) once they are this old. Negative:
  /// compact_min_age_us. Its own batches reach the other nodes only by gossip from it, so at
  /// min age they are younger everywhere else and receivers fetch them.
  std::int64_t compact_own_min_age_us = -1;
  std::uint32_t short_id_bytes = 6;
  /// Check transaction ids against accepted blocks (real nodes, whose clients may submit one
  /// transaction to several nodes; without an application): a pool never takes a transaction
  /// again after a block this node accepted, and under compact relay a leader never puts one
  /// into a block twice (it may sit in two batches) and a rebuilt block that repeats one gets no
  /// vote. Off in the simulator, whose synthetic transactions are never submitted twice (it
  /// saves hashing every transaction at every node).
  bool dedup_txs = false;
};

} // namespace bystack::bbft
