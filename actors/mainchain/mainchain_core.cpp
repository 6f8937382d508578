#include "actors/mainchain/mainchain_core.hpp"

#include "runtime/base/mix.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace bystack::mainchain {

std::uint64_t node_stats::rejected_total() const {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : rejected)
    n += count;
  return n;
}

mainchain_core::mainchain_core(node_config cfg)
    : cfg_(std::move(cfg)), rng_state_(cfg_.tie_seed ^ 0x9e3779b97f4a7c15ull) {
  if (!cfg_.pow || !cfg_.scheme)
    throw std::invalid_argument("mainchain_core needs a pow checker and a signature scheme");
  if (cfg_.consensus.retarget_blocks < 2)
    throw std::invalid_argument("retarget_blocks must be at least 2");
  auto state = ledger::genesis_state(cfg_.genesis);
  if (!state) throw std::invalid_argument("genesis: " + state.err().message);
  utxo_ = std::move(state).value();
  ledger_params_ = ledger::params_of(cfg_.genesis);
  checker_ = std::make_unique<ledger::signature_checker>(*cfg_.scheme);
  pool_ = std::make_unique<ledger::mempool>(utxo_, ledger_params_, *checker_, cfg_.pool);

  header g;
  g.version = cfg_.consensus.version;
  g.timestamp_ms = cfg_.genesis_time_ms;
  g.bits = cfg_.consensus.genesis_bits;
  g.seed = pow::initial_seed();
  g.previous = ledger::genesis_txid(cfg_.genesis); // ties the genesis block to its state
  auto e = std::make_unique<entry>();
  e->hdr = g;
  e->hash = g.hash();
  e->work = pow::work_from_bits(g.bits);
  e->blk = std::make_shared<const block>(g, std::vector<tx_ptr>{});
  e->delta = std::make_unique<ledger::block_delta>();
  e->linked = true;
  e->on_chain = true;
  best_ = best_header_ = e.get();
  chain_.push_back(e.get());
  index_.emplace(e->hash, std::move(e));
}

// -- queries ----------------------------------------------------------------------------------

mainchain_core::entry* mainchain_core::find(const hash256& h) const {
  auto it = index_.find(h);
  return it == index_.end() ? nullptr : it->second.get();
}

bool mainchain_core::has_body(const hash256& h) const {
  auto* e = find(h);
  return e && e->blk;
}

bool mainchain_core::on_best_chain(const hash256& h) const {
  auto* e = find(h);
  return e && e->on_chain;
}

const mainchain_core::entry* mainchain_core::ancestor(const entry* e, std::uint64_t height) const {
  while (e && e->hdr.height > height) {
    if (e->on_chain) return chain_[height];
    e = e->parent;
  }
  return e;
}

std::uint64_t mainchain_core::median_time_past(const entry& e) const {
  std::vector<std::uint64_t> ts;
  ts.reserve(cfg_.consensus.median_time_blocks);
  for (const entry* p = &e; p && ts.size() < cfg_.consensus.median_time_blocks; p = p->parent)
    ts.push_back(p->hdr.timestamp_ms);
  return median_time(ts);
}

std::uint64_t mainchain_core::expected_bits(const entry& parent) const {
  auto h = parent.hdr.height + 1;
  auto k = cfg_.consensus.retarget_blocks;
  if (cfg_.consensus.rule == retarget_rule::bytom) {
    // Bytom: after a parent at a nonzero multiple of K, over the K intervals since the last one.
    if (parent.hdr.height == 0 || parent.hdr.height % k != 0) return parent.hdr.bits;
    const entry* compare = ancestor(&parent, parent.hdr.height - k);
    auto span = static_cast<std::int64_t>(parent.hdr.timestamp_ms) -
                static_cast<std::int64_t>(compare->hdr.timestamp_ms);
    return bytom_retarget_bits(parent.hdr.bits, span, cfg_.consensus);
  }
  if (h % k != 0) return parent.hdr.bits;
  const entry* first = ancestor(&parent, h - k);
  auto span = static_cast<std::int64_t>(parent.hdr.timestamp_ms) -
              static_cast<std::int64_t>(first->hdr.timestamp_ms);
  return retarget_bits(parent.hdr.bits, span, cfg_.consensus);
}

