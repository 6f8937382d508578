#include "actors/node/node_core.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace bystack::bbft {

ledger::block_ptr genesis_block() {
  static const ledger::block_ptr genesis =
      std::make_shared<const ledger::block>(ledger::make_block(0, 0, {}, 0, 0, 0, {}));
  return genesis;
}

node_core::node_core(core_config cfg)
    : me_(cfg.me), topo_(std::move(cfg.topo)), set_(std::move(cfg.validators)), certs_(cfg.certs),
      signer_(std::move(cfg.signer)), sets_(cfg.sets), p_(cfg.p), app_(cfg.app),
      retained_blocks_(cfg.retained_blocks), retained_certificates_(cfg.retained_certificates),
      archive_(cfg.archive) {
  if (retained_blocks_ > 0) {
    // The window never holds more than 2 * retained_blocks_ + 1 entries: take that room once,
    // so that memory is flat from the first commit on instead of growing by doublings.
    chain_.reserve(2 * retained_blocks_ + 1);
    chain_hashes_.reserve(2 * retained_blocks_ + 1);
  }
  auto g = genesis_block();
  auto gc = std::make_shared<proto::block_certificate>();
  gc->height = 0;
  gc->view = 0;
  gc->block_hash = g->hash();
  chain_.push_back(chain_entry{g, gc});
  chain_hashes_.push_back(gc->block_hash);
  genesis_hash_ = gc->block_hash;
  high_qc_ = std::move(gc);
  if (sets_)
    refresh_epoch();
  else
    current_super_ = topo_->super_of(me_);
}

void node_core::refresh_epoch() {
  if (!sets_) return;
  auto s = set_at(high_qc_->height + 1);
  if (!s || s == epoch_) return; // not known yet: keep following the last known set
  epoch_ = std::move(s);
  topo_ = epoch_->topo();
  // New groups: re-homing starts over, and a node outside the set keeps a super node to ask
  // for the chain.
  adopted_.clear();
  departed_.clear();
  current_super_ = topo_->contains(me_) ? topo_->super_of(me_) : topo_->supers().front();
}

std::vector<std::shared_ptr<const epoch_set>> node_core::timeout_sets() const {
  std::vector<std::shared_ptr<const epoch_set>> out;
  if (!sets_) return out;
  auto h = high_qc_->height + 1;
  out.push_back(set_at(h));
  // On an epoch's first height the last commit may rest on the previous set's certificate.
  if (h >= 2 && sets_->epoch_of(h - 1) != sets_->epoch_of(h)) out.push_back(set_at(h - 1));
  return out;
}

bool node_core::timeout_quorum(const std::set<std::uint32_t>& senders) const {
  if (!sets_) return senders.size() >= set_->quorum();
  for (const auto& s : timeout_sets()) {
    if (!s) return false;
    std::size_t n = 0;
    for (auto x : senders)
      n += s->contains(x) ? 1 : 0;
    if (n < s->quorum()) return false;
  }
  return true;
}

bool node_core::counts_for_timeout(std::uint32_t node) const {
  if (!sets_) return true;
  for (const auto& s : timeout_sets())
    if (s && s->contains(node)) return true;
  return false;
}

bool node_core::signers_in(const crypto::qc_list& qcs, const epoch_set& s) {
  bool ok = true;
  for (const auto& qc : qcs)
    qc.signers.for_each(
        [&](std::size_t i) { ok = ok && s.contains(static_cast<std::uint32_t>(i)); });
  return ok;
}

result<void> node_core::restore(const std::vector<proto::committed_block>& chain) {
  bool top_only = false;
  if (!chain.empty() && chain.front().block && chain.front().block->header.height > 1 &&
      committed_height() == 0) {
    if (retained_blocks_ == 0 || !archive_)
      return make_error("restore: the chain starts at height " +
                        std::to_string(chain.front().block->header.height) +
                        ", which needs a chain window (retained_blocks) and an archive for the "
                        "heights below");
    top_only = true;
  }
  for (const auto& cb : chain) {
    if (!cb.block) return make_error("restore: missing block body");
    const auto& h = cb.block->header;
    if (!top_only && h.height != committed_height() + 1)
      return make_error("restore: expected height " + std::to_string(committed_height() + 1) +
                        ", found " + std::to_string(h.height));
    if (!top_only && h.parent != chain_hashes_.back())
      return make_error("restore: block at height " + std::to_string(h.height) +
                        " does not extend the block below it");
    if (cb.cert.block_hash != cb.block->hash())
      return make_error("restore: certificate at height " + std::to_string(h.height) +
                        " is for another block");
    if (top_only) {
      // The first block of the top: the heights below it are the archive's (the store checked
      // how they link up), and the window starts here instead of at genesis.
      chain_.clear();
      chain_hashes_.clear();
      chain_base_ = h.height;
      top_only = false;
    }
    auto cert = std::make_shared<const proto::block_certificate>(cb.cert);
    chain_.push_back(chain_entry{cb.block, cert});
    chain_hashes_.push_back(cb.cert.block_hash);
    if (cb.cert.view > high_qc_->view) high_qc_ = cert;
    trim_chain();
  }
  refresh_epoch();
  return {};
}

