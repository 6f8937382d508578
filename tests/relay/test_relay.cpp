// Compact relay and transaction gossip (actors/relay): the fetch path, short-id collisions and a
// block whose missing batches never arrive, on four cores wired by a small event loop here.

#include "actors/node/node_core.hpp"
#include "runtime/codec/codec.hpp"
#include "runtime/crypto/modelled.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <tuple>

namespace bystack::bbft {
namespace {

/// Four cores (one super node, which leads every view), 5 ms links, timers; `drop` decides which
/// messages are lost. Every message goes through the codec, as on the wire.
struct net {
  using drop_fn = std::function<bool(std::uint32_t from, std::uint32_t to, const proto::message&)>;
  struct ev {
    std::int64_t t;
    std::uint64_t seq;
    std::uint32_t dst, src;
    bool timer;
    timer_kind kind;
    std::uint64_t view, gen;
    bytes data;
    bool operator>(const ev& o) const { return std::tie(t, seq) > std::tie(o.t, o.seq); }
  };
  std::vector<std::shared_ptr<node_core>> cores;
  std::unique_ptr<crypto::certificate_scheme> certs;
  std::priority_queue<ev, std::vector<ev>, std::greater<>> q;
  std::map<std::pair<std::uint32_t, int>, std::uint64_t> gens;
  std::uint64_t seq = 0;
  drop_fn drop;
  /// Extra delay of a message in microseconds (none if unset).
  std::function<std::int64_t(std::uint32_t from, std::uint32_t to, const proto::message&)> delay;
  std::map<std::string, int> rejects;

  /// `tweak` may change one core's parameters (a faulty leader).
  explicit net(params p, drop_fn d = {},
               const std::function<void(std::uint32_t, params&)>& tweak = {})
      : drop(std::move(d)) {
    const auto& votes = crypto::modelled_scheme();
    certs = crypto::make_signature_list_scheme(votes);
    std::vector<std::unique_ptr<crypto::signer>> signers;
    std::vector<crypto::public_key> keys;
    for (std::uint8_t i = 0; i < 4; ++i) {
      crypto::secret_seed seed{};
      seed[0] = static_cast<std::uint8_t>(i + 1);
      signers.push_back(votes.make_signer(seed));
      keys.push_back(signers.back()->pub());
    }
    auto set = std::make_shared<const crypto::validator_set>(keys);
    auto topo = std::make_shared<const topology>(*topology::even(4, 1));
    for (std::uint32_t i = 0; i < 4; ++i) {
      core_config c;
      c.me = i;
      c.topo = topo;
      c.validators = set;
      c.certs = certs.get();
      c.signer = std::move(signers[i]);
      c.p = p;
      if (tweak) tweak(i, c.p);
      cores.push_back(std::make_shared<node_core>(std::move(c)));
    }
  }

  void flush(std::uint32_t me, std::int64_t now) {
    for (auto& e : cores[me]->take_effects()) {
      if (auto* s = std::get_if<send_effect>(&e)) {
        auto data = codec::encode(*s->msg);
        for (auto to : s->to)
          if (to != me && !(drop && drop(me, to, *s->msg))) {
            auto at = now + 5000 + (delay ? delay(me, to, *s->msg) : 0);
            q.push(ev{at, seq++, to, me, false, {}, 0, 0, data});
          }
      } else if (auto* t = std::get_if<timer_effect>(&e)) {
        auto g = ++gens[{me, static_cast<int>(t->kind)}];
        q.push(ev{now + t->delay_us, seq++, me, me, true, t->kind, t->view, g, {}});
      } else if (auto* r = std::get_if<reject_effect>(&e)) {
        ++rejects[r->reason];
      }
    }
  }

  /// Client transactions handed to node `me` at `at_us` (before run()).
  std::vector<std::tuple<std::int64_t, std::uint32_t, std::vector<ledger::transaction>>> clients;

