// The node's BUTXO ledger without a network: the config keys, the store's ledger columns across a
// reopen (the loaded UTXO set equals the one recomputed from genesis by replaying the stored
// chain), the test-fault decorator and the parallel signature pool.
#include "actors/node/node_core.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/ledger_node.hpp"
#include "runtime/node/loadgen_wallets.hpp"
#include "tests/common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

namespace bystack::node {
namespace {

using test::temp_dir;

const std::string key0 = "0d171210a2b92a9974d017d73377cd3d46970260ad753751d6ca3b9ff2ee1252";

std::string base_config() {
  return "node:\n"
         "  key_file: node0.key\n"
         "  listen: {address: 127.0.0.1, port: 7100}\n"
         "  data_dir: data0\n"
         "  api: {address: 127.0.0.1, port: 7101}\n"
         "consensus:\n"
         "  nodes:\n"
         "    - {key: " +
         key0 +
         ", address: 127.0.0.1, port: 7100}\n"
         "  groups:\n"
         "    - {super: 0, members: [0]}\n";
}

std::string genesis_text() {
  return "genesis:\n"
         "  network: t\n"
         "  min_fee_per_kb: 1000\n"
         "  assets:\n"
         "    - {name: BTM, kind: byte, decimals: 8, native: true}\n"
         "  outputs:\n"
         "    - {asset: BTM, amount: 1000000, owner: " +
         key0 + "}\n";
}

TEST(node_ledger_config, genesis_selects_butxo_and_renders_back) {
  auto c = parse_node_config(base_config() + genesis_text(), "n.yaml", "/tmp");
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->ledger, ledger_mode::butxo);
  ASSERT_TRUE(c->genesis);
  auto again = parse_node_config(render_node_config(*c), "again.yaml", "/tmp");
  ASSERT_TRUE(again) << again.err().message;
  ASSERT_TRUE(again->genesis);
  EXPECT_EQ(ledger::genesis_state(*again->genesis)->hash(),
            ledger::genesis_state(*c->genesis)->hash());
  auto opaque = parse_node_config(base_config(), "n.yaml", "/tmp");
  ASSERT_TRUE(opaque);
  EXPECT_EQ(opaque->ledger, ledger_mode::opaque);
}

TEST(node_ledger_config, refuses_butxo_without_genesis_and_both_genesis_keys) {
  auto a = parse_node_config(base_config() + "ledger: butxo\n", "n.yaml", "/tmp");
  ASSERT_FALSE(a);
  EXPECT_NE(a.err().message.find("'ledger'"), std::string::npos) << a.err().message;
  auto b = parse_node_config(base_config() + genesis_text() + "genesis_file: g.yaml\n", "n.yaml",
                             "/tmp");
  ASSERT_FALSE(b);
  EXPECT_NE(b.err().message.find("not both"), std::string::npos) << b.err().message;
}

TEST(node_ledger_config, compact_relay_runs_with_both_ledgers_and_dedups_transactions) {
  auto c = parse_node_config(base_config() + "protocol: {relay: compact}\n" + genesis_text(),
                             "n.yaml", "/tmp");
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->ledger, ledger_mode::butxo);
  EXPECT_EQ(c->protocol.relay, bbft::relay_mode::compact);
  EXPECT_TRUE(c->protocol.dedup_txs);
  auto opaque = parse_node_config(base_config() + "protocol: {relay: compact}\n", "n.yaml", "/tmp");
  ASSERT_TRUE(opaque) << opaque.err().message;
  EXPECT_TRUE(opaque->protocol.dedup_txs);
}

TEST(node_ledger_config, genesis_file_is_read_relative_to_the_config) {
  temp_dir dir;
  std::ofstream(dir.path() / "g.yaml") << render_genesis(loadgen_genesis("s", 3));
  auto c = parse_node_config(base_config() + "genesis_file: g.yaml\n", "n.yaml", dir.path());
  ASSERT_TRUE(c) << c.err().message;
  ASSERT_TRUE(c->genesis);
  EXPECT_EQ(c->genesis->outputs.size(), 3u);
  EXPECT_EQ(c->genesis_file, dir.path() / "g.yaml");
}

TEST(node_ledger_config, test_faults_need_the_environment_switch) {
  auto text = base_config() + genesis_text() + "testing: {propose_invalid_every: 3}\n";
  unsetenv(test_faults_env);
  auto refused = parse_node_config(text, "n.yaml", "/tmp");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.err().message.find(test_faults_env), std::string::npos)
      << refused.err().message;
  setenv(test_faults_env, "1", 1);
  auto allowed = parse_node_config(text, "n.yaml", "/tmp");
  unsetenv(test_faults_env);
  ASSERT_TRUE(allowed) << allowed.err().message;
  EXPECT_EQ(allowed->testing.propose_invalid_every, 3u);
}

