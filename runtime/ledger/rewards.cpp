#include "runtime/ledger/rewards.hpp"

#include "runtime/ledger/dpos.hpp"

namespace bystack::ledger::rewards {

namespace {
__extension__ typedef unsigned __int128 u128;
} // namespace

std::string check(const reward_params& p) {
  if (p.producer_share_pct > 100) return "producer_share_pct above 100";
  if (p.min_voter_payout == 0) return "min_voter_payout must be at least 1";
  return {};
}

std::vector<payout> split(std::uint64_t total, const control_program& producer,
                          const voter_map& voters, const reward_params& p) {
  std::vector<payout> out;
  if (total == 0) return out;
  std::uint64_t weight = 0;
  for (const auto& [addr, v] : voters)
    weight += v.amount; // total native supply bounds it: no overflow
  const auto share = std::min<std::uint32_t>(p.producer_share_pct, 100);
  const auto pool = static_cast<std::uint64_t>(static_cast<u128>(total) * (100 - share) / 100);
  std::vector<payout> paid;
  std::uint64_t given = 0;
  if (pool > 0 && weight > 0)
    for (const auto& [addr, v] : voters) {
      auto amount = static_cast<std::uint64_t>(static_cast<u128>(pool) * v.amount / weight);
      if (amount == 0 || amount < p.min_voter_payout) continue; // dust: stays with the producer
      paid.push_back(payout{v.owner, amount});
      given += amount;
    }
  if (total > given) out.push_back(payout{producer, total - given});
  out.insert(out.end(), paid.begin(), paid.end());
  return out;
}

bool voter_book::vote_of(const utxo_entry& e, vote_entry& out) {
  if (e.out.kind != dpos::vote_output || e.out.data.size() != out.candidate.data.size())
    return false;
  std::copy(e.out.data.begin(), e.out.data.end(), out.candidate.data.begin());
  out.owner = e.out.owner;
  out.owner_address = e.out.owner.address();
  out.amount = e.out.amount;
  return true;
}

void voter_book::add(const hash256& id, const utxo_entry& e) {
  if (e.out.kind == dpos::register_output) {
    auto r = dpos::decode_registration(byte_view{e.out.data.data(), e.out.data.size()});
    if (!r) return; // validation refuses such outputs
    regs_[r->node_key].insert(id);
    reg_key_[id] = r->node_key;
    return;
  }
  vote_entry v;
  if (!vote_of(e, v)) return;
  by_candidate_[v.candidate].insert(id);
  votes_[id] = std::move(v);
}

void voter_book::remove(const hash256& id, const utxo_entry& e) {
  if (e.out.kind == dpos::register_output) {
    auto k = reg_key_.find(id);
    if (k == reg_key_.end()) return;
    if (auto it = regs_.find(k->second); it != regs_.end()) {
      it->second.erase(id);
      if (it->second.empty()) regs_.erase(it);
    }
    reg_key_.erase(k);
    return;
  }
  auto v = votes_.find(id);
  if (v == votes_.end()) return;
  if (auto c = by_candidate_.find(v->second.candidate); c != by_candidate_.end()) {
    c->second.erase(id);
    if (c->second.empty()) by_candidate_.erase(c);
  }
  votes_.erase(v);
}

void voter_book::apply(const block_delta& d) {
  for (const auto& [id, e] : d.created)
    add(id, e);
  for (const auto& [id, e] : d.spent)
    remove(id, e);
}

voter_book voter_book::from_state(const utxo_set& s) {
  voter_book b;
  for (const auto& [id, e] : s.entries())
    b.add(id, e);
  return b;
}

voter_map voter_book::voters_of(const crypto::public_key& key,
                                std::span<const block_delta* const> pending) const {
  // The delegate's registrations and their votes, by vote id, after the committed deltas...
  std::set<hash256> regs;
  if (auto it = regs_.find(key); it != regs_.end()) regs = it->second;
  std::map<hash256, vote_entry> votes;
  for (const auto& r : regs)
    if (auto c = by_candidate_.find(r); c != by_candidate_.end())
      for (const auto& vid : c->second)
        votes.emplace(vid, votes_.at(vid));
  // ...then the pending blocks' changes (votes of any candidate: filtered below, since a
  // registration of this key may appear in a pending block).
  for (const auto* d : pending) {
    for (const auto& [id, e] : d->created) {
      if (e.out.kind == dpos::register_output) {
        auto r = dpos::decode_registration(byte_view{e.out.data.data(), e.out.data.size()});
        if (r && r->node_key == key) regs.insert(id);
      } else if (vote_entry v; vote_of(e, v)) {
        votes[id] = std::move(v);
      }
    }
    for (const auto& [id, e] : d->spent) {
      if (e.out.kind == dpos::register_output)
        regs.erase(id);
      else if (e.out.kind == dpos::vote_output)
        votes.erase(id);
    }
  }
  voter_map out;
  for (const auto& [vid, v] : votes) {
    if (!regs.count(v.candidate)) continue;
    auto& slot = out[v.owner_address];
    slot.owner = v.owner;
    slot.amount += v.amount;
  }
  return out;
}

std::optional<tx> coinbase(const hash256& chain, const asset_id& native, std::uint64_t height,
                           std::uint64_t total, const std::vector<payout>& payouts) {
  if (total == 0) return std::nullopt;
  tx cb;
  cb.chain = chain;
  input in;
  in.kind = input_kind::coinbase;
  in.amount = total;
  in.nonce = height;
  cb.inputs.push_back(in);
  for (const auto& p : payouts) {
    output o;
    o.asset = native;
    o.amount = p.amount;
    o.owner = p.owner;
    cb.outputs.push_back(std::move(o));
  }
  return cb;
}

std::string check_coinbase(const std::vector<tx>& txs, const asset_id& native, std::uint64_t total,
                           const std::vector<payout>& expected) {
  const bool has =
      !txs.empty() && txs[0].inputs.size() == 1 && txs[0].inputs[0].kind == input_kind::coinbase;
  if (total == 0) return has ? "a coinbase where reward and fees are zero" : std::string{};
  if (!has) return "no coinbase (reward and fees are " + std::to_string(total) + ")";
  const auto& cb = txs[0];
  if (cb.inputs[0].amount != total)
    return "coinbase claims " + std::to_string(cb.inputs[0].amount) + ", reward and fees are " +
           std::to_string(total);
  if (cb.outputs.size() != expected.size())
    return std::to_string(cb.outputs.size()) + " coinbase outputs, the split has " +
           std::to_string(expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& o = cb.outputs[i];
    if (o.kind != output_kind::control || o.asset != native || !o.lot.is_zero() ||
        !o.data.empty() || !(o.owner == expected[i].owner))
      return "coinbase output " + std::to_string(i) + " pays the wrong owner or asset";
    if (o.amount != expected[i].amount)
      return "coinbase output " + std::to_string(i) + " pays " + std::to_string(o.amount) +
             ", the split gives " + std::to_string(expected[i].amount);
  }
  return {};
}

} // namespace bystack::ledger::rewards
