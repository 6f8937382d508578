#pragma once
/// Node metrics, shared between the node actor's thread, the transport and the API threads, and
/// rendered in Prometheus text format.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace bystack::node {

/// Counts what a node did and dropped; every member is safe to call from any thread.
class metrics {
public:
  /// Upper bounds (seconds) of the round latency histogram buckets.
  static constexpr std::array<double, 12> latency_buckets_s = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                               1,    2,     4,    8,   16,   32};

  void message_in(std::string_view type, std::uint64_t bytes);
  void message_out(std::string_view type, std::uint64_t count, std::uint64_t bytes);
  /// Counts bytes sent by protocol phase (gossip, fetch, propose, ...; actors/common/effects).
  void phase_out(std::string_view phase, std::uint64_t bytes);
  /// Compact relay's counters (docs/relay.md), copied from the core when scraped.
  struct compact_counts {
    std::uint64_t rebuilt = 0, no_round_trip = 0, fetches = 0, missing = 0, collisions = 0,
                  failed = 0, prefilled = 0, gossip_batches = 0;
  };
  /// Records compact relay's counters; rendered from the first call on (relay: compact).
  void set_compact(const compact_counts& c);
  /// Counts an envelope or message dropped before the protocol saw it.
  void dropped(std::string_view reason);
  /// Counts an input the protocol refused.
  void rejected(std::string_view reason);
  /// Records a committed block and its latency (commit time minus the block's timestamp).
  void committed(std::uint64_t txs, double latency_s);
  void charged(std::uint64_t decoded_bytes, std::uint64_t verifies, std::uint64_t signs);
  void tx_submitted(std::uint64_t accepted, std::uint64_t refused);
  void set_peers_connected(std::uint64_t n);
  /// Records the height of the last committed block.
  void set_committed_height(std::uint64_t h);
  /// Records the node's view and the transactions waiting in its pool.
  void set_status(std::uint64_t view, std::uint64_t pool_size);
  /// Records the blocks served to catching-up peers from the store below the core's window, and
  /// those it could not serve (node.retained_blocks; copied from the archive when scraped).
  void set_archive(std::uint64_t reads, std::uint64_t failures);
  /// Installs a function that render() calls first, to refresh gauges read on demand (the view
  /// and pool live in the node actor); empty to remove it.
  void set_sampler(std::function<void(metrics&)> f);

  /// Counts a client transaction the ledger admitted (also orphans kept for their parent).
  void ledger_admitted();
  /// Counts a client transaction the ledger refused, by the rule it broke.
  void ledger_refused(std::string_view rule);
  /// Counts a proposed block the ledger refused, by the rule it broke.
  void ledger_block_refused(std::string_view rule);
  /// Records the ledger's running totals and sizes (copied from the application's counters).
  void set_ledger(std::uint64_t signatures_checked, std::uint64_t signature_cache_hits,
                  std::uint64_t invalid_proposed, std::uint64_t utxos, std::uint64_t orphans);

  std::uint64_t dropped_count(std::string_view reason) const;
  std::uint64_t peers_connected() const;
  /// Renders every metric in Prometheus text exposition format (version 0.0.4).
  std::string render();

private:
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> in_, out_;
  std::map<std::string, std::uint64_t, std::less<>> dropped_, rejected_, phase_out_;
  bool compact_ = false; ///< render the compact relay metrics
  compact_counts compact_counts_;
  std::array<std::uint64_t, latency_buckets_s.size()> buckets_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::uint64_t blocks_ = 0, txs_ = 0, decoded_bytes_ = 0, verifies_ = 0, signs_ = 0;
  std::uint64_t tx_accepted_ = 0, tx_refused_ = 0, peers_ = 0;
  std::uint64_t committed_height_ = 0, view_ = 0, pool_size_ = 0;
  std::uint64_t archive_reads_ = 0, archive_failures_ = 0;
  bool ledger_ = false; ///< render the ledger metrics
  std::uint64_t ledger_admitted_ = 0, ledger_sigs_ = 0, ledger_sig_hits_ = 0;
  std::uint64_t ledger_invalid_proposed_ = 0, ledger_utxos_ = 0, ledger_orphans_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> ledger_refused_, ledger_blocks_refused_;
  mutable std::mutex sampler_mu_; ///< held while sampling, never together with mu_
  std::function<void(metrics&)> sampler_;
};

} // namespace bystack::node
