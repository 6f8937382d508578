#pragma once
/// A miner: asks its node for a template (mempool transactions and a coinbase paying the miner)
/// and turns it into blocks.
///
/// In simulation it does no hashing: block discovery is a Poisson process of rate
/// hash_share / block_interval, so the time to the next block is an exponential draw that the
/// environment hands in (seeded), scaled here; by memorylessness a new template does not restart
/// the clock. On a real node the nonce search runs real Tensority (mine_header below).

#include "actors/mainchain/block.hpp"
#include "actors/mainchain/consensus.hpp"
#include "actors/mainchain/effects.hpp"
#include "runtime/ledger/tx.hpp"

#include <optional>
#include <variant>
#include <vector>

namespace bystack::miner {

using mainchain::block_ptr;
using mainchain::header;

/// Fixes one miner.
struct miner_config {
  std::uint32_t id = 0;
  ledger::control_program payout;
  double hash_share = 1.0;                      ///< of the whole network's hash rate
  std::int64_t block_interval_us = 600'000'000; ///< the network's expected block interval
};

/// Asks the node for a template.
struct request_template {
  std::uint32_t miner;
};
/// Asks for on_found() after delay_us (replaces the pending one).
struct found_timer {
  std::int64_t delay_us;
};
/// Hands a found block to the miner's node.
struct submit_block {
  block_ptr blk;
};
using miner_effect = std::variant<request_template, found_timer, submit_block>;

class miner_core {
public:
  explicit miner_core(miner_config cfg) : cfg_(std::move(cfg)) {}

  /// Starts mining; `exp_draw` is a standard exponential variate (mean 1) from the environment.
  void start(std::int64_t now_us, double exp_draw);
  /// Takes a fresh template from the node (the tip moved, or the first answer).
  void on_template(const mainchain::template_ready& t);
  /// Seals the current template as found now (modelled proof of work) and draws the next time.
  void on_found(std::int64_t now_us, double exp_draw);

  std::vector<miner_effect> take_effects() { return std::exchange(out_, {}); }
  const miner_config& config() const noexcept { return cfg_; }
  std::uint64_t blocks_found() const noexcept { return found_; }
  /// Returns the delay to the next block for a standard exponential draw.
  std::int64_t delay_us(double exp_draw) const;

private:
  miner_config cfg_;
  std::optional<mainchain::template_ready> template_;
  std::uint64_t found_ = 0;
  std::vector<miner_effect> out_;
};

/// Seals a template with the modelled proof of work at `timestamp_ms` (not before the
/// template's own timestamp, which already exceeds the median time past).
block_ptr seal_modelled(const mainchain::template_ready& t, std::uint64_t timestamp_ms);

/// Searches nonces from h.nonce on for one whose Tensority hash meets h.bits, trying at most
/// `tries`; returns the header with that nonce, or nothing. Real proof of work: at Bytom's
/// difficulty a single core needs years; tests use an easy target.
std::optional<header> mine_header(header h, const pow::matrix_cache& cache, std::uint64_t tries);

} // namespace bystack::miner