std::uint64_t mainchain_core::next_bits(const hash256& parent) const {
  auto* e = find(parent);
  return e ? expected_bits(*e) : 0;
}

hash256 mainchain_core::expected_seed(const entry& parent) const {
  // Bytom: block h + 1 takes block h's hash when h is a multiple of the epoch, else h's seed.
  return parent.hdr.height % pow::seed_epoch_blocks == 0 ? parent.hash : parent.hdr.seed;
}

header mainchain_core::child_header(std::int64_t now_ms) const {
  const entry& tip = *chain_.back();
  header h;
  h.version = cfg_.consensus.version;
  h.height = tip.hdr.height + 1;
  h.previous = tip.hash;
  h.bits = expected_bits(tip);
  h.seed = expected_seed(tip);
  h.timestamp_ms = std::max<std::uint64_t>(
      static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)), median_time_past(tip) + 1);
  return h;
}

std::vector<hash256> mainchain_core::locator() const {
  std::vector<hash256> out;
  std::uint64_t step = 1;
  for (std::uint64_t h = height();; h = h >= step ? h - step : 0) {
    out.push_back(chain_[h]->hash);
    if (h == 0) break;
    if (out.size() >= 10) step *= 2;
  }
  return out;
}

double mainchain_core::next_uniform() {
  // splitmix64: a seeded stream, the same on every run.
  auto z = splitmix64(rng_state_ += 0x9e3779b97f4a7c15ull);
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// -- header rules ------------------------------------------------------------------------------

const char* mainchain_core::check_header(const header& h, const entry& parent,
                                         std::int64_t now_ms) const {
  if (h.version != cfg_.consensus.version) return "bad-version";
  if (h.height != parent.hdr.height + 1) return "bad-height";
  if (h.bits != expected_bits(parent)) return "bad-bits";
  if (h.seed != expected_seed(parent)) return "bad-seed";
  if (h.timestamp_ms <= median_time_past(parent)) return "time-too-old";
  if (static_cast<std::int64_t>(h.timestamp_ms) > now_ms + cfg_.consensus.max_future_drift_ms)
    return "time-too-new";
  // Last: the real proof of work costs tens of milliseconds.
  if (!cfg_.pow->check(h)) return "bad-pow";
  return nullptr;
}

void mainchain_core::reject(peer_id from, const char* reason) {
  ++stats_.rejected[reason];
  out_.push_back(rejected{from, reason});
}

mainchain_core::entry* mainchain_core::add_entry(const header& h, const hash256& hash,
                                                 entry* parent) {
  auto e = std::make_unique<entry>();
  e->hdr = h;
  e->hash = hash;
  e->parent = parent;
  // work_from_bits divides 2^256 bit by bit; bits change only at retargets, so remember it.
  if (h.bits != work_bits_) {
    work_bits_ = h.bits;
    work_of_bits_ = pow::work_from_bits(h.bits);
  }
  e->work = parent->work + work_of_bits_;
  auto* raw = e.get();
  parent->children.push_back(raw);
  index_.emplace(hash, std::move(e));
  if (raw->work > best_header_->work) best_header_ = raw;
  return raw;
}

// -- blocks ------------------------------------------------------------------------------------

void mainchain_core::on_block(peer_id from, const block_ptr& b, std::int64_t now_ms) {
  ++stats_.blocks_received;
  accept_block(from, b, now_ms, true);
  activate_best(now_ms);
  if (from != self_peer) request_bodies(from, now_ms);
}

void mainchain_core::on_block_mined(const block_ptr& b, std::int64_t now_ms, bool publish) {
  accept_block(self_peer, b, now_ms, publish);
  activate_best(now_ms);
}

void mainchain_core::accept_block(peer_id from, const block_ptr& b, std::int64_t now_ms,
                                  bool publish) {
  const auto& h = b->hdr();
  in_flight_.erase(b->hash());
  entry* e = find(b->hash());
  if (e && e->blk) {
    ++stats_.duplicates;
    return;
  }
  if (e && e->invalid) return reject(from, "invalid-block");
  // A body that does not match its header says nothing about the header: refuse it without
  // marking the header, so that the honest body can still arrive.
  // (A local miner's block comes from this node's own template, whose root is right.)
  if (from != self_peer && h.tx_root != tx_root(b->txs())) return reject(from, "bad-tx-root");
  if (!e) {
    entry* parent = find(h.previous);
    if (!parent) {
      if (std::any_of(orphans_.begin(), orphans_.end(),
                      [&](const orphan& o) { return o.blk->hash() == b->hash(); })) {
        ++stats_.duplicates;
        return;
      }
      if (orphans_.size() >= cfg_.orphans_max) {
        orphans_.pop_front();
        ++stats_.orphans_evicted;
      }
      orphans_.push_back({b, from});
      ++stats_.orphans_added;
      if (from != self_peer) {
        ++stats_.headers_requests;
        out_.push_back(request_headers{from, locator()});
      }
      return;
    }
    if (parent->invalid) return reject(from, "invalid-parent");
    if (const char* why = check_header(h, *parent, now_ms)) return reject(from, why);
    e = add_entry(h, b->hash(), parent);
  }
  e->blk = b;
  e->published = publish;
  if (publish) public_height_ = std::max(public_height_, h.height);
  link(e);
  connect_orphans_of(e->hash, now_ms);
}

void mainchain_core::link(entry* e) {
  if (!e->parent || !e->parent->linked || !e->blk || e->linked || e->invalid) return;
  // Iterative: a long catch-up can link thousands of descendants at once.
  std::vector<entry*> todo{e};
  while (!todo.empty()) {
    auto* x = todo.back();
    todo.pop_back();
    x->linked = true;
    consider(x);
    for (auto* c : x->children)
      if (c->blk && !c->linked && !c->invalid) todo.push_back(c);
  }
}

void mainchain_core::consider(entry* e) {
  if (e->invalid || !e->linked) return;
  auto order = e->work <=> best_->work;
  if (order > 0) {
    best_ = e;
  } else if (order == 0 && e != best_ && cfg_.tie_switch_probability > 0 &&
             best_ == chain_.back() && next_uniform() < cfg_.tie_switch_probability) {
    best_ = e;
  }
}

void mainchain_core::connect_orphans_of(const hash256& parent, std::int64_t now_ms) {
  std::vector<hash256> parents{parent};
  while (!parents.empty()) {
    auto p = parents.back();
    parents.pop_back();
    for (std::size_t i = 0; i < orphans_.size();) {
      if (orphans_[i].blk->hdr().previous != p) {
        ++i;
        continue;
      }
      auto o = orphans_[i];
      orphans_.erase(orphans_.begin() + static_cast<std::ptrdiff_t>(i));
      ++stats_.orphans_linked;
      accept_block(o.from, o.blk, now_ms, true);
      parents.push_back(o.blk->hash());
    }
  }
}

void mainchain_core::mark_invalid(entry* e) {
  std::vector<entry*> todo{e};
  while (!todo.empty()) {
    auto* x = todo.back();
    todo.pop_back();
    x->invalid = true;
    for (auto* c : x->children)
      todo.push_back(c);
  }
}

void mainchain_core::activate_best(std::int64_t now_ms) {
  while (best_ != chain_.back()) {
    if (reorganise_to(best_, now_ms)) break;
    // The branch held an invalid block: pick the best of what is left (rare, so a scan).
    best_ = chain_.back();
    best_header_ = chain_.back();
    for (const auto& [hash, x] : index_) {
      if (x->invalid) continue;
      if (x->linked && x->work > best_->work) best_ = x.get();
      if (x->work > best_header_->work) best_header_ = x.get();
    }
  }
}

bool mainchain_core::reorganise_to(entry* target, std::int64_t now_ms) {
  // Find the fork point.
  std::vector<entry*> path; // new branch, target first
  entry* fork = target;
  while (!fork->on_chain) {
    path.push_back(fork);
    fork = fork->parent;
  }
  // Undo back to the fork point.
  std::vector<entry*> undone; // old branch, tip first
  while (chain_.back() != fork) {
    entry* x = chain_.back();
    utxo_.undo(*x->delta);
    x->on_chain = false;
    chain_.pop_back();
    undone.push_back(x);
  }
  // Apply the new branch.
  std::vector<entry*> connected;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    entry* x = *it;
    std::vector<ledger::tx> txs;
    txs.reserve(x->blk->txs().size());
    for (const auto& t : x->blk->txs())
      txs.push_back(*t);
    auto r = ledger::check_block(txs, x->hdr.height, utxo_, ledger_params_, *checker_);
    if (!r.err.ok()) {
      reject(self_peer, ledger::rule_name(r.err.code));
      mark_invalid(x);
      ++stats_.failed_reorgs;
      // Back to the old branch: its undo data was kept.
      for (auto c = connected.rbegin(); c != connected.rend(); ++c) {
        utxo_.undo(*(*c)->delta);
        (*c)->on_chain = false;
        chain_.pop_back();
      }
      for (auto u = undone.rbegin(); u != undone.rend(); ++u) {
        utxo_.apply(*(*u)->delta);
        (*u)->on_chain = true;
        chain_.push_back(*u);
      }
      return false;
    }
    // Fees that no coinbase collected leave the supply (as the sidechain application does).
    std::uint64_t coinbase = 0;
    if (!txs.empty() && !txs[0].inputs.empty() &&
        txs[0].inputs[0].kind == ledger::input_kind::coinbase)
      coinbase = txs[0].inputs[0].amount;
    if (r.fees > coinbase) r.delta.retired.emplace_back(ledger_params_.native, r.fees - coinbase);
    utxo_.apply(r.delta);
    x->delta = std::make_unique<ledger::block_delta>(std::move(r.delta));
    x->on_chain = true;
    chain_.push_back(x);
    connected.push_back(x);
  }
  stats_.blocks_connected += connected.size();
  stats_.blocks_disconnected += undone.size();
  if (!undone.empty()) {
    ++stats_.reorgs;
    stats_.max_reorg_depth = std::max<std::uint64_t>(stats_.max_reorg_depth, undone.size());
    rebuild_pool(undone);
  } else {
    for (auto* x : connected)
      pool_->on_commit(x->blk->txs(), *x->delta, x->hdr.height);
  }
  out_.push_back(tip_changed{target->hash, target->hdr.height, undone.size(), connected.size()});
  announce(connected);
  send_templates(now_ms);
  return true;
}

