// The mainchain light client kept in the sidechain state: headers relayed as transactions,
// each checked with the mainchain's rules, the heaviest chain kept, undo through the ledger.
#include "fed_fixture.hpp"

#include "actors/mainchain/header_codec.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;
using mainchain::testing::branch;
using mainchain::testing::seal;

TEST(LightClient, RelayedHeadersExtendTheBestChain) {
  two_chains t;
  auto bs = branch(t.w, t.mc_genesis, 5, 1000);
  EXPECT_EQ(t.lc().tip().hash, t.mc_genesis.hash());
  ASSERT_TRUE(t.relay(two_chains::headers_of({bs.begin(), bs.begin() + 2})).ok());
  ASSERT_TRUE(t.relay(two_chains::headers_of({bs.begin() + 2, bs.end()})).ok());
  auto lc = t.lc();
  EXPECT_EQ(lc.tip().hash, bs[4]->hash());
  EXPECT_EQ(lc.tip().hdr.height, 5u);
  EXPECT_EQ(lc.confirmations(bs[0]->hash()), 5u);
  EXPECT_EQ(lc.confirmations(bs[4]->hash()), 1u);
  EXPECT_EQ(lc.confirmations(hash256{}), 0u);
  EXPECT_EQ(*lc.best_at(3), bs[2]->hash());
  // The records obey the ledger's own supply check: unspent = issued - retired everywhere.
  auto unspent = t.sc.supply_by_asset();
  for (const auto& [id, def] : t.sc.assets())
    EXPECT_EQ(unspent[id], t.sc.issued(id) - t.sc.retired(id)) << def.name;
}

TEST(LightClient, RefusesABadProofOfWork) {
  two_chains t;
  auto bs = branch(t.w, t.mc_genesis, 2, 1000);
  auto h = bs[0]->hdr();
  h.nonce += 1;
  auto err = t.relay({h});
  EXPECT_EQ(err.code, ledger::rule::malformed);
  EXPECT_NE(err.detail.find("bad-pow"), std::string::npos) << err.message();
  EXPECT_EQ(t.lc().tip().hash, t.mc_genesis.hash());
  // A good header after a refused one is still accepted.
  EXPECT_TRUE(t.relay({bs[0]->hdr()}).ok());
}

TEST(LightClient, RefusesWrongBitsSeedHeightTimeAndUnknownParents) {
  two_chains t;
  auto bs = branch(t.w, t.mc_genesis, 2, 1000);
  auto resealed = [](mainchain::header h) {
    h.nonce = mainchain::modelled_nonce(h);
    return h;
  };
  auto h = bs[0]->hdr();
  h.bits = t.w.consensus.pow_limit_bits; // easier than the chain demands
  EXPECT_NE(t.relay({resealed(h)}).detail.find("bad-bits"), std::string::npos);
  h = bs[0]->hdr();
  h.seed = hash256{};
  EXPECT_NE(t.relay({resealed(h)}).detail.find("bad-seed"), std::string::npos);
  h = bs[0]->hdr();
  h.timestamp_ms = t.mc_genesis.timestamp_ms;
  EXPECT_NE(t.relay({resealed(h)}).detail.find("time-too-old"), std::string::npos);
  EXPECT_EQ(t.relay({bs[1]->hdr()}).code, ledger::rule::missing_input); // parent not relayed
  // Two headers that do not link are refused as one run.
  EXPECT_FALSE(t.relay({bs[0]->hdr(), bs[0]->hdr()}).ok());
  ASSERT_TRUE(t.relay({bs[0]->hdr()}).ok());
  EXPECT_EQ(t.relay({bs[0]->hdr()}).code, ledger::rule::duplicate_input); // already known
}

TEST(LightClient, RetargetsWithTheMainchainRule) {
  two_chains t;
  t.w.consensus.retarget_blocks = 4;
  t.fp.consensus = t.w.consensus;
  t.rules = std::make_unique<sidechain_rules>(t.fp, t.w.pow);
  // Blocks four times faster than the target: the retarget at height 4 makes them harder.
  auto bs = branch(t.w, t.mc_genesis, 3, 250);
  auto h4 = mainchain::testing::child_header(bs[2]->hdr(), bs[2]->hdr().timestamp_ms + 250);
  auto wrong = seal(h4, {t.w.coinbase(4)});
  EXPECT_TRUE(t.relay(two_chains::headers_of(bs)).ok());
  EXPECT_NE(t.relay({wrong->hdr()}).detail.find("bad-bits"), std::string::npos);
  auto span = static_cast<std::int64_t>(bs[2]->hdr().timestamp_ms - t.mc_genesis.timestamp_ms);
  auto bits = mainchain::retarget_bits(bs[2]->hdr().bits, span, t.w.consensus);
  EXPECT_NE(bits, bs[2]->hdr().bits);
  auto right = seal(mainchain::testing::child_header(bs[2]->hdr(), h4.timestamp_ms, bits),
                    {t.w.coinbase(4)});
  EXPECT_TRUE(t.relay({right->hdr()}).ok());
  // The mainchain node agrees on the bits.
  mainchain::mainchain_core node(t.w.config());
  for (const auto& b : bs)
    node.on_block(1, b, 1'000'000);
  EXPECT_EQ(node.next_bits(bs[2]->hash()), bits);
}