TEST(node_ledger_config, link_faults_need_the_environment_switch) {
  auto text = base_config() + genesis_text() + "testing: {link_faults: true}\n";
  unsetenv(test_faults_env);
  auto refused = parse_node_config(text, "n.yaml", "/tmp");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.err().message.find(test_faults_env), std::string::npos)
      << refused.err().message;
  setenv(test_faults_env, "1", 1);
  auto allowed = parse_node_config(text, "n.yaml", "/tmp");
  unsetenv(test_faults_env);
  ASSERT_TRUE(allowed) << allowed.err().message;
  EXPECT_TRUE(allowed->testing.link_faults);
  // The rendered config keeps the switch (and a config without it has none).
  setenv(test_faults_env, "1", 1);
  auto again = parse_node_config(render_node_config(*allowed), "n.yaml", "/tmp");
  unsetenv(test_faults_env);
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_TRUE(again->testing.link_faults);
  auto plain = parse_node_config(base_config() + genesis_text(), "n.yaml", "/tmp");
  ASSERT_TRUE(plain) << plain.err().message;
  EXPECT_FALSE(plain->testing.link_faults);
}

TEST(work_pool, runs_every_index_once) {
  work_pool pool(3);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> seen(257);
    pool.run(seen.size(), [&](std::size_t i) { seen[i]++; });
    for (auto& s : seen)
      ASSERT_EQ(s.load(), 1);
  }
}

/// A one-node chain driven by hand: wallets of loadgen_genesis pay each other through the
/// decorated application, and each committed block goes to a store with its ledger changes.
struct ledger_chain {
  explicit ledger_chain(std::uint64_t invalid_every = 0)
      : spec(loadgen_genesis("test", 4)), genesis(*ledger::genesis_state(spec)), pool(2),
        app(options(), genesis, crypto::ed25519_scheme()), lg(app, nullptr, invalid_every) {
    app.reset_state(genesis, bbft::genesis_block()->hash());
    tip = bbft::genesis_block()->hash();
    for (std::size_t i = 0; i < 4; ++i) {
      keys.push_back(crypto::ed25519_scheme().make_signer(loadgen_wallet_seed("test", i)));
      coins.push_back(ledger::output_id(ledger::genesis_txid(spec), static_cast<std::uint32_t>(i),
                                        spec.outputs[i]));
      amounts.push_back(spec.outputs[i].amount);
    }
  }

  ledger::butxo_options options() {
    ledger::butxo_options o;
    o.params = ledger::params_of(spec);
    o.run = pool.as_parallel_for();
    return o;
  }

  /// Submits one transfer from wallet w (spending its last change) to wallet w + 1.
  void transfer(std::size_t w) {
    auto params = ledger::params_of(spec);
    auto me = ledger::control_program::single(keys[w]->pub());
    auto to = ledger::control_program::single(keys[(w + 1) % keys.size()]->pub());
    ledger::tx t;
    t.chain = params.chain;
    t.inputs.push_back(ledger::spend_of(coins[w]));
    t.outputs.push_back(ledger::pay(params.native, 7, to));
    t.outputs.push_back(ledger::pay(params.native, amounts[w] - 7 - 1000, me));
    ledger::sign_input(t, 0, me, *keys[w]);
    auto v = lg.check_tx(ledger::wrap(t), height + 1);
    ASSERT_TRUE(v.ok()) << v.detail;
    coins[w] = ledger::output_id(t.id(), 1, t.outputs[1]);
    amounts[w] = t.outputs[1].amount;
  }

  /// Proposes, processes and commits the next block, and stores it.
  void commit_next(chain_store& st) {
    ++height;
    ledger::app_verdict work;
    auto txs = lg.prepare_block(tip, height, 100, work);
    auto b = std::make_shared<const ledger::block>(
        ledger::make_block(height, height, tip, height - 1, 1000 * height, 0, std::move(txs)));
    ASSERT_TRUE(lg.process_block(*b).ok());
    ASSERT_TRUE(lg.commit(*b).ok());
    auto changes = lg.take_changes(height);
    ASSERT_TRUE(changes);
    proto::block_certificate cert;
    cert.height = height;
    cert.view = height;
    cert.block_hash = b->hash();
    auto w = st.append({b, cert}, &*changes);
    ASSERT_TRUE(w) << w.err().message;
    tip = b->hash();
  }

