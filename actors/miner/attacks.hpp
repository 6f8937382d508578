#pragma once
/// Attacker strategies: what a withholding miner publishes and when. Pure decisions over chain
/// heights; the environment mines the private chain on the attacker's own node (blocks mined
/// with publish = false) and calls mainchain_core::publish() when told to.

#include <cstdint>
#include <optional>

namespace bystack::miner {

/// Eyal and Sirer's selfish mining (Majority is not Enough, 2014, Algorithm 1). The pool keeps
/// a private chain and publishes only to orphan the honest miners' blocks:
/// - it finds a block: if it was racing an honest block of the same height (state 0'), it
///   publishes its whole branch and wins; otherwise it keeps the block private;
/// - the public chain grows by one block, with the private lead before that being
///   0: the pool adopts the public chain; 1: it publishes its block (a tie, state 0', where a
///   share gamma of the honest miners mine on the pool's block); 2: it publishes everything and
///   wins by one; more: it publishes up to the public height, keeping the rest.
class selfish_strategy {
public:
  explicit selfish_strategy(std::uint64_t start_height = 0)
      : private_(start_height), public_(start_height) {}

  /// Handles a block the pool found at `height`; returns the height up to which to publish.
  std::optional<std::uint64_t> on_own_block(std::uint64_t height);
  /// Handles growth of the public chain (other miners' blocks) to `public_height`; `tip_height`
  /// is the height of the pool's node's best chain after it (what adopting gives). Returns the
  /// height up to which to publish.
  std::optional<std::uint64_t> on_public_block(std::uint64_t public_height,
                                               std::uint64_t tip_height);

  std::uint64_t private_height() const noexcept { return private_; }
  std::uint64_t public_height() const noexcept { return public_; }
  bool racing() const noexcept { return racing_; }

private:
  std::uint64_t private_;
  std::uint64_t public_;
  bool racing_ = false; ///< state 0': a published tie between the pool's block and an honest one
};

/// A double-spend attacker (Nakamoto 2008, section 11): it pays a merchant on the public chain
/// and mines in private, from the payment block's parent, a branch that spends the same output
/// elsewhere. Once the merchant has seen `confirmations` blocks (the payment block included) and
/// the private branch is strictly longer than the public one, it publishes; it gives up when it
/// is `give_up_deficit` blocks behind.
class double_spend_strategy {
public:
  enum class verdict { mine_on, publish, give_up };

  double_spend_strategy(std::uint64_t fork_height, std::uint64_t confirmations,
                        std::uint64_t give_up_deficit)
      : fork_(fork_height), z_(confirmations), give_up_(give_up_deficit) {}

  /// Decides after any block: public and private chain heights.
  verdict decide(std::uint64_t public_height, std::uint64_t private_height) const;

private:
  std::uint64_t fork_;
  std::uint64_t z_;
  std::uint64_t give_up_;
};

} // namespace bystack::miner
