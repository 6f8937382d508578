// The BBFT core's memory stays bounded however many rounds it runs: a window of the committed
// chain (core_config::retained_blocks / retained_certificates), per-view state released, and
// catch-up below the window served from an archive. Counts entries, never times anything.
#include "actors/common/flat_map.hpp"
#include "actors/node/node_core.hpp"
#include "runtime/crypto/modelled.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <queue>
#include <set>
#include <tuple>
#include <vector>

namespace bystack::bbft {
namespace {

/// One copy of the chain, filled from commit effects (what sim/shared_chain.hpp does).
class test_archive final : public chain_archive {
public:
  void add(const commit_effect& e) {
    auto h = e.block->header.height;
    entries_.try_emplace(h, proto::committed_block{e.block, *e.cert});
  }
  std::optional<proto::committed_block> committed_block_at(std::uint64_t h) const override {
    if (auto it = entries_.find(h); it != entries_.end()) return it->second;
    return std::nullopt;
  }
  std::size_t size() const { return entries_.size(); }

private:
  std::map<std::uint64_t, proto::committed_block> entries_;
};

/// A tiny discrete-event network of cores: 1 ms links, timers, messages handed over as decoded
/// pointers (no codec), and a switch that cuts one node off.
struct cluster {
  std::uint32_t n;
  std::shared_ptr<const topology> topo;
  std::shared_ptr<const crypto::validator_set> set;
  std::unique_ptr<crypto::certificate_scheme> certs =
      crypto::make_signature_list_scheme(crypto::modelled_scheme());
  test_archive archive;
  std::vector<std::unique_ptr<node_core>> cores;
  std::int64_t now = 0;
  std::int32_t cut_off = -1; ///< this node neither sends nor receives while set
  std::vector<msg_ptr> sent; ///< every message a core sent, when record_sends is set
  bool record_sends = false;

  struct event {
    std::int64_t t;
    std::uint64_t seq;
    std::uint32_t dst, from;
    bool timer;
    timer_kind kind;
    std::uint64_t view;
    msg_ptr msg;
    bool operator>(const event& o) const { return std::tie(t, seq) > std::tie(o.t, o.seq); }
  };
  std::priority_queue<event, std::vector<event>, std::greater<>> q;
  std::uint64_t seq = 0;

  static crypto::secret_seed seed_of(std::uint32_t i) {
    crypto::secret_seed s{};
    s[0] = static_cast<std::uint8_t>(i + 1);
    s[1] = 0x5a;
    return s;
  }

  cluster(std::uint32_t nodes, std::uint32_t supers, std::uint64_t retained_blocks,
          std::uint64_t retained_certificates, bool with_archive)
      : n(nodes) {
    topo = std::make_shared<const topology>(*topology::even(nodes, supers));
    std::vector<crypto::public_key> keys;
    for (std::uint32_t i = 0; i < n; ++i)
      keys.push_back(crypto::modelled_scheme().make_signer(seed_of(i))->pub());
    set = std::make_shared<const crypto::validator_set>(std::move(keys));
    for (std::uint32_t i = 0; i < n; ++i)
      cores.push_back(std::make_unique<node_core>(
          config(i, retained_blocks, retained_certificates, with_archive ? &archive : nullptr)));
    for (std::uint32_t i = 0; i < n; ++i) {
      cores[i]->start(0);
      flush(i);
    }
  }

  /// Node i's configuration: this cluster's topology, set and scheme, 3 transactions per block.
  core_config config(std::uint32_t i, std::uint64_t retained_blocks,
                     std::uint64_t retained_certificates, const chain_archive* a) const {
    core_config cc;
    cc.me = i;
    cc.topo = topo;
    cc.validators = set;
    cc.certs = certs.get();
    cc.signer = crypto::modelled_scheme().make_signer(seed_of(i));
    cc.p.synthetic_txs_per_block = 3;
    cc.retained_blocks = retained_blocks;
    cc.retained_certificates = retained_certificates;
    cc.archive = a;
    return cc;
  }

