/// The BUTXO ledger in simulation: valid transactions commit, invalid ones and invalid blocks are
/// refused with their rule, every node ends with the same UTXO set, and the ledger checker
/// catches the violations it exists for.

#include "runtime/ledger/wallet.hpp"
#include "sim/ledger_sim.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

namespace bystack::sim {
namespace {

run_result run_text(const std::string& text) {
  auto s = parse_scenario(text, "ledger-test.yaml");
  EXPECT_TRUE(s) << (s ? "" : s.err().message);
  if (!s) return {};
  auto r = run(*s);
  EXPECT_TRUE(r) << (r ? "" : r.err().message);
  return r ? *r : run_result{};
}

const char* small_ledger = R"(
name: ledger-small
seed: 3
nodes: 7
supers: 2
groups: [5, 2]
rounds: 12
crypto: ed25519
network:
  latency: {model: uniform, min_ms: 5, max_ms: 30}
protocol:
  block_interval_ms: 200
  view_timeout_ms: 1000
ledger:
  wallets: 40
  rate_tps: 300
  invalid_share: 0.05
  swap_share: 0.15
  multisig_share: 0.15
  atomic_share: 0.15
  quark_share: 0.15
  quantum_share: 0.15
)";

TEST(LedgerSim, ValidTransactionsCommitAndEveryNodeHoldsTheSameState) {
  auto r = run_text(small_ledger);
  ASSERT_TRUE(r.ledger.enabled);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.safety_violations, 0u);
  EXPECT_TRUE(r.ledger.ok()) << r.ledger.first_mismatch << r.ledger.first_supply_violation;
  EXPECT_GT(r.ledger.committed, 200u);
  // Every honest node's hash was compared at every height it committed.
  EXPECT_GE(r.ledger.state_checks, 7u * 12u);
  EXPECT_GE(r.ledger.supply_checks, 12u);
  // All the kinds ran, and the swaps committed (atomically: the checker would see a split).
  for (const char* kind : {"byte", "swap", "multisig", "atomic", "quark", "quantum"})
    EXPECT_GT(r.ledger.generated_by_kind[kind], 0u) << kind;
  // Invalid transactions were refused at admission, each with the rule it broke.
  std::uint64_t refused = 0;
  for (const auto& [why, n] : r.rejected)
    if (why.rfind("tx: ", 0) == 0) refused += n;
  EXPECT_EQ(refused, r.ledger.invalid_generated);
  EXPECT_GT(r.rejected["tx: wrong-chain"] + r.rejected["tx: bad-signature"] +
                r.rejected["tx: threshold-not-met"] + r.rejected["tx: unbalanced"],
            0u);
}

TEST(LedgerSim, SameSeedSameTraceAndState) {
  auto a = run_text(small_ledger);
  auto b = run_text(small_ledger);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.ledger.state_hash, b.ledger.state_hash);
  std::string other(small_ledger);
  other.replace(other.find("seed: 3"), 7, "seed: 4");
  auto c = run_text(other);
  EXPECT_NE(a.ledger.state_hash, c.ledger.state_hash);
}

TEST(LedgerSim, InvalidBlockGetsNoCertificate) {
  auto s = load_scenario("scenarios/faults/invalid-block.yaml");
  ASSERT_TRUE(s) << s.err().message;
  auto r = run(*s);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->safety_violations, 0u);
  EXPECT_TRUE(r->liveness_ok) << r->liveness_detail;
  EXPECT_TRUE(r->ledger.ok()) << r->ledger.first_mismatch << r->ledger.first_supply_violation;
  // Honest nodes refused the invalid blocks before voting...
  EXPECT_GT(r->rejected["block: missing-input"], 0u);
  EXPECT_GT(r->views_timed_out, 0u);
  // ...so none was ever certified and committed: no node's application refused a commit.
  EXPECT_EQ(r->rejected.count("commit: certified block refused by the application"), 0u);
}

TEST(LedgerSim, RestartedNodeRebuildsItsLedger) {
  std::string text(small_ledger);
  text += "faults:\n  - {kind: crash, nodes: [3], at_ms: 600, until_ms: 1800}\n";
  auto r = run_text(text);
  EXPECT_TRUE(r.completed);
  EXPECT_TRUE(r.ledger.ok()) << r.ledger.first_mismatch << r.ledger.first_supply_violation;
}