  void run(std::int64_t until_us) {
    for (std::uint32_t i = 0; i < 4; ++i) {
      cores[i]->start(0);
      flush(i, 0);
    }
    for (auto& [at, me, txs] : clients) {
      cores[me]->submit(txs, at);
      flush(me, at);
    }
    while (!q.empty() && q.top().t <= until_us) {
      auto e = q.top();
      q.pop();
      auto& c = *cores[e.dst];
      if (e.timer) {
        if (gens[{e.dst, static_cast<int>(e.kind)}] != e.gen) continue;
        c.on_timer(e.kind, e.view, e.t);
      } else {
        auto m = codec::decode(e.data);
        ASSERT_TRUE(m) << m.err().message;
        c.on_message(e.src, std::make_shared<const proto::message>(std::move(*m)), e.t);
      }
      flush(e.dst, e.t);
    }
  }
};

params compact_params() {
  params p;
  p.relay = relay_mode::compact;
  p.block_interval_us = 200'000;
  p.view_timeout_us = 2'000'000;
  p.gossip_client_tps = 2000;
  p.gossip_entry_nodes = 4; // every node takes clients
  p.gossip_interval_us = 50'000;
  p.compact_min_age_us = 100'000;
  return p;
}

bool is(const proto::message& m, std::size_t index) {
  return m.index() == index;
}
constexpr std::size_t tx_announce_i = 9, tx_batch_i = 7, block_batches_i = 13;

/// Node 3 gets no catch-up and none of node 1's gossiped batches, so it fetches for most blocks.
bool node3_cut_off(std::uint32_t from, std::uint32_t to, const proto::message& m) {
  bool sync = std::holds_alternative<proto::sync_request>(m) ||
              std::holds_alternative<proto::sync_response>(m);
  return ((to == 3 || from == 3) && sync) ||
         (to == 3 && is(m, tx_batch_i) && std::get<proto::tx_batch>(m).sender == 1);
}

/// Delays the answer to node 3's first fetch by `by_us` (250 ms unless given); `late` counts the
/// answers.
auto node3_first_fetch_late(int& late, std::int64_t by_us = 250'000) {
  return [&late, by_us](std::uint32_t, std::uint32_t to, const proto::message& m) -> std::int64_t {
    return to == 3 && is(m, block_batches_i) && late++ == 0 ? by_us : 0;
  };
}

TEST(relay, gossip_fills_every_mempool_and_blocks_rebuild_without_round_trips) {
  net n(compact_params());
  n.run(3'000'000);
  for (auto& c : n.cores) {
    EXPECT_GE(c->committed_height(), 5u) << "node " << c->id();
    EXPECT_TRUE(n.rejects.empty()) << n.rejects.begin()->first;
  }
  for (std::uint32_t i = 1; i < 4; ++i) {
    const auto& s = n.cores[i]->stats();
    EXPECT_GT(s.compact_rebuilt, 4u);
    EXPECT_EQ(s.compact_failed, 0u);
    EXPECT_GT(s.gossip_batches, 10u);
    EXPECT_GT(s.votes_cast, 4u);
  }
  // Blocks are not empty: the leader proposed gossiped batches.
  ASSERT_NE(n.cores[2]->committed_at(3), nullptr);
  EXPECT_GT(n.cores[2]->committed_at(3)->block->txs.size(), 0u);
}

TEST(relay, a_node_without_gossip_fetches_missing_batches_and_votes) {
  // Node 3 hears no gossip at all: every block lacks batches it never saw.
  net n(compact_params(), [](std::uint32_t, std::uint32_t to, const proto::message& m) {
    return to == 3 && (is(m, tx_announce_i) || is(m, tx_batch_i));
  });
  n.run(3'000'000);
  const auto& s = n.cores[3]->stats();
  EXPECT_GT(s.compact_fetches, 4u);
  EXPECT_GT(s.compact_rebuilt, 4u);
  EXPECT_GT(s.votes_cast, 4u);
  EXPECT_GE(n.cores[3]->committed_height(), 5u);
  // The others did not need to ask.
  EXPECT_EQ(n.cores[1]->stats().compact_rebuilt, n.cores[1]->stats().compact_no_round_trip);
}

TEST(relay, missing_batches_that_never_arrive_get_no_vote_and_the_view_still_ends) {
  auto p = compact_params();
  p.group_wait_us = 200'000; // the super node stops waiting for node 3's vote
  net n(p, [](std::uint32_t, std::uint32_t to, const proto::message& m) {
    return to == 3 && (is(m, tx_announce_i) || is(m, tx_batch_i) || is(m, block_batches_i));
  });
  n.run(3'000'000);
  const auto& s = n.cores[3]->stats();
  EXPECT_GT(s.compact_fetches, 4u);
  // Only the first block (proposed before any batch was old enough: empty) needed nothing.
  EXPECT_LE(s.compact_rebuilt, 1u);
  EXPECT_EQ(s.compact_no_round_trip, s.compact_rebuilt);
  EXPECT_EQ(s.votes_cast, s.compact_rebuilt); // no vote for a block it could not rebuild
  // Views end without it (three of four votes are a quorum); it follows through the group's
  // certificates and catches up on the committed blocks.
  EXPECT_GE(n.cores[0]->committed_height(), 5u);
  EXPECT_GE(n.cores[3]->view(), 6u);
  EXPECT_GE(n.cores[3]->committed_height(), 3u);
  EXPECT_EQ(n.cores[3]->committed_hash(),
            n.cores[0]->committed_at(n.cores[3]->committed_height())->block->hash());
}

TEST(relay, short_id_collisions_are_resolved_by_fetching) {
  // One-byte short ids: with dozens of batches in every mempool, ids collide in most blocks.
  // Node 3 gets only node 1's batches by gossip, so some of its unique matches are the wrong
  // batch: the rebuilt root differs and it asks for every batch of the block.
  auto p = compact_params();
  p.short_id_bytes = 1;
  p.gossip_client_tps = 20000;
  p.gossip_interval_us = 10'000;
  net n(p, [](std::uint32_t, std::uint32_t to, const proto::message& m) {
    return to == 3 && is(m, tx_batch_i) && std::get<proto::tx_batch>(m).sender != 1;
  });
  n.run(2'000'000);
  std::uint64_t collisions = 0;
  for (auto& c : n.cores) {
    collisions += c->stats().compact_collisions;
    EXPECT_EQ(c->stats().compact_failed, 0u);
    EXPECT_GE(c->committed_height(), 4u);
  }
  EXPECT_GT(collisions, 0u);
  EXPECT_GT(n.cores[3]->stats().compact_collisions, 0u);
  EXPECT_GT(n.cores[3]->stats().compact_fetches, 0u);
  EXPECT_GT(n.cores[3]->stats().votes_cast, 3u);
  for (std::uint32_t i = 1; i < 4; ++i) {
    EXPECT_EQ(n.cores[i]->committed_hash(),
              n.cores[0]->committed_at(n.cores[i]->committed_height())->block->hash());
    // What was committed is the leader's block, transaction for transaction.
    for (std::uint64_t h = 1; h <= n.cores[i]->committed_height(); ++h)
      EXPECT_EQ(*n.cores[i]->committed_at(h)->block, *n.cores[0]->committed_at(h)->block);
  }
}

TEST(relay, a_block_rebuilt_after_its_certificate_still_commits) {
  // Node 3 lacks node 1's batches, so it fetches for most blocks; the answer to its first fetch
  // comes 250 ms late, after the next view's proposal (rebuilt first) and the T4 certificate
  // have told it that the block is certified. Catch-up is cut off for node 3 (as when every
  // peer it could ask is equally behind, N = 1,024 in docs/complexity.md): the certificate that
  // came before the block is the only one it will ever get, and the two-chain rule needs it.
  auto p = compact_params();
  p.group_wait_us = 100'000; // the super node certifies without node 3's late vote
  net n(p, node3_cut_off);
  int late = 0;
  n.delay = node3_first_fetch_late(late);
  n.run(3'000'000);
  ASSERT_GT(late, 1) << "node 3 did not fetch twice";
  EXPECT_GE(n.cores[0]->committed_height(), 6u);
  EXPECT_GE(n.cores[3]->committed_height() + 2, n.cores[0]->committed_height())
      << "node 3 stopped committing at height " << n.cores[3]->committed_height();
  EXPECT_EQ(n.cores[3]->committed_hash(),
            n.cores[0]->committed_at(n.cores[3]->committed_height())->block->hash());
}

TEST(relay, a_block_rebuilt_after_its_child_still_gets_the_childs_vote) {
  // Node 3 lacks node 1's batches, so it fetches for most blocks; the answer to its first fetch
  // (block k) comes 250 ms late, after it rebuilt block k + 1 (whose parent it then lacked) and
  // while view k + 1 is still on. Once block k is in, node 3 must vote for block k + 1: before,
  // the proposal that came before its parent was kept but never handled again, so the node
  // never voted in that view, and a super node waiting for its complete group (group_wait of
  // an hour, as in the study) never certified it: at N = 10,000 the chain stopped at height 1.
  auto p = compact_params();
  p.group_wait_us = 100'000; // the super node certifies block k without node 3's vote
  std::vector<std::uint64_t> asked, voted;
  net n(p, [&](std::uint32_t from, std::uint32_t to, const proto::message& m) {
    if (from == 3)
      if (const auto* q = std::get_if<proto::block_request>(&m)) asked.push_back(q->view);
    if (from == 3)
      if (const auto* v = std::get_if<proto::vote>(&m)) voted.push_back(v->view);
    return node3_cut_off(from, to, m);
  });
  int late = 0;
  n.delay = node3_first_fetch_late(late);
  n.run(2'000'000);
  ASSERT_GE(asked.size(), 2u) << "node 3 did not fetch twice";
  auto k = asked[0];
  ASSERT_EQ(asked[1], k + 1) << "block k + 1 needed no fetch";
  EXPECT_EQ(std::count(voted.begin(), voted.end(), k), 0) << "block k was rebuilt in time";
  EXPECT_EQ(std::count(voted.begin(), voted.end(), k + 1), 1)
      << "node 3 never voted for block " << k + 1 << ", the child it rebuilt first";
  EXPECT_GE(n.cores[3]->committed_height() + 2, n.cores[0]->committed_height());
}

TEST(relay, a_block_rebuilt_views_after_its_certificate_still_commits) {
  // As above, but the answer to node 3's first fetch (block k) comes 650 ms late, when views
  // k + 1 to k + 3 have been proposed: the rebuilt block is too old to vote for. Node 3 already
  // holds block k's certificate (the justify of block k + 1, which it rebuilt first) and block
  // k + 1, and catch-up is cut off, so the rebuilt block is the only copy of block k it will ever
  // get. It must be kept as certified: before, it was dropped as stale, and node 3 never
  // committed block k or anything above it.
  auto p = compact_params();
  p.group_wait_us = 100'000; // the super node certifies without node 3's late vote
  std::vector<std::uint64_t> asked;
  net n(p, [&](std::uint32_t from, std::uint32_t to, const proto::message& m) {
    if (from == 3)
      if (const auto* q = std::get_if<proto::block_request>(&m)) asked.push_back(q->view);
    return node3_cut_off(from, to, m);
  });
  int late = 0;
  n.delay = node3_first_fetch_late(late, 650'000);
  n.run(3'000'000);
  ASSERT_GE(asked.size(), 2u) << "node 3 did not fetch twice";
  auto k = asked[0];
  ASSERT_EQ(asked[1], k + 1) << "block k + 1 needed no fetch";
  // The height of block k (the block of view k) in node 0's chain.
  std::uint64_t hk = 0;
  for (std::uint64_t h = 1; h <= n.cores[0]->committed_height(); ++h)
    if (n.cores[0]->committed_at(h)->block->header.view == k) hk = h;
  ASSERT_GT(hk, 0u) << "block k was not committed";
  ASSERT_GE(n.cores[0]->committed_height(), hk + 4);
  ASSERT_GE(n.cores[3]->committed_height(), hk)
      << "node 3 stopped committing below block k (height " << hk << ")";
  EXPECT_EQ(n.cores[3]->committed_at(hk)->block->hash(),
            n.cores[0]->committed_at(hk)->block->hash());
  EXPECT_GE(n.cores[3]->committed_height() + 2, n.cores[0]->committed_height());
  EXPECT_EQ(n.cores[3]->committed_hash(),
            n.cores[0]->committed_at(n.cores[3]->committed_height())->block->hash());
}

TEST(relay, batches_of_blocks_that_came_by_catch_up_leave_the_mempool) {
  // Node 3 gets every gossiped batch but no compact proposal, so it rebuilds nothing and
  // follows the chain by catch-up (sync). The batches of the blocks it got that way must leave
  // its mempool as a rebuilt block's do: else they stay for ever (and node 3, leading, would
  // propose them again).
  auto p = compact_params();
  p.group_wait_us = 100'000; // the super node certifies without node 3's vote
  net n(p, [](std::uint32_t, std::uint32_t to, const proto::message& m) {
    return to == 3 && std::holds_alternative<proto::compact_proposal>(m);
  });
  n.run(3'000'000);
  const auto& s3 = n.cores[3]->stats();
  EXPECT_EQ(s3.compact_rebuilt, 0u);
  EXPECT_GT(s3.gossip_batches, 100u);
  ASSERT_GE(n.cores[0]->committed_height(), 6u);
  ASSERT_GE(n.cores[3]->committed_height(), 4u) << "node 3 did not catch up";
  EXPECT_EQ(n.cores[3]->committed_hash(),
            n.cores[0]->committed_at(n.cores[3]->committed_height())->block->hash());
  // Node 1 rebuilt every block: what stays in its mempool is what no block took yet. Node 3
  // holds about as much (it is a block or two behind), not every batch it ever received.
  auto m1 = n.cores[1]->mempool_batches();
  auto m3 = n.cores[3]->mempool_batches();
  EXPECT_LE(m3, 2 * m1 + 8) << "node 1 holds " << m1;
  EXPECT_LT(m3, s3.gossip_batches / 4)
      << "node 3 holds " << m3 << " of the " << s3.gossip_batches << " batches it received";
}

TEST(relay, an_early_group_certificate_certifies_without_the_slowest_member) {
  // Node 3 never gets the batches of any block, so it never votes. The super node would wait an
  // hour for the group's last vote (group_wait): without early group certificates no block is
  // certified before the view times out; with them three of four votes (a quorum) certify each
  // block at once and the chain keeps the block interval.
  auto run = [](double share) {
    auto p = compact_params();
    p.group_wait_us = 3'600'000'000;
    p.early_group_cert_share = share;
    auto n = std::make_unique<net>(p, [](std::uint32_t, std::uint32_t to, const proto::message& m) {
      return to == 3 && (is(m, tx_announce_i) || is(m, tx_batch_i) || is(m, block_batches_i));
    });
    n->run(1'900'000); // before the first view timeout (2 s)
    return n;
  };
  auto off = run(0);
  EXPECT_EQ(off->cores[0]->committed_height(), 0u);
  EXPECT_EQ(off->cores[0]->stats().views_timed_out, 0u);

  auto on = run(0.75);
  const auto& s3 = on->cores[3]->stats();
  EXPECT_LE(s3.votes_cast, 1u); // at most the first (empty) block, which needed no batches
  EXPECT_GE(on->cores[0]->committed_height(), 5u);
  EXPECT_EQ(on->cores[0]->stats().views_timed_out, 0u);
  for (std::uint32_t i = 1; i < 3; ++i) {
    EXPECT_GE(on->cores[i]->committed_height(), 5u) << "node " << i;
    EXPECT_EQ(on->cores[i]->committed_hash(),
              on->cores[0]->committed_at(on->cores[i]->committed_height())->block->hash());
  }
}

TEST(relay, block_catch_up_follows_a_late_block_sooner) {
  // The votes of view 3 arrive 300 ms late, so block 4 comes about 110 ms after its due time.
  // Without catch-up every later block keeps that delay; with it block 5 aims at two intervals
  // after block 3, half an interval after block 4 at the earliest.
  auto run = [](bool catch_up) {
    params p;
    p.block_interval_us = 200'000;
    p.view_timeout_us = 2'000'000;
    p.block_catch_up = catch_up;
    auto n = std::make_unique<net>(p);
    n->delay = [](std::uint32_t, std::uint32_t, const proto::message& m) -> std::int64_t {
      const auto* v = std::get_if<proto::vote>(&m);
      return v && v->view == 3 ? 300'000 : 0;
    };
    n->run(2'500'000);
    return n;
  };
  auto ts = [](const net& n, std::uint64_t h) {
    const auto* e = n.cores[0]->committed_at(h);
    EXPECT_NE(e, nullptr) << "height " << h;
    return e ? static_cast<std::int64_t>(e->block->header.timestamp_ms) : 0;
  };
  auto off = run(false);
  ASSERT_GE(off->cores[0]->committed_height(), 8u);
  EXPECT_EQ(off->cores[0]->committed_at(3)->block->header.view, 3u);
  EXPECT_GE(ts(*off, 4) - ts(*off, 3), 300);
  EXPECT_GE(ts(*off, 5) - ts(*off, 4), 200);
  EXPECT_GE(ts(*off, 5) - ts(*off, 3), 500);

  auto on = run(true);
  ASSERT_GE(on->cores[0]->committed_height(), 8u);
  EXPECT_GE(ts(*on, 4) - ts(*on, 3), 300);
  EXPECT_GE(ts(*on, 5) - ts(*on, 4), 100); // never sooner than half an interval
  EXPECT_LE(ts(*on, 5) - ts(*on, 4), 120);
  for (std::uint64_t h = 6; h <= 8; ++h) // back to one block per interval
    EXPECT_GE(ts(*on, h) - ts(*on, h - 1), 190) << "height " << h;
  for (std::uint32_t i = 1; i < 4; ++i)
    EXPECT_EQ(on->cores[i]->committed_hash(),
              on->cores[0]->committed_at(on->cores[i]->committed_height())->block->hash());
}

TEST(relay, a_leader_that_waits_longer_for_its_own_batches_spares_the_fetches) {
  // Node 0 leads every view and takes clients. Its own batches reach the others 150 ms after
  // they are made, so at the minimum age (100 ms) the others lack them and fetch; with
  // own_min_age (400 ms) the leader proposes them once the others hold them.
  auto run = [](std::int64_t own_min_age_us) {
    auto p = compact_params();
    p.compact_prefill_age_us = 0; // nothing prefilled: own batches wait like everyone's
    p.compact_own_min_age_us = own_min_age_us;
    auto n = std::make_unique<net>(p);
    n->delay = [](std::uint32_t, std::uint32_t, const proto::message& m) -> std::int64_t {
      return is(m, tx_batch_i) && std::get<proto::tx_batch>(m).sender == 0 ? 150'000 : 0;
    };
    n->run(3'000'000);
    return n;
  };
  auto fetches = [](const net& n) {
    std::uint64_t f = 0;
    for (std::uint32_t i = 1; i < 4; ++i)
      f += n.cores[i]->stats().compact_fetches;
    return f;
  };
  auto off = run(-1);
  EXPECT_GT(fetches(*off), 5u);
  auto on = run(400'000);
  EXPECT_EQ(fetches(*on), 0u);
  for (std::uint32_t i = 0; i < 4; ++i)
    EXPECT_GE(on->cores[i]->committed_height(), 5u) << "node " << i;
  // The leader's own batches are still proposed, later: the committed transactions come from
  // all four entry nodes' clients (each entry node signs as itself in the synthetic load).
  std::set<crypto::public_key> senders;
  for (std::uint64_t h = 1; h <= on->cores[0]->committed_height(); ++h)
    for (const auto& tx : on->cores[0]->committed_at(h)->block->txs)
      senders.insert(tx.sender);
  EXPECT_EQ(senders.size(), 4u);
}

TEST(relay, codec_round_trips_the_relay_messages) {
  proto::compact_proposal c;
  c.header.height = 3;
  c.header.tx_count = 2;
  c.salt = 77;
  c.short_id_bytes = 6;
  c.batch_count = 2;
  c.short_ids = bytes(6, 9);
  c.prefilled_index = {1};
  proto::tx_batch b;
  b.sender = 2;
  b.txs.resize(1);
  b.txs[0].payload = {1, 2};
  c.prefilled = {b};
  for (proto::message m :
       {proto::message{c}, proto::message{proto::tx_announce{1, {crypto::hash256{}}}},
        proto::message{proto::tx_request{1, {crypto::hash256{}}}},
        proto::message{proto::block_request{1, 4, crypto::hash256{}, {0, 3}}},
        proto::message{proto::block_batches{1, crypto::hash256{}, {1}, {b}}}}) {
    auto d = codec::decode(codec::encode(m));
    ASSERT_TRUE(d) << d.err().message;
    EXPECT_EQ(*d, m);
  }
  // Short ids that do not add up to the batch count are refused.
  c.short_ids = bytes(5, 9);
  auto d = codec::decode(codec::encode(proto::message{c}));
  EXPECT_FALSE(d);
}

TEST(relay, waiting_for_names_the_missing_batches_and_whom_they_were_asked_from) {
  // Node 3 gets no gossip, no fetch answer and no catch-up: it holds the compact form of the
  // first block with transactions and waits for its batches from the super node (node 0) for
  // ever. The others wait for nothing more than the next block.
  auto p = compact_params();
  p.group_wait_us = 100'000; // the super node certifies without node 3's vote
  net n(p, [](std::uint32_t from, std::uint32_t to, const proto::message& m) {
    bool sync = std::holds_alternative<proto::sync_request>(m) ||
                std::holds_alternative<proto::sync_response>(m);
    return (to == 3 || from == 3) &&
           (sync || is(m, tx_announce_i) || is(m, tx_batch_i) || is(m, block_batches_i));
  });
  n.run(1'500'000);
  ASSERT_GE(n.cores[0]->committed_height(), 3u);
  auto w = n.cores[3]->waiting_for();
  EXPECT_EQ(w.what, wait_state::stage::batches) << to_string(w.what);
  EXPECT_EQ(w.committed_height, n.cores[3]->committed_height());
  EXPECT_EQ(w.height, w.committed_height + 1 + w.certified_above);
  EXPECT_GT(w.missing, 0u);
  EXPECT_TRUE(w.asked);
  EXPECT_EQ(w.peer, 0u);
  EXPECT_FALSE(w.voted);
  EXPECT_FALSE(w.super);
  EXPECT_EQ(w.super_node, 0u);
  EXPECT_EQ(w.view, n.cores[3]->view());
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto o = n.cores[i]->waiting_for();
    EXPECT_NE(o.what, wait_state::stage::batches) << "node " << i;
    EXPECT_GT(o.committed_height, w.committed_height) << "node " << i;
  }
  EXPECT_TRUE(n.cores[0]->waiting_for().super);
}

TEST(relay, waiting_for_names_a_block_held_without_certificate) {
  // Node 3 never votes and the super node waits an hour for the group's last vote: every node
  // holds the next block, has voted for it (but node 3), and waits for its certificate.
  auto p = compact_params();
  p.group_wait_us = 3'600'000'000;
  net n(p, [](std::uint32_t, std::uint32_t to, const proto::message& m) {
    return to == 3 && (is(m, tx_announce_i) || is(m, tx_batch_i) || is(m, block_batches_i));
  });
  n.run(1'900'000);
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto w = n.cores[i]->waiting_for();
    EXPECT_EQ(w.what, wait_state::stage::certificate) << "node " << i << ": " << to_string(w.what);
    EXPECT_TRUE(w.voted) << "node " << i;
    EXPECT_GT(w.block_view, 0u);
  }
}

/// Opaque client transactions: `n` of client `client`, nonces from `from`.
std::vector<ledger::transaction> client_txs(std::uint8_t client, std::uint64_t from,
                                            std::size_t n) {
  std::vector<ledger::transaction> out;
  for (std::size_t k = 0; k < n; ++k) {
    ledger::transaction tx;
    tx.sender.fill(client);
    tx.nonce = from + k;
    tx.payload.assign(100, static_cast<std::uint8_t>(k));
    tx.signature.assign(64, 0);
    out.push_back(std::move(tx));
  }
  return out;
}

/// Real nodes' clients: transactions submitted to several nodes, in batches that differ.
params dedup_params() {
  auto p = compact_params();
  p.gossip_client_tps = 0;
  p.dedup_txs = true;
  return p;
}

std::map<crypto::hash256, int> committed_counts(const node_core& c) {
  std::map<crypto::hash256, int> out;
  for (std::uint64_t h = 1; h <= c.committed_height(); ++h)
    for (const auto& tx : c.committed_at(h)->block->txs)
      ++out[tx.id()];
  return out;
}

TEST(relay, a_transaction_in_two_batches_is_committed_once) {
  net n(dedup_params());
  auto shared = client_txs(1, 0, 20);
  auto a = client_txs(2, 0, 10), b = client_txs(3, 0, 10);
  auto with = [](std::vector<ledger::transaction> x, const std::vector<ledger::transaction>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  n.clients.emplace_back(10'000, 1, with(shared, a));
  n.clients.emplace_back(10'000, 2, with(b, shared));
  n.clients.emplace_back(10'000, 3, shared);
  // The same grouping at another node: the same batch.
  n.clients.emplace_back(10'000, 0, with(shared, a));
  n.run(3'000'000);
  EXPECT_TRUE(n.rejects.empty()) << n.rejects.begin()->first;
  auto counts = committed_counts(*n.cores[3]);
  EXPECT_EQ(counts.size(), 40u);
  for (const auto& [id, k] : counts)
    EXPECT_EQ(k, 1) << id.hex();
  // Submitted again after its commit, a transaction is refused.
  std::vector<ledger::app_verdict> v;
  EXPECT_EQ(n.cores[2]->submit(shared, 3'000'000, &v), 0u);
  ASSERT_EQ(v.size(), shared.size());
  EXPECT_STREQ(v[0].reason, "duplicate");
}

TEST(relay, a_block_that_repeats_a_transaction_gets_no_vote) {
  // The leader (node 0) does not check transaction ids across batches: its block holds the
  // shared transactions twice. The other nodes refuse it; nothing commits them twice.
  net n(dedup_params(), {}, [](std::uint32_t i, params& p) {
    if (i == 0) p.dedup_txs = false;
  });
  auto shared = client_txs(1, 0, 20);
  auto a = client_txs(2, 0, 10);
  n.clients.emplace_back(10'000, 1, [&] {
    auto x = shared;
    x.insert(x.end(), a.begin(), a.end());
    return x;
  }());
  n.clients.emplace_back(10'000, 2, shared);
  n.run(3'000'000);
  EXPECT_GT(n.rejects["compact proposal: a transaction repeats in the block"], 0);
  for (std::uint32_t i = 1; i < 4; ++i) {
    EXPECT_GT(n.cores[i]->stats().compact_failed, 0u) << "node " << i;
    for (const auto& [id, k] : committed_counts(*n.cores[i]))
      EXPECT_EQ(k, 1) << "node " << i << ": " << id.hex();
  }
}

TEST(relay, full_relay_commits_a_copy_that_arrives_after_the_block_once) {
  // Full relay: the super node's pool takes a transaction again once its block dropped it from
  // the pool, unless accepted blocks are remembered.
  auto p = dedup_params();
  p.relay = relay_mode::full;
  net n(p);
  auto shared = client_txs(1, 0, 20);
  n.clients.emplace_back(10'000, 1, shared);
  n.clients.emplace_back(1'500'000, 2, shared);
  n.clients.emplace_back(1'500'000, 0, shared);
  n.run(3'000'000);
  auto counts = committed_counts(*n.cores[3]);
  EXPECT_EQ(counts.size(), 20u);
  for (const auto& [id, k] : counts)
    EXPECT_EQ(k, 1) << id.hex();
}

} // namespace
} // namespace bystack::bbft
