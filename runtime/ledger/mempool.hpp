#pragma once
/// The transaction pool: admission by full validation against the committed state plus the
/// pool's own outputs, first-seen-wins conflicts, size and count bounds with eviction by fee
/// rate, and a bounded pool of orphans (transactions whose inputs are not known yet).

#include "runtime/ledger/rules.hpp"

#include <map>
#include <memory>
#include <unordered_map>

namespace bystack::ledger {

struct mempool_limits {
  std::size_t max_txs = 200'000;
  std::size_t max_bytes = 256 * 1024 * 1024;
  std::size_t max_orphans = 10'000;
  std::uint64_t orphan_ttl_blocks = 20; ///< orphans older than this many blocks are dropped
};

/// What admission decided.
enum class admit_status : std::uint8_t {
  accepted = 0,
  duplicate,  ///< already in the pool
  conflict,   ///< spends an output a pooled transaction already spends (first seen wins)
  orphan,     ///< an input is unknown: held until its parent arrives
  pool_full,  ///< pays less per byte than everything in a full pool
  invalid,    ///< breaks a rule (see the error)
};
const char* admit_status_name(admit_status s);

struct admit_result {
  admit_status status = admit_status::accepted;
  tx_error err;                      ///< for invalid
  hash256 id;
  std::vector<hash256> also_admitted; ///< orphans this admission unlocked
};

class mempool : public utxo_view {
public:
  mempool(const utxo_view& committed, const chain_params& params, signature_checker& checker,
          mempool_limits limits = {}, const extension_rules* ext = nullptr);

  /// Validates and admits a transaction (height: of the next block, for expiry).
  admit_result admit(std::shared_ptr<const tx> t, std::uint64_t height);
  /// Removes the transactions a committed block included and those that now conflict with it
  /// (with their descendants); retries orphans whose parents the block created; drops expired.
  /// `ids`, when given, holds the transactions' ids (saves hashing them again).
  void on_commit(const std::vector<std::shared_ptr<const tx>>& block_txs,
                 const block_delta& delta, std::uint64_t height,
                 const std::vector<hash256>* ids = nullptr);
  /// Returns pooled transactions in arrival order (parents before children), at most max_txs.
  std::vector<std::shared_ptr<const tx>> candidates(std::size_t max_txs) const;
  bool contains(const hash256& id) const { return txs_.count(id) != 0; }
  /// Tells whether the transaction is held as an orphan (waiting for a parent).
  bool holds_orphan(const hash256& id) const { return orphans_.count(id) != 0; }
  std::shared_ptr<const tx> get(const hash256& id) const;

  std::size_t size() const noexcept { return txs_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t orphans() const noexcept { return orphans_.size(); }
  std::uint64_t evicted() const noexcept { return evicted_; }

  // utxo_view over the committed state plus the pool's unspent outputs (what admission sees).
  const utxo_entry* find(const hash256& id) const override;
  const asset_definition* asset(const asset_id& id) const override;
  std::uint64_t issued(const asset_id& id) const override;
  bool issuance_used(const hash256& issue_input_id) const override;

private:
  struct entry {
    std::shared_ptr<const tx> t;
    std::uint64_t fee = 0;
    std::size_t size = 0;
    std::uint64_t seq = 0;
    std::vector<hash256> spends;  ///< output ids (and issue input ids) it consumes
    std::vector<hash256> creates; ///< output ids
    std::vector<std::pair<asset_id, std::uint64_t>> issues;
  };
  struct orphan {
    std::shared_ptr<const tx> t;
    std::uint64_t height = 0;
    std::vector<hash256> missing;
  };
  admit_result admit_one(std::shared_ptr<const tx> t, std::uint64_t height, bool from_orphans);
  void remove(const hash256& id, bool with_descendants);
  bool evict_for(double fee_rate, std::size_t size);
  void retry_orphans(const std::vector<hash256>& outputs, std::uint64_t height,
                     std::vector<hash256>& admitted);

  const utxo_view& committed_;
  chain_params params_;
  signature_checker& checker_;
  mempool_limits limits_;
  const extension_rules* ext_;
  std::unordered_map<hash256, entry> txs_;
  std::map<std::uint64_t, hash256> by_seq_;
  std::unordered_map<hash256, hash256> spent_by_;   ///< output (or issue input) -> pooled tx
  std::unordered_map<hash256, utxo_entry> created_; ///< outputs of pooled transactions
  std::unordered_map<asset_id, std::uint64_t> issued_;
  std::unordered_map<asset_id, asset_definition> assets_;
  std::map<std::pair<double, std::uint64_t>, hash256> by_rate_; ///< (fee per byte, seq)
  std::unordered_map<hash256, orphan> orphans_;
  std::unordered_multimap<hash256, hash256> orphans_by_parent_;
  std::uint64_t seq_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t evicted_ = 0;
};

} // namespace bystack::ledger
