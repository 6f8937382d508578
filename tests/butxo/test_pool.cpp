// The transaction pool: admission by full validation, conflicts, duplicates, orphans, bounds
// with eviction by fee rate, and what a commit removes.
#include "fixture.hpp"

#include "runtime/ledger/mempool.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

using tx_ptr = std::shared_ptr<const tx>;

struct pool_world : world {
  /// Returns a signed spend of genesis output `from` paying `to`, leaving `fee`.
  tx pay_from(std::size_t from, const control_program& to, std::uint64_t fee = 0) {
    tx t = make_tx();
    t.inputs.push_back(spend_of(genesis(from)));
    t.outputs.push_back(pay(native.id(), 1000 - fee, to));
    sign(t);
    return t;
  }
  /// Returns a signed spend of output 0 of parent (owned by `owner`), paying `to`.
  tx child_of(const tx& parent, const party& owner, const control_program& to) {
    tx t = make_tx();
    t.inputs.push_back(spend_of(out_id(parent, 0)));
    t.outputs.push_back(pay(parent.outputs[0].asset, parent.outputs[0].amount, to));
    EXPECT_TRUE(sign_input(t, 0, owner.prog, *owner.s));
    return t;
  }
};

tx_ptr ptr(const tx& t) {
  return std::make_shared<const tx>(t);
}

TEST(butxo_pool, admission_runs_full_validation) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  auto t = w.pay_from(world::alice_btm, w.bob.prog);
  auto bad = t;
  bad.inputs[0].witness.clear();
  auto r = pool.admit(ptr(bad), 1);
  EXPECT_EQ(r.status, admit_status::invalid);
  EXPECT_RULE(r.err, rule::threshold_not_met);
  auto inflated = t;
  inflated.outputs[0].amount = 1001;
  EXPECT_RULE(pool.admit(ptr(inflated), 1).err, rule::unbalanced);
  r = pool.admit(ptr(t), 1);
  EXPECT_EQ(r.status, admit_status::accepted);
  EXPECT_EQ(r.id, t.id());
  EXPECT_TRUE(pool.contains(t.id()));
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.bytes(), encode(t).size());
  EXPECT_EQ(*pool.get(t.id()), t);
  auto expired = w.pay_from(world::bob_btm, w.carol.prog);
  expired.expires_at = 3;
  expired.inputs[0].witness.clear();
  w.sign(expired);
  EXPECT_RULE(pool.admit(ptr(expired), 4).err, rule::expired);
  EXPECT_STREQ(admit_status_name(admit_status::pool_full), "pool-full");
}

TEST(butxo_pool, first_seen_wins_and_duplicates_are_noticed) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  auto first = w.pay_from(world::alice_btm, w.bob.prog);
  auto second = w.pay_from(world::alice_btm, w.carol.prog);
  EXPECT_EQ(pool.admit(ptr(first), 1).status, admit_status::accepted);
  auto r = pool.admit(ptr(second), 1);
  EXPECT_EQ(r.status, admit_status::conflict);
  EXPECT_RULE(r.err, rule::missing_input);
  EXPECT_EQ(pool.admit(ptr(first), 1).status, admit_status::duplicate);
  EXPECT_TRUE(pool.contains(first.id()));
  EXPECT_FALSE(pool.contains(second.id()));
  EXPECT_EQ(pool.size(), 1u);
}

TEST(butxo_pool, orphan_waits_for_its_parent) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  auto parent = w.pay_from(world::alice_btm, w.bob.prog);
  auto child = w.child_of(parent, w.bob, w.carol.prog);
  auto grandchild = w.child_of(child, w.carol, w.alice.prog);
  auto r = pool.admit(ptr(grandchild), 1);
  EXPECT_EQ(r.status, admit_status::orphan);
  EXPECT_EQ(pool.admit(ptr(child), 1).status, admit_status::orphan);
  EXPECT_EQ(pool.admit(ptr(child), 1).status, admit_status::duplicate);
  EXPECT_EQ(pool.orphans(), 2u);
  EXPECT_EQ(pool.size(), 0u);
  r = pool.admit(ptr(parent), 1);
  EXPECT_EQ(r.status, admit_status::accepted);
  EXPECT_EQ(r.also_admitted, (std::vector<hash256>{child.id(), grandchild.id()}));
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.orphans(), 0u);
  auto c = pool.candidates(10);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0]->id(), parent.id());
  EXPECT_EQ(c[1]->id(), child.id());
  EXPECT_EQ(c[2]->id(), grandchild.id());
}

