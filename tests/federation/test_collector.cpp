// Collectors: headers relayed, pegins claimed once, releases recorded, a replaced collector.
#include "actors/federation/collector_core.hpp"
#include "fed_fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

struct collector_world : peg_world {
  collector_config config(std::size_t slot) const {
    collector_config c;
    c.params = fp;
    c.sidechain = sc_params;
    c.signer = collector.s.get();
    c.funding = funding[slot];
    c.mainchain_assets = {w.btm};
    return c;
  }
  void show(collector_core& c) const {
    for (const auto& b : chain)
      c.on_mainchain_block(b);
    if (!chain.empty()) c.on_mainchain_tip(chain.back()->hash());
  }
  /// Runs the collector until it has nothing to do; returns the transactions committed.
  std::size_t run(collector_core& c, std::size_t steps_max = 20) {
    std::size_t committed = 0;
    for (std::size_t i = 0; i < steps_max; ++i) {
      auto t = c.step(sc, sc.height());
      if (!t) {
        if (c.step(sc, sc.height())) ADD_FAILURE() << "a second step built a transaction";
        break;
      }
      auto err = commit({*t});
      EXPECT_TRUE(err.ok()) << err.message();
      committed += err.ok();
    }
    return committed;
  }
};

TEST(Collector, RelaysHeadersThenClaimsOnceConfirmed) {
  collector_world t;
  collector_core c(t.config(0));
  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 1u); // the headers; two confirmations are not enough
  EXPECT_EQ(t.lc().tip().hash, t.chain.back()->hash());
  EXPECT_EQ(c.stats().claims, 0u);
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 2u); // the third header, then the claim
  EXPECT_EQ(c.stats().claims, 1u);
  auto oid = ledger::output_id(b1->txs()[1]->id(), 0, b1->txs()[1]->outputs[0]);
  EXPECT_TRUE(t.sc.issuance_used(claim_key(oid)));
  EXPECT_EQ(t.sc.find(pegin_output_id(oid))->out.amount, 600u);
  // Nothing more to do: no second claim. A payment to the federation naming no sidechain
  // owner (as a release's change) is no pegin and does not stall the collector.
  ledger::tx plain;
  plain.chain = t.w.params().chain;
  plain.inputs.push_back(ledger::spend_of(t.w.genesis_output(1)));
  plain.outputs.push_back(ledger::pay(t.w.btm.id(), 1000, t.fed));
  ledger::sign_input(plain, 0, t.w.bob.prog, *t.w.bob.s);
  t.mine({std::make_shared<const ledger::tx>(plain)});
  t.mine();
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 1u);
  EXPECT_EQ(c.stats().claims, 1u);
  EXPECT_EQ(t.lc().tip().hash, t.chain.back()->hash());
}

TEST(Collector, AReplacedCollectorClaimsWhatIsLeftAndNothingTwice) {
  collector_world t;
  auto first = std::make_unique<collector_core>(t.config(0));
  t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.mine();
  t.show(*first);
  // The first collector relays the headers and builds its claim, then dies before submitting.
  ASSERT_TRUE(t.commit({*first->step(t.sc, t.sc.height())}).ok());
  ASSERT_TRUE(first->step(t.sc, t.sc.height()).has_value());
  first.reset();
  collector_core second(t.config(1));
  t.show(second);
  EXPECT_EQ(t.run(second), 1u);
  EXPECT_EQ(second.stats().claims, 1u);
  EXPECT_EQ(t.sc.issued(t.pegged()), 600u);
}

TEST(Collector, TwoCollectorsRaceAndTheLoserRebuildsAfterExpiry) {
  collector_world t;
  collector_core a(t.config(0)), b(t.config(1));
  t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.mine();
  t.show(a);
  t.show(b);
  ASSERT_EQ(t.run(a), 2u);                               // headers, claim
  EXPECT_FALSE(b.step(t.sc, t.sc.height()).has_value()); // nothing left for b
  // A race: both build a claim of a new pegin from the same state.
  t.mine({t.pegin_tx(300, t.dave.prog, true)});
  t.mine();
  t.mine();
  t.show(a);
  t.show(b);
  ASSERT_TRUE(t.commit({*a.step(t.sc, t.sc.height())}).ok()); // the headers
  auto from_a = a.step(t.sc, t.sc.height());
  auto from_b = b.step(t.sc, t.sc.height());
  ASSERT_TRUE(from_a && from_b);
  EXPECT_EQ(a.stats().claims, 2u);
  EXPECT_EQ(b.stats().claims, 1u);
  ASSERT_TRUE(t.commit({*from_a}).ok());
  EXPECT_EQ(t.commit({*from_b}).code, ledger::rule::issuance_reused);
  // b waits for its transaction to expire, then finds nothing left to claim.
  while (t.sc.height() <= from_b->expires_at) {
    EXPECT_FALSE(b.step(t.sc, t.sc.height()).has_value());
    ASSERT_TRUE(t.commit({}).ok());
  }
  EXPECT_FALSE(b.step(t.sc, t.sc.height()).has_value());
  EXPECT_EQ(b.stats().rebuilt, 1u);
  EXPECT_EQ(t.sc.issued(t.pegged()), 900u);
}