TEST(LightClient, AForkWithMoreWorkReplacesTheTipAndUndoRestoresIt) {
  two_chains t;
  auto a = branch(t.w, t.mc_genesis, 2, 1000);
  auto b = branch(t.w, t.mc_genesis, 3, 1000, {}, 1); // another coinbase: another branch
  ASSERT_TRUE(t.relay(two_chains::headers_of(a)).ok());
  EXPECT_EQ(t.lc().tip().hash, a[1]->hash());
  // Two blocks of branch b: equal work, the first seen stays.
  ASSERT_TRUE(t.relay(two_chains::headers_of({b.begin(), b.begin() + 2})).ok());
  EXPECT_EQ(t.lc().tip().hash, a[1]->hash());
  ASSERT_TRUE(t.relay({b[2]->hdr()}).ok());
  auto lc = t.lc();
  EXPECT_EQ(lc.tip().hash, b[2]->hash());
  EXPECT_EQ(lc.confirmations(a[0]->hash()), 0u); // reorganised away
  EXPECT_EQ(lc.confirmations(b[0]->hash()), 3u);
  EXPECT_EQ(lc.tip_changes(), 2u);
  // Undo of the last sidechain block brings the old tip back, state hash included.
  auto before = t.deltas.size();
  t.undo();
  EXPECT_EQ(t.deltas.size(), before - 1);
  EXPECT_EQ(t.lc().tip().hash, a[1]->hash());
  EXPECT_EQ(t.lc().confirmations(a[0]->hash()), 2u);
  EXPECT_FALSE(t.lc().find(b[2]->hash()));
}

TEST(LightClient, OneTransactionRelaysInOneInputAndBlocksSeeEarlierRelays) {
  two_chains t;
  auto bs = branch(t.w, t.mc_genesis, 2, 1000);
  auto two_inputs =
      t.collector_tx({make_header_input({bs[0]->hdr()}), make_header_input({bs[1]->hdr()})});
  EXPECT_EQ(t.commit({two_inputs}).code, ledger::rule::duplicate_input);
  // Two transactions of one block: the second extends what the first relayed.
  auto first = t.collector_tx({make_header_input({bs[0]->hdr()})}, 0);
  auto second = t.collector_tx({make_header_input({bs[1]->hdr()})}, 1);
  ASSERT_TRUE(t.commit({first, second}).ok());
  EXPECT_EQ(t.lc().tip().hash, bs[1]->hash());
}

TEST(LightClient, RefusesMalformedRelays) {
  two_chains t;
  ledger::input in;
  in.kind = header_input;
  in.ext = {1, 2, 3};
  EXPECT_EQ(t.commit({t.collector_tx({in})}).code, ledger::rule::malformed);
  in.ext = encode_headers({});
  EXPECT_EQ(t.commit({t.collector_tx({in})}).code, ledger::rule::malformed);
  auto many = branch(t.w, t.mc_genesis, 65, 1000);
  EXPECT_EQ(t.relay(two_chains::headers_of(many)).code, ledger::rule::malformed);
}

} // namespace

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

// A relay carries its headers in the mainchain's canonical encoding (the mainchain node's wire
// and store use it too): a count, then each header as mainchain::put writes it.
TEST(LightClient, RelaysHeadersInTheMainchainEncoding) {
  two_chains t;
  auto bs = branch(t.w, t.mc_genesis, 2, 1000);
  auto hs = two_chains::headers_of(bs);
  bytes want;
  ledger::detail::writer w(want);
  w.u32(2);
  for (const auto& h : hs)
    mainchain::put(w, h);
  EXPECT_EQ(encode_headers(hs), want);
  auto back = decode_headers(byte_view{want.data(), want.size()}, 8);
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(*back, hs);
}

TEST(LightClient, BoundsForkDepthAndLookBackDepth) {
  two_chains t;
  t.fp.fork_depth_max = 2;
  t.fp.claim_depth_max = 3;
  t.rules = std::make_unique<sidechain_rules>(t.fp, t.w.pow);
  auto bs = mainchain::testing::branch(t.w, t.mc_genesis, 5, 1000);
  ASSERT_TRUE(t.relay(two_chains::headers_of(bs)).ok());
  // A fork from genesis, five blocks below the tip, is refused; one from height 3 is not.
  auto deep = mainchain::testing::branch(t.w, t.mc_genesis, 1, 1000, {}, 1);
  auto err = t.relay(two_chains::headers_of(deep));
  EXPECT_NE(err.detail.find("forks 5 blocks below the tip"), std::string::npos) << err.message();
  auto shallow = mainchain::testing::branch(t.w, bs[2]->hdr(), 1, 1000, {}, 1);
  EXPECT_TRUE(t.relay(two_chains::headers_of(shallow)).ok());
  // Lookups walk at most claim_depth_max blocks back from the tip.
  auto lc = t.lc();
  EXPECT_EQ(lc.confirmations(bs[2]->hash()), 3u);
  EXPECT_EQ(lc.confirmations(bs[1]->hash()), 4u); // 3 below the tip: the bound
  EXPECT_EQ(lc.confirmations(bs[0]->hash()), 0u); // 4 below: beyond it
  EXPECT_FALSE(lc.best_at(1).has_value());
}

} // namespace