void mainchain_core::rebuild_pool(const std::vector<entry*>& undone) {
  // The pool's entries were checked against the old branch; readmit them, and the undone
  // blocks' transactions, against the new state (oldest first, so parents precede children).
  std::vector<tx_ptr> again;
  for (auto u = undone.rbegin(); u != undone.rend(); ++u)
    for (const auto& t : (*u)->blk->txs())
      if (t->inputs.empty() || t->inputs[0].kind != ledger::input_kind::coinbase)
        again.push_back(t);
  for (const auto& t : pool_->candidates(pool_->size()))
    again.push_back(t);
  pool_ = std::make_unique<ledger::mempool>(utxo_, ledger_params_, *checker_, cfg_.pool);
  for (const auto& t : again)
    pool_->admit(t, height() + 1);
}

void mainchain_core::announce(const std::vector<entry*>& blocks) {
  std::vector<header> hs;
  for (auto* x : blocks)
    if (x->published) hs.push_back(x->hdr);
  if (hs.empty() || cfg_.peers.empty()) return;
  if (hs.size() > cfg_.headers_per_message_max)
    hs.erase(hs.begin(), hs.end() - static_cast<std::ptrdiff_t>(cfg_.headers_per_message_max));
  for (auto p : cfg_.peers)
    out_.push_back(send_headers{p, hs});
}

