#include "runtime/node/metrics.hpp"

#include <algorithm>
#include <sstream>

namespace bystack::node {

namespace {

/// Makes a label value safe for the text format (quotes, backslashes, newlines escaped).
std::string label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

} // namespace

void metrics::message_in(std::string_view type, std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  auto it = in_.find(type);
  if (it == in_.end()) it = in_.emplace(std::string(type), std::pair{0, 0}).first;
  it->second.first += 1;
  it->second.second += bytes;
}

void metrics::message_out(std::string_view type, std::uint64_t count, std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  auto it = out_.find(type);
  if (it == out_.end()) it = out_.emplace(std::string(type), std::pair{0, 0}).first;
  it->second.first += count;
  it->second.second += bytes;
}

void metrics::phase_out(std::string_view phase, std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  auto it = phase_out_.find(phase);
  if (it == phase_out_.end()) it = phase_out_.emplace(std::string(phase), 0).first;
  it->second += bytes;
}

void metrics::set_compact(const compact_counts& c) {
  std::lock_guard lock(mu_);
  compact_ = true;
  compact_counts_ = c;
}

void metrics::dropped(std::string_view reason) {
  std::lock_guard lock(mu_);
  auto it = dropped_.find(reason);
  if (it == dropped_.end()) it = dropped_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void metrics::rejected(std::string_view reason) {
  std::lock_guard lock(mu_);
  auto it = rejected_.find(reason);
  if (it == rejected_.end()) it = rejected_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void metrics::committed(std::uint64_t txs, double latency_s) {
  std::lock_guard lock(mu_);
  ++blocks_;
  txs_ += txs;
  ++latency_count_;
  latency_sum_ += latency_s;
  for (std::size_t i = 0; i < latency_buckets_s.size(); ++i)
    if (latency_s <= latency_buckets_s[i]) ++buckets_[i];
}

void metrics::charged(std::uint64_t decoded_bytes, std::uint64_t verifies, std::uint64_t signs) {
  std::lock_guard lock(mu_);
  decoded_bytes_ += decoded_bytes;
  verifies_ += verifies;
  signs_ += signs;
}

void metrics::tx_submitted(std::uint64_t accepted, std::uint64_t refused) {
  std::lock_guard lock(mu_);
  tx_accepted_ += accepted;
  tx_refused_ += refused;
}

void metrics::ledger_admitted() {
  std::lock_guard lock(mu_);
  ledger_ = true;
  ++ledger_admitted_;
}

void metrics::ledger_refused(std::string_view rule) {
  std::lock_guard lock(mu_);
  ledger_ = true;
  auto it = ledger_refused_.find(rule);
  if (it == ledger_refused_.end()) it = ledger_refused_.emplace(std::string(rule), 0).first;
  ++it->second;
}

void metrics::ledger_block_refused(std::string_view rule) {
  std::lock_guard lock(mu_);
  ledger_ = true;
  auto it = ledger_blocks_refused_.find(rule);
  if (it == ledger_blocks_refused_.end())
    it = ledger_blocks_refused_.emplace(std::string(rule), 0).first;
  ++it->second;
}

void metrics::set_ledger(std::uint64_t signatures_checked, std::uint64_t signature_cache_hits,
                         std::uint64_t invalid_proposed, std::uint64_t utxos,
                         std::uint64_t orphans) {
  std::lock_guard lock(mu_);
  ledger_ = true;
  ledger_sigs_ = signatures_checked;
  ledger_sig_hits_ = signature_cache_hits;
  ledger_invalid_proposed_ = invalid_proposed;
  ledger_utxos_ = utxos;
  ledger_orphans_ = orphans;
}

void metrics::set_peers_connected(std::uint64_t n) {
  std::lock_guard lock(mu_);
  peers_ = n;
}

void metrics::set_committed_height(std::uint64_t h) {
  std::lock_guard lock(mu_);
  committed_height_ = std::max(committed_height_, h);
}

void metrics::set_status(std::uint64_t view, std::uint64_t pool_size) {
  std::lock_guard lock(mu_);
  view_ = view;
  pool_size_ = pool_size;
}

void metrics::set_archive(std::uint64_t reads, std::uint64_t failures) {
  std::lock_guard lock(mu_);
  archive_reads_ = reads;
  archive_failures_ = failures;
}

void metrics::set_sampler(std::function<void(metrics&)> f) {
  std::lock_guard lock(sampler_mu_);
  sampler_ = std::move(f);
}

std::uint64_t metrics::dropped_count(std::string_view reason) const {
  std::lock_guard lock(mu_);
  auto it = dropped_.find(reason);
  return it == dropped_.end() ? 0 : it->second;
}

std::uint64_t metrics::peers_connected() const {
  std::lock_guard lock(mu_);
  return peers_;
}

std::string metrics::render() {
  {
    std::lock_guard sampling(sampler_mu_);
    if (sampler_) sampler_(*this);
  }
  std::lock_guard lock(mu_);
  std::ostringstream o;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n"
      << name << ' ' << v << '\n';
  };
  counter("bystack_blocks_committed_total", "Blocks committed by this node.", blocks_);
  counter("bystack_transactions_committed_total", "Transactions in committed blocks.", txs_);
  counter("bystack_transactions_accepted_total", "Transactions admitted through the API.",
          tx_accepted_);
  counter("bystack_transactions_refused_total",
          "Transactions refused by the API (bad signature, duplicate, full pool).", tx_refused_);
  counter("bystack_decoded_bytes_total", "Bytes of consensus messages decoded.", decoded_bytes_);
  counter("bystack_signature_verifications_total",
          "Signature verifications done by the protocol core.", verifies_);
  counter("bystack_signatures_total", "Signatures made by the protocol core.", signs_);
  auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n"
      << name << ' ' << v << '\n';
  };
  gauge("bystack_peers_connected", "Peers with an open connection.", peers_);
  gauge("bystack_committed_height", "Height of the last block this node committed.",
        committed_height_);
  gauge("bystack_view", "The node's current view (sampled when scraped).", view_);
  gauge("bystack_mempool_transactions",
        "Transactions waiting in the node's pool (sampled when scraped).", pool_size_);

  auto by_type = [&](const char* name, const char* help, const auto& m, bool bytes) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
    for (const auto& [type, v] : m)
      o << name << "{type=\"" << label(type) << "\"} " << (bytes ? v.second : v.first) << '\n';
  };
  by_type("bystack_messages_in_total", "Consensus messages received, by type.", in_, false);
  by_type("bystack_messages_in_bytes_total", "Bytes of consensus messages received, by type.", in_,
          true);
  by_type("bystack_messages_out_total", "Consensus messages sent (per destination), by type.", out_,
          false);
  by_type("bystack_messages_out_bytes_total", "Bytes of consensus messages sent, by type.", out_,
          true);
  o << "# HELP bystack_phase_out_bytes_total Bytes of consensus messages sent, by protocol phase "
       "(gossip: transaction announcements, requests and batch bodies; fetch: missing batches of "
       "compact proposals).\n# TYPE bystack_phase_out_bytes_total counter\n";
  for (const auto& [ph, v] : phase_out_)
    o << "bystack_phase_out_bytes_total{phase=\"" << label(ph) << "\"} " << v << '\n';
  counter("bystack_archive_reads_total",
          "Committed blocks served to catching-up peers from the store, below the in-memory "
          "window (node.retained_blocks).",
          archive_reads_);
  counter("bystack_archive_failures_total",
          "Stored blocks below the window that could not be read or decoded for a peer.",
          archive_failures_);
  if (compact_) {
    const auto& c = compact_counts_;
    counter("bystack_compact_blocks_rebuilt_total",
            "Compact proposals rebuilt from the mempool and passed on to voting.", c.rebuilt);
    counter("bystack_compact_blocks_rebuilt_without_round_trip_total",
            "Compact proposals rebuilt without asking for missing batches.", c.no_round_trip);
    counter("bystack_compact_fetches_total",
            "Requests for missing batches of compact proposals (block_request).", c.fetches);
    counter("bystack_compact_missing_batches_total",
            "Batches of compact proposals asked for because the mempool lacked them.", c.missing);
    counter("bystack_compact_collisions_total",
            "Ambiguous short ids or rebuilt blocks whose root differed.", c.collisions);
    counter("bystack_compact_failed_total", "Compact proposals given up.", c.failed);
    counter("bystack_compact_prefilled_batches_total",
            "Batches this node sent whole in its compact proposals.", c.prefilled);
    counter("bystack_gossip_batches_total",
            "Distinct transaction batches received by gossip or made from client submissions.",
            c.gossip_batches);
  }
  o << "# HELP bystack_messages_dropped_total Messages dropped before the protocol saw them, by "
       "reason.\n# TYPE bystack_messages_dropped_total counter\n";
  for (const auto& [r, v] : dropped_)
    o << "bystack_messages_dropped_total{reason=\"" << label(r) << "\"} " << v << '\n';
  o << "# HELP bystack_messages_rejected_total Inputs the protocol refused, by reason.\n"
    << "# TYPE bystack_messages_rejected_total counter\n";
  for (const auto& [r, v] : rejected_)
    o << "bystack_messages_rejected_total{reason=\"" << label(r) << "\"} " << v << '\n';