void node_core::trim_chain() {
  // Certificates first: the top `retained_certificates_` entries keep theirs. Entries lose them
  // from the top of the old window down, so the first one found without stops the walk.
  if (retained_certificates_ > 0 && chain_.size() > retained_certificates_)
    for (auto i = chain_.size() - retained_certificates_; i-- > 0 && chain_[i].cert;)
      chain_[i].cert.reset();
  // Blocks: trimmed once the window has doubled, so that the cost per commit stays constant.
  if (retained_blocks_ > 0 && chain_.size() > 2 * retained_blocks_) {
    auto drop = static_cast<std::ptrdiff_t>(chain_.size() - retained_blocks_);
    chain_.erase(chain_.begin(), chain_.begin() + drop);
    chain_hashes_.erase(chain_hashes_.begin(), chain_hashes_.begin() + drop);
    chain_base_ += static_cast<std::uint64_t>(drop);
  }
}

std::optional<proto::committed_block> node_core::find_committed(std::uint64_t h) const {
  if (h > committed_height()) return std::nullopt;
  if (const auto* e = committed_at(h); e && e->cert)
    return proto::committed_block{e->block, *e->cert};
  if (archive_ && h >= 1) return archive_->committed_block_at(h);
  return std::nullopt;
}

proto::committed_block node_core::committed_block_at(std::uint64_t h) const {
  auto cb = find_committed(h);
  if (!cb) throw std::out_of_range("committed block " + std::to_string(h) + " is not kept");
  return std::move(*cb);
}

void node_core::prefetch() const noexcept {
  const auto* p = reinterpret_cast<const char*>(this);
  for (std::size_t off = 0; off < sizeof(node_core); off += 64)
    __builtin_prefetch(p + off);
}

void node_core::prefetch_held() const noexcept {
  // Reads the object (prefetch() brought it in) to find what every event reads beyond it.
  if (!chain_.empty()) __builtin_prefetch(&chain_.back());
  if (!chain_hashes_.empty()) __builtin_prefetch(&chain_hashes_.back());
  // The entry whose certificate the next commit drops (trim_chain): long out of the cache, and
  // read then; 2.8% of the simulator's time went to waiting for it.
  if (retained_certificates_ > 0 && chain_.size() >= retained_certificates_)
    __builtin_prefetch(&chain_[chain_.size() - retained_certificates_]);
  __builtin_prefetch(out_.data());
  // The uncommitted blocks, one line each: most events look one up (a handful at most).
  for (std::size_t i = 0; i < pending_.size() && i < 4; ++i)
    __builtin_prefetch(pending_.data() + i);
  if (!seen_proposal_views_.empty()) __builtin_prefetch(&*seen_proposal_views_.begin());
}

retained_counts node_core::retained() const {
  retained_counts r;
  r.chain_blocks = chain_.size();
  for (const auto& e : chain_)
    r.chain_certificates += e.cert != nullptr;
  r.pending_blocks = pending_.size();
  r.collections = collections_.size();
  r.timeout_views = timeouts_.size();
  r.seen_views = seen_proposal_views_.size() + relayed_views_.size();
  for (const auto& [key, c] : collections_) {
    r.collected_certificates += c.certs.size();
    if (c.commit_sent) {
      ++r.collections_committed;
      r.certificates_after_commit += c.certs.size();
    }
  }
  return r;
}

void node_core::start(std::int64_t now_us) {
  now_us_ = now_us;
  enter_view(std::max<std::uint64_t>(1, high_qc_->view + 1), false);
  if (p_.relay == relay_mode::compact) relay_start();
}