  bool cut(std::uint32_t i) const {
    return cut_off >= 0 && i == static_cast<std::uint32_t>(cut_off);
  }

  void flush(std::uint32_t i) {
    for (auto& e : cores[i]->take_effects()) {
      if (auto* s = std::get_if<send_effect>(&e)) {
        if (record_sends) sent.push_back(s->msg);
        if (cut(i)) continue;
        for (auto d : s->to)
          if (d != i) q.push(event{now + 1000, seq++, d, i, false, {}, 0, s->msg});
      } else if (auto* t = std::get_if<timer_effect>(&e)) {
        q.push(event{now + t->delay_us, seq++, i, i, true, t->kind, t->view, nullptr});
      } else if (auto* c = std::get_if<commit_effect>(&e)) {
        archive.add(*c);
      }
    }
  }

  /// Runs until every node (but the cut-off one) has committed height h; false if it stalls.
  bool run_to(std::uint64_t h, std::size_t max_events = 2'000'000) {
    auto done = [&] {
      for (std::uint32_t i = 0; i < n; ++i)
        if (!cut(i) && cores[i]->committed_height() < h) return false;
      return true;
    };
    for (std::size_t k = 0; k < max_events && !q.empty(); ++k) {
      if (done()) return true;
      auto e = q.top();
      q.pop();
      now = e.t;
      if (e.timer) {
        cores[e.dst]->on_timer(e.kind, e.view, now);
      } else {
        if (cut(e.dst) || cut(e.from)) continue;
        cores[e.dst]->on_message(e.from, e.msg, now);
      }
      flush(e.dst);
    }
    return done();
  }