TEST(LedgerSim, OpaqueRunsIgnoreTheLedger) {
  auto r = run_text("name: opaque\nnodes: 4\nsupers: 1\nrounds: 3\n");
  EXPECT_FALSE(r.ledger.enabled);
  EXPECT_TRUE(r.completed);
}

TEST(LedgerSim, InvalidBlockFaultNeedsALedger) {
  auto s = parse_scenario(
      "name: x\nnodes: 4\nsupers: 1\nfaults:\n  - {kind: invalid_block, nodes: [0]}\n", "x.yaml");
  ASSERT_TRUE(s);
  auto r = run(*s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("needs a ledger section"), std::string::npos);
}

TEST(LedgerChecker, CatchesDifferentStatesAtOneHeight) {
  ledger_checker c;
  crypto::hash256 a, b;
  a.data[0] = 1;
  b.data[0] = 2;
  c.on_commit(0, 5, a);
  c.on_commit(1, 5, a);
  EXPECT_TRUE(c.result().ok());
  c.on_commit(2, 5, b);
  EXPECT_EQ(c.result().state_mismatches, 1u);
  EXPECT_NE(c.result().first_mismatch.find("node 2"), std::string::npos);
}

TEST(LedgerChecker, CatchesUnitsCreatedFromNothing) {
  ledger::genesis_spec g;
  g.assets.push_back({"BTM", ledger::asset_kind::byte, 8, 0, {}, {}, 0});
  crypto::public_key k{};
  k[0] = 7;
  g.outputs.push_back(ledger::pay(g.assets[0].id(), 1000, ledger::control_program::single(k)));
  auto st = ledger::genesis_state(g);
  ASSERT_TRUE(st) << st.err().message;
  ledger_checker c;
  c.check_supply(*st, 0);
  EXPECT_TRUE(c.result().ok());
  // A delta that creates 5 units without issuing them: inflation the checker must flag.
  ledger::block_delta d;
  d.height = 1;
  crypto::hash256 id;
  id.data[0] = 9;
  d.created.emplace_back(
      id, ledger::utxo_entry{ledger::pay(g.assets[0].id(), 5, ledger::control_program::single(k)), 1});
  st->apply(d);
  c.check_supply(*st, 1);
  EXPECT_EQ(c.result().supply_violations, 1u);
  EXPECT_NE(c.result().first_supply_violation.find("1005 unspent units"), std::string::npos);
}

} // namespace
} // namespace bystack::sim

namespace bystack::sim {
namespace {

const char* idle_ledger = R"(
name: idle
seed: 9
nodes: 4
supers: 1
rounds: 6
crypto: modelled
network:
  latency: {model: constant, ms: 10}
protocol:
  block_interval_ms: 500
  empty_block_interval_ms: 2000
  view_timeout_ms: 4000
ledger:
  wallets: 8
  rate_tps: RATE
)";

double seconds_for(const char* rate) {
  std::string text(idle_ledger);
  text.replace(text.find("RATE"), 4, rate);
  auto s = parse_scenario(text, "idle.yaml");
  EXPECT_TRUE(s) << (s ? "" : s.err().message);
  auto r = run(*s);
  EXPECT_TRUE(r && r->completed);
  EXPECT_EQ(r->views_timed_out, 0u);
  return r ? r->sim_seconds : 0;
}

TEST(LedgerSim, IdleNetworkWritesEmptyBlocksOnlyAtTheEmptyBlockInterval) {
  // Six blocks: about 6 x 2 s when idle, about 6 x 0.5 s with transactions flowing.
  auto idle = seconds_for("0");
  auto busy = seconds_for("100");
  EXPECT_GT(idle, 10.0);
  EXPECT_LT(busy, 4.5);
}

TEST(LedgerSim, EmptyBlockIntervalMustStayBelowTheViewTimeout) {
  auto s = parse_scenario(
      "name: x\nnodes: 4\nsupers: 1\nprotocol: {view_timeout_ms: 1000, empty_block_interval_ms: 1000}\n",
      "x.yaml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("empty_block_interval_ms"), std::string::npos);
}

} // namespace
} // namespace bystack::sim