TEST(Collector, RecordsAReleaseOnceConfirmed) {
  collector_world t;
  collector_core c(t.config(0));
  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.mine();
  t.show(c);
  ASSERT_EQ(t.run(c), 2u);
  auto claimed =
      pegin_output_id(ledger::output_id(b1->txs()[1]->id(), 0, b1->txs()[1]->outputs[0]));
  ledger::tx burn;
  burn.chain = t.sc_params.chain;
  burn.inputs.push_back(ledger::spend_of(claimed));
  burn.outputs.push_back(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0}));
  ledger::sign_input(burn, 0, t.carol.prog, *t.carol.s);
  ASSERT_TRUE(t.commit({burn}).ok());
  auto pegout = ledger::output_id(burn.id(), 0, burn.outputs[0]);
  ledger::tx rel;
  rel.chain = t.w.params().chain;
  rel.inputs.push_back(
      ledger::spend_of(ledger::output_id(b1->txs()[1]->id(), 0, b1->txs()[1]->outputs[0])));
  auto o = ledger::pay(t.w.btm.id(), 600, t.w.bob.prog);
  o.data = release_memo(pegout);
  rel.outputs.push_back(o);
  ledger::sign_input(rel, 0, t.fed, *t.members[0].s);
  ledger::sign_input(rel, 0, t.fed, *t.members[1].s);
  t.mine({std::make_shared<const ledger::tx>(rel)});
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 1u); // headers only: two confirmations
  EXPECT_EQ(c.stats().releases_recorded, 0u);
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 2u);
  EXPECT_EQ(c.stats().releases_recorded, 1u);
  EXPECT_EQ(t.sc.find(pegout), nullptr);
  EXPECT_EQ(t.sc.retired(t.pegged()), 600u);
}

} // namespace

namespace {

TEST(Collector, SkipsAClaimTooLargeForAnExtensionInputAndKeepsRelaying) {
  collector_world t;
  auto cfg = t.config(0);
  cfg.ext_bytes_max = ledger::max_data_bytes;
  collector_core c(cfg);
  // A pegin whose transaction (many change outputs) makes its claim exceed the collector's bound
  // (here 1024 bytes; real nodes decode up to ledger::max_ext_input_bytes): skipped.
  ledger::tx big;
  big.chain = t.w.params().chain;
  big.inputs.push_back(ledger::spend_of(t.w.genesis_output(1)));
  auto o = ledger::pay(t.w.btm.id(), 600, t.fed);
  o.data = ledger::encode(t.carol.prog);
  big.outputs.push_back(o);
  for (int i = 0; i < 8; ++i)
    big.outputs.push_back(ledger::pay(t.w.btm.id(), 50, t.w.bob.prog));
  ledger::sign_input(big, 0, t.w.bob.prog, *t.w.bob.s);
  t.mine({std::make_shared<const ledger::tx>(big), t.pegin_tx(300, t.carol.prog)});
  t.mine();
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 2u); // the headers, then the claim that fits
  EXPECT_EQ(c.stats().claims, 1u);
  EXPECT_GT(c.stats().oversized, 0u);
  EXPECT_EQ(t.sc.issued(t.pegged()), 300u);
  // Later blocks are still relayed: the oversized pegin does not stall the collector.
  t.mine();
  t.show(c);
  EXPECT_EQ(t.run(c), 1u);
  EXPECT_EQ(t.lc().tip().hash, t.chain.back()->hash());
  // Without the bound (the simulation, whose pool takes transactions as they are) it is claimed.
  collector_world u;
  collector_core unbounded(u.config(0));
  u.mine({std::make_shared<const ledger::tx>(big), u.pegin_tx(300, u.carol.prog)});
  u.mine();
  u.mine();
  u.show(unbounded);
  EXPECT_EQ(u.run(unbounded), 2u);
  EXPECT_EQ(unbounded.stats().claims, 2u);
  EXPECT_EQ(unbounded.stats().oversized, 0u);
}

TEST(Collector, RunsOf64HeadersAndLargeClaimsCrossTheWire) {
  // Real nodes decode an extension input of up to ledger::max_ext_input_bytes: a run of 64
  // headers and the claim of a pegin with many outputs both fit, decoded as a node would.
  collector_world t;
  auto cfg = t.config(0);
  cfg.ext_bytes_max = ledger::max_ext_input_bytes;
  collector_core c(cfg);
  ledger::tx big;
  big.chain = t.w.params().chain;
  big.inputs.push_back(ledger::spend_of(t.w.genesis_output(1)));
  auto o = ledger::pay(t.w.btm.id(), 600, t.fed);
  o.data = ledger::encode(t.carol.prog);
  big.outputs.push_back(o);
  for (int i = 0; i < 8; ++i)
    big.outputs.push_back(ledger::pay(t.w.btm.id(), 50, t.w.bob.prog));
  ledger::sign_input(big, 0, t.w.bob.prog, *t.w.bob.s);
  t.mine({std::make_shared<const ledger::tx>(big)});
  for (int i = 0; i < 69; ++i)
    t.mine();
  t.show(c);
  std::size_t largest = 0, runs = 0;
  for (int i = 0; i < 10; ++i) {
    auto x = c.step(t.sc, t.sc.height());
    if (!x) break;
    auto wire = ledger::encode(*x);
    auto back = ledger::decode_tx(byte_view{wire.data(), wire.size()});
    ASSERT_TRUE(back) << back.err().message;
    for (const auto& in : back->inputs) {
      largest = std::max(largest, in.ext.size());
      if (in.kind == header_input) ++runs;
    }
    auto err = t.commit({*back});
    ASSERT_TRUE(err.ok()) << err.message();
  }
  EXPECT_GT(largest, ledger::max_data_bytes); // beyond the old bound of 1024 bytes
  EXPECT_EQ(runs, 2u);                        // 70 headers: 64, then 6
  EXPECT_EQ(c.stats().headers_relayed, 70u);
  EXPECT_EQ(c.stats().claims, 1u);
  EXPECT_EQ(c.stats().oversized, 0u);
  EXPECT_EQ(t.sc.issued(t.pegged()), 600u);
}

} // namespace
