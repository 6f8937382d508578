#include "runtime/crypto/hash.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/protocol/messages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace {

using bystack::bytes;
using bystack::crypto::hash256;
using bystack::crypto::sha3_256;
using namespace bystack::ledger;

// Builds the canonical byte layouts by hand, independently of block.cpp, so that a change of
// the layout (field order, width, prefix) fails here.
struct layout {
  bytes out;
  layout& str(std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
    return *this;
  }
  layout& raw(bystack::byte_view b) {
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
  layout& le(std::uint64_t x, int width) {
    for (int i = 0; i < width; ++i)
      out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
    return *this;
  }
};

transaction make_tx(std::uint8_t tag, std::size_t payload_size = 10) {
  transaction tx;
  tx.sender.fill(tag);
  tx.nonce = 1000 + tag;
  tx.payload.assign(payload_size, static_cast<std::uint8_t>(tag ^ 0x5a));
  tx.signature.assign(64, 0xee);
  return tx;
}

hash256 node(const hash256& l, const hash256& r) {
  layout b;
  b.str(std::string_view{"bystack/node\0", 13}).raw(l.view()).raw(r.view());
  return sha3_256(b.out);
}

TEST(transaction_id, matches_the_canonical_layout) {
  auto tx = make_tx(7, 33);
  layout b;
  b.str(std::string_view{"bystack/tx\0", 11})
      .raw({tx.sender.data(), tx.sender.size()})
      .le(tx.nonce, 8)
      .le(tx.payload.size(), 8)
      .raw(tx.payload);
  EXPECT_EQ(tx.id(), sha3_256(b.out));
}

TEST(transaction_id, changes_with_every_field_but_the_signature) {
  auto base = make_tx(1);
  std::set<hash256> seen{base.id()};
  auto expect_new = [&](const transaction& tx, const char* what) {
    EXPECT_TRUE(seen.insert(tx.id()).second) << what;
  };
  auto t = base;
  t.sender[31] ^= 1;
  expect_new(t, "sender");
  t = base;
  t.nonce += 1;
  expect_new(t, "nonce");
  t = base;
  t.payload[0] ^= 1;
  expect_new(t, "payload content");
  t = base;
  t.payload.push_back(0);
  expect_new(t, "payload length");
  t = base;
  t.payload.clear();
  expect_new(t, "empty payload");
  t = base;
  t.signature.assign(64, 0x01);
  EXPECT_EQ(t.id(), base.id()) << "the signature is over the id and must not be part of it";
}

block_header sample_header() {
  block_header h;
  h.height = 42;
  h.view = 7;
  h.parent_view = 6;
  h.parent.data.fill(0x11);
  h.tx_root.data.fill(0x22);
  h.timestamp_ms = 1'700'000'000'000;
  h.proposer = 3;
  h.tx_count = 9;
  return h;
}

TEST(header_hash, matches_the_canonical_layout) {
  auto h = sample_header();
  layout b;
  b.str(std::string_view{"bystack/header\0", 15})
      .le(h.height, 8)
      .le(h.view, 8)
      .le(h.parent_view, 8)
      .raw(h.parent.view())
      .raw(h.tx_root.view())
      .le(h.timestamp_ms, 8)
      .le(h.proposer, 4)
      .le(h.tx_count, 4);
  EXPECT_EQ(h.hash(), sha3_256(b.out));
  block blk;
  blk.header = h;
  EXPECT_EQ(blk.hash(), h.hash());
}

TEST(header_hash, changes_with_every_field) {
  const auto base = sample_header();
  std::set<hash256> seen{base.hash()};
  auto expect_new = [&](auto mutate, const char* what) {
    auto h = base;
    mutate(h);
    EXPECT_TRUE(seen.insert(h.hash()).second) << what;
  };
  expect_new([](block_header& h) { h.height += 1; }, "height");
  expect_new([](block_header& h) { h.view += 1; }, "view");
  expect_new([](block_header& h) { h.parent_view += 1; }, "parent_view");
  expect_new([](block_header& h) { h.parent.data[0] ^= 1; }, "parent");
  expect_new([](block_header& h) { h.tx_root.data[31] ^= 1; }, "tx_root");
  expect_new([](block_header& h) { h.timestamp_ms += 1; }, "timestamp_ms");
  expect_new([](block_header& h) { h.proposer += 1; }, "proposer");
  expect_new([](block_header& h) { h.tx_count += 1; }, "tx_count");
  // Swapping equal-width neighbours must matter too (the layout is positional).
  expect_new([](block_header& h) { std::swap(h.height, h.view); }, "height/view swapped");
}

TEST(merkle_root, of_no_transactions_is_zero) {
  EXPECT_TRUE(merkle_root({}).is_zero());
}

TEST(merkle_root, follows_the_rule_for_1_2_3_and_5_leaves) {
  std::vector<transaction> txs;
  std::vector<hash256> id;
  for (std::uint8_t i = 0; i < 5; ++i) {
    txs.push_back(make_tx(i));
    id.push_back(txs.back().id());
  }
  auto first = [&](std::size_t n) {
    return std::vector<transaction>(txs.begin(), txs.begin() + n);
  };

  EXPECT_EQ(merkle_root(first(1)), id[0]);
  EXPECT_EQ(merkle_root(first(2)), node(id[0], id[1]));
  // Three leaves: the odd third is carried up unchanged to the next level.
  EXPECT_EQ(merkle_root(first(3)), node(node(id[0], id[1]), id[2]));
  // Five leaves: [01 23 4] -> [0123 4] -> root.
  auto n01 = node(id[0], id[1]);
  auto n23 = node(id[2], id[3]);
  EXPECT_EQ(merkle_root(first(5)), node(node(n01, n23), id[4]));
}

TEST(merkle_root, depends_on_order_and_domain) {
  std::vector<transaction> txs{make_tx(1), make_tx(2)};
  auto root = merkle_root(txs);
  std::swap(txs[0], txs[1]);
  EXPECT_NE(merkle_root(txs), root);
  // A node is not the plain hash of its children: the prefix separates it from leaves.
  layout b;
  b.raw(txs[1].id().view()).raw(txs[0].id().view());
  EXPECT_NE(root, sha3_256(b.out));
}

TEST(merkle_root, of_many_transactions_is_stable_and_sensitive) {
  std::vector<transaction> txs;
  for (int i = 0; i < 1000; ++i)
    txs.push_back(make_tx(static_cast<std::uint8_t>(i), i % 50));
  for (std::size_t i = 0; i < txs.size(); ++i)
    txs[i].nonce = i;
  auto root = merkle_root(txs);
  EXPECT_EQ(merkle_root(txs), root);
  txs[999].nonce += 1;
  EXPECT_NE(merkle_root(txs), root);
}

TEST(make_block, fills_every_header_field) {
  hash256 parent;
  parent.data.fill(0x33);
  std::vector<transaction> txs{make_tx(1), make_tx(2), make_tx(3)};
  auto root = merkle_root(txs);
  auto b = make_block(5, 9, parent, 8, 123456, 4, txs);
  EXPECT_EQ(b.header.height, 5u);
  EXPECT_EQ(b.header.view, 9u);
  EXPECT_EQ(b.header.parent, parent);
  EXPECT_EQ(b.header.parent_view, 8u);
  EXPECT_EQ(b.header.timestamp_ms, 123456u);
  EXPECT_EQ(b.header.proposer, 4u);
  EXPECT_EQ(b.header.tx_count, 3u);
  EXPECT_EQ(b.header.tx_root, root);
  EXPECT_EQ(b.txs, txs);

  auto empty = make_block(0, 0, hash256{}, 0, 0, 0, {});
  EXPECT_EQ(empty.header.tx_count, 0u);
  EXPECT_TRUE(empty.header.tx_root.is_zero());
}

TEST(digests, are_distinct_per_statement_and_field) {
  using namespace bystack::proto;
  hash256 h;
  h.data.fill(0x44);
  std::set<hash256> seen;
  EXPECT_TRUE(seen.insert(proposal_digest(1, 2, h)).second);
  EXPECT_TRUE(seen.insert(vote_digest(1, 2, h)).second);
  EXPECT_TRUE(seen.insert(view_change_digest(1, 2)).second);
  EXPECT_TRUE(seen.insert(vote_digest(2, 1, h)).second);
  EXPECT_TRUE(seen.insert(vote_digest(1, 3, h)).second);
  auto h2 = h;
  h2.data[0] ^= 1;
  EXPECT_TRUE(seen.insert(vote_digest(1, 2, h2)).second);
  EXPECT_TRUE(seen.insert(view_change_digest(2, 1)).second);

  layout b;
  b.str(std::string_view{"bystack/vote\0", 13}).le(1, 8).le(2, 8).raw(h.view());
  EXPECT_EQ(vote_digest(1, 2, h), sha3_256(b.out));
  layout p;
  p.str(std::string_view{"bystack/proposal\0", 17}).le(1, 8).le(2, 8).raw(h.view());
  EXPECT_EQ(proposal_digest(1, 2, h), sha3_256(p.out));
  layout v;
  v.str(std::string_view{"bystack/view-change\0", 20}).le(3, 8).le(4, 8);
  EXPECT_EQ(view_change_digest(3, 4), sha3_256(v.out));
}

TEST(type_name, names_every_message_kind) {
  using namespace bystack::proto;
  EXPECT_EQ(type_name(message{proposal{}}), "proposal");
  EXPECT_EQ(type_name(message{vote{}}), "vote");
  EXPECT_EQ(type_name(message{group_certificate{}}), "group_certificate");
  EXPECT_EQ(type_name(message{commit_certificate{}}), "commit_certificate");
  EXPECT_EQ(type_name(message{view_change{}}), "view_change");
  EXPECT_EQ(type_name(message{sync_request{}}), "sync_request");
  EXPECT_EQ(type_name(message{sync_response{}}), "sync_response");
  EXPECT_EQ(type_name(message{tx_batch{}}), "tx_batch");
}

} // namespace