  retained_counts most() const {
    retained_counts m;
    for (const auto& c : cores) {
      auto r = c->retained();
      m.chain_blocks = std::max(m.chain_blocks, r.chain_blocks);
      m.chain_certificates = std::max(m.chain_certificates, r.chain_certificates);
      m.pending_blocks = std::max(m.pending_blocks, r.pending_blocks);
      m.collections = std::max(m.collections, r.collections);
      m.timeout_views = std::max(m.timeout_views, r.timeout_views);
      m.seen_views = std::max(m.seen_views, r.seen_views);
    }
    return m;
  }
};

TEST(CoreRetention, RetainedStateStaysBoundedOverManyRounds) {
  cluster c(7, 2, 4, 2, true);
  ASSERT_TRUE(c.run_to(20));
  auto early = c.most();
  ASSERT_TRUE(c.run_to(150));
  auto late = c.most();
  // The chain window: at most twice the kept blocks before a trim, certificates of the top 2.
  EXPECT_LE(late.chain_blocks, 8u);
  EXPECT_LE(late.chain_certificates, 2u);
  // Per-view state: the blocks above the committed head, the collections of the last views.
  EXPECT_LE(late.pending_blocks, 3u);
  EXPECT_LE(late.collections, 3u);
  EXPECT_LE(late.timeout_views, 2u);
  EXPECT_LE(late.seen_views, 6u); // proposals of views view_ - 1 .. view_ + 1, seen and relayed
  // Flat: nothing kept at height 150 exceeds what a window's worth of rounds keeps at height 20.
  EXPECT_LE(late.chain_blocks, std::max<std::size_t>(early.chain_blocks, 8u));
  EXPECT_LE(late.pending_blocks, std::max<std::size_t>(early.pending_blocks, 3u));
  for (const auto& core : c.cores) {
    EXPECT_GE(core->lowest_retained_height(), core->committed_height() - 8);
    EXPECT_EQ(core->committed_at(core->lowest_retained_height() - 1), nullptr);
    // Every height is still served: from memory above the window, from the archive below.
    for (std::uint64_t h = 1; h <= core->committed_height(); ++h) {
      auto cb = core->find_committed(h);
      ASSERT_TRUE(cb) << "height " << h;
      EXPECT_EQ(cb->block->header.height, h);
      EXPECT_EQ(cb->cert.block_hash, cb->block->hash());
    }
  }
}

TEST(CoreRetention, BlockCertificatesShareTheGroupCertificatesTheyList) {
  // Signature-list certificates at M = N: every super node's block certificate lists the M group
  // certificates it received (and its own). They are shared with the messages that carried them,
  // not copied: M super nodes holding M certificates each would otherwise be M^2 bitmaps and
  // signature lists per view.
  cluster c(8, 8, 4, 2, true);
  c.record_sends = true;
  ASSERT_TRUE(c.run_to(3));
  std::set<const crypto::quorum_certificate*> group;
  for (const auto& m : c.sent)
    if (const auto* g = std::get_if<proto::group_certificate>(m.get())) group.insert(&g->qc);
  std::size_t commits = 0, listed = 0;
  for (const auto& m : c.sent) {
    const auto* cc = std::get_if<proto::commit_certificate>(m.get());
    if (!cc) continue;
    ++commits;
    ASSERT_GE(cc->cert.certs.size(), 6u); // a quorum of 8 single-signer group certificates
    for (std::size_t i = 0; i < cc->cert.certs.size(); ++i) {
      ++listed;
      EXPECT_TRUE(group.count(cc->cert.certs.shared(i).get()))
          << "commit certificate of view " << cc->cert.view << ": certificate " << i
          << " is a copy, not the group certificate it lists";
    }
  }
  EXPECT_GE(commits, 8u);
  EXPECT_GE(listed, 8u * 6u);
  // A copy of a block certificate shares its certificates too, and still compares by content.
  for (const auto& core : c.cores) {
    auto cb = core->find_committed(2);
    ASSERT_TRUE(cb);
    auto copy = cb->cert;
    ASSERT_EQ(copy.certs.size(), cb->cert.certs.size());
    EXPECT_EQ(copy.certs.shared(0).get(), cb->cert.certs.shared(0).get());
    EXPECT_EQ(copy, cb->cert);
  }
}

TEST(CoreRetention, ACollectionDropsItsCertificatesOnceItsCommitCertificateIsOut) {
  // Flat voting (M = N): each super node collects a group certificate from every super node in
  // every view. Once its commit certificate is out, nothing reads them again, so the collection
  // holds none from then on, while the collections still gathering hold theirs.
  cluster c(8, 8, 4, 2, true);
  std::size_t committed = 0, gathering = 0;
  for (std::uint64_t h = 2; h <= 30; h += 2) {
    ASSERT_TRUE(c.run_to(h));
    for (const auto& core : c.cores) {
      auto r = core->retained();
      EXPECT_EQ(r.certificates_after_commit, 0u) << "height " << h;
      committed += r.collections_committed;
      gathering += r.collected_certificates;
    }
  }
  EXPECT_GT(committed, 0u); // the check above looked at collections past their commit
  EXPECT_GT(gathering, 0u); // and collections still gathering keep what they gathered
  // The commit certificates were still made from every group certificate: the chain's block
  // certificates list a quorum of the 8 single-signer group certificates.
  for (const auto& core : c.cores) {
    auto cb = core->find_committed(core->committed_height());
    ASSERT_TRUE(cb);
    EXPECT_GE(cb->cert.certs.size(), 6u);
  }
}

TEST(CoreRetention, WithoutAWindowTheWholeChainStays) {
  // The default (production, whose store is the archive) keeps every committed block: the
  // counter the test above bounds does grow with the rounds when nothing trims it.
  cluster c(7, 2, 0, 0, false);
  ASSERT_TRUE(c.run_to(40));
  for (const auto& core : c.cores) {
    EXPECT_EQ(core->retained().chain_blocks, core->committed_height() + 1);
    EXPECT_EQ(core->retained().chain_certificates, core->committed_height() + 1);
    EXPECT_EQ(core->lowest_retained_height(), 0u);
  }
}

TEST(CoreRetention, SyncBelowTheWindowIsServedFromTheArchiveOrNotAtAll) {
  for (bool with_archive : {true, false}) {
    cluster c(7, 2, 4, 2, with_archive);
    ASSERT_TRUE(c.run_to(30));
    auto& server = *c.cores[0];
    ASSERT_GT(server.lowest_retained_height(), 1u);
    server.on_message(3, std::make_shared<const proto::message>(proto::sync_request{3, 1, 16}),
                      c.now);
    const proto::sync_response* resp = nullptr;
    auto effects = server.take_effects();
    for (const auto& e : effects)
      if (const auto* s = std::get_if<send_effect>(&e))
        if (const auto* r = std::get_if<proto::sync_response>(s->msg.get())) resp = r;
    ASSERT_NE(resp, nullptr);
    if (!with_archive) {
      // Nothing links up from height 1, so nothing is sent: the requester asks another peer.
      EXPECT_TRUE(resp->blocks.empty());
      continue;
    }
    ASSERT_EQ(resp->blocks.size(), 16u);
    for (std::size_t i = 0; i < resp->blocks.size(); ++i) {
      EXPECT_EQ(resp->blocks[i].block->header.height, i + 1);
      EXPECT_EQ(resp->blocks[i].cert.block_hash, resp->blocks[i].block->hash());
      if (i > 0) {
        EXPECT_EQ(resp->blocks[i].block->header.parent, resp->blocks[i - 1].block->hash());
      }
    }
  }
}

TEST(CoreRetention, ANodeFarBehindCatchesUpFromPeersThatTrimmedTheirChains) {
  cluster c(7, 2, 4, 2, true);
  c.cut_off = 6;
  ASSERT_TRUE(c.run_to(40));
  EXPECT_LT(c.cores[6]->committed_height(), 2u);
  EXPECT_GT(c.cores[0]->lowest_retained_height(), 20u); // the peers no longer hold it
  c.cut_off = -1;
  ASSERT_TRUE(c.run_to(60));
  EXPECT_GE(c.cores[6]->committed_height(), 60u);
  EXPECT_EQ(c.cores[6]->committed_hash(),
            c.cores[0]->find_committed(c.cores[6]->committed_height())->block->hash());
}

TEST(CoreRetention, RestoreKeepsOnlyTheWindow) {
  cluster c(7, 2, 0, 0, false);
  ASSERT_TRUE(c.run_to(30));
  std::vector<proto::committed_block> chain;
  for (std::uint64_t h = 1; h <= c.cores[0]->committed_height(); ++h)
    chain.push_back(c.cores[0]->committed_block_at(h));
  node_core fresh(c.config(0, 4, 2, nullptr));
  ASSERT_TRUE(fresh.restore(chain));
  EXPECT_EQ(fresh.committed_height(), chain.size());
  EXPECT_EQ(fresh.committed_hash(), chain.back().block->hash());
  EXPECT_LE(fresh.retained().chain_blocks, 8u);
  EXPECT_LE(fresh.retained().chain_certificates, 2u);
  EXPECT_FALSE(fresh.find_committed(1)); // no archive: below the window is gone
  EXPECT_THROW((void)fresh.committed_block_at(1), std::out_of_range);
  EXPECT_TRUE(fresh.find_committed(fresh.committed_height()));
}

TEST(CoreRetention, RestoreFromTheTopOfTheChainServesBelowFromTheArchiveAndRunsOn) {
  // A restarted production node decodes only the top of its stored chain (the window); the
  // heights below stay in the store, its archive. Node 6 is replaced by such a core mid-run.
  cluster c(7, 2, 4, 2, true);
  ASSERT_TRUE(c.run_to(30));
  auto& old = *c.cores[6];
  const auto head = old.committed_height();
  std::vector<proto::committed_block> top;
  for (auto h = head - 3; h <= head; ++h)
    top.push_back(*c.archive.committed_block_at(h));
  auto make = [&](const chain_archive* archive) {
    return std::make_unique<node_core>(c.config(6, 4, 2, archive));
  };
  auto fresh = make(&c.archive);
  ASSERT_TRUE(fresh->restore(top));
  EXPECT_EQ(fresh->committed_height(), head);
  EXPECT_EQ(fresh->committed_hash(), old.committed_hash());
  EXPECT_EQ(fresh->lowest_retained_height(), head - 3);
  EXPECT_EQ(fresh->retained().chain_blocks, 4u);
  ASSERT_TRUE(fresh->find_committed(1)); // below the top: the archive's
  EXPECT_EQ(fresh->find_committed(1)->block->hash(), c.cores[0]->find_committed(1)->block->hash());

  // What it refuses, naming the height: a top without an archive for the heights below, a
  // gap, a certificate for another block, a block that does not extend the one below.
  auto no_archive = make(nullptr);
  auto r = no_archive->restore(top);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("archive"), std::string::npos) << r.err().message;
  auto gap = top;
  gap.erase(gap.begin() + 1);
  r = make(&c.archive)->restore(gap);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("expected height " + std::to_string(head - 2)), std::string::npos)
      << r.err().message;
  auto forged = top;
  forged[0].cert.block_hash = forged[1].cert.block_hash;
  r = make(&c.archive)->restore(forged);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("is for another block"), std::string::npos) << r.err().message;
  auto unlinked = top;
  auto moved = *unlinked[1].block;
  moved.header.parent = unlinked[2].cert.block_hash;
  unlinked[1].block = std::make_shared<const ledger::block>(moved);
  unlinked[1].cert.block_hash = moved.hash(); // certified, but not on top of height head - 3
  r = make(&c.archive)->restore(unlinked);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("does not extend"), std::string::npos) << r.err().message;

  // The restored core takes node 6's place and commits on with the others.
  c.cores[6] = std::move(fresh);
  c.cores[6]->start(c.now);
  c.flush(6);
  ASSERT_TRUE(c.run_to(head + 10));
  EXPECT_GE(c.cores[6]->committed_height(), head + 10);
  EXPECT_EQ(c.cores[6]->find_committed(head + 10)->block->hash(),
            c.cores[0]->find_committed(head + 10)->block->hash());
}

} // namespace
} // namespace bystack::bbft

