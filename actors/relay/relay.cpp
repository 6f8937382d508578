/// Compact relay and transaction gossip (relay: compact; docs/relay.md). Member functions of
/// node_core; see node_core.hpp.
///
/// Gossip: client transactions enter at a few entry nodes, which cut them into batches every
/// gossip interval. Every node announces the ids of batches it newly holds to its overlay peers
/// (a fixed random circulant graph of gossip_degree peers) once per interval; a peer that lacks a
/// batch asks the first announcer for it and receives the body (inv/getdata, as Bitcoin does,
/// on batches rather than single transactions so that announcements cost 32 bytes per batch).
///
/// Compact proposals: the leader proposes batches it has held for compact_min_age_us, named by
/// salted short ids (the key is derived from the block's header hash and a per-block salt taken
/// from the leader's signature, so ids cannot be ground to collide in advance); its own younger
/// batches travel whole (prefilled). Super nodes forward the compact form at once. A receiver
/// rebuilds the block from its mempool, asks the node it got the proposal from for what it lacks
/// or cannot tell apart (one round trip), checks the rebuilt block against the header's
/// transaction root, asks for every batch once if that fails, and only then hands the block to
/// on_proposal(), which validates it and votes.

#include "actors/node/node_core.hpp"
#include "runtime/base/mix.hpp"

#include <algorithm>

