// Reconfiguration in the BBFT core: certificates are checked against the set of their block's
// epoch (an old set's certificate is refused for a new epoch's block), nodes leave and join the
// set at epoch boundaries, and a boundary survives a view change. Cores run on a small
// deterministic event loop (1 ms links, virtual time), with the modelled signature scheme.
#include "actors/common/epochs.hpp"
#include "actors/node/node_core.hpp"
#include "runtime/crypto/modelled.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <queue>

namespace {

using namespace bystack;
using namespace bystack::bbft;

constexpr std::uint32_t universe_size = 8;
constexpr std::uint64_t epoch_blocks = 3;

crypto::secret_seed seed_of(std::uint32_t i) {
  crypto::secret_seed s{};
  s.fill(static_cast<std::uint8_t>(i + 1));
  s[0] = 0xd9;
  return s;
}

std::shared_ptr<const epoch_set> set_of(std::uint64_t epoch, std::vector<std::uint32_t> supers,
                                        std::vector<std::vector<std::uint32_t>> groups) {
  auto s = epoch_set::make(epoch, universe_size, std::move(supers), std::move(groups));
  EXPECT_TRUE(s) << (s ? "" : s.err().message);
  return std::make_shared<const epoch_set>(std::move(s).value());
}

/// Epochs 0-1: nodes 0-3. Epoch 2: nodes 2-5 (0 and 1 leave, 4 and 5 join). Epoch 3 on:
/// nodes 4-7 (2 and 3 leave, 6 and 7 join).
struct world {
  const crypto::signature_scheme& votes = crypto::modelled_scheme();
  std::unique_ptr<crypto::certificate_scheme> certs = crypto::make_signature_list_scheme(votes);
  std::shared_ptr<const crypto::validator_set> universe;
  static_set_provider sets{epoch_blocks};
  std::vector<std::unique_ptr<node_core>> cores;

