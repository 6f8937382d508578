#include "runtime/ledger/butxo_app.hpp"

#include <algorithm>

namespace bystack::ledger {

transaction wrap(const tx& t) {
  transaction out;
  out.payload = encode(t);
  return out;
}

result<tx> unwrap(const transaction& t) {
  return decode_tx(byte_view{t.payload.data(), t.payload.size()});
}

butxo_app::butxo_app(butxo_options opts, const utxo_set& genesis,
                     const crypto::signature_scheme& scheme)
    : opts_(std::move(opts)), state_(genesis), checker_(scheme, opts_.signature_cache_entries),
      pool_(state_, opts_.params, checker_, opts_.limits, opts_.ext) {}

void butxo_app::reset_state(utxo_set s, const crypto::hash256& tip) {
  state_ = std::move(s);
  tip_ = tip;
  tip_height_ = state_.height();
  pending_.clear();
}

admit_result butxo_app::admit(const tx& t, std::uint64_t next_height) {
  auto before = checker_.verified();
  auto r = pool_.admit(std::make_shared<const tx>(t), next_height);
  stats_.signatures_checked += checker_.verified() - before;
  if (r.status == admit_status::accepted) stats_.admitted += 1 + r.also_admitted.size();
  return r;
}

app_verdict butxo_app::check_tx(const transaction& wrapped, std::uint64_t next_height) {
  app_verdict v;
  auto t = unwrap(wrapped);
  if (!t) {
    v.reason = rule_name(rule::malformed);
    v.detail = t.err().message;
    return v;
  }
  auto before = checker_.verified();
  auto r = admit(*t, next_height);
  v.signatures_checked = checker_.verified() - before;
  switch (r.status) {
  case admit_status::accepted:
  case admit_status::orphan:
    break;
  case admit_status::invalid:
    v.reason = rule_name(r.err.code);
    v.detail = r.err.message();
    break;
  default:
    v.reason = admit_status_name(r.status);
    v.detail = r.err.ok() ? "" : r.err.message();
    break;
  }
  return v;
}

bool butxo_app::knows(const crypto::hash256& h) const {
  return h == tip_ || pending_.count(h) != 0;
}

bool butxo_app::view_after(const crypto::hash256& parent, utxo_overlay& out) const {
  std::vector<const pending*> path;
  auto cur = parent;
  while (cur != tip_) {
    auto it = pending_.find(cur);
    if (it == pending_.end()) return false;
    path.push_back(&it->second);
    cur = it->second.parent;
  }
  for (auto it = path.rbegin(); it != path.rend(); ++it)
    out.replay((*it)->delta);
  return true;
}

app_verdict butxo_app::validate(const block& b, const utxo_view& view, pending& out) {
  app_verdict v;
  std::vector<tx> txs;
  txs.reserve(b.txs.size());
  for (std::size_t i = 0; i < b.txs.size(); ++i) {
    auto t = unwrap(b.txs[i]);
    if (!t) {
      v.reason = rule_name(rule::malformed);
      v.detail = "transaction " + std::to_string(i) + ": " + t.err().message;
      return v;
    }
    txs.push_back(std::move(t).value());
  }
  auto r = check_block(txs, b.header.height, view, opts_.params, checker_, opts_.run, opts_.ext);
  v.signatures_checked = r.signatures;
  stats_.signatures_checked += r.signatures;
  stats_.signature_cache_hits += r.signature_hits;
  if (!r.err.ok()) {
    v.reason = rule_name(r.err.code);
    v.detail = r.err.message();
    return v;
  }
  // Fees that no coinbase collected leave the supply.
  std::uint64_t coinbase = 0;
  if (!txs.empty() && !txs[0].inputs.empty() && txs[0].inputs[0].kind == input_kind::coinbase)
    coinbase = txs[0].inputs[0].amount;
  if (r.fees > coinbase) r.delta.retired.emplace_back(opts_.params.native, r.fees - coinbase);
  out.parent = b.header.parent;
  out.height = b.header.height;
  out.delta = std::move(r.delta);
  out.txs.reserve(txs.size());
  for (auto& t : txs)
    out.txs.push_back(std::make_shared<const tx>(std::move(t)));
  return v;
}

app_verdict butxo_app::process_block(const block& b) {
  auto h = b.hash();
  if (knows(h)) return {};
  app_verdict v;
  if (b.header.height <= tip_height_) {
    v.reason = "stale-block";
    v.detail = "height " + std::to_string(b.header.height) + " is at or below the committed tip";
    return v;
  }
  utxo_overlay view(state_);
  if (!view_after(b.header.parent, view)) {
    v.reason = "unknown-parent";
    v.detail = "the parent block's state is unknown";
    return v;
  }
  pending p;
  v = validate(b, view, p);
  if (!v.ok()) {
    ++stats_.blocks_refused;
    return v;
  }
  ++stats_.blocks_accepted;
  pending_.emplace(h, std::move(p));
  return v;
}

std::vector<transaction> butxo_app::prepare_block(const crypto::hash256& parent,
                                                  std::uint64_t height, std::size_t max_txs,
                                                  app_verdict& work) {
  std::vector<transaction> out;
  utxo_overlay view(state_);
  if (!view_after(parent, view)) return out;
  block_delta scratch;
  scratch.height = height;
  std::size_t bytes_total = 0;
  std::uint64_t fees = 0;
  std::vector<tx> chosen;
  bool with_coinbase = opts_.coinbase_to.has_value();
  std::size_t room = with_coinbase && max_txs > 0 ? max_txs - 1 : max_txs;
  // Candidates in arrival order; ones the pending blocks already hold, or that conflict with
  // them, fail their check here and stay in the pool until a commit removes them.
  auto before = checker_.verified();
  for (const auto& t : pool_.candidates(room * 2 + 16)) {
    if (chosen.size() >= room) break;
    tx_summary s;
    auto err = ledger::check_tx(*t, view, opts_.params, tx_context{height, false}, checker_, s, nullptr,
                        opts_.ext);
    if (!err.ok()) continue;
    if (bytes_total + s.size > opts_.params.max_block_bytes) break;
    bytes_total += s.size;
    fees += s.fee;
    apply_tx(*t, s.id, view, scratch, opts_.params, height);
    chosen.push_back(*t);
  }
  work.signatures_checked += checker_.verified() - before;
  if (with_coinbase) {
    tx cb;
    cb.chain = opts_.params.chain;
    input in;
    in.kind = input_kind::coinbase;
    in.amount = opts_.params.block_reward + fees;
    in.nonce = height;
    cb.inputs.push_back(in);
    if (in.amount > 0) {
      output o;
      o.asset = opts_.params.native;
      o.amount = in.amount;
      o.owner = *opts_.coinbase_to;
      cb.outputs.push_back(o);
      out.push_back(wrap(cb));
    }
  }
  for (const auto& t : chosen)
    out.push_back(wrap(t));
  return out;
}

app_verdict butxo_app::commit(const block& b) {
  auto h = b.hash();
  app_verdict v;
  pending p;
  if (auto it = pending_.find(h); it != pending_.end()) {
    p = std::move(it->second);
    pending_.erase(it);
  } else {
    // Reached by catch-up without a proposal: certified by a quorum, validated here all the same.
    v = validate(b, state_, p);
    if (!v.ok()) {
      ++stats_.commit_failures;
      return v;
    }
  }
  state_.apply(p.delta);
  state_.set_height(b.header.height);
  tip_ = h;
  tip_height_ = b.header.height;
  stats_.committed_txs += p.txs.size();
  pool_.on_commit(p.txs, p.delta, b.header.height);
  last_delta_ = std::move(p.delta);
  // Blocks at or below the new tip that are not on its chain can never commit.
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->second.height <= tip_height_ ? pending_.erase(it) : std::next(it);
  return v;
}

} // namespace bystack::ledger
