#include "runtime/node/ledger_node.hpp"

#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace bystack::node {

// -- work_pool ------------------------------------------------------------------------------------

work_pool::work_pool(std::size_t threads) {
  for (std::size_t i = 1; i < threads; ++i)
    threads_.emplace_back([this] { helper(); });
}

work_pool::~work_pool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void work_pool::work(std::unique_lock<std::mutex>& lock) {
  // Takes indices one at a time: a job is a signature check (~50 us), so the lock is cheap next
  // to it, and a slow thread never holds a chunk the others could have taken.
  while (job_ != nullptr && next_ < n_) {
    auto i = next_++;
    const auto* job = job_;
    lock.unlock();
    (*job)(i);
    lock.lock();
    if (++finished_ == n_) done_.notify_all();
  }
}

void work_pool::helper() {
  std::uint64_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || (job_ != nullptr && round_ != seen); });
    if (stop_) return;
    seen = round_;
    work(lock);
  }
}

void work_pool::run(std::size_t n, const std::function<void(std::size_t)>& f) {
  if (n == 0) return;
  if (threads_.empty() || n == 1) {
    for (std::size_t i = 0; i < n; ++i)
      f(i);
    return;
  }
  std::unique_lock lock(mu_);
  job_ = &f;
  n_ = n;
  next_ = 0;
  finished_ = 0;
  ++round_;
  wake_.notify_all();
  work(lock);
  done_.wait(lock, [&] { return finished_ == n_; });
  job_ = nullptr;
}

ledger::parallel_for work_pool::as_parallel_for() {
  return [this](std::size_t n, const std::function<void(std::size_t)>& f) { run(n, f); };
}

// -- node_ledger ----------------------------------------------------------------------------------

crypto::hash256 genesis_marker(const ledger::genesis_spec& g, const ledger::utxo_set& state) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(std::string_view{"bystack/node/genesis"}));
  h.update(ledger::chain_id_of(g.network));
  h.update(state.hash());
  return h.finish();
}

node_ledger::node_ledger(ledger::butxo_app& app, node::metrics* stats,
                         std::uint64_t propose_invalid_every)
    : app_(app), stats_(stats), invalid_every_(propose_invalid_every) {}

void node_ledger::publish_counters() {
  if (!stats_) return;
  const auto& s = app_.stats();
  stats_->set_ledger(s.signatures_checked, s.signature_cache_hits, invalid_proposed_,
                     app_.state().size(), app_.pool().orphans());
}

ledger::app_verdict node_ledger::check_tx(const ledger::transaction& wrapped,
                                          std::uint64_t next_height) {
  // Admit through butxo_app::admit rather than check_tx: the API tells "orphan" from
  // "accepted", which the application interface folds into one ok verdict.
  ledger::app_verdict v;
  auto t = ledger::unwrap(wrapped);
  ledger::admit_status status = ledger::admit_status::invalid;
  crypto::hash256 id;
  if (!t) {
    v.reason = ledger::rule_name(ledger::rule::malformed);
    v.detail = "malformed: " + t.err().message;
  } else {
    auto before = app_.stats().signatures_checked;
    auto r = app_.admit(*t, next_height);
    v.signatures_checked = app_.stats().signatures_checked - before;
    status = r.status;
    id = r.id;
    switch (r.status) {
    case ledger::admit_status::accepted:
    case ledger::admit_status::orphan:
      break;
    case ledger::admit_status::invalid:
      v.reason = ledger::rule_name(r.err.code);
      v.detail = r.err.message();
      break;
    case ledger::admit_status::duplicate:
      v.reason = ledger::admit_status_name(r.status);
      v.detail = "duplicate: the transaction is already in the pool";
      break;
    case ledger::admit_status::conflict:
      v.reason = ledger::admit_status_name(r.status);
      v.detail = "conflict: a pooled transaction already spends one of its inputs";
      break;
    case ledger::admit_status::pool_full:
      v.reason = ledger::admit_status_name(r.status);
      v.detail = "pool-full: the pool is full of transactions paying more per byte";
      break;
    }
  }
  if (recording_) {
    admissions_.push_back(status);
    admission_ids_.push_back(id);
  }
  if (stats_) {
    if (v.ok())
      stats_->ledger_admitted();
    else
      stats_->ledger_refused(v.reason);
  }
  return v;
}

