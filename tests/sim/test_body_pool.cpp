// One decoded body per batch of transactions (sim/body_pool.hpp) and the shared transaction
// list of a batch (proto::batch_txs).
#include "runtime/codec/codec.hpp"
#include "sim/body_pool.hpp"

#include <gtest/gtest.h>

namespace bystack {
namespace {

ledger::transaction tx(std::uint64_t i) {
  ledger::transaction t;
  t.sender.fill(static_cast<std::uint8_t>(i));
  t.nonce = i;
  t.payload.assign(100, static_cast<std::uint8_t>(i * 7));
  t.signature.assign(64, static_cast<std::uint8_t>(i * 3));
  return t;
}

proto::tx_batch batch(std::uint64_t first, std::size_t n, std::uint32_t sender = 1) {
  proto::tx_batch b;
  b.sender = sender;
  for (std::size_t i = 0; i < n; ++i)
    b.txs.push_back(tx(first + i));
  return b;
}

TEST(batch_txs, a_copy_shares_the_list_and_a_change_does_not_reach_the_other) {
  auto a = batch(0, 3);
  auto b = a;
  EXPECT_EQ(a.txs.body(), b.txs.body()); // one list, two batches
  b.txs.push_back(tx(9));
  EXPECT_NE(a.txs.body(), b.txs.body());
  EXPECT_EQ(a.txs.size(), 3u);
  EXPECT_EQ(b.txs.size(), 4u);
  b.txs[0].nonce = 77;
  EXPECT_EQ(a.txs[0].nonce, 0u);
  EXPECT_FALSE(a == b);
  auto c = a;
  EXPECT_TRUE(a == c);
  // A list shared from outside is never changed in place, even when only one batch holds it.
  auto body = std::make_shared<const proto::batch_txs::list>(a.txs.get());
  proto::batch_txs shared(body);
  shared.push_back(tx(5));
  EXPECT_EQ(body->size(), 3u);
  EXPECT_EQ(shared.size(), 4u);
}

TEST(body_pool, two_decodes_of_one_batch_share_one_body) {
  // What the simulator sees when a batch is forwarded after the encoding memo forgot it: the
  // same batch encoded again, so another buffer and another decoded message.
  auto bytes = codec::encode(proto::message{batch(0, 62)});
  auto m1 = codec::decode(bytes);
  auto m2 = codec::decode(bytes);
  ASSERT_TRUE(m1 && m2);
  const auto& b1 = std::get<proto::tx_batch>(*m1).txs;
  const auto& b2 = std::get<proto::tx_batch>(*m2).txs;
  EXPECT_NE(b1.body(), b2.body()); // without the pool: two copies

  sim::body_pool pool;
  pool.intern(*m1);
  pool.intern(*m2);
  EXPECT_EQ(b1.body(), b2.body());
  EXPECT_EQ(pool.stats().lookups, 2u);
  EXPECT_EQ(pool.stats().shared, 1u);
  EXPECT_TRUE(*m1 == *m2);

  // Another batch (one transaction differs) keeps its own body.
  auto other = batch(0, 62);
  other.txs[61].payload[5] ^= 1;
  auto m3 = codec::decode(codec::encode(proto::message{other}));
  ASSERT_TRUE(m3);
  pool.intern(*m3);
  EXPECT_NE(std::get<proto::tx_batch>(*m3).txs.body(), b1.body());
  EXPECT_EQ(std::get<proto::tx_batch>(*m3).txs, other.txs);
  EXPECT_EQ(pool.stats().shared, 1u);
}

TEST(body_pool, batches_inside_fetch_answers_and_compact_proposals_are_shared_too) {
  sim::body_pool pool;
  auto gossip = codec::decode(codec::encode(proto::message{batch(10, 20)}));
  ASSERT_TRUE(gossip);
  pool.intern(*gossip);
  proto::block_batches answer;
  answer.sender = 2;
  answer.indexes = {0, 1};
  answer.batches = {batch(10, 20), batch(40, 5)};
  auto fetched = codec::decode(codec::encode(proto::message{answer}));
  ASSERT_TRUE(fetched);
  pool.intern(*fetched);
  const auto& got = std::get<proto::block_batches>(*fetched).batches;
  EXPECT_EQ(got[0].txs.body(), std::get<proto::tx_batch>(*gossip).txs.body());
  EXPECT_NE(got[1].txs.body(), got[0].txs.body());
}

TEST(body_pool, a_body_nobody_holds_is_not_kept_alive) {
  sim::body_pool pool;
  std::weak_ptr<const proto::batch_txs::list> seen;
  {
    auto m = codec::decode(codec::encode(proto::message{batch(0, 8)}));
    ASSERT_TRUE(m);
    pool.intern(*m);
    seen = std::get<proto::tx_batch>(*m).txs.body();
    EXPECT_FALSE(seen.expired());
  }
  EXPECT_TRUE(seen.expired()); // the pool holds weak references only
  // The same content decoded again is remembered afresh, not matched against the dead one.
  auto m = codec::decode(codec::encode(proto::message{batch(0, 8)}));
  ASSERT_TRUE(m);
  pool.intern(*m);
  EXPECT_EQ(pool.stats().shared, 0u);
  EXPECT_EQ(pool.stats().entries, 1u);
}

} // namespace
} // namespace bystack
