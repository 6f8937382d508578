#include "actors/miner/attacks.hpp"

namespace bystack::miner {

std::optional<std::uint64_t> selfish_strategy::on_own_block(std::uint64_t height) {
  bool was_racing = racing_ && private_ == public_;
  private_ = height;
  if (was_racing) {
    // State 0' and the pool found the next block: publish the branch, the race is won.
    racing_ = false;
    public_ = private_;
    return private_;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> selfish_strategy::on_public_block(std::uint64_t public_height,
                                                               std::uint64_t tip_height) {
  std::optional<std::uint64_t> publish;
  // One step per public block, so that a jump of several blocks walks the state machine.
  while (public_ < public_height) {
    auto lead = static_cast<std::int64_t>(private_) - static_cast<std::int64_t>(public_);
    ++public_;
    if (lead <= 0) {
      // The public chain is ahead (or the race was lost): adopt it.
      racing_ = false;
      private_ = tip_height > public_ ? tip_height : public_;
    } else if (lead == 1) {
      racing_ = true; // publish the one block: a tie
      publish = private_;
    } else if (lead == 2) {
      racing_ = false; // publish everything: one ahead, the honest block is orphaned
      publish = private_;
      public_ = private_;
    } else {
      racing_ = false; // publish the block matching the public height, keep the rest
      publish = public_;
    }
  }
  return publish;
}

double_spend_strategy::verdict double_spend_strategy::decide(std::uint64_t public_height,
                                                             std::uint64_t private_height) const {
  std::uint64_t confirmations = public_height > fork_ ? public_height - fork_ : 0;
  if (confirmations >= z_ && private_height > public_height) return verdict::publish;
  if (public_height >= private_height + give_up_) return verdict::give_up;
  return verdict::mine_on;
}

} // namespace bystack::miner
