/// The leader role: the leader of a view assembles a block from its pool, signs the proposal and
/// sends it to every other super node (T0). (Member functions of node_core; see node_core.hpp.)

#include "actors/node/node_core.hpp"

#include <algorithm>

namespace bystack::bbft {

void node_core::maybe_propose(std::int64_t now_us) {
  if (proposed_view_ >= view_) return;
  const auto* jh = header_of(high_qc_->block_hash);
  if (!jh || topo_at(jh->height + 1).leader_for(view_, *jh) != me_) return;
  // Propose from a timer, never from inside the handler that entered the view: the leader's own
  // vote and certificate would otherwise re-enter here, one view deeper each time (N = 1).
  std::int64_t delay = 0;
  if (jh->height == 0 && p_.relay == relay_mode::compact && !app_)
    // Compact relay proposes batches of a minimum age: the first block waits until there are some.
    delay = std::max<std::int64_t>(0, p_.compact_min_age_us + p_.block_interval_us - now_us);
  if (jh->height > 0) {
    auto interval = p_.block_interval_us;
    // An idle network writes empty blocks only as often as configured.
    if (app_ && app_->pool_size() == 0 && p_.empty_block_interval_us > interval)
      interval = p_.empty_block_interval_us;
    if (interval > 0) {
      auto parent_us = static_cast<std::int64_t>(jh->timestamp_ms) * 1000;
      auto due = parent_us + interval;
      if (p_.block_catch_up && interval == p_.block_interval_us && jh->height >= 2)
        if (const auto* gh = header_of(jh->parent))
          due = std::max(
              parent_us + interval / 2,
              std::min(due, static_cast<std::int64_t>(gh->timestamp_ms) * 1000 + 2 * interval));
      delay = std::max<std::int64_t>(0, due - now_us);
    }
  }
  set_timer(timer_kind::propose, view_, delay);
}

void node_core::propose() {
  if (proposed_view_ >= view_) return;
  const auto* jh = header_of(high_qc_->block_hash);
  if (!jh || topo_at(jh->height + 1).leader_for(view_, *jh) != me_) return;
  proposed_view_ = view_;
  auto height = jh->height + 1;
  // Compact relay: the block is made of gossiped batches (actors/relay/relay.cpp).
  bool compact = p_.relay == relay_mode::compact;
  compact_plan batches;
  std::vector<ledger::transaction> txs;
  if (compact) {
    batches = pick_batches();
    for (const auto& b : batches.picks)
      txs.insert(txs.end(), b.batch->txs.begin(), b.batch->txs.end());
  } else {
    txs = take_block_transactions(height);
  }
  auto block = std::make_shared<const ledger::block>(
      ledger::make_block(height, view_, high_qc_->block_hash, high_qc_->view,
                         static_cast<std::uint64_t>(now_us_ / 1000), me_, std::move(txs)));
  proto::proposal p;
  p.block = block;
  p.leader = me_;
  p.justify = *high_qc_;
  if (last_tc_ && last_tc_->view + 1 == view_) p.tc = last_tc_;
  p.signature = signer_->sign(proto::proposal_digest(height, view_, block->hash()));
  ++meter_.signs;
  ++stats_.proposals_made;
  auto msg = std::make_shared<const proto::message>(std::move(p));
  if (compact) {
    propose_compact(std::get<proto::proposal>(*msg), msg, batches);
    return on_proposal(me_, msg, std::get<proto::proposal>(*msg));
  }
  std::vector<std::uint32_t> others;
  for (auto s : topo_at(height).supers())
    if (s != me_) others.push_back(s);
  send(std::move(others), msg, phase::propose);
  on_proposal(me_, msg, std::get<proto::proposal>(*msg));
}

std::vector<ledger::transaction> node_core::take_block_transactions(std::uint64_t height) {
  if (app_) {
    // The application picks valid, conflict-free transactions on top of the parent's state.
    if (!app_ready(high_qc_->block_hash)) return {};
    ledger::app_verdict work;
    auto txs = app_->prepare_block(high_qc_->block_hash, height, p_.max_block_txs, work);
    charge(work);
    return txs;
  }
  std::vector<ledger::transaction> txs;
  while (!pool_.empty() && txs.size() < p_.max_block_txs) {
    auto tx = std::move(pool_.front());
    pool_.pop_front();
    // Entries whose id left pool_ids_ were included in a block meanwhile (lazy deletion).
    if (pool_ids_.erase(tx.id()) == 1) txs.push_back(std::move(tx));
  }
  if (txs.size() < p_.synthetic_txs_per_block) {
    // Synthetic workload: deterministic transactions with the sizes of real ones (a 64-byte
    // signature field that is not checked).
    auto want = std::min<std::size_t>(p_.synthetic_txs_per_block, p_.max_block_txs);
    for (std::size_t i = txs.size(); i < want; ++i) {
      ledger::transaction tx;
      tx.sender = signer_->pub();
      tx.nonce = height << 24 | i;
      tx.payload.assign(p_.synthetic_payload_bytes, static_cast<std::uint8_t>(height * 31 + i));
      tx.signature.assign(64, 0);
      txs.push_back(std::move(tx));
    }
  }
  return txs;
}

void node_core::drop_from_pool(const ledger::block& b) {
  remember_included_txs(b); // p_.dedup_txs: a later copy is refused
  if (app_ || pool_ids_.empty()) return;
  for (const auto& tx : b.txs)
    pool_ids_.erase(tx.id());
}

bool node_core::admit_client_tx(const ledger::transaction& tx,
                                std::vector<ledger::app_verdict>* verdicts) {
  if (app_) {
    auto v = app_->check_tx(tx, committed_height() + 1);
    charge(v);
    bool ok = v.ok();
    if (!ok) {
      ++stats_.txs_refused;
      reject(me_, ledger::tx_refusal(v.reason));
    }
    if (verdicts) verdicts->push_back(std::move(v));
    return ok;
  }
  if (pool_ids_.size() >= p_.max_pool_txs) {
    if (verdicts) verdicts->push_back(ledger::app_verdict{"pool-full", "the pool is full"});
    return false;
  }
  auto id = tx.id();
  if (included_txs_.count(id)) {
    if (verdicts)
      verdicts->push_back(ledger::app_verdict{"duplicate", "already in an accepted block"});
    return false;
  }
  if (!pool_ids_.insert(id).second) {
    if (verdicts) verdicts->push_back(ledger::app_verdict{"duplicate", "already in the pool"});
    return false;
  }
  if (verdicts) verdicts->push_back({});
  return true;
}

std::size_t node_core::submit(std::vector<ledger::transaction> txs, std::int64_t now_us,
                              std::vector<ledger::app_verdict>* verdicts) {
  now_us_ = now_us;
  if (p_.relay == relay_mode::compact) return submit_gossip(std::move(txs), verdicts);
  proto::tx_batch batch;
  batch.sender = me_;
  for (auto& tx : txs) {
    if (!admit_client_tx(tx, verdicts)) continue;
    if (!app_) pool_.push_back(tx);
    batch.txs.push_back(std::move(tx));
  }
  auto accepted = batch.txs.size();
  if (app_ && accepted > 0 && p_.empty_block_interval_us > p_.block_interval_us)
    maybe_propose(now_us); // a leader waiting out the empty-block interval may propose sooner
  if (accepted > 0) {
    // Leaders rotate among the super nodes: they all need the transactions.
    std::vector<std::uint32_t> to;
    for (auto s : topo_->supers())
      if (s != me_) to.push_back(s);
    send(std::move(to), std::make_shared<const proto::message>(std::move(batch)), phase::tx);
  }
  return accepted;
}

} // namespace bystack::bbft

namespace bystack::bbft {

bool node_core::app_ready(const crypto::hash256& h) {
  if (!app_) return true;
  std::vector<const ledger::block*> path;
  auto cur = h;
  while (!app_->knows(cur)) {
    auto it = pending_.find(cur);
    if (it == pending_.end()) return false;
    path.push_back(it->second.block.get());
    cur = it->second.block->header.parent;
  }
  for (auto b = path.rbegin(); b != path.rend(); ++b) {
    auto v = app_->process_block(**b);
    charge(v);
    if (!v.ok()) return false;
  }
  return true;
}

} // namespace bystack::bbft
