#include "actors/federation/supply.hpp"

#include <algorithm>
#include <set>

namespace bystack::federation {

namespace {

std::string short_hex(const hash256& h) {
  return h.hex().substr(0, 16);
}

} // namespace

mainchain_scan scan_mainchain(const std::vector<mainchain::block_ptr>& best_chain,
                              const std::vector<ledger::control_program>& feds) {
  auto is_fed = [&](const ledger::control_program& p) {
    return std::find(feds.begin(), feds.end(), p) != feds.end();
  };
  mainchain_scan s;
  for (const auto& b : best_chain) {
    s.height = b->hdr().height;
    for (const auto& tp : b->txs()) {
      const auto& t = *tp;
      auto txid = t.id();
      release_seen r;
      bool spends = false;
      std::uint64_t reserve_in = 0, reserve_out = 0;
      for (const auto& in : t.inputs) {
        if (in.kind != ledger::input_kind::spend) continue;
        if (auto rv = s.reserve.find(in.spent_output); rv != s.reserve.end()) {
          rv->second.spent = true;
          reserve_in += rv->second.amount;
          continue;
        }
        auto it = s.coins.find(in.spent_output);
        if (it == s.coins.end()) continue;
        it->second.spent = true;
        r.released[it->second.asset] += it->second.amount;
        spends = true;
      }
      for (std::uint32_t i = 0; i < t.outputs.size(); ++i) {
        const auto& o = t.outputs[i];
        if (o.kind != ledger::output_kind::control) continue;
        if (is_fed(o.owner) && is_fee_reserve(o)) {
          // The fee reserve: apart from the pegged coins, neither locked nor released.
          s.reserve[ledger::output_id(txid, i, o)] =
              locked_coin{txid, o.asset, o.amount, b->hdr().height, false, false};
          reserve_out += o.amount;
        } else if (is_fed(o.owner)) {
          s.coins[ledger::output_id(txid, i, o)] =
              locked_coin{txid, o.asset, o.amount, b->hdr().height, spends, false};
          if (spends) r.released[o.asset] -= o.amount;
        } else if (spends && o.data.size() == 32 && !r.pegout) {
          hash256 p;
          std::copy(o.data.begin(), o.data.end(), p.data.begin());
          r.pegout = p;
        }
      }
      if (reserve_in > reserve_out) s.reserve_fees += reserve_in - reserve_out;
      bool moves_only = !r.pegout;
      for (const auto& [asset, n] : r.released)
        moves_only = moves_only && n == 0;
      if (spends && !moves_only) {
        r.txid = txid;
        r.height = b->hdr().height;
        s.releases.push_back(std::move(r));
      }
    }
  }
  return s;
}

void scan_sidechain_block(sidechain_scan& s, const std::vector<ledger::tx>& txs,
                          std::uint64_t height, const ledger::utxo_view& state) {
  for (const auto& t : txs) {
    std::optional<hash256> txid;
    auto id = [&] {
      if (!txid) txid = t.id();
      return *txid;
    };
    for (const auto& in : t.inputs) {
      if (in.kind != claim_input) continue;
      auto c = decode_claim(byte_view{in.ext.data(), in.ext.size()});
      if (!c || c->output_index >= c->mc_tx.outputs.size()) continue;
      const auto& o = c->mc_tx.outputs[c->output_index];
      s.claims.push_back(claim_seen{
          id(), height, ledger::output_id(c->mc_tx.id(), c->output_index, o), o.asset, o.amount});
    }
    for (std::uint32_t i = 0; i < t.outputs.size(); ++i) {
      const auto& o = t.outputs[i];
      if (o.kind != pegout_output) continue;
      const auto* def = state.asset(o.asset);
      auto mc = def ? mainchain_asset_of(*def) : std::nullopt;
      if (!mc) continue;
      s.burns.push_back(burn_seen{ledger::output_id(id(), i, o), id(), *mc, o.amount});
    }
  }
}

void count_sidechain_units(sidechain_scan& s, const ledger::utxo_set& state) {
  s.units.clear();
  for (const auto& [id, e] : state.entries()) {
    if (e.out.kind != ledger::output_kind::control) continue;
    const auto* def = state.asset(e.out.asset);
    if (auto mc = def ? mainchain_asset_of(*def) : std::nullopt) s.units[*mc] += e.out.amount;
  }
}

supply_report check_supply(const mainchain_scan& mc, const sidechain_scan& sc,
                           std::uint64_t confirmations) {
  supply_report r;
  r.claims = sc.claims.size();
  r.burns = sc.burns.size();
  r.releases = mc.releases.size();
  auto flag = [&](std::string what, std::vector<hash256> txs) {
    if (!r.ok) return;
    r.ok = false;
    r.discrepancy = std::move(what);
    r.txs = std::move(txs);
  };
  auto conf_of = [&](std::uint64_t h) { return mc.height >= h ? mc.height - h + 1 : 0; };

  // Every release pays one burn, once, in full.
  std::map<hash256, const burn_seen*> burns;
  for (const auto& b : sc.burns)
    burns.emplace(b.pegout, &b);
  std::map<hash256, const release_seen*> released;
  for (const auto& rel : mc.releases) {
    if (!rel.pegout || burns.count(*rel.pegout) == 0) {
      flag("mainchain transaction " + short_hex(rel.txid) + " at height " +
               std::to_string(rel.height) + " releases federation funds without a burn",
           {rel.txid});
      continue;
    }
    const auto& b = *burns.at(*rel.pegout);
    if (auto [it, fresh] = released.emplace(b.pegout, &rel); !fresh) {
      flag("pegout " + short_hex(b.pegout) + " is released twice: mainchain transactions " +
               short_hex(it->second->txid) + " and " + short_hex(rel.txid),
           {b.sidechain_tx, it->second->txid, rel.txid});
      continue;
    }
    std::uint64_t amount = 0;
    bool other = false;
    for (const auto& [asset, n] : rel.released) {
      if (asset == b.asset)
        amount = n;
      else if (n != 0)
        other = true;
    }
    if (amount != b.amount || other)
      flag("mainchain transaction " + short_hex(rel.txid) + " releases " + std::to_string(amount) +
               " units for pegout " + short_hex(b.pegout) + " that burned " +
               std::to_string(b.amount),
           {b.sidechain_tx, rel.txid});
  }

  // Every claim names a federation output on the best chain with enough confirmations, once.
  std::set<hash256> claimed;
  for (const auto& c : sc.claims) {
    auto it = mc.coins.find(c.mainchain_output);
    if (it == mc.coins.end() || it->second.by_release) {
      flag("sidechain transaction " + short_hex(c.sidechain_tx) + " at height " +
               std::to_string(c.height) + " claims " + std::to_string(c.amount) +
               " units of mainchain output " + short_hex(c.mainchain_output) +
               ", which is not a pegin on the mainchain's best chain",
           {c.sidechain_tx});
      continue;
    }
    if (conf_of(it->second.height) < confirmations)
      flag("sidechain transaction " + short_hex(c.sidechain_tx) + " claims mainchain output " +
               short_hex(c.mainchain_output) + " with " +
               std::to_string(conf_of(it->second.height)) + " confirmations",
           {c.sidechain_tx, it->second.txid});
    if (it->second.amount != c.amount || it->second.asset != c.asset)
      flag("sidechain transaction " + short_hex(c.sidechain_tx) + " claims other units than " +
               "mainchain output " + short_hex(c.mainchain_output) + " holds",
           {c.sidechain_tx, it->second.txid});
    if (!claimed.insert(c.mainchain_output).second)
      flag("mainchain output " + short_hex(c.mainchain_output) + " is claimed twice",
           {c.sidechain_tx});
  }

  // Per asset: sidechain units plus burned-not-released within what is locked.
  for (const auto& [asset, n] : sc.units)
    r.assets[asset].sidechain_units = n;
  for (const auto& b : sc.burns)
    if (released.count(b.pegout) == 0) r.assets[b.asset].burned_unreleased += b.amount;
  for (const auto& [id, c] : mc.coins)
    if (!c.spent && (c.by_release || conf_of(c.height) >= confirmations))
      r.assets[c.asset].locked += c.amount;
  for (const auto& [id, c] : mc.reserve)
    if (!c.spent) r.reserve += c.amount;
  r.reserve_fees = mc.reserve_fees;
  for (const auto& [asset, a] : r.assets)
    if (a.sidechain_units + a.burned_unreleased > a.locked) {
      std::vector<hash256> txs;
      for (const auto& c : sc.claims)
        if (c.asset == asset) txs.push_back(c.sidechain_tx);
      flag("asset " + short_hex(asset) + ": " + std::to_string(a.sidechain_units) +
               " sidechain units and " + std::to_string(a.burned_unreleased) +
               " burned but not released exceed the " + std::to_string(a.locked) +
               " locked at the federation",
           txs);
    }
  return r;
}

} // namespace bystack::federation