  ledger::genesis_spec spec;
  ledger::utxo_set genesis;
  work_pool pool;
  ledger::butxo_app app;
  node_ledger lg;
  crypto::hash256 tip;
  std::uint64_t height = 0;
  std::vector<std::unique_ptr<crypto::signer>> keys;
  std::vector<crypto::hash256> coins;
  std::vector<std::uint64_t> amounts;
};

TEST(ledger_store, restart_loads_the_set_that_replaying_the_chain_recomputes) {
  temp_dir dir;
  ledger_chain c;
  ledger::utxo_set live;
  {
    auto st = chain_store::open(dir.path() / "db", true);
    ASSERT_TRUE(st) << st.err().message;
    ASSERT_TRUE((*st)->write_ledger_genesis(c.genesis, genesis_marker(c.spec, c.genesis)));
    for (int block = 0; block < 6; ++block) {
      // Chained transfers: several per wallet in one block, each spending the previous change.
      for (int k = 0; k < 3; ++k)
        for (std::size_t w = 0; w < 4; ++w)
          c.transfer(w);
      c.commit_next(**st);
    }
    live = c.app.state();
  }
  EXPECT_EQ(live.size(), 4u + 6 * 12);

  auto st = chain_store::open(dir.path() / "db", true);
  ASSERT_TRUE(st) << st.err().message;
  auto loaded = (*st)->load_ledger();
  ASSERT_TRUE(loaded) << loaded.err().message;

  // Replay the stored chain through a fresh application from genesis.
  ledger::butxo_options o;
  o.params = ledger::params_of(c.spec);
  ledger::butxo_app fresh(o, c.genesis, crypto::ed25519_scheme());
  fresh.reset_state(c.genesis, bbft::genesis_block()->hash());
  auto chain = (*st)->load_all();
  ASSERT_TRUE(chain) << chain.err().message;
  ASSERT_EQ(chain->size(), 6u);
  for (const auto& cb : *chain) {
    auto v = fresh.commit(*cb.block);
    ASSERT_TRUE(v.ok()) << v.detail;
  }
  EXPECT_EQ(loaded->hash(), fresh.state().hash());
  EXPECT_EQ(loaded->entries(), fresh.state().entries());
  EXPECT_EQ(loaded->hash(), live.hash());
  EXPECT_EQ(loaded->height(), 6u);
  auto native = ledger::params_of(c.spec).native;
  EXPECT_EQ(loaded->issued(native), fresh.state().issued(native));
  EXPECT_EQ(loaded->retired(native), fresh.state().retired(native));
  EXPECT_GT(loaded->retired(native), 0u); // the fees

  // The API's reads: owner index, transaction index, asset totals.
  auto me = ledger::control_program::single(c.keys[0]->pub()).address();
  auto mine = (*st)->utxos_of(me, 1000);
  ASSERT_TRUE(mine);
  std::size_t expected = 0;
  for (const auto& [id, e] : fresh.state().entries())
    if (e.out.owner.address() == me) ++expected;
  EXPECT_EQ(mine->size(), expected);
  auto a = (*st)->asset(native);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->definition.name, "BTM");
  EXPECT_EQ((*a)->retired, fresh.state().retired(native));
  auto t = ledger::unwrap(chain->back().block->txs.front());
  ASSERT_TRUE(t);
  auto rec = (*st)->committed_tx(t->id());
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->height, 6u);
  EXPECT_EQ((*rec)->tx, ledger::encode(*t));
}

TEST(ledger_store, genesis_alone_loads_back) {
  ledger_chain c;
  auto st = chain_store::in_memory();
  ASSERT_TRUE(st->write_ledger_genesis(c.genesis, genesis_marker(c.spec, c.genesis)));
  auto loaded = st->load_ledger();
  ASSERT_TRUE(loaded) << loaded.err().message;
  EXPECT_EQ(loaded->hash(), c.genesis.hash());
  EXPECT_EQ(st->ledger_genesis().value(), genesis_marker(c.spec, c.genesis));
}

TEST(node_ledger, test_fault_spoils_every_kth_proposal_and_others_refuse_it) {
  ledger_chain leader(2);
  ledger::app_verdict work;
  auto first = leader.lg.prepare_block(leader.tip, 1, 100, work);
  auto second = leader.lg.prepare_block(leader.tip, 1, 100, work);
  EXPECT_TRUE(first.empty());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(leader.lg.invalid_proposed(), 1u);
  ledger_chain honest;
  auto b = ledger::make_block(1, 1, honest.tip, 0, 1000, 0, second);
  auto v = honest.lg.process_block(b);
  EXPECT_FALSE(v.ok());
  EXPECT_STREQ(v.reason, "bad-signature") << v.detail;
}

} // namespace
} // namespace bystack::node
