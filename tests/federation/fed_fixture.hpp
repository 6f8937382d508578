#pragma once
/// Two chains for the federation suites: a mainchain (tests/mainchain's world, blocks sealed with
/// the modelled proof of work) and a sidechain ledger state with the federation's rules, blocks
/// checked with ledger::check_block and applied (or undone) on a utxo_set.

#include "../mainchain/fixture.hpp"
#include "actors/federation/address.hpp"
#include "actors/federation/member_core.hpp"
#include "actors/federation/sidechain_rules.hpp"
#include "runtime/ledger/genesis.hpp"

namespace bystack::federation::testing {

using mainchain::testing::make_party;
using mainchain::testing::party;

struct two_chains {
  mainchain::testing::world w; // the mainchain: BTM, Alice and Bob funded
  std::vector<party> members{make_party(10), make_party(11), make_party(12)};
  ledger::control_program fed;
  party collector = make_party(20);
  party carol = make_party(21); // a sidechain user
  party dave = make_party(22);
  ledger::asset_definition scn; // the sidechain's native asset
  ledger::genesis_spec sc_spec;
  ledger::chain_params sc_params;
  ledger::utxo_set sc;
  federation_params fp;
  mainchain::header mc_genesis;
  std::unique_ptr<sidechain_rules> rules;
  ledger::signature_checker checker{crypto::ed25519_scheme()};
  std::vector<ledger::block_delta> deltas;
  std::vector<std::vector<ledger::tx>> blocks; ///< committed sidechain blocks' transactions
  std::vector<hash256> funding;                ///< the collector's spendable outputs, one per slot
  static constexpr std::size_t funding_slots = 4;

  explicit two_chains(std::uint64_t confirmations = 3) {
    std::vector<crypto::public_key> keys;
    for (const auto& m : members)
      keys.push_back(m.s->pub());
    fed = federation_program(keys, 2).value();
    scn.name = "SCN";
    scn.issuer = make_party(23).prog;
    sc_spec.network = "sidechain-test";
    sc_spec.assets = {scn};
    for (std::size_t i = 0; i < funding_slots; ++i)
      sc_spec.outputs.push_back(ledger::pay(scn.id(), 1'000'000, collector.prog));
    sc_params = ledger::params_of(sc_spec);
    sc = ledger::genesis_state(sc_spec).value();
    for (std::size_t i = 0; i < funding_slots; ++i)
      funding.push_back(ledger::output_id(ledger::genesis_txid(sc_spec),
                                          static_cast<std::uint32_t>(i), sc_spec.outputs[i]));
    mainchain::mainchain_core node(w.config());
    mc_genesis = node.genesis_header();
    fp.federation = fed;
    fp.mainchain = w.params().chain;
    fp.mainchain_native = w.btm.id();
    fp.consensus = w.consensus;
    fp.genesis = mc_genesis;
    fp.pegin_confirmations = confirmations;
    fp.release_confirmations = confirmations;
    rules = std::make_unique<sidechain_rules>(fp, w.pow);
  }

  /// Returns a collector transaction: the given extension inputs, a spend of funding slot
  /// `slot` with its change, and `extra` outputs.
  ledger::tx collector_tx(std::vector<ledger::input> ext, std::size_t slot = 0,
                          std::vector<ledger::output> extra = {}) const {
    ledger::tx t;
    t.chain = sc_params.chain;
    t.inputs = std::move(ext);
    t.inputs.push_back(ledger::spend_of(funding[slot]));
    t.outputs.push_back(ledger::pay(scn.id(), 1'000'000, collector.prog));
    for (auto& o : extra)
      t.outputs.push_back(std::move(o));
    ledger::sign_input(t, t.inputs.size() - 1, collector.prog, *collector.s);
    return t;
  }

  /// Checks a sidechain block on the state and applies it; advances the funding slots it used.
  ledger::tx_error commit(const std::vector<ledger::tx>& txs) {
    auto r = ledger::check_block(txs, sc.height() + 1, sc, sc_params, checker, {}, rules.get());
    if (!r.err.ok()) return r.err;
    sc.apply(r.delta);
    deltas.push_back(r.delta);
    blocks.push_back(txs);
    for (const auto& t : txs)
      for (std::size_t s = 0; s < funding.size(); ++s)
        for (const auto& in : t.inputs)
          if (in.kind == ledger::input_kind::spend && in.spent_output == funding[s])
            funding[s] = ledger::output_id(t.id(), 0, t.outputs[0]);
    return {};
  }
  /// Undoes the last committed sidechain block (funding slots are not rewound).
  void undo() {
    sc.undo(deltas.back());
    deltas.pop_back();
    blocks.pop_back();
  }

  /// Relays headers in one collector transaction in its own block.
  ledger::tx_error relay(const std::vector<mainchain::header>& hs, std::size_t slot = 0) {
    return commit({collector_tx({make_header_input(hs)}, slot)});
  }

  light_client lc() const { return light_client(fp, sc); }