void mainchain_core::publish(const hash256& h) {
  std::vector<entry*> newly;
  for (entry* x = find(h); x && !x->published; x = x->parent)
    newly.push_back(x);
  std::reverse(newly.begin(), newly.end());
  for (auto* x : newly) {
    x->published = true;
    if (!x->invalid) public_height_ = std::max(public_height_, x->hdr.height);
  }
  announce(newly);
}

// -- headers and catch-up ----------------------------------------------------------------------

void mainchain_core::on_headers(peer_id from, const std::vector<header>& headers,
                                std::int64_t now_ms) {
  if (headers.size() > cfg_.headers_per_message_max) return reject(from, "too-many-headers");
  entry* last = nullptr;
  for (const auto& h : headers) {
    auto hash = h.hash();
    if (auto* known = find(hash)) {
      if (known->invalid) return reject(from, "invalid-block");
      last = known;
      continue;
    }
    entry* parent = find(h.previous);
    if (!parent) {
      ++stats_.headers_requests;
      out_.push_back(request_headers{from, locator()});
      return;
    }
    if (parent->invalid) return reject(from, "invalid-parent");
    if (const char* why = check_header(h, *parent, now_ms)) return reject(from, why);
    last = add_entry(h, hash, parent);
    // A valid header is enough to know the public chain grew (a withholding miner reacts to
    // it; bodies of blocks with less work than the tip are never fetched).
    public_height_ = std::max(public_height_, h.height);
    connect_orphans_of(hash, now_ms);
  }
  activate_best(now_ms);
  if (last && headers.size() == cfg_.headers_per_message_max) {
    // A full answer: there may be more.
    ++stats_.headers_requests;
    out_.push_back(request_headers{from, {last->hash}});
  }
  request_bodies(from, now_ms, last && !last->linked ? last : nullptr);
}

