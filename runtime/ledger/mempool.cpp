#include "runtime/ledger/mempool.hpp"

#include <algorithm>

namespace bystack::ledger {

const char* admit_status_name(admit_status s) {
  switch (s) {
  case admit_status::accepted:
    return "accepted";
  case admit_status::duplicate:
    return "duplicate";
  case admit_status::conflict:
    return "conflict";
  case admit_status::orphan:
    return "orphan";
  case admit_status::pool_full:
    return "pool-full";
  case admit_status::invalid:
    return "invalid";
  }
  return "unknown";
}

mempool::mempool(const utxo_view& committed, const chain_params& params,
                 signature_checker& checker, mempool_limits limits, const extension_rules* ext)
    : committed_(committed), params_(params), checker_(checker), limits_(limits), ext_(ext) {}

const utxo_entry* mempool::find(const hash256& id) const {
  if (auto it = created_.find(id); it != created_.end()) return &it->second;
  return committed_.find(id);
}

const asset_definition* mempool::asset(const asset_id& id) const {
  if (auto it = assets_.find(id); it != assets_.end()) return &it->second;
  return committed_.asset(id);
}

std::uint64_t mempool::issued(const asset_id& id) const {
  auto it = issued_.find(id);
  return committed_.issued(id) + (it == issued_.end() ? 0 : it->second);
}

bool mempool::issuance_used(const hash256& id) const {
  return spent_by_.count(id) != 0 || committed_.issuance_used(id);
}

std::shared_ptr<const tx> mempool::get(const hash256& id) const {
  auto it = txs_.find(id);
  return it == txs_.end() ? nullptr : it->second.t;
}

admit_result mempool::admit(std::shared_ptr<const tx> t, std::uint64_t height) {
  return admit_one(std::move(t), height, false);
}

admit_result mempool::admit_one(std::shared_ptr<const tx> t, std::uint64_t height,
                                bool from_orphans) {
  admit_result r;
  r.id = t->id();
  if (txs_.count(r.id) != 0 || (!from_orphans && orphans_.count(r.id) != 0)) {
    r.status = admit_status::duplicate;
    return r;
  }
  entry e;
  e.t = t;
  for (const auto& in : t->inputs) {
    hash256 consumed = in.kind == input_kind::spend ? in.spent_output : input_id(in);
    if (in.kind != input_kind::spend && in.kind != input_kind::issue) continue;
    if (auto it = spent_by_.find(consumed); it != spent_by_.end()) {
      r.status = admit_status::conflict;
      r.err = tx_error{rule::missing_input, "input " + consumed.hex().substr(0, 16) +
                                                " is spent by pooled transaction " +
                                                it->second.hex().substr(0, 16)};
      return r;
    }
    e.spends.push_back(consumed);
  }
  tx_summary s;
  auto err = check_tx(*t, *this, params_, tx_context{height, false}, checker_, s, nullptr, ext_);
  if (!err.ok()) {
    if (err.code == rule::missing_input && !from_orphans) {
      // Its parent may still be on its way: hold it, bounded.
      if (orphans_.size() >= limits_.max_orphans) {
        // Drop the oldest orphan (smallest height, then id) to make room.
        auto oldest = std::min_element(orphans_.begin(), orphans_.end(), [](auto& a, auto& b) {
          return std::tie(a.second.height, a.first) < std::tie(b.second.height, b.first);
        });
        for (const auto& m : oldest->second.missing) {
          auto range = orphans_by_parent_.equal_range(m);
          for (auto it = range.first; it != range.second;)
            it = it->second == oldest->first ? orphans_by_parent_.erase(it) : std::next(it);
        }
        orphans_.erase(oldest);
      }
      orphan o{t, height, {}};
      for (const auto& in : t->inputs)
        if (in.kind == input_kind::spend && find(in.spent_output) == nullptr)
          o.missing.push_back(in.spent_output);
      for (const auto& m : o.missing)
        orphans_by_parent_.emplace(m, r.id);
      orphans_.emplace(r.id, std::move(o));
      r.status = admit_status::orphan;
      r.err = std::move(err);
      return r;
    }
    r.status = admit_status::invalid;
    r.err = std::move(err);
    return r;
  }
  e.fee = s.fee;
  e.size = s.size;
  double rate = static_cast<double>(e.fee) / static_cast<double>(std::max<std::size_t>(1, e.size));
  if ((txs_.size() + 1 > limits_.max_txs || bytes_ + e.size > limits_.max_bytes) &&
      !evict_for(rate, e.size)) {
    r.status = admit_status::pool_full;
    return r;
  }
  e.seq = ++seq_;
  for (const auto& c : e.spends)
    spent_by_.emplace(c, r.id);
  for (std::uint32_t i = 0; i < t->outputs.size(); ++i) {
    const auto& o = t->outputs[i];
    if (o.kind == output_kind::retire) continue;
    auto oid = output_id(r.id, i, o);
    created_.emplace(oid, utxo_entry{o, height});
    e.creates.push_back(oid);
  }
  for (const auto& in : t->inputs)
    if (in.kind == input_kind::issue) {
      auto aid = in.definition.id();
      if (asset(aid) == nullptr) assets_.emplace(aid, in.definition);
      issued_[aid] += in.amount;
      e.issues.emplace_back(aid, in.amount);
    }
  by_seq_.emplace(e.seq, r.id);
  by_rate_.emplace(std::make_pair(rate, e.seq), r.id);
  bytes_ += e.size;
  auto creates = e.creates;
  txs_.emplace(r.id, std::move(e));
  retry_orphans(creates, height, r.also_admitted);
  return r;
}

void mempool::retry_orphans(const std::vector<hash256>& outputs, std::uint64_t height,
                            std::vector<hash256>& admitted) {
  std::vector<hash256> ready;
  for (const auto& o : outputs) {
    auto range = orphans_by_parent_.equal_range(o);
    for (auto it = range.first; it != range.second; ++it)
      ready.push_back(it->second);
    orphans_by_parent_.erase(o);
  }
  std::sort(ready.begin(), ready.end());
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  for (const auto& id : ready) {
    auto it = orphans_.find(id);
    if (it == orphans_.end()) continue;
    bool complete = true;
    for (const auto& m : it->second.missing)
      complete = complete && find(m) != nullptr;
    if (!complete) continue;
    auto t = it->second.t;
    for (const auto& m : it->second.missing) {
      auto range = orphans_by_parent_.equal_range(m);
      for (auto jt = range.first; jt != range.second;)
        jt = jt->second == id ? orphans_by_parent_.erase(jt) : std::next(jt);
    }
    orphans_.erase(it);
    auto r = admit_one(t, height, true);
    if (r.status == admit_status::accepted) {
      admitted.push_back(r.id);
      admitted.insert(admitted.end(), r.also_admitted.begin(), r.also_admitted.end());
    }
  }
}

bool mempool::evict_for(double fee_rate, std::size_t size) {
  // First make sure that victims paying strictly less per byte free enough room, so that a
  // newcomer that is refused evicts nothing (descendants leaving with them only free more).
  std::size_t txs_left = txs_.size(), bytes_left = bytes_;
  for (auto it = by_rate_.begin();
       txs_left + 1 > limits_.max_txs || bytes_left + size > limits_.max_bytes; ++it) {
    if (it == by_rate_.end() || it->first.first >= fee_rate) return false;
    --txs_left;
    bytes_left -= txs_.at(it->second).size;
  }
  // Evict the cheapest per byte while that frees room and each victim pays strictly less.
  while (txs_.size() + 1 > limits_.max_txs || bytes_ + size > limits_.max_bytes) {
    if (by_rate_.empty()) return false;
    auto cheapest = by_rate_.begin();
    if (cheapest->first.first >= fee_rate) return false;
    auto victim = cheapest->second;
    remove(victim, true);
    ++evicted_;
  }
  return true;
}

void mempool::remove(const hash256& id, bool with_descendants) {
  auto it = txs_.find(id);
  if (it == txs_.end()) return;
  auto e = std::move(it->second);
  txs_.erase(it);
  double rate = static_cast<double>(e.fee) / static_cast<double>(std::max<std::size_t>(1, e.size));
  by_rate_.erase(std::make_pair(rate, e.seq));
  by_seq_.erase(e.seq);
  bytes_ -= e.size;
  for (const auto& c : e.spends)
    if (auto s = spent_by_.find(c); s != spent_by_.end() && s->second == id) spent_by_.erase(s);
  for (const auto& [aid, amount] : e.issues)
    if ((issued_[aid] -= amount) == 0) issued_.erase(aid);
  for (const auto& oid : e.creates) {
    created_.erase(oid);
    if (with_descendants)
      if (auto child = spent_by_.find(oid); child != spent_by_.end()) {
        auto cid = child->second;
        remove(cid, true);
      }
  }
}

void mempool::on_commit(const std::vector<std::shared_ptr<const tx>>& block_txs,
                        const block_delta& delta, std::uint64_t height,
                        const std::vector<hash256>* ids) {
  if (ids && ids->size() != block_txs.size()) ids = nullptr;
  for (std::size_t k = 0; k < block_txs.size(); ++k) {
    if (txs_.empty()) break;
    const auto& t = block_txs[k];
    auto id = ids ? (*ids)[k] : t->id();
    if (auto it = txs_.find(id); it != txs_.end()) {
      // Included: its outputs are committed now, so its pooled children stay valid.
      auto e = std::move(it->second);
      txs_.erase(it);
      double rate =
          static_cast<double>(e.fee) / static_cast<double>(std::max<std::size_t>(1, e.size));
      by_rate_.erase(std::make_pair(rate, e.seq));
      by_seq_.erase(e.seq);
      bytes_ -= e.size;
      for (const auto& c : e.spends)
        if (auto s = spent_by_.find(c); s != spent_by_.end() && s->second == id)
          spent_by_.erase(s);
      for (const auto& [aid, amount] : e.issues)
        if ((issued_[aid] -= amount) == 0) issued_.erase(aid);
      for (const auto& oid : e.creates)
        created_.erase(oid);
    }
  }
  // Pooled transactions that spend what the block spent lost the race: drop them and theirs.
  for (const auto& [oid, entry] : delta.spent)
    if (auto s = spent_by_.find(oid); s != spent_by_.end()) remove(s->second, true);
  for (const auto& iid : delta.issuances)
    if (auto s = spent_by_.find(iid); s != spent_by_.end()) remove(s->second, true);
  // Expired transactions can never enter a block.
  std::vector<hash256> expired;
  for (const auto& [id, e] : txs_)
    if (e.t->expires_at != 0 && e.t->expires_at < height + 1) expired.push_back(id);
  std::sort(expired.begin(), expired.end());
  for (const auto& id : expired)
    remove(id, true);
  std::vector<hash256> created;
  for (const auto& [oid, entry] : delta.created)
    created.push_back(oid);
  std::vector<hash256> admitted;
  retry_orphans(created, height + 1, admitted);
  // Orphans past their time are dropped.
  std::vector<hash256> stale;
  for (const auto& [id, o] : orphans_)
    if (o.height + limits_.orphan_ttl_blocks < height) stale.push_back(id);
  std::sort(stale.begin(), stale.end());
  for (const auto& id : stale) {
    for (const auto& m : orphans_[id].missing) {
      auto range = orphans_by_parent_.equal_range(m);
      for (auto jt = range.first; jt != range.second;)
        jt = jt->second == id ? orphans_by_parent_.erase(jt) : std::next(jt);
    }
    orphans_.erase(id);
  }
}

std::vector<std::shared_ptr<const tx>> mempool::candidates(std::size_t max_txs) const {
  std::vector<std::shared_ptr<const tx>> out;
  for (const auto& [seq, id] : by_seq_) {
    if (out.size() >= max_txs) break;
    out.push_back(txs_.at(id).t);
  }
  return out;
}

} // namespace bystack::ledger