std::optional<ledger::tx> node_ledger::invalid_tx() const {
  const auto& params = app_.params();
  // Skip outputs that pooled transactions spend: blocks not yet committed hold some of those,
  // and the test wants the signature rule to be the one broken, not missing-input.
  std::unordered_set<crypto::hash256> spent;
  for (const auto& t : app_.pool().candidates(app_.pool().size()))
    for (const auto& in : t->inputs)
      if (in.kind == ledger::input_kind::spend) spent.insert(in.spent_output);
  for (const auto& [id, e] : app_.state().entries()) {
    if (e.out.asset != params.native || e.out.owner.keys.empty() || spent.count(id)) continue;
    ledger::tx t;
    t.chain = params.chain;
    t.inputs.push_back(ledger::spend_of(id));
    // A well-formed witness whose signature is garbage: the transaction balances and pays its
    // fee, so what it breaks is the signature rule.
    t.inputs[0].witness.push_back({0, bytes(64, 0x5a)});
    t.outputs.push_back(ledger::pay(params.native, e.out.amount, e.out.owner));
    auto fee = ledger::min_fee(params, ledger::encoded_size(t));
    if (e.out.amount <= fee) continue;
    t.outputs[0].amount = e.out.amount - fee;
    return t;
  }
  return std::nullopt;
}

std::vector<ledger::transaction> node_ledger::prepare_block(const crypto::hash256& parent,
                                                            std::uint64_t height,
                                                            std::size_t max_txs,
                                                            ledger::app_verdict& work) {
  auto txs = app_.prepare_block(parent, height, max_txs, work);
  ++proposals_;
  if (invalid_every_ > 0 && proposals_ % invalid_every_ == 0) {
    if (auto bad = invalid_tx()) {
      txs.push_back(ledger::wrap(*bad));
      ++invalid_proposed_;
      std::fprintf(stderr,
                   "bystackd: test fault: block at height %llu carries an invalid "
                   "transaction\n",
                   static_cast<unsigned long long>(height));
      publish_counters();
    }
  }
  return txs;
}

ledger::app_verdict node_ledger::process_block(const ledger::block& b) {
  auto v = app_.process_block(b);
  if (!v.ok() && stats_) stats_->ledger_block_refused(v.reason);
  publish_counters();
  return v;
}

ledger::app_verdict node_ledger::commit(const ledger::block& b) {
  auto v = app_.commit(b);
  ledger_changes c;
  if (v.ok()) {
    c.delta = app_.last_delta();
    std::vector<ledger::asset_id> touched;
    for (const auto& [a, n] : c.delta.issued)
      touched.push_back(a);
    for (const auto& [a, n] : c.delta.retired)
      touched.push_back(a);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& a : touched)
      c.supply.push_back({a, app_.state().issued(a), app_.state().retired(a)});
    c.txs.reserve(b.txs.size());
    for (const auto& w : b.txs)
      if (auto t = ledger::unwrap(w)) c.txs.emplace_back(t->id(), w.payload);
  } else {
    // A certified block this node cannot apply means more than f faulty nodes; the state stays
    // as it was, and the store records the block with no ledger change so that the two agree.
    std::fprintf(stderr, "bystackd: certified block at height %llu refused by the ledger: %s\n",
                 static_cast<unsigned long long>(b.header.height), v.detail.c_str());
    c.delta.height = b.header.height;
  }
  if (commit_hook_) commit_hook_(b, v.ok(), c);
  c.utxo_hash = app_.state().hash();
  c.utxo_count = app_.state().size();
  changes_.emplace_back(b.header.height, std::move(c));
  publish_counters();
  return v;
}

std::optional<ledger_changes> node_ledger::take_changes(std::uint64_t height) {
  // Commits and their store writes come in the same height order; drop anything older.
  while (!changes_.empty() && changes_.front().first < height)
    changes_.pop_front();
  if (changes_.empty() || changes_.front().first != height) return std::nullopt;
  auto c = std::move(changes_.front().second);
  changes_.pop_front();
  return c;
}

} // namespace bystack::node