  struct event {
    std::int64_t t;
    std::uint64_t seq;
    std::uint32_t node;
    std::uint32_t from;
    msg_ptr msg; // null: a timer
    timer_kind kind;
    std::uint64_t view;
    std::uint64_t token;
    bool operator>(const event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  std::priority_queue<event, std::vector<event>, std::greater<>> queue;
  std::uint64_t seq = 0;
  std::map<std::pair<std::uint32_t, timer_kind>, std::uint64_t> tokens;
  std::set<std::uint32_t> down;
  std::map<std::uint64_t, crypto::hash256> committed; ///< first commit of each height
  std::vector<std::uint64_t> height = std::vector<std::uint64_t>(universe_size, 0);
  std::vector<std::set<std::uint64_t>> voted_heights{universe_size}; ///< votes sent, by height
  std::vector<std::uint64_t> view_change_heights; ///< deciding heights of view changes sent
  std::vector<std::string> rejects;
  bool conflict = false;
  std::function<void(std::uint32_t, const effect&)> on_effect;

  world() {
    std::vector<crypto::public_key> keys;
    for (std::uint32_t i = 0; i < universe_size; ++i)
      keys.push_back(votes.make_signer(seed_of(i))->pub());
    universe = std::make_shared<const crypto::validator_set>(keys);
    sets.add(set_of(0, {0, 2}, {{0, 1}, {2, 3}}));
    sets.add(set_of(2, {4, 2}, {{4, 5}, {2, 3}}));
    sets.add(set_of(3, {4, 6}, {{4, 5}, {6, 7}}));
  }
  std::unique_ptr<node_core> make_core(std::uint32_t i) {
    core_config cc;
    cc.me = i;
    cc.topo = sets.set_of(0)->topo();
    cc.validators = universe;
    cc.certs = certs.get();
    cc.signer = votes.make_signer(seed_of(i));
    cc.p.view_timeout_us = 1'000'000;
    cc.p.group_wait_us = 100'000;
    cc.p.block_interval_us = 50'000;
    cc.p.sync_retry_us = 300'000;
    cc.sets = &sets;
    return std::make_unique<node_core>(std::move(cc));
  }
  void start() {
    for (std::uint32_t i = 0; i < universe_size; ++i) {
      cores.push_back(make_core(i));
      cores.back()->start(0);
      pump(i, 0);
    }
  }
  void pump(std::uint32_t i, std::int64_t t) {
    for (auto& e : cores[i]->take_effects()) {
      if (on_effect) on_effect(i, e);
      if (auto* s = std::get_if<send_effect>(&e)) {
        if (const auto* v = std::get_if<proto::vote>(s->msg.get()))
          voted_heights[i].insert(v->height);
        if (std::holds_alternative<proto::view_change>(*s->msg))
          view_change_heights.push_back(cores[i]->high_qc().height + 1);
        for (auto to : s->to)
          queue.push(event{t + 1000, seq++, to, i, s->msg, {}, 0, 0});
      } else if (auto* tm = std::get_if<timer_effect>(&e)) {
        auto token = ++tokens[{i, tm->kind}];
        queue.push(event{t + tm->delay_us, seq++, i, i, nullptr, tm->kind, tm->view, token});
      } else if (auto* c = std::get_if<commit_effect>(&e)) {
        const auto& h = c->block->header;
        auto [it, fresh] = committed.try_emplace(h.height, c->block->hash());
        if (!fresh && it->second != c->block->hash()) conflict = true;
        height[i] = h.height;
      } else if (auto* r = std::get_if<reject_effect>(&e)) {
        rejects.push_back(std::to_string(i) + " from " + std::to_string(r->from) + ": " +
                          r->reason);
      }
    }
  }
  /// Runs until `done` or the virtual deadline; returns whether done.
  bool run(std::int64_t until_us, const std::function<bool()>& done) {
    while (!queue.empty() && queue.top().t <= until_us) {
      auto ev = queue.top();
      queue.pop();
      if (down.count(ev.node) || (ev.msg && down.count(ev.from))) continue;
      if (ev.msg) {
        cores[ev.node]->on_message(ev.from, ev.msg, ev.t);
      } else {
        if (tokens[{ev.node, ev.kind}] != ev.token) continue; // replaced
        cores[ev.node]->on_timer(ev.kind, ev.view, ev.t);
      }
      pump(ev.node, ev.t);
      if (done()) return true;
    }
    return done();
  }
  bool all_reached(std::uint64_t h, std::initializer_list<std::uint32_t> nodes) const {
    for (auto n : nodes)
      if (height[n] < h) return false;
    return true;
  }
  /// Returns a certificate over a block signed by the given nodes.
  proto::block_certificate sign_cert(const ledger::block& b, std::vector<std::uint32_t> signers) {
    auto digest = proto::vote_digest(b.header.height, b.header.view, b.hash());
    std::vector<crypto::indexed_signature> sigs;
    for (auto s : signers)
      sigs.push_back({s, votes.make_signer(seed_of(s))->sign(digest)});
    auto qc = certs->build(*universe, digest, sigs);
    EXPECT_TRUE(qc);
    return proto::block_certificate{b.header.height, b.header.view, b.hash(), {*qc}};
  }
};

std::string dump(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 20; ++i)
    out += v[i] + "\n";
  return out;
}

TEST(dpos_reconfig, members_leave_and_join_at_boundaries_without_a_fork) {
  world w;
  w.start();
  ASSERT_TRUE(w.run(60'000'000,
                    [&] {
                      return w.all_reached(15, {4, 5, 6, 7});
                    }))
      << "heights " << w.height[4] << " " << w.height[6] << "\n"
      << dump(w.rejects);
  EXPECT_FALSE(w.conflict);
  // Node 1 (a plain member in epochs 0-1) voted there and never after; node 7 (joins in
  // epoch 3, heights 10 on) voted only from there.
  ASSERT_FALSE(w.voted_heights[1].empty());
  EXPECT_LE(*w.voted_heights[1].rbegin(), 2 * epoch_blocks);
  ASSERT_FALSE(w.voted_heights[7].empty());
  EXPECT_GE(*w.voted_heights[7].begin(), 3 * epoch_blocks + 1);
  EXPECT_GE(*w.voted_heights[7].rbegin(), 15u);
  EXPECT_TRUE(w.cores[7]->in_set());
  EXPECT_FALSE(w.cores[1]->in_set());
  EXPECT_EQ(w.cores[7]->epoch(), w.sets.epoch_of(w.cores[7]->high_qc().height + 1));
  // Every certificate a node committed carries only its own epoch's members.
  for (std::uint64_t h = 1; h <= w.cores[4]->committed_height(); ++h) {
    const auto* e = w.cores[4]->committed_at(h);
    auto s = w.sets.set_of(w.sets.epoch_of(h));
    for (const auto& qc : e->cert->certs)
      qc.signers.for_each([&](std::size_t i) {
        EXPECT_TRUE(s->contains(static_cast<std::uint32_t>(i)))
            << "height " << h << " signer " << i;
      });
  }
}

TEST(dpos_reconfig, certificate_of_an_old_set_is_refused_for_a_new_epochs_block) {
  world w;
  w.start();
  ASSERT_TRUE(w.run(60'000'000, [&] { return w.all_reached(9, {4, 5}); })) << dump(w.rejects);
  const auto& b8 = *w.cores[4]->committed_at(8)->block; // epoch 2: members 2, 3, 4, 5
  const auto& b5 = *w.cores[4]->committed_at(5)->block; // epoch 1: members 0, 1, 2, 3
  auto refused = [&](const proto::block_certificate& c) -> std::string {
    auto fresh = w.make_core(5);
    auto msg = std::make_shared<const proto::message>(proto::commit_certificate{4, c});
    fresh->on_message(4, msg, 0);
    for (auto& e : fresh->take_effects())
      if (auto* r = std::get_if<reject_effect>(&e)) return r->reason;
    return "";
  };
  // The old set, a full quorum of it, for a block of the new epoch: refused.
  EXPECT_EQ(refused(w.sign_cert(b8, {0, 1, 2, 3})),
            "certificate: signed by a node outside the block's epoch set");
  // The same signers for a block of their own epoch, and the new set for its own: accepted.
  EXPECT_EQ(refused(w.sign_cert(b5, {0, 1, 2, 3})), "");
  EXPECT_EQ(refused(w.sign_cert(b8, {2, 4, 5})), "");
  // Too few of the new set, and a mix with a leaver: refused.
  EXPECT_EQ(refused(w.sign_cert(b8, {4, 5})),
            "certificate: invalid, or not more than 2/3 of the epoch's set");
  EXPECT_EQ(refused(w.sign_cert(b8, {1, 4, 5})),
            "certificate: signed by a node outside the block's epoch set");
  // The core's own certificate of that block passes.
  EXPECT_EQ(refused(*w.cores[4]->committed_at(8)->cert), "");
  // A vote from a node outside the deciding epoch is refused by a super node of that epoch.
  auto h = w.cores[4]->high_qc().height + 1;
  auto v = w.cores[4]->view();
  crypto::hash256 some;
  some.data[0] = 1;
  auto vote = proto::vote{h, v, some, 1,
                          w.votes.make_signer(seed_of(1))->sign(proto::vote_digest(h, v, some))};
  w.cores[4]->on_message(1, std::make_shared<const proto::message>(vote), 0);
  std::string reason;
  for (auto& e : w.cores[4]->take_effects())
    if (auto* r = std::get_if<reject_effect>(&e)) reason = r->reason;
  EXPECT_EQ(reason, "vote: voter outside the block's epoch set");
}

TEST(dpos_reconfig, boundary_during_a_view_change) {
  world w;
  // Crash the leader of the first view of epoch 2 as soon as the last block of epoch 1 is
  // certified: the boundary's first height must be decided through a timeout certificate.
  std::uint32_t crashed = universe_size;
  w.on_effect = [&](std::uint32_t node, const effect& e) {
    auto* c = std::get_if<certified_effect>(&e);
    if (!c || c->height != 2 * epoch_blocks || crashed != universe_size) return;
    crashed = w.cores[node]->expected_leader();
    w.down.insert(crashed);
  };
  w.start();
  std::vector<std::uint32_t> live;
  auto done = [&] {
    if (crashed == universe_size) return false;
    for (std::uint32_t n : {4u, 5u, 6u, 7u})
      if (n != crashed && w.height[n] < 15) return false;
    return true;
  };
  ASSERT_TRUE(w.run(120'000'000, done))
      << "crashed " << crashed << " queue " << w.queue.size() << " heights " << w.height[3] << " "
      << w.height[4] << " " << w.height[5] << " " << w.height[6] << " views " << w.cores[4]->view()
      << "\n"
      << dump(w.rejects);
  EXPECT_FALSE(w.conflict);
  ASSERT_NE(crashed, universe_size);
  // The crashed node leads in epoch 2's topology, so the boundary height timed out.
  EXPECT_TRUE(w.sets.set_of(2)->topo()->is_super(crashed));
  EXPECT_NE(
      std::find(w.view_change_heights.begin(), w.view_change_heights.end(), 2 * epoch_blocks + 1),
      w.view_change_heights.end());
}

TEST(dpos_reconfig, election_provider_elects_two_epochs_ahead) {
  using namespace bystack::ledger;
  world w;
  dpos::election_params p;
  p.epoch_blocks = 2;
  p.consensus_size = 4;
  p.min_size = 1;
  dpos::elected_set genesis;
  for (std::uint32_t i = 0; i < 4; ++i)
    genesis.members.push_back(dpos::member{{}, w.universe->key(i), "", "", 0});
  election_provider prov(p, dpos::stake_only(2), w.universe, genesis);
  ASSERT_TRUE(prov.set_of(0));
  EXPECT_EQ(prov.set_of(1), prov.set_of(0));
  EXPECT_EQ(prov.set_of(0)->members(), (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_FALSE(prov.set_of(2));
  // Height 1 registers nodes 5 and 6, votes 10 for 6 and 5 for 5; height 2 ends epoch 0.
  block_delta d;
  d.height = 1;
  hash256 ids[2];
  for (std::uint32_t k = 0; k < 2; ++k) {
    ids[k].data[0] = static_cast<std::uint8_t>(k + 1);
    dpos::registration r{w.universe->key(5 + k), "n", "r"};
    d.created.emplace_back(ids[k], utxo_entry{dpos::make_registration({}, 1, r), 1});
    hash256 vid;
    vid.data[1] = static_cast<std::uint8_t>(k + 1);
    d.created.emplace_back(vid, utxo_entry{dpos::make_vote({}, 5 + 5 * k, ids[k], {}), 1});
  }
  prov.on_commit(d, 1);
  EXPECT_FALSE(prov.set_of(2));
  prov.on_commit(block_delta{}, 2);
  ASSERT_TRUE(prov.set_of(2));
  EXPECT_EQ(prov.set_of(2)->members(), (std::vector<std::uint32_t>{5, 6}));
  EXPECT_TRUE(prov.set_of(2)->topo()->is_super(6)); // most votes
  ASSERT_TRUE(prov.elected(2));
  EXPECT_EQ(prov.elected(2)->members.front().votes, 10u);
  EXPECT_FALSE(prov.set_of(3));
}

} // namespace
