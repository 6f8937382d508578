#include "runtime/ledger/butxo_app.hpp"

#include <algorithm>
#include <map>

namespace bystack::ledger {

namespace {

/// Builds "<prefix><name>" once for every reason an application gives.
const char* prefixed(const char* prefix, const char* reason) {
  struct table {
    std::map<std::string, std::string> tx, block;
    table() {
      std::vector<std::string> names;
      for (std::size_t r = 0; r < rule_count; ++r)
        names.push_back(rule_name(static_cast<rule>(r)));
      for (auto s : {admit_status::duplicate, admit_status::conflict, admit_status::orphan,
                     admit_status::pool_full, admit_status::invalid})
        names.push_back(admit_status_name(s));
      for (const char* extra : {"stale-block", "unknown-parent", "other"})
        names.push_back(extra);
      for (const auto& n : names) {
        tx.emplace(n, "tx: " + n);
        block.emplace(n, "block: " + n);
      }
    }
  };
  static const table t; // built once, read-only afterwards (thread-safe initialisation)
  const auto& m = prefix[0] == 't' ? t.tx : t.block;
  auto it = m.find(reason ? reason : "other");
  if (it == m.end()) it = m.find("other");
  return it->second.c_str();
}

} // namespace

const char* tx_refusal(const char* reason) {
  return prefixed("tx", reason);
}

const char* block_refusal(const char* reason) {
  return prefixed("block", reason);
}

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
      pool_(state_, opts_.params, checker_, opts_.limits, opts_.ext), tip_(opts_.genesis_block) {
  if (opts_.rewards) voters_ = rewards::voter_book::from_state(state_);
}

void butxo_app::reset_state(utxo_set s, const crypto::hash256& tip) {
  state_ = std::move(s);
  tip_ = tip;
  tip_height_ = state_.height();
  pending_.clear();
  if (opts_.rewards) voters_ = rewards::voter_book::from_state(state_);
}

admit_result butxo_app::admit(const tx& t, std::uint64_t next_height) {
  // A transaction whose outputs are already unspent in the committed state was committed: tell
  // the client so, rather than holding it as an orphan whose inputs will never appear.
  auto id = t.id();
  for (std::uint32_t i = 0; i < t.outputs.size(); ++i) {
    if (t.outputs[i].kind != output_kind::control) continue;
    if (const auto* e = state_.find(output_id(id, i, t.outputs[i]))) {
      admit_result r;
      r.id = id;
      r.status = admit_status::duplicate;
      r.err = tx_error{rule::ok, "already committed at height " + std::to_string(e->height)};
      return r;
    }
    break; // the first control output decides; later ones were created by the same commit
  }
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
    v.detail = r.err.ok() ? r.err.detail : r.err.message();
    break;
  }
  return v;
}

crypto::hash256 butxo_app::state_hash_at(std::uint64_t height) const {
  for (auto it = recent_hashes_.rbegin(); it != recent_hashes_.rend(); ++it)
    if (it->first == height) return it->second;
  return {};
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
    out.replay((*it)->v->delta);
  return true;
}

