/// node_core::waiting_for(): what a node waits for before it can commit its next height, read
/// from its state without changing it (stall reports, logs, /metrics).

#include "actors/node/node_core.hpp"

namespace bystack::bbft {

const char* to_string(wait_state::stage s) noexcept {
  switch (s) {
  case wait_state::stage::proposal:
    return "proposal";
  case wait_state::stage::batches:
    return "batches";
  case wait_state::stage::rebuild_failed:
    return "rebuild_failed";
  case wait_state::stage::dropped:
    return "dropped";
  case wait_state::stage::certificate:
    return "certificate";
  case wait_state::stage::block:
    return "block";
  case wait_state::stage::commit:
    return "commit";
  }
  return "?";
}

wait_state node_core::waiting_for() const {
  wait_state s;
  s.committed_height = committed_height();
  s.view = view_;
  s.high_qc_height = high_qc_->height;
  s.super = is_super();
  s.super_node = current_super_;
  s.sync_outstanding = sync_outstanding_;
  // Walk up from the committed head along held blocks (the certified one of the highest view at
  // each height) to the first stage that is missing. A run of certified blocks without a
  // certified child in the very next view waits for the two-chain rule (stage commit).
  auto parent = committed_hash();
  auto h = committed_height() + 1;
  for (std::size_t depth = 0; depth <= pending_.size(); ++depth, ++h) {
    const pending_block* best = nullptr;
    crypto::hash256 best_hash;
    for (const auto& [k, b] : pending_) {
      if (b.block->header.parent != parent) continue;
      bool better = !best || (b.cert && !best->cert) ||
                    (!b.cert == !best->cert && b.block->header.view > best->block->header.view);
      if (better) {
        best = &b;
        best_hash = k;
      }
    }
    s.height = h;
    if (best) {
      s.block_view = best->block->header.view;
      if (!best->cert) {
        s.what = wait_state::stage::certificate;
        s.voted = last_voted_view_ >= s.block_view;
        return s;
      }
      s.what = wait_state::stage::commit;
      ++s.certified_above;
      parent = best_hash;
      continue;
    }
    // The block is not held: is its compact form being rebuilt, or was it rebuilt too late?
    const rebuild* rb = nullptr;
    for (const auto& [v, r] : rebuilds_) {
      const auto& c = std::get<proto::compact_proposal>(*r.msg);
      if (c.header.height == h && c.header.parent == parent) rb = &r; // the latest view wins
    }
    bool certified_known = high_qc_->height >= h;
    for (const auto& e : early_certs_)
      if (e->height == h) certified_known = true;
    s.block_view = 0;
    if (rb) {
      s.block_view = std::get<proto::compact_proposal>(*rb->msg).header.view;
      s.voted = last_voted_view_ >= s.block_view;
      if (rb->failed) {
        s.what = wait_state::stage::rebuild_failed;
        s.peer = rb->source;
      } else if (!rb->done) {
        s.what = wait_state::stage::batches;
        s.missing = rb->missing;
        s.asked = rb->asked;
        s.peer = rb->source;
      } else {
        s.what = wait_state::stage::dropped;
        s.peer = sync_peer_;
      }
      return s;
    }
    if (certified_known) {
      s.what = wait_state::stage::block;
      s.peer = sync_peer_;
      return s;
    }
    s.what = wait_state::stage::proposal;
    return s;
  }
  return s;
}

} // namespace bystack::bbft
