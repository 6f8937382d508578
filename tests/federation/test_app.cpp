// The sidechain's consensus application (butxo_app) with the federation's rules: relays, claims
// and their limits through admission, block preparation, processing and commit.
#include "fed_fixture.hpp"

#include "runtime/ledger/butxo_app.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

ledger::block block_at(std::uint64_t h, const hash256& parent,
                       std::vector<ledger::transaction> txs) {
  return ledger::make_block(h, h, parent, h - 1, 1000 * h, 0, std::move(txs));
}

TEST(SidechainApp, RelaysAndClaimsGoThroughTheConsensusSeam) {
  peg_world t;
  ledger::butxo_options o;
  o.params = t.sc_params;
  o.ext = t.rules.get();
  ledger::butxo_app app(o, t.sc, crypto::ed25519_scheme());

  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.mine();
  auto relay = t.collector_tx({make_header_input(two_chains::headers_of(t.chain))}, 0);
  ASSERT_TRUE(app.check_tx(ledger::wrap(relay), 1).ok());
  // A claim before the headers it needs are committed is not pooled: the mempool holds it as
  // an orphan (its rule is missing-input), which no block takes.
  auto claim = make_claim_input(t.claim_of(b1, 1));
  auto early = app.admit(t.collector_tx({claim}, 3), 1);
  EXPECT_EQ(early.status, ledger::admit_status::orphan);
  EXPECT_EQ(early.err.code, ledger::rule::missing_input) << early.err.message();
  EXPECT_EQ(app.pool_size(), 1u); // the relay only

  ledger::app_verdict work;
  auto txs1 = app.prepare_block(app.tip(), 1, 10, work);
  ASSERT_EQ(txs1.size(), 1u);
  auto blk1 = block_at(1, app.tip(), txs1);
  ASSERT_TRUE(app.process_block(blk1).ok());
  ASSERT_TRUE(app.commit(blk1).ok());
  EXPECT_EQ(light_client(t.fp, app.state()).tip().hash, t.chain.back()->hash());

  // Two collectors claim the same output: both enter the pool (its view does not replay
  // claims), but a block holds only the first.
  auto c1 = t.collector_tx({claim}, 1);
  auto c2 = t.collector_tx({claim}, 2);
  ASSERT_TRUE(app.check_tx(ledger::wrap(c1), 2).ok());
  ASSERT_TRUE(app.check_tx(ledger::wrap(c2), 2).ok());
  auto txs2 = app.prepare_block(app.tip(), 2, 10, work);
  ASSERT_EQ(txs2.size(), 1u);
  EXPECT_EQ(txs2[0], ledger::wrap(c1));
  // A proposer that puts both in a block is refused.
  auto both = block_at(2, app.tip(), {ledger::wrap(c1), ledger::wrap(c2)});
  EXPECT_FALSE(app.process_block(both).ok());
  auto blk2 = block_at(2, app.tip(), txs2);
  ASSERT_TRUE(app.process_block(blk2).ok());
  ASSERT_TRUE(app.commit(blk2).ok());
  EXPECT_EQ(app.state().issued(t.pegged()), 600u);
  // Once committed, a third claim is refused at admission.
  t.funding[0] = ledger::output_id(relay.id(), 0, relay.outputs[0]);
  auto c3 = app.check_tx(ledger::wrap(t.collector_tx({claim}, 0)), 3);
  EXPECT_STREQ(c3.reason, "issuance-reused");
}

} // namespace
