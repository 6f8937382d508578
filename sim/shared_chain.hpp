#pragma once
/// One copy of the committed chain for a whole simulation: the first block committed at each
/// height with the certificate it was committed with (shared pointers, not copies). Cores keep
/// only a short window of their chain (bbft::core_config::retained_blocks) and serve older
/// heights to peers catching up from here, as a real node serves them from its block store.

#include "actors/node/node_core.hpp"

#include <vector>

namespace bystack::sim {

class shared_chain final : public bbft::chain_archive {
public:
  /// Records a commit; a height already recorded keeps its first block.
  void add(const ledger::block_ptr& b, const bbft::cert_ptr& c) {
    if (!b || !c) return;
    auto h = b->header.height;
    if (h >= entries_.size()) entries_.resize(h + 1);
    if (!entries_[h].block) entries_[h] = {b, c};
  }
  std::optional<proto::committed_block> committed_block_at(std::uint64_t h) const override {
    if (h >= entries_.size() || !entries_[h].block) return std::nullopt;
    return proto::committed_block{entries_[h].block, *entries_[h].cert};
  }
  std::size_t size() const noexcept { return entries_.size(); }

private:
  std::vector<bbft::node_core::chain_entry> entries_;
};

} // namespace bystack::sim