TEST(butxo_pool, orphans_are_dropped_after_their_ttl) {
  pool_world w;
  mempool_limits limits;
  limits.orphan_ttl_blocks = 2;
  mempool pool(w.state, w.params, w.checker, limits);
  auto parent = w.pay_from(world::alice_btm, w.bob.prog);
  auto child = w.child_of(parent, w.bob, w.carol.prog);
  EXPECT_EQ(pool.admit(ptr(child), 1).status, admit_status::orphan);
  block_delta empty;
  pool.on_commit({}, empty, 2);
  pool.on_commit({}, empty, 3);
  EXPECT_EQ(pool.orphans(), 1u);
  pool.on_commit({}, empty, 4);
  EXPECT_EQ(pool.orphans(), 0u);
  // Its parent arriving later no longer brings it in.
  auto r = pool.admit(ptr(parent), 5);
  EXPECT_EQ(r.status, admit_status::accepted);
  EXPECT_TRUE(r.also_admitted.empty());
}

TEST(butxo_pool, orphans_are_bounded) {
  pool_world w;
  mempool_limits limits;
  limits.max_orphans = 2;
  mempool pool(w.state, w.params, w.checker, limits);
  std::vector<tx> parents = {w.pay_from(world::alice_btm, w.bob.prog),
                             w.pay_from(world::carol_btm, w.bob.prog),
                             w.pay_from(world::bob_btm, w.bob.prog)};
  std::vector<tx> children;
  for (std::size_t i = 0; i < parents.size(); ++i) {
    children.push_back(w.child_of(parents[i], w.bob, w.carol.prog));
    EXPECT_EQ(pool.admit(ptr(children.back()), 1 + i).status, admit_status::orphan);
    EXPECT_LE(pool.orphans(), 2u);
  }
  EXPECT_EQ(pool.orphans(), 2u);
  // The oldest was dropped; the newest still waits.
  EXPECT_TRUE(pool.admit(ptr(parents[0]), 4).also_admitted.empty());
  EXPECT_EQ(pool.admit(ptr(parents[2]), 4).also_admitted, std::vector<hash256>{children[2].id()});
}

TEST(butxo_pool, full_pool_evicts_the_lowest_fee_rate) {
  pool_world w;
  mempool_limits limits;
  limits.max_txs = 2;
  mempool pool(w.state, w.params, w.checker, limits);
  auto cheap = w.pay_from(world::alice_btm, w.carol.prog, 10);
  auto mid = w.pay_from(world::bob_btm, w.carol.prog, 20);
  auto rich = w.pay_from(world::carol_btm, w.alice.prog, 30);
  EXPECT_EQ(pool.admit(ptr(cheap), 1).status, admit_status::accepted);
  EXPECT_EQ(pool.admit(ptr(mid), 1).status, admit_status::accepted);
  EXPECT_EQ(pool.admit(ptr(rich), 1).status, admit_status::accepted);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.evicted(), 1u);
  EXPECT_FALSE(pool.contains(cheap.id()));
  EXPECT_TRUE(pool.contains(mid.id()) && pool.contains(rich.id()));
  // A newcomer paying less per byte than everything pooled is refused.
  auto cheaper = w.pay_from(world::alice_btm, w.bob.prog, 5);
  EXPECT_EQ(pool.admit(ptr(cheaper), 1).status, admit_status::pool_full);
  EXPECT_EQ(pool.size(), 2u);
  // The byte bound works the same way.
  mempool_limits by_bytes;
  by_bytes.max_bytes = encode(mid).size() + encode(rich).size();
  mempool small(w.state, w.params, w.checker, by_bytes);
  EXPECT_EQ(small.admit(ptr(mid), 1).status, admit_status::accepted);
  EXPECT_EQ(small.admit(ptr(rich), 1).status, admit_status::accepted);
  EXPECT_EQ(small.admit(ptr(cheap), 1).status, admit_status::pool_full);
  EXPECT_LE(small.bytes(), by_bytes.max_bytes);
}

TEST(butxo_pool, eviction_takes_the_victims_descendants) {
  pool_world w;
  mempool_limits limits;
  limits.max_txs = 2;
  mempool pool(w.state, w.params, w.checker, limits);
  auto cheap = w.pay_from(world::alice_btm, w.bob.prog, 0);
  auto child = w.child_of(cheap, w.bob, w.carol.prog); // pays no fee either
  EXPECT_EQ(pool.admit(ptr(cheap), 1).status, admit_status::accepted);
  EXPECT_EQ(pool.admit(ptr(child), 1).status, admit_status::accepted);
  auto rich = w.pay_from(world::carol_btm, w.alice.prog, 30);
  EXPECT_EQ(pool.admit(ptr(rich), 1).status, admit_status::accepted);
  EXPECT_FALSE(pool.contains(cheap.id()));
  EXPECT_FALSE(pool.contains(child.id())); // it cannot stay without its parent
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.find(out_id(cheap, 0)), nullptr);
}