void mainchain_core::request_bodies(peer_id from, std::int64_t now_ms, entry* target) {
  if (!target) target = best_header_;
  // At least the tip's work: a node fetches a competing block of equal work too, so that it
  // knows both sides of a race (as Bitcoin Core's direct fetch does).
  if (from == self_peer || target->invalid || target->work < chain_.back()->work) return;
  if (in_flight_.size() >= cfg_.blocks_in_flight_max) return;
  std::vector<entry*> missing; // newest first
  for (entry* x = target; x && !x->linked; x = x->parent)
    if (!x->blk) missing.push_back(x);
  std::vector<hash256> ask;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (in_flight_.size() >= cfg_.blocks_in_flight_max) break;
    if (in_flight_.count((*it)->hash)) continue;
    in_flight_.emplace((*it)->hash, std::make_pair(from, now_ms));
    ask.push_back((*it)->hash);
  }
  if (ask.empty()) return;
  ++stats_.block_requests;
  out_.push_back(request_blocks{from, std::move(ask)});
  out_.push_back(set_timer{cfg_.request_timeout_ms});
}

void mainchain_core::on_request_headers(peer_id from, const std::vector<hash256>& locator) {
  std::uint64_t start = 0;
  for (const auto& h : locator)
    if (auto* e = find(h); e && e->on_chain) {
      start = e->hdr.height;
      break;
    }
  std::vector<header> hs;
  for (auto h = start + 1; h <= height() && hs.size() < cfg_.headers_per_message_max; ++h) {
    if (!chain_[h]->published) break;
    hs.push_back(chain_[h]->hdr);
  }
  if (!hs.empty()) out_.push_back(send_headers{from, std::move(hs)});
}

void mainchain_core::on_request_blocks(peer_id from, const std::vector<hash256>& hashes) {
  std::vector<block_ptr> bs;
  for (const auto& h : hashes)
    if (auto* e = find(h); e && e->blk && e->published && bs.size() < cfg_.blocks_in_flight_max)
      bs.push_back(e->blk);
  if (!bs.empty()) out_.push_back(send_blocks{from, std::move(bs)});
}