  if (ledger_) {
    counter("bystack_ledger_transactions_admitted_total",
            "Client transactions the ledger admitted to the pool (orphans included).",
            ledger_admitted_);
    o << "# HELP bystack_ledger_transactions_refused_total Client transactions the ledger "
         "refused, by rule.\n# TYPE bystack_ledger_transactions_refused_total counter\n";
    for (const auto& [r, v] : ledger_refused_)
      o << "bystack_ledger_transactions_refused_total{rule=\"" << label(r) << "\"} " << v << '\n';
    o << "# HELP bystack_ledger_blocks_refused_total Proposed blocks the ledger found invalid, by "
         "rule.\n# TYPE bystack_ledger_blocks_refused_total counter\n";
    for (const auto& [r, v] : ledger_blocks_refused_)
      o << "bystack_ledger_blocks_refused_total{rule=\"" << label(r) << "\"} " << v << '\n';
    counter("bystack_ledger_signatures_checked_total",
            "Transaction signatures checked by the ledger (curve work).", ledger_sigs_);
    counter("bystack_ledger_signature_cache_hits_total",
            "Transaction signatures found in the signature cache (no curve work).",
            ledger_sig_hits_);
    counter("bystack_ledger_invalid_proposals_total",
            "Blocks this node proposed with an invalid transaction on purpose (test fault).",
            ledger_invalid_proposed_);
    gauge("bystack_ledger_utxos", "Unspent outputs in the committed state.", ledger_utxos_);
    gauge("bystack_ledger_pool_orphans", "Orphan transactions held for their parents.",
          ledger_orphans_);
  }

  o << "# HELP bystack_round_latency_seconds Commit time minus the block's proposal timestamp.\n"
    << "# TYPE bystack_round_latency_seconds histogram\n";
  for (std::size_t i = 0; i < latency_buckets_s.size(); ++i)
    o << "bystack_round_latency_seconds_bucket{le=\"" << latency_buckets_s[i] << "\"} "
      << buckets_[i] << '\n';
  o << "bystack_round_latency_seconds_bucket{le=\"+Inf\"} " << latency_count_ << '\n'
    << "bystack_round_latency_seconds_sum " << latency_sum_ << '\n'
    << "bystack_round_latency_seconds_count " << latency_count_ << '\n';
  return o.str();
}

} // namespace bystack::node
