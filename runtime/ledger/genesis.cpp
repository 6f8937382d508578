#include "runtime/ledger/genesis.hpp"

namespace bystack::ledger {

hash256 genesis_txid(const genesis_spec& g) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(std::string_view{"bystack/butxo/genesis\0", 22}));
  h.update(chain_id_of(g.network));
  return h.finish();
}

chain_params params_of(const genesis_spec& g) {
  chain_params p;
  p.chain = chain_id_of(g.network);
  if (g.native_index < g.assets.size()) p.native = g.assets[g.native_index].id();
  p.min_fee_per_kb = g.min_fee_per_kb;
  p.block_reward = g.block_reward;
  return p;
}

result<utxo_set> genesis_state(const genesis_spec& g) {
  if (g.assets.empty()) return make_error("genesis: no assets (a native asset is required)");
  if (g.native_index >= g.assets.size()) return make_error("genesis: native asset index out of range");
  if (g.assets[g.native_index].kind != asset_kind::byte)
    return make_error("genesis: the native asset must be of kind byte");
  utxo_set s;
  for (const auto& a : g.assets) {
    if (a.name.empty() || a.name.size() > max_asset_name_bytes)
      return make_error("genesis: asset name must have 1 to 64 bytes");
    if (a.decimals > max_decimals)
      return make_error("genesis: asset '" + a.name + "': decimals above 18");
    if (s.asset(a.id()) != nullptr) return make_error("genesis: asset '" + a.name + "' defined twice");
    s.define(a);
  }
  block_delta d;
  d.height = 0;
  auto txid = genesis_txid(g);
  std::map<asset_id, std::uint64_t> totals;
  for (std::uint32_t i = 0; i < g.outputs.size(); ++i) {
    const auto& o = g.outputs[i];
    auto where = "genesis: output " + std::to_string(i);
    const auto* def = s.asset(o.asset);
    if (def == nullptr) return make_error(where + ": unknown asset");
    if (o.kind != output_kind::control) return make_error(where + ": only control outputs");
    if (!fungible(def->kind))
      return make_error(where + ": asset '" + def->name + "' is " + kind_name(def->kind) +
                        "; non-fungible assets are issued by transactions, not at genesis");
    if (o.amount == 0) return make_error(where + ": zero amount");
    if (def->kind == asset_kind::quantum && o.amount % def->unit() != 0)
      return make_error(where + ": not a whole number of units of '" + def->name + "'");
    if (o.owner.keys.empty() || o.owner.threshold == 0 || o.owner.threshold > o.owner.keys.size())
      return make_error(where + ": bad owner (threshold and keys)");
    auto& t = totals[o.asset];
    if (__builtin_add_overflow(t, o.amount, &t)) return make_error(where + ": supply overflows");
    if (def->max_supply != 0 && t > def->max_supply)
      return make_error(where + ": exceeds max_supply of '" + def->name + "'");
    d.created.emplace_back(output_id(txid, i, o), utxo_entry{o, 0});
  }
  for (const auto& [a, amount] : totals)
    d.issued.emplace_back(a, amount);
  s.apply(d);
  return s;
}

} // namespace bystack::ledger