void node_core::on_message(std::uint32_t from, const msg_ptr& msg, std::int64_t now_us) {
  now_us_ = now_us;
  if (!msg) return reject(from, "empty message");
  if (from >= topo_->size()) return reject(from, "unknown sender");
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, proto::proposal>)
          on_proposal(from, msg, m);
        else if constexpr (std::is_same_v<T, proto::vote>)
          on_vote(from, m);
        else if constexpr (std::is_same_v<T, proto::group_certificate>)
          on_group_certificate(from, msg, m);
        else if constexpr (std::is_same_v<T, proto::commit_certificate>)
          on_commit_certificate(from, msg, m);
        else if constexpr (std::is_same_v<T, proto::view_change>)
          on_view_change(from, m);
        else if constexpr (std::is_same_v<T, proto::sync_request>)
          on_sync_request(from, m);
        else if constexpr (std::is_same_v<T, proto::sync_response>)
          on_sync_response(from, msg, m);
        else if constexpr (std::is_same_v<T, proto::timeout_certificate>)
          on_timeout_certificate(from, m);
        else if constexpr (std::is_same_v<T, proto::tx_announce>)
          on_tx_announce(from, m);
        else if constexpr (std::is_same_v<T, proto::tx_request>)
          on_tx_request(from, m);
        else if constexpr (std::is_same_v<T, proto::compact_proposal>)
          on_compact(from, msg, m);
        else if constexpr (std::is_same_v<T, proto::block_request>)
          on_block_request(from, m);
        else if constexpr (std::is_same_v<T, proto::block_batches>)
          on_block_batches(from, m);
        else if constexpr (std::is_same_v<T, proto::tx_batch>) {
          if (p_.relay == relay_mode::compact) return on_gossip_batch(from, msg, m);
          if (app_) {
            for (const auto& tx : m.txs) {
              auto v = app_->check_tx(tx, committed_height() + 1);
              charge(v);
              // A node offers a transaction again until it sees it committed: a copy this
              // node already holds (or committed) is not a refusal.
              if (!v.ok() && std::string_view(v.reason) != "duplicate") {
                ++stats_.txs_refused;
                reject(from, ledger::tx_refusal(v.reason));
              }
            }
            if (p_.empty_block_interval_us > p_.block_interval_us) maybe_propose(now_us_);
            return;
          }
          std::vector<ledger::transaction> txs = m.txs;
          for (auto& tx : txs) {
            if (pool_ids_.size() >= p_.max_pool_txs) break;
            auto id = tx.id();
            if (!included_txs_.count(id) && pool_ids_.insert(id).second)
              pool_.push_back(std::move(tx));
          }
        }
      },
      *msg);
}

void node_core::on_timer(timer_kind kind, std::uint64_t view, std::int64_t now_us) {
  now_us_ = now_us;
  switch (kind) {
  case timer_kind::view_timeout:
    on_view_timeout(view);
    break;
  case timer_kind::group_wait:
    on_group_wait(view);
    break;
  case timer_kind::propose:
    if (view == view_) propose();
    break;
  case timer_kind::sync_retry:
    on_sync_retry();
    break;
  case timer_kind::commit_wait:
    on_commit_wait(view);
    break;
  case timer_kind::gossip:
    on_gossip_tick();
    break;
  }
}

std::uint32_t node_core::expected_leader() const {
  const auto* h = header_of(high_qc_->block_hash);
  return h ? topo_->leader_for(view_, *h) : topo_->supers().front();
}

void node_core::send(std::vector<std::uint32_t> to, msg_ptr m, phase ph) {
  // An empty destination list is kept: observers count a proposal or group certificate even
  // when no other super node exists (M = 1), as the paper's convention does.
  out_.push_back(send_effect{std::move(to), std::move(m), ph});
}

void node_core::reject(std::uint32_t from, const char* reason) {
  ++stats_.rejected;
  out_.push_back(reject_effect{from, reason});
}

const ledger::block_header* node_core::header_of(const crypto::hash256& h) const {
  if (auto it = pending_.find(h); it != pending_.end()) return &it->second.block->header;
  // Committed blocks: the certified tip is almost always near the top of the chain.
  for (std::size_t i = chain_hashes_.size(); i-- > 0;) {
    if (chain_hashes_[i] == h) return &chain_[i].block->header;
    if (chain_hashes_.size() - i > 8) break;
  }
  return nullptr;
}

bool node_core::known_certified(const crypto::hash256& h) const {
  if (auto it = pending_.find(h); it != pending_.end()) return it->second.cert != nullptr;
  for (std::size_t i = chain_hashes_.size(); i-- > 0 && chain_hashes_.size() - i <= 8;)
    if (chain_hashes_[i] == h) return true;
  return false;
}

} // namespace bystack::bbft