void mainchain_core::on_timer(std::int64_t now_ms) {
  std::vector<hash256> late;
  peer_id slow = self_peer;
  for (const auto& [h, who] : in_flight_)
    if (now_ms - who.second >= cfg_.request_timeout_ms) {
      late.push_back(h);
      slow = who.first;
    }
  if (late.empty()) {
    if (!in_flight_.empty()) out_.push_back(set_timer{cfg_.request_timeout_ms});
    return;
  }
  for (const auto& h : late)
    in_flight_.erase(h);
  stats_.request_timeouts += late.size();
  if (cfg_.peers.empty()) return;
  // Ask the peer after the slow one, in the configured order.
  auto it = std::find(cfg_.peers.begin(), cfg_.peers.end(), slow);
  auto next = it == cfg_.peers.end() ? 0 : (it - cfg_.peers.begin() + 1) % cfg_.peers.size();
  request_bodies(cfg_.peers[static_cast<std::size_t>(next)], now_ms);
}

// -- transactions and templates ----------------------------------------------------------------

ledger::admit_result mainchain_core::on_tx(peer_id from, const tx_ptr& t, std::int64_t now_ms) {
  (void)now_ms;
  auto r = pool_->admit(t, height() + 1);
  if (r.status == ledger::admit_status::invalid) {
    reject(from, ledger::rule_name(r.err.code));
  } else if (r.status == ledger::admit_status::accepted) {
    for (auto p : cfg_.peers)
      if (p != from) out_.push_back(send_tx{p, t});
  }
  return r;
}

void mainchain_core::on_template_request(std::uint32_t miner, const ledger::control_program& payout,
                                         std::int64_t now_ms) {
  auto it = std::find_if(miners_.begin(), miners_.end(),
                         [&](const subscription& s) { return s.miner == miner; });
  if (it == miners_.end()) {
    miners_.push_back({miner, payout});
    it = miners_.end() - 1;
  } else {
    it->payout = payout;
  }
  send_template(*it, now_ms);
}

void mainchain_core::send_templates(std::int64_t now_ms) {
  for (const auto& s : miners_)
    send_template(s, now_ms);
}

void mainchain_core::send_template(const subscription& s, std::int64_t now_ms) {
  header h = child_header(now_ms);
  // Pool transactions that still fit the tip's state, in arrival order, their fees summed.
  ledger::utxo_overlay view(utxo_);
  ledger::block_delta scratch;
  std::vector<tx_ptr> chosen;
  std::uint64_t fees = 0;
  std::size_t bytes_total = 0;
  for (const auto& t : pool_->candidates(cfg_.template_txs_max)) {
    ledger::tx_summary sum;
    auto err = ledger::check_tx(*t, view, ledger_params_, ledger::tx_context{h.height, false},
                                *checker_, sum);
    if (!err.ok()) continue;
    if (bytes_total + sum.size > ledger_params_.max_block_bytes) break;
    bytes_total += sum.size;
    fees += sum.fee;
    ledger::apply_tx(*t, sum.id, view, scratch, ledger_params_, h.height);
    chosen.push_back(t);
  }
  std::vector<tx_ptr> txs;
  auto amount = ledger_params_.block_reward + fees;
  if (amount > 0) {
    ledger::tx cb;
    cb.chain = ledger_params_.chain;
    ledger::input in;
    in.kind = ledger::input_kind::coinbase;
    in.amount = amount;
    in.nonce = h.height;
    cb.inputs.push_back(in);
    cb.outputs.push_back(ledger::pay(ledger_params_.native, amount, s.payout));
    txs.push_back(std::make_shared<const ledger::tx>(std::move(cb)));
  }
  txs.insert(txs.end(), chosen.begin(), chosen.end());
  h.tx_root = tx_root(txs);
  out_.push_back(template_ready{s.miner, h, std::move(txs)});
}

} // namespace bystack::mainchain
