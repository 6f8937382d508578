#pragma once
/// The BUTXO ledger as a production node hosts it: a thread pool for parallel signature checks,
/// and an application decorator that forwards to the real butxo_app while recording what the
/// node runtime needs (each commit's changes for the store, admission outcomes for the API,
/// counters for metrics) and, in Byzantine tests only, spoiling some of the blocks it proposes.
/// Everything here runs on the node actor's thread, except the pool's helper threads, which run
/// only inside a parallel_for call made from that thread.

#include "runtime/ledger/butxo_app.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/metrics.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace bystack::node {

/// Runs parallel_for jobs on a fixed set of threads; the calling thread takes part too.
class work_pool {
public:
  /// Starts `threads - 1` helper threads (the caller is the last one); 0 or 1: no helpers.
  explicit work_pool(std::size_t threads);
  ~work_pool();
  work_pool(const work_pool&) = delete;
  work_pool& operator=(const work_pool&) = delete;

  /// Runs f(0) .. f(n - 1) and returns when all are done; calls must not overlap.
  void run(std::size_t n, const std::function<void(std::size_t)>& f);
  /// Returns a parallel_for that runs on this pool.
  ledger::parallel_for as_parallel_for();

private:
  void helper();
  void work(std::unique_lock<std::mutex>& lock);

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t n_ = 0;
  std::size_t next_ = 0;     ///< next index to hand out (under mu_)
  std::size_t finished_ = 0; ///< indices done (under mu_)
  std::uint64_t round_ = 0;  ///< bumped per run, so helpers see a new job
  bool stop_ = false;
};

/// Returns the marker a store records for a genesis: SHA3-256 over its chain id and state hash.
crypto::hash256 genesis_marker(const ledger::genesis_spec& g, const ledger::utxo_set& state);

/// Decorates the node's butxo_app (see the file comment).
class node_ledger final : public ledger::application {
public:
  /// `stats` may be null; `propose_invalid_every` 0 disables the test fault.
  node_ledger(ledger::butxo_app& app, node::metrics* stats, std::uint64_t propose_invalid_every);

  ledger::app_verdict check_tx(const ledger::transaction& tx, std::uint64_t next_height) override;
  std::vector<ledger::transaction> prepare_block(const crypto::hash256& parent,
                                                 std::uint64_t height, std::size_t max_txs,
                                                 ledger::app_verdict& work) override;
  ledger::app_verdict process_block(const ledger::block& b) override;
  bool knows(const crypto::hash256& block_hash) const override { return app_.knows(block_hash); }
  ledger::app_verdict commit(const ledger::block& b) override;
  crypto::hash256 state_hash() const override { return app_.state_hash(); }
  std::size_t pool_size() const override { return app_.pool_size(); }

  /// Starts recording the admission status of each check_tx call (for POST /tx answers).
  void record_admissions() {
    admissions_.clear();
    admission_ids_.clear();
    recording_ = true;
  }
  /// Stops recording (transactions that peers forward are not recorded).
  void end_admissions() { recording_ = false; }
  /// Returns the statuses recorded since record_admissions(), in call order.
  const std::vector<ledger::admit_status>& admissions() const noexcept { return admissions_; }
  /// Returns the BUTXO ids of the same calls (zero for a transaction that did not decode).
  const std::vector<crypto::hash256>& admission_ids() const noexcept { return admission_ids_; }
  /// Removes and returns the changes of the committed block at `height`, if recorded.
  std::optional<ledger_changes> take_changes(std::uint64_t height);

  /// Calls `hook` after every commit, with whether the ledger applied the block and the changes
  /// the store will write with it, which the hook may add to (DPoS: the election provider notes
  /// the proposer, counts a refused block as an empty one, and hands over what an electing
  /// block elected).
  void set_commit_hook(
      std::function<void(const ledger::block&, bool applied, ledger_changes& stored)> hook) {
    commit_hook_ = std::move(hook);
  }
  ledger::butxo_app& app() noexcept { return app_; }
  std::uint64_t invalid_proposed() const noexcept { return invalid_proposed_; }

private:
  /// Builds a transaction that breaks a rule (a bad signature on a spend of a committed output).
  std::optional<ledger::tx> invalid_tx() const;
  void publish_counters();

  ledger::butxo_app& app_;
  node::metrics* stats_;
  std::uint64_t invalid_every_;
  std::uint64_t proposals_ = 0;
  std::uint64_t invalid_proposed_ = 0;
  std::vector<ledger::admit_status> admissions_;
  std::vector<crypto::hash256> admission_ids_;
  bool recording_ = false;
  std::function<void(const ledger::block&, bool, ledger_changes&)> commit_hook_;
  std::deque<std::pair<std::uint64_t, ledger_changes>> changes_; ///< committed, not yet stored
};

} // namespace bystack::node
