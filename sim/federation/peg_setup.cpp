#include "sim/federation/peg_setup.hpp"

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/wallet.hpp"

#include <set>

namespace bystack::sim::federation {

namespace fed = bystack::federation;
namespace mc = bystack::mainchain;

peg_key make_peg_key(const crypto::signature_scheme& scheme, std::uint32_t tag, std::uint64_t seed,
                     std::uint8_t salt) {
  crypto::secret_seed sd{};
  for (std::size_t i = 0; i < 4; ++i)
    sd[i] = static_cast<std::uint8_t>(tag >> (8 * i));
  for (std::size_t i = 0; i < 8; ++i)
    sd[8 + i] = static_cast<std::uint8_t>(seed >> (8 * i));
  sd[31] = salt;
  peg_key k;
  k.s = scheme.make_signer(sd);
  k.prog = ledger::control_program::single(k.s->pub());
  return k;
}

peg_setup make_peg_setup(const std::string& network, const ledger::control_program& issuer,
                         const std::vector<peg_key>& users, double mc_block_ms,
                         mainchain::pow_checker& pow, const crypto::signature_scheme& scheme,
                         const ledger::control_program& federation, std::uint64_t confirmations) {
  peg_setup s;
  s.btm.name = "BTM";
  s.btm.issuer = issuer;
  s.mc_spec.network = network;
  s.mc_spec.block_reward = 50;
  s.mc_spec.assets = {s.btm};
  for (const auto& u : users)
    s.mc_spec.outputs.push_back(ledger::pay(s.btm.id(), peg_user_funds, u.prog));
  s.node.consensus.target_block_ms = static_cast<std::int64_t>(mc_block_ms);
  s.node.consensus.retarget_blocks = 1'000'000;
  s.node.genesis = s.mc_spec;
  s.node.pow = &pow;
  s.node.scheme = &scheme;
  s.fp.federation = federation;
  s.fp.mainchain = ledger::params_of(s.mc_spec).chain;
  s.fp.mainchain_native = s.btm.id();
  s.fp.consensus = s.node.consensus;
  s.fp.genesis = mc::mainchain_core(s.node).genesis_header();
  s.fp.pegin_confirmations = confirmations;
  s.fp.release_confirmations = confirmations;
  return s;
}

bystack::federation::collector_config
peg_collector(const bystack::federation::federation_params& fp,
              const ledger::chain_params& sidechain, const peg_key& key,
              const crypto::hash256& funding, const ledger::asset_definition& btm) {
  fed::collector_config cc;
  cc.params = fp;
  cc.sidechain = sidechain;
  cc.signer = key.s.get();
  cc.funding = funding;
  cc.mainchain_assets = {btm};
  return cc;
}

mainchain::block_ptr make_peg_block(const peg_setup& s, mainchain::header h,
                                    const ledger::control_program& to,
                                    const std::vector<mainchain::tx_ptr>& txs) {
  ledger::tx cb;
  cb.chain = s.fp.mainchain;
  ledger::input in;
  in.kind = ledger::input_kind::coinbase;
  in.amount = s.mc_spec.block_reward;
  in.nonce = h.height;
  cb.inputs.push_back(in);
  cb.outputs.push_back(ledger::pay(s.btm.id(), in.amount, to));
  std::vector<mc::tx_ptr> all{std::make_shared<const ledger::tx>(cb)};
  all.insert(all.end(), txs.begin(), txs.end());
  h.tx_root = mc::tx_root(all);
  h.nonce = mc::modelled_nonce(h);
  return std::make_shared<const mc::block>(h, all);
}

std::vector<mainchain::block_ptr>
make_branch(const peg_setup& s, const mainchain::mainchain_core& node, std::uint64_t from_height,
            std::uint64_t length, const mainchain::tx_ptr& conflict, const crypto::hash256& dropped,
            const ledger::control_program& to) {
  auto parent = from_height > 1 && node.block_at(from_height - 1)
                    ? node.block_at(from_height - 1)->hdr()
                    : node.genesis_header();
  std::vector<mc::tx_ptr> moved{conflict};
  std::set<crypto::hash256> gone{dropped}; // outputs of dropped transactions, and those
  std::set<crypto::hash256> gone_outputs;
  for (auto h = from_height; h <= node.height(); ++h)
    for (std::size_t k = 1; k < node.block_at(h)->txs().size(); ++k) {
      const auto& t = node.block_at(h)->txs()[k];
      auto id = t->id();
      bool depends = gone.count(id) != 0;
      for (const auto& in : t->inputs)
        if (in.kind == ledger::input_kind::spend && gone_outputs.count(in.spent_output) != 0)
          depends = true;
      if (!depends) {
        moved.push_back(t);
        continue;
      }
      gone.insert(id);
      for (std::uint32_t o = 0; o < t->outputs.size(); ++o)
        gone_outputs.insert(ledger::output_id(id, o, t->outputs[o]));
    }
  std::vector<mc::block_ptr> out;
  for (std::uint64_t k = 0; k < length; ++k) {
    mc::header h;
    h.version = parent.version;
    h.height = parent.height + 1;
    h.previous = parent.hash();
    h.bits = parent.bits;
    h.seed = parent.height % pow::seed_epoch_blocks == 0 ? parent.hash() : parent.seed;
    h.timestamp_ms = parent.timestamp_ms + 1;
    out.push_back(make_peg_block(s, h, to, k == 0 ? moved : std::vector<mc::tx_ptr>{}));
    parent = out.back()->hdr();
  }
  return out;
}

ledger::tx make_pegin(const peg_setup& s, std::size_t i, const peg_key& user,
                      const ledger::control_program& federation, std::uint64_t amount,
                      peg_user& u) {
  u.amount = amount;
  ledger::tx t;
  t.chain = s.fp.mainchain;
  auto coin = ledger::output_id(ledger::genesis_txid(s.mc_spec), static_cast<std::uint32_t>(i),
                                s.mc_spec.outputs.at(i));
  t.inputs.push_back(ledger::spend_of(coin));
  auto o = ledger::pay(s.btm.id(), amount, federation);
  o.data = ledger::encode(user.prog);
  t.outputs.push_back(o);
  t.outputs.push_back(ledger::pay(s.btm.id(), peg_user_funds - amount, user.prog));
  ledger::sign_input(t, 0, user.prog, *user.s);
  u.pegin_output = fed::pegin_output_id(ledger::output_id(t.id(), 0, t.outputs[0]));
  return t;
}

ledger::tx make_trade(const peg_setup& s, const crypto::hash256& chain, const peg_key& user,
                      const ledger::control_program& to, peg_user& u) {
  ledger::tx t;
  t.chain = chain;
  t.inputs.push_back(ledger::spend_of(u.pegin_output));
  auto asset = fed::pegged_definition(s.btm).id();
  auto gift = u.amount / 10;
  t.outputs.push_back(ledger::pay(asset, gift, to));
  t.outputs.push_back(ledger::pay(asset, u.amount - gift, user.prog));
  ledger::sign_input(t, 0, user.prog, *user.s);
  u.sc_coin = ledger::output_id(t.id(), 1, t.outputs[1]);
  u.sc_amount = u.amount - gift;
  u.traded = true;
  return t;
}

ledger::tx make_pegout(const peg_setup& s, const crypto::hash256& chain, const peg_key& user,
                       peg_user& u) {
  ledger::tx t;
  t.chain = chain;
  t.inputs.push_back(ledger::spend_of(u.sc_coin));
  t.outputs.push_back(
      fed::make_pegout_output(fed::pegged_definition(s.btm).id(), u.sc_amount, {user.prog, 0}));
  ledger::sign_input(t, 0, user.prog, *user.s);
  u.pegout = ledger::output_id(t.id(), 0, t.outputs[0]);
  return t;
}

void peg_progress(std::vector<peg_user>& users, const ledger::utxo_view& state, double now_s,
                  peg_latencies& out, const std::function<void(std::size_t)>& trade,
                  const std::function<void(std::size_t)>& pegout) {
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto& u = users[i];
    if (u.pegin_at_s >= 0 && !u.claimed && state.find(u.pegin_output)) {
      u.claimed = true;
      out.pegin_s.push_back(now_s - u.pegin_at_s);
      trade(i);
    }
    if (u.traded && !u.burn_sent && state.find(u.sc_coin)) {
      u.burn_sent = true;
      pegout(i);
    }
    if (u.burn_sent && u.burn_at_s < 0 && state.find(u.pegout)) u.burn_at_s = now_s;
    if (u.burn_at_s >= 0 && !u.recorded && !state.find(u.pegout)) {
      u.recorded = true;
      out.record_s.push_back(now_s - u.burn_at_s);
    }
  }
}

} // namespace bystack::sim::federation