namespace bystack::bbft {

using crypto::hash256;
using batch_ptr = std::shared_ptr<const proto::tx_batch>;

namespace {

template <class T> msg_ptr wrap(T value) {
  return std::make_shared<const proto::message>(std::move(value));
}

constexpr std::size_t included_kept = 8192;
constexpr std::size_t rebuilds_kept = 16;
/// dedup_txs: transaction ids of accepted blocks remembered (about 4 minutes at
/// 1,000 tx/s); a copy submitted again later than that can be committed again.
constexpr std::size_t included_txs_kept = 1u << 18;
/// With an application: a mempool batch is forgotten after this long (its transactions are
/// committed, or refused, or a leader sends them prefilled: the pool has them).
constexpr std::int64_t app_batch_ttl_us = 120'000'000;

std::uint64_t mix64(std::uint64_t x) {
  return splitmix64(x + 0x9e3779b97f4a7c15ULL);
}

// Batch ids and rebuilt blocks are pure functions of immutable inputs; they are remembered per
// thread. The simulator hands every receiver of the same bytes the same decoded batch, and every
// node of a view rebuilds the same block: computing each once keeps N = 1,024 affordable (and
// lets all nodes share one block in memory). A real node misses and computes.
hash256 memo_batch_id(const batch_ptr& b) {
  thread_local std::unordered_map<const proto::tx_batch*, std::pair<batch_ptr, hash256>> memo;
  thread_local std::deque<const proto::tx_batch*> order;
  if (auto it = memo.find(b.get()); it != memo.end()) return it->second.second;
  if (order.size() >= (std::size_t{1} << 15)) {
    memo.erase(order.front());
    order.pop_front();
  }
  auto id = proto::batch_id(*b);
  memo.emplace(b.get(), std::make_pair(b, id));
  order.push_back(b.get());
  return id;
}

hash256 assembly_key(const hash256& header_hash, const std::vector<hash256>& ids) {
  crypto::sha3_256_hasher h;
  h.update(header_hash);
  for (const auto& id : ids)
    h.update(id);
  return h.finish();
}

struct block_memo {
  std::unordered_map<hash256, ledger::block_ptr> blocks; ///< null: does not match its header
  std::deque<hash256> order;
  void put(const hash256& key, ledger::block_ptr b) {
    if (order.size() >= 64) {
      blocks.erase(order.front());
      order.pop_front();
    }
    if (blocks.emplace(key, std::move(b)).second) order.push_back(key);
  }
};
block_memo& blocks_memo() {
  thread_local block_memo m;
  return m;
}

/// Rebuilds the block of `header` from its batches; null if it does not match the header.
ledger::block_ptr assemble(const ledger::block_header& header,
                           const std::vector<batch_ptr>& batches) {
  std::vector<hash256> ids;
  ids.reserve(batches.size());
  for (const auto& b : batches)
    ids.push_back(memo_batch_id(b));
  auto key = assembly_key(header.hash(), ids);
  auto& memo = blocks_memo();
  if (auto it = memo.blocks.find(key); it != memo.blocks.end()) return it->second;
  std::size_t n = 0;
  for (const auto& b : batches)
    n += b->txs.size();
  ledger::block_ptr out;
  if (n == header.tx_count) {
    ledger::block blk;
    blk.header = header;
    blk.txs.reserve(n);
    for (const auto& b : batches)
      blk.txs.insert(blk.txs.end(), b->txs.begin(), b->txs.end());
    if (ledger::merkle_root(blk.txs) == header.tx_root)
      out = std::make_shared<const ledger::block>(std::move(blk));
  }
  memo.put(key, out);
  return out;
}

batch_ptr batch_of(const msg_ptr& m) {
  return batch_ptr(m, &std::get<proto::tx_batch>(*m));
}

} // namespace

std::vector<std::uint32_t> node_core::gossip_peers(std::uint32_t me, std::uint32_t n,
                                                   std::uint32_t degree) {
  std::vector<std::uint32_t> out;
  if (n <= 1) return out;
  if (degree + 1 >= n) {
    for (std::uint32_t i = 0; i < n; ++i)
      if (i != me) out.push_back(i);
    return out;
  }
  // A circulant graph: the same offsets for every node, so that i and j are peers of each other.
  std::set<std::uint32_t> offsets;
  for (std::uint64_t j = 0; offsets.size() < std::max<std::uint32_t>(1, degree / 2) && j < 4096;
       ++j) {
    auto o = static_cast<std::uint32_t>(1 + mix64(j) % (n - 1));
    offsets.insert(std::min(o, n - o));
  }
  for (auto o : offsets) {
    out.push_back((me + o) % n);
    out.push_back((me + n - o) % n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove(out.begin(), out.end(), me), out.end());
  return out;
}

void node_core::relay_start() {
  auto n = topo_->size();
  gossip_peers_ = gossip_peers(me_, n, p_.gossip_degree);
  auto entries = std::min<std::uint32_t>(std::max<std::uint32_t>(1, p_.gossip_entry_nodes), n);
  auto stride = n / entries;
  gossip_entry_ = p_.gossip_client_tps > 0 && me_ % stride == 0 && me_ / stride < entries;
  set_timer(timer_kind::gossip, 0, p_.gossip_interval_us);
}

void node_core::on_gossip_tick() {
  if (gossip_entry_) {
    // This node's clients: an even share of the load, as one batch per interval.
    auto n = topo_->size();
    auto entries = std::min<std::uint32_t>(std::max<std::uint32_t>(1, p_.gossip_entry_nodes), n);
    gossip_credit_ +=
        double(p_.gossip_client_tps) / double(entries) * double(p_.gossip_interval_us) / 1e6;
    auto count = static_cast<std::size_t>(gossip_credit_);
    gossip_credit_ -= double(count);
    if (count > 0) {
      proto::tx_batch b;
      b.sender = me_;
      b.txs.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        ledger::transaction tx;
        tx.sender = signer_->pub();
        tx.nonce = gossip_seq_++;
        tx.payload.assign(p_.synthetic_payload_bytes,
                          static_cast<std::uint8_t>(tx.nonce * 31 + me_));
        tx.signature.assign(64, 0);
        b.txs.push_back(std::move(tx));
      }
      auto msg = wrap(std::move(b));
      ++stats_.gossip_batches;
      add_to_mempool(msg, memo_batch_id(batch_of(msg)), me_, true);
    }
  }
  if (app_) {
    std::vector<hash256> old;
    for (const auto& [id, b] : mempool_)
      if (now_us_ - b.arrived_us > app_batch_ttl_us) old.push_back(id);
    for (const auto& id : old)
      erase_from_mempool(id);
  }
  if (!fresh_.empty()) {
    for (auto peer : gossip_peers_) {
      proto::tx_announce a;
      a.sender = me_;
      for (const auto& id : fresh_) {
        auto it = mempool_.find(id);
        if (it == mempool_.end()) continue;
        const auto& h = it->second.holders;
        if (std::find(h.begin(), h.end(), peer) == h.end()) a.ids.push_back(id);
      }
      if (!a.ids.empty()) send_one(peer, wrap(std::move(a)), phase::gossip);
    }
    fresh_.clear();
  }
  set_timer(timer_kind::gossip, 0, p_.gossip_interval_us);
}

void node_core::add_to_mempool(const msg_ptr& msg, const hash256& id, std::uint32_t from,
                               bool announce) {
  requested_.erase(id);
  if (included_.count(id)) return;
  auto [it, fresh] = mempool_.try_emplace(id);
  if (fresh) {
    it->second.msg = msg;
    it->second.id = id;
    it->second.arrived_us = now_us_;
    it->second.seq = pool_seq_++;
    if (announce) fresh_.push_back(id);
    if (app_)
      for (const auto& tx : std::get<proto::tx_batch>(*msg).txs)
        tx_home_.try_emplace(tx.id(), id);
  }
  if (from != me_) it->second.holders.push_back(from);
}

void node_core::erase_from_mempool(const hash256& id) {
  auto it = mempool_.find(id);
  if (it == mempool_.end()) return;
  if (app_)
    for (const auto& tx : std::get<proto::tx_batch>(*it->second.msg).txs)
      if (auto h = tx_home_.find(tx.id()); h != tx_home_.end() && h->second == id)
        tx_home_.erase(h);
  mempool_.erase(it);
}

void node_core::remember_included(const hash256& id, msg_ptr m) {
  if (included_.emplace(id, std::move(m)).second) included_order_.push_back(id);
  while (included_order_.size() > included_kept) {
    included_.erase(included_order_.front());
    included_order_.pop_front();
  }
}

void node_core::remember_included_txs(const ledger::block& b) {
  if (!p_.dedup_txs || app_) return;
  for (const auto& tx : b.txs) {
    auto id = tx.id();
    if (included_txs_.insert(id).second) included_txs_order_.push_back(id);
    pool_ids_.erase(id);
  }
  while (included_txs_order_.size() > included_txs_kept) {
    included_txs_.erase(included_txs_order_.front());
    included_txs_order_.pop_front();
  }
}

std::size_t node_core::submit_gossip(std::vector<ledger::transaction> txs,
                                     std::vector<ledger::app_verdict>* verdicts) {
  // A real node's clients: the transactions of one submission become one batch, announced to the
  // overlay peers at the next gossip tick. Duplicates are refused until a block holding them is
  // accepted here (drop_from_pool), as in the full-relay pool.
  // With an application, admission is its full validation (the transaction enters its pool too).
  proto::tx_batch b;
  b.sender = me_;
  for (auto& tx : txs)
    if (admit_client_tx(tx, verdicts)) b.txs.push_back(std::move(tx));
  auto accepted = b.txs.size();
  if (accepted == 0) return 0;
  auto msg = wrap(std::move(b));
  ++stats_.gossip_batches;
  add_to_mempool(msg, memo_batch_id(batch_of(msg)), me_, true);
  // A leader waiting out the empty-block interval may propose sooner.
  if (app_ && p_.empty_block_interval_us > p_.block_interval_us) maybe_propose(now_us_);
  return accepted;
}

void node_core::on_gossip_batch(std::uint32_t from, const msg_ptr& msg, const proto::tx_batch& b) {
  if (b.txs.empty()) return reject(from, "tx batch: empty");
  auto id = memo_batch_id(batch_of(msg));
  if (mempool_.count(id) || included_.count(id)) return;
  bool announce = true;
  if (app_) {
    // The application validates every transaction (and pools it). A batch that brings nothing
    // new is kept for rebuilding blocks that name it but not announced; one with nothing usable
    // is dropped.
    std::size_t admitted = 0, known = 0;
    for (const auto& tx : b.txs) {
      auto v = app_->check_tx(tx, committed_height() + 1);
      charge(v);
      if (v.ok())
        ++admitted;
      else if (std::string_view(v.reason) == "duplicate")
        ++known;
      else {
        ++stats_.txs_refused;
        reject(from, ledger::tx_refusal(v.reason));
      }
    }
    if (admitted + known == 0) return;
    announce = admitted > 0;
    if (admitted > 0 && p_.empty_block_interval_us > p_.block_interval_us) maybe_propose(now_us_);
  } else if (p_.gossip_verify_txs) {
    // Every transaction's client signature is checked once, when its batch first arrives.
    meter_.verifies += b.txs.size();
  }
  ++stats_.gossip_batches;
  add_to_mempool(msg, id, from, announce);
}

void node_core::on_tx_announce(std::uint32_t from, const proto::tx_announce& a) {
  if (a.sender != from) return reject(from, "tx announce: sender mismatch");
  proto::tx_request r;
  r.sender = me_;
  // An unanswered request is repeated to a later announcer after this long.
  auto retry_us = 4 * p_.gossip_interval_us + 1'000'000;
  for (const auto& id : a.ids) {
    if (auto it = mempool_.find(id); it != mempool_.end()) {
      auto& h = it->second.holders;
      if (std::find(h.begin(), h.end(), from) == h.end()) h.push_back(from);
      continue;
    }
    if (included_.count(id)) continue;
    auto [it, fresh] = requested_.try_emplace(id, now_us_);
    if (!fresh && now_us_ - it->second < retry_us) continue;
    it->second = now_us_;
    r.ids.push_back(id);
  }
  if (!r.ids.empty()) send_one(from, wrap(std::move(r)), phase::gossip);
}

void node_core::on_tx_request(std::uint32_t from, const proto::tx_request& r) {
  if (r.sender != from) return reject(from, "tx request: sender mismatch");
  for (const auto& id : r.ids) {
    msg_ptr m;
    if (auto it = mempool_.find(id); it != mempool_.end())
      m = it->second.msg;
    else if (auto jt = included_.find(id); jt != included_.end())
      m = jt->second;
    if (m) send_one(from, m, phase::gossip);
  }
}

node_core::compact_plan node_core::pick_batches() {
  if (app_) return pick_batches_app();
  compact_plan plan;
  std::vector<const pool_batch*> out;
  auto prefill_age =
      p_.compact_prefill_age_us < 0 ? p_.compact_min_age_us : p_.compact_prefill_age_us;
  // Own batches were made here: at min_age they are that old here but younger everywhere else
  // (compact_own_min_age_us, when set, gives them the spread time the others had before they
  // reached this node).
  auto own_age = p_.compact_own_min_age_us < 0 ? p_.compact_min_age_us : p_.compact_own_min_age_us;
  for (const auto& [id, b] : mempool_) {
    bool own = std::get<proto::tx_batch>(*b.msg).sender == me_;
    auto age = now_us_ - b.arrived_us;
    if (age >= (own ? own_age : p_.compact_min_age_us) || (own && age < prefill_age))
      out.push_back(&b);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  std::size_t txs = 0;
  std::unordered_set<hash256> in_block;
  proto::tx_batch rest; // transactions of batches that repeat one: sent whole
  rest.sender = me_;
  for (const auto* b : out) {
    const auto& bt = std::get<proto::tx_batch>(*b->msg).txs;
    if (txs + bt.size() > p_.max_block_txs) break;
    // Young batches (only this leader's own reach here) nobody else holds yet: prefilled.
    bool young = now_us_ - b->arrived_us < p_.compact_min_age_us;
    if (!p_.dedup_txs) {
      plan.picks.push_back({batch_of(b->msg), b->id, young});
      txs += bt.size();
      continue;
    }
    // A transaction submitted to two nodes sits in two batches: a block takes it once, and never
    // again after a block this node accepted.
    std::vector<hash256> ids;
    ids.reserve(bt.size());
    bool whole = true;
    for (const auto& tx : bt) {
      ids.push_back(tx.id());
      if (included_txs_.count(ids.back()) || in_block.count(ids.back())) whole = false;
    }
    if (whole) {
      for (const auto& id : ids)
        in_block.insert(id);
      plan.picks.push_back({batch_of(b->msg), b->id, young});
      txs += bt.size();
      continue;
    }
    for (std::size_t k = 0; k < bt.size(); ++k)
      if (!included_txs_.count(ids[k]) && in_block.insert(ids[k]).second) {
        rest.txs.push_back(bt[k]);
        ++txs;
      }
    plan.consumed.push_back(b->id);
  }
  if (!rest.txs.empty()) {
    auto bp = std::make_shared<const proto::tx_batch>(std::move(rest));
    plan.picks.push_back({bp, memo_batch_id(bp), true});
  }
  return plan;
}

node_core::compact_plan node_core::pick_batches_app() {
  // The application picks valid, conflict-free transactions on top of the parent's state, in
  // arrival order (each pooled transaction once). Runs of them that make up a held batch
  // exactly go by short id; the others (a transaction that came in two batches, a coinbase) go
  // in batches of the leader's own, prefilled. Batches younger than the minimum age end the
  // block: the pool is in arrival order, so what follows is younger still.
  compact_plan plan;
  const auto* jh = header_of(high_qc_->block_hash);
  if (!jh || !app_ready(high_qc_->block_hash)) return plan;
  ledger::app_verdict work;
  auto txs = app_->prepare_block(high_qc_->block_hash, jh->height + 1, p_.max_block_txs, work);
  charge(work);
  std::vector<hash256> ids;
  ids.reserve(txs.size());
  for (const auto& tx : txs)
    ids.push_back(tx.id());
  auto prefill_age =
      p_.compact_prefill_age_us < 0 ? p_.compact_min_age_us : p_.compact_prefill_age_us;
  proto::tx_batch rest;
  rest.sender = me_;
  auto flush = [&] {
    if (rest.txs.empty()) return;
    auto bp = std::make_shared<const proto::tx_batch>(std::move(rest));
    plan.picks.push_back({bp, memo_batch_id(bp), true});
    rest = proto::tx_batch{};
    rest.sender = me_;
  };
  for (std::size_t i = 0; i < txs.size();) {
    const pool_batch* pb = nullptr;
    if (auto h = tx_home_.find(ids[i]); h != tx_home_.end())
      if (auto it = mempool_.find(h->second); it != mempool_.end()) pb = &it->second;
    if (pb) {
      const auto& bt = std::get<proto::tx_batch>(*pb->msg);
      auto age = now_us_ - pb->arrived_us;
      bool young = age < p_.compact_min_age_us;
      if (young && !(bt.sender == me_ && age < prefill_age)) break;
      bool exact = i + bt.txs.size() <= txs.size();
      for (std::size_t k = 0; exact && k < bt.txs.size(); ++k)
        exact = bt.txs[k].id() == ids[i + k];
      if (exact) {
        flush();
        plan.picks.push_back({batch_of(pb->msg), pb->id, young});
        plan.consumed.push_back(pb->id);
        i += bt.txs.size();
        continue;
      }
    }
    rest.txs.push_back(std::move(txs[i]));
    ++i;
  }
  flush();
  return plan;
}

void node_core::propose_compact(const proto::proposal& p, const msg_ptr& full,
                                const compact_plan& plan) {
  (void)full;
  const auto& h = p.block->header;
  proto::compact_proposal c;
  c.header = h;
  c.leader = p.leader;
  c.justify = p.justify;
  c.tc = p.tc;
  c.signature = p.signature;
  // The salt comes from the leader's signature: nobody can predict it before the block exists.
  for (std::size_t i = 0; i < 8 && i < p.signature.size(); ++i)
    c.salt = c.salt << 8 | p.signature[i];
  c.short_id_bytes = std::clamp<std::uint32_t>(p_.short_id_bytes, 1, 8);
  const auto& batches = plan.picks;
  c.batch_count = static_cast<std::uint32_t>(batches.size());
  auto bh = p.block->hash();
  auto key = proto::short_id_key(bh, c.salt);
  rebuild r;
  r.block_hash = bh;
  r.key = key;
  r.source = me_;
  r.done = true;
  std::vector<batch_ptr> slots;
  for (std::uint32_t i = 0; i < batches.size(); ++i) {
    const auto& b = batches[i];
    const auto& bp = b.batch;
    slots.push_back(bp);
    // Batches younger than the minimum age are this leader's own: nobody else holds them yet.
    if (b.prefill) {
      c.prefilled_index.push_back(i);
      c.prefilled.push_back(*bp);
      ++stats_.compact_prefilled;
      continue;
    }
    auto s = proto::short_id_of(key, b.id, c.short_id_bytes);
    for (std::uint32_t k = c.short_id_bytes; k-- > 0;)
      c.short_ids.push_back(static_cast<std::uint8_t>(s >> (8 * k)));
  }
  r.slots = slots;
  // Seed the rebuild memo with the leader's own block.
  std::vector<hash256> ids;
  for (const auto& b : batches)
    ids.push_back(b.id);
  blocks_memo().put(assembly_key(bh, ids), p.block);
  for (const auto& b : batches) {
    msg_ptr m;
    if (auto it = mempool_.find(b.id); it != mempool_.end()) m = it->second.msg;
    if (!m) m = wrap(*b.batch);
    erase_from_mempool(b.id);
    remember_included(b.id, std::move(m));
  }
  for (const auto& id : plan.consumed)
    erase_from_mempool(id);
  remember_included_txs(*p.block);
  auto msg = wrap(std::move(c));
  r.msg = msg;
  rebuilds_[h.view] = std::move(r);
  while (rebuilds_.size() > rebuilds_kept)
    rebuilds_.erase(rebuilds_.begin());
  std::vector<std::uint32_t> others;
  for (auto s : topo_->supers())
    if (s != me_) others.push_back(s);
  send(std::move(others), msg, phase::propose);
  if (is_super()) send(relay_targets(h.height), msg, phase::forward);
}

void node_core::on_compact(std::uint32_t from, const msg_ptr& msg,
                           const proto::compact_proposal& c) {
  const auto& h = c.header;
  if (c.leader >= set_->size() || c.leader != h.proposer)
    return reject(from, "compact proposal: leader and proposer differ");
  if (h.view + 1 < view_) return;
  if (rebuilds_.count(h.view) || seen_proposal_views_.count(h.view)) return;
  if (c.short_id_bytes < 1 || c.short_id_bytes > 8 || c.prefilled.size() > c.batch_count ||
      c.prefilled.size() != c.prefilled_index.size() ||
      c.short_ids.size() != (c.batch_count - c.prefilled.size()) * c.short_id_bytes)
    return reject(from, "compact proposal: malformed");
  auto bh = h.hash();
  if (!votes_scheme().verify(set_->key(c.leader), proto::proposal_digest(h.height, h.view, bh),
                             c.signature, meter_))
    return reject(from, "compact proposal: bad leader signature");
  // Forward the compact form at once: the group rebuilds in parallel and asks us for gaps.
  if (is_super() && from == c.leader) send(relay_targets(h.height), msg, phase::forward);

  rebuild r;
  r.msg = msg;
  r.block_hash = bh;
  r.key = proto::short_id_key(bh, c.salt);
  r.source = from;
  r.slots.assign(c.batch_count, nullptr);
  r.shorts.assign(c.batch_count, 0);
  r.prefilled.assign(c.batch_count, false);
  for (std::size_t k = 0; k < c.prefilled.size(); ++k) {
    auto i = c.prefilled_index[k];
    if (i >= c.batch_count || r.prefilled[i])
      return reject(from, "compact proposal: bad prefilled index");
    r.prefilled[i] = true;
    r.slots[i] = batch_ptr(msg, &c.prefilled[k]);
  }
  std::size_t pos = 0;
  for (std::uint32_t i = 0; i < c.batch_count; ++i) {
    if (r.prefilled[i]) continue;
    std::uint64_t s = 0;
    for (std::uint32_t k = 0; k < c.short_id_bytes; ++k)
      s = s << 8 | c.short_ids[pos++];
    r.shorts[i] = s;
  }
  // Index the mempool by this block's short ids; two batches under one id cannot be told apart.
  std::unordered_map<std::uint64_t, std::pair<const pool_batch*, std::uint32_t>> index;
  index.reserve(mempool_.size());
  for (const auto& [id, b] : mempool_) {
    auto& e = index[proto::short_id_of(r.key, id, c.short_id_bytes)];
    e.first = &b;
    ++e.second;
  }
  std::vector<std::uint32_t> missing;
  bool ambiguous = false;
  for (std::uint32_t i = 0; i < c.batch_count; ++i) {
    if (r.prefilled[i]) continue;
    auto it = index.find(r.shorts[i]);
    if (it != index.end() && it->second.second == 1)
      r.slots[i] = batch_of(it->second.first->msg);
    else {
      if (it != index.end()) ambiguous = true;
      missing.push_back(i);
    }
  }
  if (ambiguous) ++stats_.compact_collisions;
  r.missing = missing.size();
  auto& slot = rebuilds_[h.view] = std::move(r);
  while (rebuilds_.size() > rebuilds_kept)
    rebuilds_.erase(rebuilds_.begin());
  if (!rebuilds_.count(h.view)) return;
  if (!missing.empty())
    ask(slot, std::move(missing));
  else
    try_finish(slot);
}

void node_core::ask(rebuild& r, std::vector<std::uint32_t> indexes) {
  r.asked = true;
  ++stats_.compact_fetches;
  stats_.compact_missing += indexes.size();
  const auto& c = std::get<proto::compact_proposal>(*r.msg);
  send_one(r.source,
           wrap(proto::block_request{me_, c.header.view, r.block_hash, std::move(indexes)}),
           phase::fetch);
}

void node_core::try_finish(rebuild& r) {
  if (r.done || r.failed || r.missing > 0) return;
  const auto& c = std::get<proto::compact_proposal>(*r.msg);
  auto block = assemble(c.header, r.slots);
  if (!block) {
    // A short id matched the wrong batch (a collision with something only we hold): ask for
    // every batch by position once; if even that does not match, the leader lied.
    ++stats_.compact_collisions;
    if (r.asked_all) {
      r.failed = true;
      ++stats_.compact_failed;
      return reject(r.source, "compact proposal: rebuilt block does not match its header");
    }
    r.asked_all = true;
    std::vector<std::uint32_t> all;
    for (std::uint32_t i = 0; i < r.slots.size(); ++i)
      if (!r.prefilled[i]) {
        r.slots[i] = nullptr;
        all.push_back(i);
      }
    r.missing = all.size();
    return ask(r, std::move(all));
  }
  if (p_.dedup_txs && !app_) {
    // A block that holds a transaction twice gets no vote. (With an application, process_block
    // refuses it: the second copy spends what the first spent.)
    std::unordered_set<hash256> seen;
    for (const auto& tx : block->txs)
      if (!seen.insert(tx.id()).second) {
        r.failed = true;
        ++stats_.compact_failed;
        return reject(r.source, "compact proposal: a transaction repeats in the block");
      }
  }
  r.done = true;
  ++stats_.compact_rebuilt;
  if (!r.asked) ++stats_.compact_no_round_trip;
  for (const auto& b : r.slots) {
    auto id = memo_batch_id(b);
    msg_ptr m;
    if (auto it = mempool_.find(id); it != mempool_.end()) m = it->second.msg;
    erase_from_mempool(id);
    requested_.erase(id);
    // Prefilled batches too: a copy arriving by gossip later must not go into another block.
    if (!m) m = wrap(*b);
    remember_included(id, std::move(m));
  }
  remember_included_txs(*block);
  auto waiting = std::move(r.waiting);
  auto source = r.source;
  proto::proposal p;
  p.block = block;
  p.leader = c.leader;
  p.justify = c.justify;
  p.tc = c.tc;
  p.signature = c.signature;
  auto pmsg = wrap(std::move(p));
  for (const auto& [to, idx] : waiting)
    serve(r, to, idx);
  // From here on the block is an ordinary proposal: validated, voted for, relayed (T1 went out
  // in compact form already).
  on_proposal(source, pmsg, std::get<proto::proposal>(*pmsg));
}

void node_core::serve(rebuild& r, std::uint32_t to, const std::vector<std::uint32_t>& indexes) {
  proto::block_batches out;
  out.sender = me_;
  out.block_hash = r.block_hash;
  for (auto i : indexes)
    if (i < r.slots.size() && r.slots[i]) {
      out.indexes.push_back(i);
      out.batches.push_back(*r.slots[i]);
    }
  send_one(to, wrap(std::move(out)), phase::fetch);
}

void node_core::on_block_request(std::uint32_t from, const proto::block_request& q) {
  if (q.sender != from) return reject(from, "block request: sender mismatch");
  auto it = rebuilds_.find(q.view);
  if (it == rebuilds_.end() || it->second.block_hash != q.block_hash) return;
  auto& r = it->second;
  for (auto i : q.indexes)
    if (i >= r.slots.size()) return reject(from, "block request: index out of range");
  if (r.done)
    serve(r, from, q.indexes);
  else if (!r.failed && r.waiting.size() < topo_->size())
    r.waiting.emplace_back(from, q.indexes); // answered once we have rebuilt it ourselves
}

void node_core::on_block_batches(std::uint32_t from, const proto::block_batches& b) {
  rebuild* r = nullptr;
  for (auto& [view, x] : rebuilds_)
    if (x.block_hash == b.block_hash) r = &x;
  if (!r || r->done || r->failed) return;
  if (from != r->source) return reject(from, "block batches: not asked from this node");
  const auto& c = std::get<proto::compact_proposal>(*r->msg);
  for (std::size_t k = 0; k < b.indexes.size() && k < b.batches.size(); ++k) {
    auto i = b.indexes[k];
    if (i >= r->slots.size() || r->prefilled[i] || r->slots[i]) continue;
    auto bp = std::make_shared<const proto::tx_batch>(b.batches[k]);
    auto id = memo_batch_id(bp);
    if (proto::short_id_of(r->key, id, c.short_id_bytes) != r->shorts[i]) {
      reject(from, "block batches: batch does not match its short id");
      continue;
    }
    if (p_.gossip_verify_txs && !mempool_.count(id)) meter_.verifies += bp->txs.size();
    r->slots[i] = bp;
    --r->missing;
  }
  try_finish(*r);
}

} // namespace bystack::bbft