namespace bystack::bbft {
namespace {

// The core's queues (leader pool, early certificates, the relay's included batches) take no
// memory until something is pushed, and otherwise behave like the std::deque they replace.
TEST(CoreRetention, LazyDequeAllocatesOnFirstPushAndActsLikeADeque) {
  lazy_deque<int> q;
  EXPECT_FALSE(q.allocated());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.begin(), q.end());
  EXPECT_EQ(std::find(q.begin(), q.end(), 3), q.end());
  const auto& cq = q;
  EXPECT_EQ(cq.begin(), cq.end());
  for (int x : q)
    ADD_FAILURE() << "an empty queue yielded " << x;
  EXPECT_FALSE(q.allocated()); // looking does not allocate

  // Random pushes, pops, erasures and copies against std::deque.
  std::deque<int> ref;
  std::uint64_t r = 12345;
  auto next = [&] { return r = r * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int i = 0; i < 5000; ++i) {
    auto op = next() >> 61;
    if (op < 4 || ref.empty()) {
      int v = static_cast<int>(next() >> 40);
      q.push_back(v);
      ref.push_back(v);
    } else if (op < 6) {
      ASSERT_EQ(q.front(), ref.front());
      q.pop_front();
      ref.pop_front();
    } else if (op == 6) {
      auto k = static_cast<std::ptrdiff_t>((next() >> 33) % ref.size());
      q.erase(q.begin() + k);
      ref.erase(ref.begin() + k);
    } else {
      lazy_deque<int> copy = q;
      q = std::move(copy);
    }
    ASSERT_EQ(q.size(), ref.size());
    ASSERT_TRUE(std::equal(q.begin(), q.end(), ref.begin(), ref.end()));
  }
  EXPECT_TRUE(q.allocated());
  lazy_deque<int> empty_copy = lazy_deque<int>{};
  EXPECT_FALSE(empty_copy.allocated());
}

// The sorted vector that holds the views a core handled or relayed a proposal of answers every
// call the core makes exactly as the std::set it replaces: random inserts, erasures by value and
// of the first element, counts, sizes and the order, checked against std::set.
TEST(CoreRetention, ViewSetActsLikeAStdSet) {
  view_set s;
  std::set<std::uint64_t> ref;
  EXPECT_TRUE(s.empty());
  std::uint64_t r = 777;
  auto next = [&] { return r = r * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int i = 0; i < 20000; ++i) {
    auto op = next() >> 62;
    std::uint64_t v = (next() >> 33) % 96;
    if (op < 2) {
      auto [at, fresh] = s.insert(v);
      auto [rat, rfresh] = ref.insert(v);
      ASSERT_EQ(fresh, rfresh) << "insert " << v;
      ASSERT_EQ(*at, *rat);
    } else if (op == 2) {
      ASSERT_EQ(s.erase(v), ref.erase(v)) << "erase " << v;
    } else if (!ref.empty()) {
      ASSERT_EQ(*s.begin(), *ref.begin());
      s.erase(s.begin());
      ref.erase(ref.begin());
    }
    ASSERT_EQ(s.count(v), ref.count(v));
    ASSERT_EQ(s.size(), ref.size());
    ASSERT_EQ(s.empty(), ref.empty());
    ASSERT_TRUE(std::equal(s.begin(), s.end(), ref.begin(), ref.end()));
  }
}

TEST(CoreRetention, FlatMapActsLikeAMapInInsertionOrder) {
  // The reference: a std::map for contents plus the keys in the order they were first added.
  flat_map<std::uint64_t, int> m;
  std::map<std::uint64_t, int> ref;
  std::vector<std::uint64_t> order;
  std::uint64_t r = 4242;
  auto next = [&] { return r = r * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int i = 0; i < 20000; ++i) {
    auto op = next() >> 61;
    std::uint64_t k = (next() >> 33) % 24;
    int v = static_cast<int>(next() >> 40);
    if (op < 3) {
      auto [at, fresh] = m.try_emplace(k, v);
      auto [rat, rfresh] = ref.try_emplace(k, v);
      ASSERT_EQ(fresh, rfresh) << "try_emplace " << k;
      ASSERT_EQ(at->first, k);
      ASSERT_EQ(at->second, rat->second);
      if (rfresh) order.push_back(k);
    } else if (op == 3) {
      ASSERT_EQ(m.erase(k), ref.erase(k)) << "erase " << k;
      std::erase(order, k);
    } else if (op == 4) {
      if (auto at = m.find(k); at != m.end()) {
        m.erase(at);
        ref.erase(k);
        std::erase(order, k);
      }
    } else if (op == 5) {
      auto below = k;
      auto n = m.erase_if([below](const auto& e) { return e.first < below; });
      auto rn = std::erase_if(ref, [below](const auto& e) { return e.first < below; });
      ASSERT_EQ(n, rn);
      std::erase_if(order, [below](std::uint64_t x) { return x < below; });
    } else if (op == 6) {
      if (auto at = m.find(k); at != m.end()) {
        at->second = v;
        ref[k] = v;
      }
    } else if (next() % 64 == 0) {
      m.clear();
      ref.clear();
      order.clear();
    }
    ASSERT_EQ(m.count(k), ref.count(k));
    ASSERT_EQ(m.size(), ref.size());
    ASSERT_EQ(m.empty(), ref.empty());
    ASSERT_EQ(m.size(), order.size());
    std::size_t j = 0;
    for (const auto& [key, value] : m) {
      ASSERT_EQ(key, order[j++]) << "insertion order";
      ASSERT_EQ(value, ref.at(key));
    }
  }
}

} // namespace
} // namespace bystack::bbft