TEST(butxo_pool, commit_removes_included_and_conflicting_with_descendants) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  auto a = w.pay_from(world::alice_btm, w.bob.prog);
  auto a_child = w.child_of(a, w.bob, w.carol.prog);
  auto d = w.pay_from(world::bob_btm, w.carol.prog);
  auto e = w.pay_from(world::carol_btm, w.alice.prog);
  auto e_child = w.child_of(e, w.alice, w.bob.prog);
  for (const auto& t : {a, a_child, d, e, e_child})
    ASSERT_EQ(pool.admit(ptr(t), 1).status, admit_status::accepted);
  // The block holds d, a rival of a, and e (whose pooled child stays valid).
  auto rival = w.pay_from(world::alice_btm, w.carol.prog);
  std::vector<tx> block = {d, rival, e};
  auto r = check_block(block, 1, w.state, w.params, w.checker);
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  w.state.apply(r.delta);
  pool.on_commit({ptr(d), ptr(rival), ptr(e)}, r.delta, 1);
  EXPECT_FALSE(pool.contains(d.id()));
  EXPECT_FALSE(pool.contains(e.id()));
  EXPECT_FALSE(pool.contains(a.id()));
  EXPECT_FALSE(pool.contains(a_child.id()));
  EXPECT_TRUE(pool.contains(e_child.id()));
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.bytes(), encode(e_child).size());
  // What stays is still valid on the new state, and a's input is free for others again.
  auto c = pool.candidates(10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_RULE(w.check(*c[0], 2), rule::ok);
  EXPECT_EQ(pool.admit(ptr(a), 2).status, admit_status::orphan); // its input is spent now
}

TEST(butxo_pool, commit_drops_expired_transactions) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  auto t = w.pay_from(world::alice_btm, w.bob.prog);
  t.expires_at = 2;
  t.inputs[0].witness.clear();
  w.sign(t);
  ASSERT_EQ(pool.admit(ptr(t), 1).status, admit_status::accepted);
  block_delta empty;
  pool.on_commit({}, empty, 1);
  EXPECT_TRUE(pool.contains(t.id()));
  pool.on_commit({}, empty, 2);
  EXPECT_FALSE(pool.contains(t.id()));
}

TEST(butxo_pool, candidates_in_arrival_order) {
  pool_world w;
  mempool pool(w.state, w.params, w.checker);
  std::vector<tx> txs = {w.pay_from(world::carol_btm, w.bob.prog, 1),
                         w.pay_from(world::alice_btm, w.bob.prog, 30),
                         w.pay_from(world::bob_btm, w.alice.prog, 5)};
  for (const auto& t : txs)
    ASSERT_EQ(pool.admit(ptr(t), 1).status, admit_status::accepted);
  auto c = pool.candidates(10);
  ASSERT_EQ(c.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(c[i]->id(), txs[i].id());
  EXPECT_EQ(pool.candidates(2).size(), 2u);
}

} // namespace

namespace {

using namespace bystack::ledger;
using namespace bystack::ledger::testing;

TEST(butxo_pool, a_refused_newcomer_evicts_nothing) {
  // The newcomer would need both pooled transactions gone but outbids only one of them.
  pool_world w;
  auto cheap = w.pay_from(world::alice_btm, w.carol.prog, 1);
  auto rich = w.pay_from(world::bob_btm, w.carol.prog, 900);
  auto mid = w.pay_from(world::carol_btm, w.alice.prog, 100);
  mempool_limits limits;
  limits.max_bytes = encode(cheap).size() + encode(rich).size();
  mempool pool(w.state, w.params, w.checker, limits);
  ASSERT_EQ(pool.admit(ptr(cheap), 1).status, admit_status::accepted);
  ASSERT_EQ(pool.admit(ptr(rich), 1).status, admit_status::accepted);
  // Make the newcomer almost as large as both together: it fits only in an empty pool.
  auto big = mid;
  big.outputs[0].data.assign(encode(cheap).size() - 20, 0x42);
  big.inputs[0].witness.clear();
  w.sign(big);
  EXPECT_EQ(pool.admit(ptr(big), 1).status, admit_status::pool_full);
  EXPECT_TRUE(pool.contains(cheap.id()));
  EXPECT_TRUE(pool.contains(rich.id()));
  EXPECT_EQ(pool.evicted(), 0u);
}

} // namespace