  static std::vector<mainchain::header> headers_of(const std::vector<mainchain::block_ptr>& bs) {
    std::vector<mainchain::header> out;
    for (const auto& b : bs)
      out.push_back(b->hdr());
    return out;
  }
};

using mainchain::block_ptr;
using mainchain::tx_ptr;
using mainchain::testing::child_header;
using mainchain::testing::seal;

struct peg_world : two_chains {
  mainchain::mainchain_core node{w.config()};
  std::vector<block_ptr> chain; ///< the mainchain blocks built so far (best chain)

  peg_world() : two_chains(3) {}

  /// Returns Alice's payment of `amount` BTM to the federation naming `dest` on the sidechain.
  /// (Bob's genesis output when `from_bob`.)
  tx_ptr pegin_tx(std::uint64_t amount, const ledger::control_program& dest,
                  bool from_bob = false) const {
    const auto& payer = from_bob ? w.bob : w.alice;
    ledger::tx t;
    t.chain = w.params().chain;
    t.inputs.push_back(ledger::spend_of(w.genesis_output(from_bob ? 1 : 0)));
    auto o = ledger::pay(w.btm.id(), amount, fed);
    o.data = ledger::encode(dest);
    t.outputs.push_back(o);
    t.outputs.push_back(ledger::pay(w.btm.id(), 1000 - amount, payer.prog));
    ledger::sign_input(t, 0, payer.prog, *payer.s);
    return std::make_shared<const ledger::tx>(std::move(t));
  }

  /// Mines a mainchain block on the last one (or genesis) holding `txs` after its coinbase.
  block_ptr mine(std::vector<tx_ptr> txs = {}, std::uint64_t salt = 0) {
    const auto& parent = chain.empty() ? mc_genesis : chain.back()->hdr();
    std::vector<tx_ptr> all{w.coinbase(parent.height + 1, 50 - salt)};
    all.insert(all.end(), txs.begin(), txs.end());
    auto b = seal(child_header(parent, parent.timestamp_ms + 1000), all);
    node.on_block(1, b, 1'000'000);
    chain.push_back(b);
    return b;
  }

  /// Returns a claim of output `out` of transaction `index` of block b.
  claim_payload claim_of(const block_ptr& b, std::uint32_t index, std::uint32_t out = 0) const {
    claim_payload c;
    c.definition = w.btm;
    c.mc_tx = *b->txs().at(index);
    c.output_index = out;
    c.path = mainchain::make_merkle_path(b->txs(), index);
    c.block = b->hash();
    return c;
  }

  ledger::tx_error claim(const claim_payload& c, std::size_t slot = 0) {
    return commit({collector_tx({make_claim_input(c)}, slot)});
  }

  ledger::asset_id pegged() const { return pegged_definition(w.btm).id(); }
};

struct pegout_world : peg_world {
  block_ptr b1;
  hash256 claimed; ///< Carol's pegged output

  pegout_world() {
    b1 = mine({pegin_tx(600, carol.prog)});
    mine();
    mine();
    EXPECT_TRUE(relay(two_chains::headers_of(chain)).ok());
    EXPECT_TRUE(claim(claim_of(b1, 1)).ok());
    claimed = pegin_output_id(ledger::output_id(b1->txs()[1]->id(), 0, b1->txs()[1]->outputs[0]));
  }

  /// Returns Carol's burn of her 600 pegged units to `to` on the mainchain.
  ledger::tx pegout_tx(const ledger::output& burn) const {
    ledger::tx t;
    t.chain = sc_params.chain;
    t.inputs.push_back(ledger::spend_of(claimed));
    t.outputs.push_back(burn);
    ledger::sign_input(t, 0, carol.prog, *carol.s);
    return t;
  }

  /// Returns the federation's release of the pegin output paying `amount` to Bob for `pegout`.
  tx_ptr release_tx(const hash256& pegout, std::uint64_t amount) const {
    ledger::tx t;
    t.chain = w.params().chain;
    const auto& pegin = *b1->txs()[1];
    t.inputs.push_back(ledger::spend_of(ledger::output_id(pegin.id(), 0, pegin.outputs[0])));
    auto o = ledger::pay(w.btm.id(), amount, w.bob.prog);
    o.data = release_memo(pegout);
    t.outputs.push_back(o);
    if (amount < 600) t.outputs.push_back(ledger::pay(w.btm.id(), 600 - amount, fed));
    ledger::sign_input(t, 0, fed, *members[2].s);
    ledger::sign_input(t, 0, fed, *members[0].s);
    return std::make_shared<const ledger::tx>(std::move(t));
  }
};

/// Returns the federation's unspent outputs in a mainchain node's state.
inline std::vector<federation_coin> federation_coins(const mainchain::mainchain_core& node,
                                                     const ledger::control_program& fed) {
  std::vector<federation_coin> out;
  for (const auto& [id, e] : node.state().entries())
    if (e.out.owner == fed) out.push_back(federation_coin{id, e.out, e.height});
  return out;
}

} // namespace bystack::federation::testing