std::vector<const block_delta*> butxo_app::pending_path(const crypto::hash256& parent) const {
  std::vector<const block_delta*> path;
  for (auto cur = parent; cur != tip_;) {
    auto it = pending_.find(cur);
    if (it == pending_.end()) break;
    path.push_back(&it->second.v->delta);
    cur = it->second.parent;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::optional<std::vector<rewards::payout>> butxo_app::reward_payouts(const crypto::hash256& parent,
                                                                      std::uint32_t proposer,
                                                                      std::uint64_t total) const {
  const auto& rs = *opts_.rewards;
  auto key = rs.producer_key ? rs.producer_key(proposer) : std::nullopt;
  if (!key) return std::nullopt;
  auto path = pending_path(parent);
  auto voters = voters_.voters_of(*key, path);
  return rewards::split(total, control_program::single(*key), voters, rs.params);
}

std::shared_ptr<const block_validation> butxo_app::validate(const block& b, const utxo_view& view,
                                                            app_verdict& v) {
  auto bh = b.hash();
  if (opts_.memo) {
    if (auto known = opts_.memo->find(bh)) {
      // Another node validated this very block on the same parent state: charge what this
      // node's own signature cache would have missed (its pooled transactions were checked).
      std::uint64_t sigs = 0;
      for (std::size_t i = 0; i < known->ids.size(); ++i)
        if (!pool_.contains(known->ids[i])) sigs += known->signatures[i];
      v.signatures_checked = sigs;
      stats_.signatures_checked += sigs;
      if (known->reason) {
        v.reason = known->reason;
        v.detail = known->detail;
      }
      return known;
    }
  }
  auto out = std::make_shared<block_validation>();
  std::vector<tx> txs;
  txs.reserve(b.txs.size());
  for (std::size_t i = 0; i < b.txs.size(); ++i) {
    auto t = unwrap(b.txs[i]);
    if (!t) {
      out->reason = v.reason = rule_name(rule::malformed);
      out->detail = v.detail = "transaction " + std::to_string(i) + ": " + t.err().message;
      if (opts_.memo) opts_.memo->store(bh, out);
      return out;
    }
    txs.push_back(std::move(t).value());
  }
  auto r = check_block(txs, b.header.height, view, opts_.params, checker_, opts_.run, opts_.ext);
  v.signatures_checked = r.signatures;
  stats_.signatures_checked += r.signatures;
  stats_.signature_cache_hits += r.signature_hits;
  if (!r.err.ok()) {
    out->reason = v.reason = rule_name(r.err.code);
    out->detail = v.detail = r.err.message();
    if (opts_.memo) opts_.memo->store(bh, out);
    return out;
  }
  if (opts_.rewards) {
    auto total = opts_.params.block_reward + r.fees;
    auto expected = reward_payouts(b.header.parent, b.header.proposer, total);
    auto why = expected ? rewards::check_coinbase(txs, opts_.params.native, total, *expected)
                        : "unknown proposer " + std::to_string(b.header.proposer);
    if (!why.empty()) {
      out->reason = v.reason = rule_name(rule::bad_reward);
      out->detail = v.detail = std::move(why);
      if (opts_.memo) opts_.memo->store(bh, out);
      return out;
    }
  }
  // Fees leave the supply (recorded as retired native units); a coinbase that collects them
  // issues them anew, so that for every asset unspent = issued - retired.
  if (r.fees > 0) r.delta.retired.emplace_back(opts_.params.native, r.fees);
  r.delta.cache_element_hashes();
  out->delta = std::move(r.delta);
  out->txs.reserve(txs.size());
  for (auto& t : txs) {
    std::uint32_t sigs = 0;
    for (const auto& in : t.inputs)
      sigs += static_cast<std::uint32_t>(in.witness.size());
    out->signatures.push_back(sigs);
    out->ids.push_back(t.id());
    out->txs.push_back(std::make_shared<const tx>(std::move(t)));
  }
  if (opts_.memo) opts_.memo->store(bh, out);
  return out;
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
  pending p{b.header.parent, b.header.height, validate(b, view, v)};
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
  bool with_coinbase = opts_.coinbase_to.has_value() || opts_.rewards.has_value();
  std::size_t room = with_coinbase && max_txs > 0 ? max_txs - 1 : max_txs;
  // Candidates in arrival order; ones the pending blocks already hold, or that conflict with
  // them, fail their check here and stay in the pool until a commit removes them.
  auto before = checker_.verified();
  for (const auto& t : pool_.candidates(room * 2 + 16)) {
    if (chosen.size() >= room) break;
    tx_summary s;
    auto err = ledger::check_tx(*t, view, opts_.params, tx_context{height, false}, checker_, s,
                                nullptr, opts_.ext);
    if (!err.ok()) continue;
    if (bytes_total + s.size > opts_.params.max_block_bytes) break;
    bytes_total += s.size;
    fees += s.fee;
    apply_tx(*t, s.id, view, scratch, opts_.params, height, opts_.ext);
    chosen.push_back(*t);
  }
  work.signatures_checked += checker_.verified() - before;
  if (opts_.rewards) {
    auto total = opts_.params.block_reward + fees;
    auto payouts = reward_payouts(parent, opts_.rewards->self, total);
    if (payouts)
      if (auto cb =
              rewards::coinbase(opts_.params.chain, opts_.params.native, height, total, *payouts))
        out.push_back(wrap(*cb));
  } else if (with_coinbase) {
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
  std::shared_ptr<const block_validation> val;
  if (auto it = pending_.find(h); it != pending_.end()) {
    val = std::move(it->second.v);
    pending_.erase(it);
  } else {
    // Reached by catch-up without a proposal: certified by a quorum, validated here all the same.
    val = validate(b, state_, v);
    if (!v.ok()) {
      ++stats_.commit_failures;
      return v;
    }
  }
  state_.apply(val->delta);
  state_.set_height(b.header.height);
  if (opts_.rewards) voters_.apply(val->delta);
  tip_ = h;
  tip_height_ = b.header.height;
  stats_.committed_txs += val->txs.size();
  pool_.on_commit(val->txs, val->delta, b.header.height, &val->ids);
  last_delta_ = val->delta;
  if (opts_.on_commit_header) opts_.on_commit_header(b.header);
  if (opts_.on_commit) opts_.on_commit(val->delta, b.header.height);
  recent_hashes_.emplace_back(tip_height_, state_.hash());
  if (recent_hashes_.size() > recent_hashes_kept) recent_hashes_.pop_front();
  // Blocks at or below the new tip that are not on its chain can never commit.
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->second.height <= tip_height_ ? pending_.erase(it) : std::next(it);
  return v;
}

} // namespace bystack::ledger
