#include "runtime/node/runtime.hpp"

#include "actors/common/epochs.hpp"
#include "actors/node/node_actor.hpp"
#include "runtime/codec/codec.hpp"
#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/extension_set.hpp"
#include "runtime/node/elections_restart.hpp"
#include "runtime/node/envelope.hpp"
#include "runtime/node/ledger_node.hpp"
#include "runtime/node/log.hpp"
#include "runtime/node/wire.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace bystack::node {

/// Answers a ledger_status request: the core's status and the ledger's, read in one handler so
/// that the UTXO set hash belongs to the committed height reported with it.
struct ledger_status_reply {
  bbft::node_status node;
  bool ledger = false;
  crypto::hash256 utxo_set_hash;
  std::uint64_t utxos = 0, pool_txs = 0, pool_bytes = 0, pool_orphans = 0;
  std::uint64_t txs_tracked = 0, txs_resent = 0, txs_dropped = 0;
  bool dpos = false;
  std::uint64_t epoch = 0;
  bool in_set = false;
  std::uint32_t set_size = 0;
  std::vector<std::uint32_t> supers;
  std::uint64_t chain_blocks_in_memory = 0, lowest_in_memory = 0;
};

/// Answers an election request (DPoS only).
struct election_reply {
  bool dpos = false;
  election_view view;
};

/// Answers a pending_tx request.
struct pending_reply {
  bool found = false;
  bytes tx;
  std::string dropped; ///< accepted here, left the pool uncommitted: why
};

using verdict_list = std::vector<tx_verdict>;

} // namespace bystack::node

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::node::ledger_status_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::node::pending_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::node::election_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::node::verdict_list)

namespace bystack::node {

namespace {

using outbound_atom = caf::atom_constant<caf::atom("outbound")>;
using connect_peer_atom = caf::atom_constant<caf::atom("connpeer")>;
using fire_atom = caf::atom_constant<caf::atom("fire")>;
using start_node_atom = caf::atom_constant<caf::atom("startnode")>;
using ledger_submit_atom = caf::atom_constant<caf::atom("lsubmit")>;
using ledger_status_atom = caf::atom_constant<caf::atom("lstatus")>;
using pending_tx_atom = caf::atom_constant<caf::atom("pendingtx")>;
using peer_up_atom = caf::atom_constant<caf::atom("peerup")>;
using resend_tick_atom = caf::atom_constant<caf::atom("resend")>;
using delayed_out_atom = caf::atom_constant<caf::atom("delayout")>;
using election_atom = caf::atom_constant<caf::atom("election")>;

/// How long a starting node waits for all its peers before it starts the protocol anyway.
constexpr auto start_wait = std::chrono::seconds(3);

/// Every timer kind of the core: view timeouts and catch-up, a super node's commit_wait, and
/// the gossip tick of compact relay.
constexpr std::size_t timer_kinds = bbft::timer_kind_count;

/// Client transactions this node accepted are offered to the super nodes again until committed:
/// checked every tick; each is resent after resend_first, then after doubling intervals up to
/// resend_max, and all at once (at most every resend_all_gap) when a view timed out here or a
/// peer (re)connected, since a new or restarted leader may not hold them.
constexpr auto resend_tick = std::chrono::milliseconds(1000);
constexpr std::int64_t resend_first_us = 5'000'000;
constexpr std::int64_t resend_max_us = 60'000'000;
constexpr std::int64_t resend_all_gap_us = 2'000'000;
constexpr std::size_t resend_batch_txs = 2000;
/// Bounds the dropped transactions GET /tx remembers.
constexpr std::size_t dropped_memory = 100'000;

/// A test-only link fault towards one peer (testing.link_faults): drop or delay what we send.
struct link_fault {
  double drop = 0;            ///< probability of dropping each message
  std::uint32_t delay_ms = 0; ///< extra delay before sending
};

std::int64_t wall_now_us() {
  // The wall clock, not steady_clock: block timestamps come from it, and they must mean the
  // same instant on every node for the round latency to be comparable across nodes.
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// What the transport, the timer actor and the environment share; outlives all actors.
struct shared_state {
  std::uint32_t me = 0;
  std::vector<endpoint> peers;
  limits_config lim;
  std::unique_ptr<envelope_checker> checker;
  std::unique_ptr<crypto::signer> envelope_signer;
  node::metrics* stats = nullptr;
  caf::actor node;
  std::atomic<std::uint64_t> inbound_pending_bytes{0};
  std::array<std::atomic<std::uint64_t>, timer_kinds> timer_gen{};
  std::mutex certified_mu;
  std::uint64_t certified_height = 0;
  crypto::hash256 certified_hash;
  bool link_faults_enabled = false; ///< testing.link_faults (never in production configs)
  std::mutex link_mu;
  std::vector<link_fault> links; ///< by peer; under link_mu
};

// -- transport ------------------------------------------------------------------------------------

struct inbound_link {
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
};

struct transport_state {
  std::shared_ptr<shared_state> sh;
  std::vector<caf::actor> peers; ///< proxies of the peers' transport actors, null while down
  std::vector<bool> connecting;
  std::vector<std::uint64_t> sent, acked; ///< bytes on the current connection
  std::map<caf::actor_addr, inbound_link> inbound;
  bool node_started = false;
  std::mt19937_64 link_rng; ///< link fault drops (tests only)
  static inline const char* name = "bystack-transport";
};

using transport_actor = caf::stateful_actor<transport_state>;

void update_connected(transport_actor* self) {
  std::uint64_t n = 0;
  for (const auto& p : self->state.peers)
    if (p) ++n;
  self->state.sh->stats->set_peers_connected(n);
}

/// Starts the protocol once: a proposal sent before the peers are connected would be lost and
/// cost the first view a timeout.
void start_node_once(transport_actor* self) {
  auto& st = self->state;
  if (st.node_started) return;
  st.node_started = true;
  self->send(st.sh->node, bbft::start_atom::value);
}

void connect_peer(transport_actor* self, std::uint32_t i) {
  auto& st = self->state;
  if (i >= st.peers.size() || i == st.sh->me || st.peers[i] || st.connecting[i]) return;
  st.connecting[i] = true;
  auto retry = [self, i] {
    self->state.connecting[i] = false;
    self->delayed_send(self, std::chrono::milliseconds(self->state.sh->lim.reconnect_ms),
                       connect_peer_atom::value, i);
  };
  const auto& ep = st.sh->peers[i];
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(10), caf::connect_atom::value, ep.address, ep.port)
      .then(
          [self, i, retry](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            if (!ptr) return retry();
            auto& st = self->state;
            st.connecting[i] = false;
            auto hdl = caf::actor_cast<caf::actor>(ptr);
            self->monitor(hdl);
            st.peers[i] = hdl;
            st.sent[i] = 0;
            st.acked[i] = 0;
            update_connected(self);
            // A peer that (re)connects may have restarted with an empty pool.
            self->send(st.sh->node, peer_up_atom::value, i);
            if (self->state.sh->stats->peers_connected() + 1 == st.peers.size())
              start_node_once(self);
          },
          [retry](caf::error&) { retry(); });
}

caf::behavior transport(transport_actor* self, std::shared_ptr<shared_state> sh) {
  auto& st = self->state;
  auto n = sh->peers.size();
  st.sh = std::move(sh);
  st.peers.resize(n);
  st.connecting.assign(n, false);
  st.sent.assign(n, 0);
  st.acked.assign(n, 0);
  st.link_rng.seed(0x6c696e6bULL ^ st.sh->me);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.inbound.erase(dm.source);
    for (std::uint32_t i = 0; i < st.peers.size(); ++i) {
      if (st.peers[i] && st.peers[i].address() == dm.source) {
        st.peers[i] = nullptr;
        update_connected(self);
        self->delayed_send(self, std::chrono::milliseconds(st.sh->lim.reconnect_ms),
                           connect_peer_atom::value, i);
      }
    }
  });
  // A peer that is not a CAF actor of ours may send anything: never let it stop the transport.
  self->set_default_handler(
      [self](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
        self->state.sh->stats->dropped("unexpected_message");
        return caf::sec::unexpected_message;
      });
  return {
      [self](bbft::start_atom) {
        for (std::uint32_t i = 0; i < self->state.peers.size(); ++i)
          connect_peer(self, i);
      },
      [self](connect_peer_atom, std::uint32_t i) { connect_peer(self, i); },
      [self](outbound_atom, const std::vector<std::uint32_t>& to, const shared_bytes& payload) {
        auto& st = self->state;
        auto& sh = *st.sh;
        auto digest = envelope_digest(sh.checker->network(), sh.me, *payload);
        auto sig = sh.envelope_signer->sign(digest);
        auto msg = caf::make_message(envelope_atom::value, sh.me, *payload, sig);
        auto size = static_cast<std::uint64_t>(payload->size());
        for (auto dst : to) {
          if (dst >= st.peers.size() || dst == sh.me) continue;
          if (sh.link_faults_enabled) {
            link_fault lf;
            {
              std::lock_guard lock(sh.link_mu);
              lf = sh.links[dst];
            }
            if (lf.drop > 0 &&
                std::uniform_real_distribution<double>(0, 1)(st.link_rng) < lf.drop) {
              sh.stats->dropped("link_fault");
              continue;
            }
            if (lf.delay_ms > 0) {
              self->delayed_send(self, std::chrono::milliseconds(lf.delay_ms),
                                 delayed_out_atom::value, dst, payload, sig);
              continue;
            }
          }
          if (!st.peers[dst]) {
            sh.stats->dropped("peer_disconnected");
            continue;
          }
          // No flow control below us: a slow or stuck peer must not make us buffer without bound.
          if (st.sent[dst] - st.acked[dst] + size > sh.lim.peer_window_bytes) {
            sh.stats->dropped("peer_window_full");
            continue;
          }
          st.sent[dst] += size;
          self->send(st.peers[dst], msg);
        }
      },
      [self](envelope_atom, std::uint32_t from, std::vector<std::uint8_t>& payload,
             const std::vector<std::uint8_t>& sig) {
        auto& st = self->state;
        auto& sh = *st.sh;
        auto size = static_cast<std::uint64_t>(payload.size());
        // Acknowledge what arrived on this connection, valid or not: the sender counts bytes sent.
        auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
        if (sender) {
          auto [it, fresh] = st.inbound.try_emplace(sender);
          if (fresh) self->monitor(sender);
          it->second.received += size;
          auto every = std::max<std::uint64_t>(
              1, std::min<std::uint64_t>(sh.lim.peer_window_bytes / 4, 1 << 20));
          if (it->second.received - it->second.acked >= every) {
            it->second.acked = it->second.received;
            self->send(caf::actor_cast<caf::actor>(self->current_sender()), ack_atom::value,
                       it->second.received);
          }
        }
        auto why = sh.checker->check(from, payload, sig);
        if (why != drop_reason::none) {
          sh.stats->dropped(drop_reason_name(why));
          return;
        }
        if (sh.inbound_pending_bytes.load() + size > sh.lim.inbound_queue_bytes) {
          sh.stats->dropped("inbound_queue_full");
          return;
        }
        sh.inbound_pending_bytes += size;
        self->send(sh.node, bbft::deliver_atom::value, from, make_shared_bytes(std::move(payload)));
      },
      [self](delayed_out_atom, std::uint32_t dst, const shared_bytes& payload,
             const std::vector<std::uint8_t>& sig) {
        // A message a test link fault held back (testing.link_faults).
        auto& st = self->state;
        auto& sh = *st.sh;
        auto size = static_cast<std::uint64_t>(payload->size());
        if (!st.peers[dst]) {
          sh.stats->dropped("peer_disconnected");
          return;
        }
        if (st.sent[dst] - st.acked[dst] + size > sh.lim.peer_window_bytes) {
          sh.stats->dropped("peer_window_full");
          return;
        }
        st.sent[dst] += size;
        self->send(st.peers[dst], envelope_atom::value, sh.me, *payload, sig);
      },
      [self](ack_atom, std::uint64_t total) {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
        for (std::uint32_t i = 0; i < st.peers.size(); ++i)
          if (st.peers[i] && st.peers[i].address() == sender)
            st.acked[i] = std::min(st.sent[i], std::max(st.acked[i], total));
      },
  };
}

// -- timers ---------------------------------------------------------------------------------------

/// Forwards a timer to the node actor unless a later set_timer of the same kind replaced it.
caf::behavior timer_relay(caf::event_based_actor* self, std::shared_ptr<shared_state> sh) {
  (void)self;
  return {
      [sh](fire_atom, std::uint8_t kind, std::uint64_t view, std::uint64_t gen) {
        if (kind >= timer_kinds || sh->timer_gen[kind].load() != gen) return;
        caf::anon_send(sh->node, bbft::timer_atom::value, kind, view);
      },
  };
}

// -- environment ----------------------------------------------------------------------------------

class production_env final : public bbft::node_env {
public:
  production_env(std::shared_ptr<shared_state> sh, chain_store& store, codec::limits lim)
      : sh_(std::move(sh)), store_(store), lim_(lim) {}

  /// Makes on_commit write each block's ledger changes with it (BUTXO mode).
  void set_ledger(node_ledger* lg) { ledger_ = lg; }

  void bind(caf::actor transport, caf::actor timers) {
    transport_ = std::move(transport);
    timers_ = std::move(timers);
  }

  std::int64_t now_us(std::uint32_t) override { return wall_now_us(); }

  result<bbft::msg_ptr> decode(const shared_bytes& b) override {
    if (!b) return make_error("no bytes");
    sh_->inbound_pending_bytes -= b->size();
    auto m = codec::decode(*b, lim_);
    if (!m) return m.err();
    sh_->stats->message_in(proto::type_name(*m), b->size());
    return std::make_shared<const proto::message>(std::move(*m));
  }

  void charge(std::uint32_t, std::size_t decoded, const crypto::crypto_meter& m) override {
    if (decoded == 0 && m.verifies == 0 && m.signs == 0 && m.aggregate_verifies == 0) return;
    sh_->stats->charged(decoded, m.verifies + m.aggregate_verifies, m.signs);
  }

  void send(std::uint32_t from, const bbft::send_effect& e) override {
    std::vector<std::uint32_t> to;
    for (auto d : e.to)
      if (d != from) to.push_back(d);
    if (to.empty()) return;
    auto encoded = codec::encode(*e.msg);
    auto type = proto::type_name(*e.msg);
    if (encoded.size() > sh_->lim.max_message_bytes) {
      // Our own message would be refused by every receiver: count it instead of sending it.
      sh_->stats->dropped("outbound_oversized");
      return;
    }
    sh_->stats->message_out(type, to.size(), to.size() * encoded.size());
    sh_->stats->phase_out(bbft::phase_name(e.ph), to.size() * encoded.size());
    caf::anon_send(transport_, outbound_atom::value, std::move(to),
                   make_shared_bytes(std::move(encoded)));
  }

  void set_timer(std::uint32_t, const bbft::timer_effect& t) override {
    auto k = static_cast<std::size_t>(t.kind);
    if (k >= timer_kinds) return;
    auto gen = ++sh_->timer_gen[k];
    caf::delayed_anon_send(timers_,
                           std::chrono::microseconds(std::max<std::int64_t>(0, t.delay_us)),
                           fire_atom::value, static_cast<std::uint8_t>(k), t.view, gen);
  }

  void on_certified(std::uint32_t, const bbft::certified_effect& e) override {
    std::lock_guard lock(sh_->certified_mu);
    if (e.height >= sh_->certified_height) {
      sh_->certified_height = e.height;
      sh_->certified_hash = e.block_hash;
    }
  }

  void on_commit(std::uint32_t, const bbft::commit_effect& e) override {
    std::optional<ledger_changes> changes;
    if (ledger_) {
      changes = ledger_->take_changes(e.block->header.height);
      if (!changes) {
        std::fprintf(stderr,
                     "bystackd: fatal: no ledger changes recorded for committed block %llu\n",
                     static_cast<unsigned long long>(e.block->header.height));
        std::fflush(stderr);
        std::_Exit(3);
      }
    }
    if (auto w = store_.append({e.block, *e.cert}, changes ? &*changes : nullptr); !w) {
      // A node that cannot persist what it committed must not go on as if it had.
      std::fprintf(stderr, "bystackd: fatal: cannot persist committed block: %s\n",
                   w.err().message.c_str());
      std::fflush(stderr);
      std::_Exit(3);
    }
    auto latency_s = static_cast<double>(wall_now_us() / 1000 -
                                         static_cast<std::int64_t>(e.block->header.timestamp_ms)) /
                     1000.0;
    sh_->stats->committed(e.block->txs.size(), std::max(0.0, latency_s));
    sh_->stats->set_committed_height(e.block->header.height);
    json_log::event("commit", e.block->header.view, e.block->header.height,
                    {{"txs", static_cast<double>(e.block->txs.size())},
                     {"latency_ms", std::max(0.0, latency_s) * 1000.0}});
  }

  void on_reject(std::uint32_t, const bbft::reject_effect& e, const std::string&) override {
    sh_->stats->rejected(e.reason);
  }

private:
  std::shared_ptr<shared_state> sh_;
  chain_store& store_;
  codec::limits lim_;
  node_ledger* ledger_ = nullptr;
  caf::actor transport_;
  caf::actor timers_;
};

// -- node actor with ledger queries
// -----------------------------------------------------------------

using node_actor_type = caf::stateful_actor<bbft::node_actor_state>;

bbft::node_status core_status(const bbft::node_core& c) {
  return bbft::node_status{
      c.id(),        c.view(), c.committed_height(), c.committed_hash(), c.expected_leader(),
      c.pool_size(), c.stats()};
}

/// The client transactions this node accepted and has not seen committed yet (BUTXO mode), in
/// acceptance order, so that a resend never puts a child before its parent; and those that
/// left the pool uncommitted, for GET /tx. Touched only on the node actor's thread.
struct resend_book {
  struct entry {
    crypto::hash256 id;
    ledger::transaction tx; ///< as submitted (wrapped)
    std::int64_t due_us = 0;
    std::int64_t backoff_us = resend_first_us;
  };
  std::map<std::uint64_t, entry> own; ///< by acceptance sequence
  std::uint64_t seq = 0;
  std::uint64_t timeouts_seen = 0;
  bool resend_all = false;
  std::int64_t last_all_us = 0;
  std::uint64_t resent = 0;
  std::unordered_map<crypto::hash256, std::string> dropped;
  std::deque<crypto::hash256> dropped_order;
  /// Read from the store at start (a restart): submitted again at the first tick.
  std::vector<std::pair<std::uint64_t, bytes>> reload;
  bool reloaded = false;

  void drop(const crypto::hash256& id, std::string why) {
    if (dropped.size() >= dropped_memory) {
      dropped.erase(dropped_order.front());
      dropped_order.pop_front();
    }
    if (dropped.emplace(id, std::move(why)).second) dropped_order.push_back(id);
  }
};

/// Offers the tracked transactions that are due to every other super node, and forgets those
/// that left the pool (committed, or dropped: then GET /tx says so).
void resend_due(node_actor_type* self, node_ledger& lg, chain_store& store, resend_book& book,
                const bbft::election_provider* elections) {
  auto& core = *self->state.core;
  auto now = self->state.env->now_us(core.id());
  if (!book.reloaded) {
    // After a restart: what this node had accepted and not seen committed goes through
    // admission again (committed meanwhile: refused as a duplicate and forgotten).
    book.reloaded = true;
    bbft::tx_list txs;
    std::vector<std::uint64_t> seqs;
    for (auto& [seq, enc] : book.reload) {
      ledger::transaction t;
      t.payload = std::move(enc);
      txs.push_back(std::move(t));
      seqs.push_back(seq);
      book.seq = std::max(book.seq, seq + 1);
    }
    book.reload.clear();
    if (!txs.empty()) {
      auto copy = txs;
      std::vector<ledger::app_verdict> verdicts;
      lg.record_admissions();
      core.submit(std::move(txs), now, &verdicts);
      lg.end_admissions();
      bbft::flush_effects(core, *self->state.env, 0);
      const auto& ids = lg.admission_ids();
      std::vector<std::uint64_t> refused;
      for (std::size_t i = 0; i < verdicts.size() && i < ids.size(); ++i) {
        if (verdicts[i].ok()) {
          book.own.emplace(seqs[i],
                           resend_book::entry{ids[i], std::move(copy[i]), now, resend_first_us});
          continue;
        }
        refused.push_back(seqs[i]);
        auto c = store.committed_tx(ids[i]);
        if (c && !*c)
          book.drop(ids[i], std::string("refused after a restart: ") + verdicts[i].reason);
      }
      if (auto w = store.erase_pending(refused); !w)
        std::fprintf(stderr, "bystackd: %s\n", w.err().message.c_str());
    }
  }
  if (core.stats().views_timed_out != book.timeouts_seen) {
    book.timeouts_seen = core.stats().views_timed_out;
    book.resend_all = true;
  }
  bool all = book.resend_all && now - book.last_all_us >= resend_all_gap_us;
  if (all) {
    book.resend_all = false;
    book.last_all_us = now;
  }
  const auto& pool = lg.app().pool();
  std::vector<ledger::transaction> out;
  std::vector<std::uint64_t> gone;
  for (auto it = book.own.begin(); it != book.own.end();) {
    auto& e = it->second;
    if (!pool.contains(e.id) && !pool.holds_orphan(e.id)) {
      auto c = store.committed_tx(e.id);
      if (c && !*c)
        book.drop(e.id, "left the pool uncommitted: it conflicts with a committed transaction, "
                        "expired or was evicted");
      gone.push_back(it->first);
      it = book.own.erase(it);
      continue;
    }
    if (all || now >= e.due_us) {
      if (!all) e.backoff_us = std::min(resend_max_us, e.backoff_us * 2);
      e.due_us = now + e.backoff_us;
      out.push_back(e.tx);
    }
    ++it;
  }
  if (auto w = store.erase_pending(gone); !w)
    std::fprintf(stderr, "bystackd: %s\n", w.err().message.c_str());
  if (out.empty()) return;
  book.resent += out.size();
  std::vector<std::uint32_t> to;
  // With DPoS, the super nodes of the set deciding this node's next height (core.topo() is the
  // genesis set's).
  const auto* topo = &core.topo();
  if (elections)
    if (auto set = elections->set_of(core.epoch())) topo = set->topo().get();
  for (auto s : topo->supers())
    if (s != core.id()) to.push_back(s);
  if (to.empty()) return;
  for (std::size_t i = 0; i < out.size(); i += resend_batch_txs) {
    proto::tx_batch b;
    b.sender = core.id();
    auto end = std::min(out.size(), i + resend_batch_txs);
    b.txs.assign(std::make_move_iterator(out.begin() + static_cast<std::ptrdiff_t>(i)),
                 std::make_move_iterator(out.begin() + static_cast<std::ptrdiff_t>(end)));
    self->state.env->send(
        core.id(), bbft::send_effect{to, std::make_shared<const proto::message>(std::move(b)),
                                     bbft::phase::tx});
  }
}

/// Hosts the node core like bbft::node_actor and answers the ledger's requests too, so that the
/// application is only ever touched on this actor's thread (the API thread asks by message).
/// Returns the election state a DPoS node knows: the epoch deciding its next height, that
/// epoch's set and every later one already elected, and the candidates in rank order.
election_view election_of(const bbft::node_core& core, const bbft::election_provider& ep,
                          const crypto::validator_set& universe) {
  election_view v;
  v.committed_height = core.committed_height();
  v.epoch = core.epoch();
  auto node_of = [&](const crypto::public_key& k) -> std::int64_t {
    auto i = universe.index_of(k);
    return i ? static_cast<std::int64_t>(*i) : -1;
  };
  for (auto e = v.epoch;; ++e) {
    const auto* el = ep.elected(e);
    auto set = ep.set_of(e);
    if (!el || !set) break;
    election_set out;
    out.epoch = e;
    out.carried_over = el->carried_over;
    for (const auto& m : el->members)
      out.members.push_back({node_of(m.key), m.key, m.candidate, m.address, m.region, m.votes});
    const auto& t = *set->topo();
    out.supers = t.supers();
    for (std::uint32_t g = 0; g < t.super_count(); ++g)
      out.groups.push_back(t.members(g));
    v.sets.push_back(std::move(out));
  }
  for (const auto& c : ledger::dpos::rank(ep.tally().candidates()))
    v.candidates.push_back({c.id, node_of(c.reg.node_key), c.reg.node_key, c.reg.address,
                            c.reg.region, c.deposit, c.registered_at, c.votes});
  v.total_votes = ep.tally().total_votes();
  return v;
}

caf::behavior ledger_node_actor(node_actor_type* self, std::shared_ptr<bbft::node_core> core,
                                bbft::node_env* env, node_ledger* lg, chain_store* store,
                                std::vector<std::pair<std::uint64_t, bytes>> reload,
                                const bbft::election_provider* elections,
                                std::shared_ptr<const crypto::validator_set> universe,
                                std::uint64_t epoch_blocks) {
  auto base = bbft::node_actor(self, std::move(core), env);
  auto book = std::make_shared<resend_book>();
  book->reload = std::move(reload);
  if (lg) self->delayed_send(self, resend_tick, resend_tick_atom::value);
  caf::message_handler extra{
      [self, lg, book, store](ledger_submit_atom, bbft::tx_list& txs) -> verdict_list {
        auto& st = self->state;
        verdict_list out;
        if (!lg) return out;
        std::vector<ledger::app_verdict> verdicts;
        auto copy = txs;
        lg->record_admissions();
        auto now = st.env->now_us(st.core->id());
        st.core->submit(std::move(txs), now, &verdicts);
        lg->end_admissions();
        bbft::flush_effects(*st.core, *st.env, 0);
        const auto& adm = lg->admissions();
        const auto& ids = lg->admission_ids();
        auto cap = st.core->parameters().max_pool_txs;
        std::vector<std::pair<std::uint64_t, bytes>> rows;
        out.reserve(verdicts.size());
        for (std::size_t i = 0; i < verdicts.size(); ++i) {
          tx_verdict v;
          if (verdicts[i].ok()) {
            v.status =
                i < adm.size() && adm[i] == ledger::admit_status::orphan ? "orphan" : "accepted";
            if (i < ids.size() && i < copy.size() && book->own.size() < cap) {
              rows.emplace_back(book->seq, copy[i].payload);
              book->own.emplace(book->seq++,
                                resend_book::entry{ids[i], std::move(copy[i]),
                                                   now + resend_first_us, resend_first_us});
            }
          } else {
            v.status = "rejected";
            v.rule = verdicts[i].reason;
            v.message = verdicts[i].detail;
          }
          out.push_back(std::move(v));
        }
        // Durable before the API answers "accepted" (with the store's sync setting).
        if (store)
          if (auto w = store->put_pending(rows); !w)
            std::fprintf(stderr, "bystackd: %s\n", w.err().message.c_str());
        return out;
      },
      [self, lg, book, store, elections](resend_tick_atom) {
        if (lg && store) resend_due(self, *lg, *store, *book, elections);
        self->delayed_send(self, resend_tick, resend_tick_atom::value);
      },
      [book](peer_up_atom, std::uint32_t) { book->resend_all = true; },
      [self, lg, book, elections](ledger_status_atom) -> ledger_status_reply {
        ledger_status_reply r;
        r.node = core_status(*self->state.core);
        r.chain_blocks_in_memory = self->state.core->retained().chain_blocks;
        r.lowest_in_memory = self->state.core->lowest_retained_height();
        r.txs_tracked = book->own.size();
        r.txs_resent = book->resent;
        r.txs_dropped = book->dropped.size();
        if (lg) {
          const auto& app = lg->app();
          r.ledger = true;
          r.utxo_set_hash = app.state().hash();
          r.utxos = app.state().size();
          r.pool_txs = app.pool().size();
          r.pool_bytes = app.pool().bytes();
          r.pool_orphans = app.pool().orphans();
        }
        if (elections) {
          const auto& core = *self->state.core;
          r.dpos = true;
          r.epoch = core.epoch();
          if (auto set = elections->set_of(r.epoch)) {
            r.in_set = set->contains(core.id());
            r.set_size = static_cast<std::uint32_t>(set->size());
            r.supers = set->topo()->supers();
          }
        }
        return r;
      },
      [self, elections, universe, epoch_blocks](election_atom) -> election_reply {
        election_reply r;
        if (!elections) return r;
        r.dpos = true;
        r.view = election_of(*self->state.core, *elections, *universe);
        r.view.epoch_blocks = epoch_blocks;
        for (auto& set : r.view.sets)
          set.first_height = set.epoch * epoch_blocks + 1;
        return r;
      },
      [lg, book](pending_tx_atom, const bytes& id) -> pending_reply {
        pending_reply r;
        crypto::hash256 h;
        if (!lg || id.size() != h.data.size()) return r;
        std::copy(id.begin(), id.end(), h.data.begin());
        if (auto t = lg->app().pool().get(h)) {
          r.found = true;
          r.tx = ledger::encode(*t);
        } else if (auto d = book->dropped.find(h); d != book->dropped.end()) {
          r.dropped = d->second;
        }
        return r;
      },
  };
  return extra.or_else(base);
}

} // namespace

// -- runtime --------------------------------------------------------------------------------------

struct node_runtime::impl {
  node_config cfg;
  std::shared_ptr<const bbft::topology> topo;
  std::shared_ptr<const crypto::validator_set> set;
  std::unique_ptr<crypto::certificate_scheme> certs;
  std::unique_ptr<chain_store> store;
  std::unique_ptr<store_archive> archive;  ///< older heights for the core, from the store
  std::uint64_t decoded_at_start = 0;      ///< stored blocks decoded in full by the start
  std::uint64_t checked_at_start = 0;      ///< stored heights the start's walk checked
  elections_restart elections_start;       ///< how the start rebuilt the DPoS elections
  std::uint64_t fed_replayed_at_start = 0; ///< heights the federation's elections replayed
  node::metrics stats;
  std::shared_ptr<shared_state> sh;
  std::unique_ptr<production_env> env;
  // DPoS (a genesis with `dpos:`): the rules and the election provider outlive the app that
  // calls into them, so they are declared before it.
  std::unique_ptr<ledger::dpos::dpos_rules> dpos_rules;
  std::unique_ptr<ledger::extension_set> ext;
  std::unique_ptr<bbft::election_provider> elections;
  // BUTXO mode: the pool is declared before the app that calls into it, so it goes last.
  std::unique_ptr<work_pool> pool;
  std::unique_ptr<ledger::butxo_app> app;
  std::unique_ptr<node_ledger> lg;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor node, transport, timers;
  std::uint32_t me = 0;
};

namespace {

/// Extends a genesis marker with the election parameters and the universe of candidate nodes: a
/// store written under other ones would derive other sets from the same chain, so it is refused
/// like a store of another genesis. Without `dpos:` the marker stays the plain genesis marker.
crypto::hash256 dpos_marker(const crypto::hash256& genesis, const dpos_config& d,
                            const std::vector<peer_config>& nodes) {
  std::string text = "bystack/node/dpos";
  auto add = [&](auto v) { text += " " + std::to_string(v); };
  const auto& e = d.election;
  for (auto v :
       {e.epoch_blocks, std::uint64_t{e.consensus_size}, std::uint64_t{e.min_size}, e.min_votes,
        std::uint64_t{d.supers}, std::uint64_t{d.stake_and_delay}, std::uint64_t{d.max_group},
        d.rules.vote_lock_blocks, d.rules.min_vote, d.rules.candidate_deposit})
    add(v);
  for (std::size_t i = 0; i < d.regions.size(); ++i) {
    text += " region " + d.regions[i];
    for (auto ms : d.delay_ms[i])
      add(ms);
  }
  text += " set";
  for (auto i : d.genesis_set)
    add(i);
  text += " universe";
  for (const auto& n : nodes)
    text += " " + to_hex(byte_view{n.key.data(), n.key.size()});
  // Rewards change which blocks are valid; without them the marker stays as before.
  if (d.rewards) {
    text += " rewards";
    add(d.rewards->producer_share_pct);
    add(d.rewards->min_voter_payout);
  }
  crypto::sha3_256_hasher h;
  h.update(genesis.view());
  h.update(as_bytes(std::string_view{text}));
  return h.finish();
}

/// The host's chain rules as the store keeps them: one `KEY VALUE` line each.
std::string rules_text(const std::vector<std::pair<std::string, std::string>>& rules) {
  std::string text;
  for (const auto& [k, v] : rules)
    text += k + " " + v + "\n";
  return text;
}

/// Extends a marker with the host's chain rules (node_config::ext_rules).
crypto::hash256 rules_marker(const crypto::hash256& marker, const std::string& text) {
  crypto::sha3_256_hasher h;
  h.update(marker.view());
  h.update(as_bytes(std::string_view{"bystack/node/ext-rules "}));
  h.update(as_bytes(std::string_view{text}));
  return h.finish();
}

/// Names the first of the host's chain rules whose value differs from the one the store was
/// created under (`stored`: its text, or nullopt when it holds none); empty when none differs.
std::string rules_difference(const std::optional<std::string>& stored, const node_config& cfg) {
  auto file = cfg.ext_rules_source.string();
  if (!stored)
    return "the store was created without the chain rules of " + file +
           " (by a node without that file, or before the marker covered it)";
  std::map<std::string, std::string> was;
  std::string_view rest = *stored;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    was.emplace(std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)));
  }
  for (const auto& [k, v] : cfg.ext_rules) {
    auto it = was.find(k);
    if (it == was.end())
      return "key '" + k + "' of " + file + " (" + v + ") was not set when the store was created";
    if (it->second != v)
      return "key '" + k + "' of " + file + " is " + v + ", but the store was created with " +
             it->second;
    was.erase(it);
  }
  if (!was.empty())
    return "key '" + was.begin()->first + "' (" + was.begin()->second +
           ") was set when the store was created, and " + file + " no longer sets it";
  return {};
}

/// Hands a committed block to the host's hook (node_config::ext_on_commit). A node whose host
/// cannot follow the chain (an elected rotation its rules refuse) must not go on as if it could.
void ext_commit(node_runtime::impl& p, const ledger::block_delta& d, std::uint64_t h) {
  if (auto r = p.cfg.ext_on_commit(d, h, p.app->state()); !r) {
    std::fprintf(stderr, "bystackd: fatal: committed block %llu: %s\n",
                 static_cast<unsigned long long>(h), r.err().message.c_str());
    std::fflush(stderr);
    std::_Exit(3);
  }
}

/// Builds the node's ledger: the genesis state, or the UTXO set the store holds as of its head.
result<void> open_ledger(node_runtime::impl& p, const stored_chain& chain) {
  const auto& cfg = p.cfg;
  const auto& g = *cfg.genesis;
  auto where = cfg.data_dir.string() + ": ";
  auto genesis = ledger::genesis_state(g);
  if (!genesis) return make_error(cfg.source.string() + ": genesis: " + genesis.err().message);
  auto marker = genesis_marker(g, *genesis);
  if (cfg.dpos) marker = dpos_marker(marker, *cfg.dpos, cfg.nodes);
  // The host's chain rules (the federation file) join the marker; their text is stored with it
  // so that a changed value can be named.
  std::string rules;
  if (!cfg.ext_rules.empty()) {
    rules = rules_text(cfg.ext_rules);
    marker = rules_marker(marker, rules);
  }
  auto stored = p.store->ledger_genesis();
  if (!stored) return make_error(where + stored.err().message);
  if (!*stored) {
    if (chain.head > 0)
      return make_error(where + "the store holds " + std::to_string(chain.head) +
                        " blocks without ledger data (written with 'ledger: opaque'); start "
                        "'ledger: butxo' with an empty data_dir");
    if (auto w = p.store->write_ledger_genesis(*genesis, marker, rules); !w)
      return make_error(where + w.err().message);
  } else if (**stored != marker) {
    if (!cfg.ext_rules.empty()) {
      auto was = p.store->ledger_rules();
      if (!was) return make_error(where + was.err().message);
      if (auto d = rules_difference(*was, cfg); !d.empty())
        return make_error(where + "the store was created under other chain rules: " + d +
                          "; start with the same file or an empty data_dir");
    }
    return make_error(where + "the store was created from another genesis (marker " +
                      (*stored)->hex() + "; this config's genesis gives " + marker.hex() + ")");
  }

  ledger::butxo_options o;
  o.params = ledger::params_of(g);
  o.params.max_block_txs = cfg.protocol.max_block_txs;
  o.limits.max_txs = cfg.protocol.max_pool_txs;
  // Every block's signatures are checked on all cores: the result does not depend on the
  // number of threads (the lowest failing index wins).
  p.pool = std::make_unique<work_pool>(std::max(1u, std::thread::hardware_concurrency()));
  o.run = p.pool->as_parallel_for();
  // The chain's extension kinds: DPoS (when the genesis has `dpos:`) and whatever the host
  // installs (the federation's rules), each kind routed to its owner.
  if (cfg.ext) {
    if (!p.ext) p.ext = std::make_unique<ledger::extension_set>();
    if (auto r = p.ext->add(cfg.ext, cfg.ext_inputs, cfg.ext_outputs); !r)
      return make_error(cfg.source.string() + ": " + r.err().message);
  }
  o.ext = p.ext.get();
  if (p.elections)
    o.on_commit = [ep = p.elections.get()](const ledger::block_delta& d, std::uint64_t h) {
      ep->on_commit(d, h);
    };
  if (cfg.ext_on_commit)
    o.on_commit = [prev = std::move(o.on_commit), pp = &p](const ledger::block_delta& d,
                                                           std::uint64_t h) {
      if (prev) prev(d, h);
      ext_commit(*pp, d, h);
    };
  // DPoS rewards: a block's proposer index is its index in consensus.nodes (the universe of
  // candidates, the validator set of every epoch), whose key owns the producer's share.
  if (cfg.dpos && cfg.dpos->rewards) {
    ledger::butxo_options::reward_split rs;
    rs.params = *cfg.dpos->rewards;
    rs.self = p.me;
    rs.producer_key = [set = p.set](std::uint32_t i) -> std::optional<crypto::public_key> {
      if (i >= set->size()) return std::nullopt;
      return set->key(i);
    };
    o.rewards = std::move(rs);
  }
  p.app = std::make_unique<ledger::butxo_app>(std::move(o), *genesis, crypto::ed25519_scheme());
  if (chain.head == 0) {
    p.app->reset_state(std::move(*genesis), bbft::genesis_block()->hash());
  } else {
    auto state = p.store->load_ledger();
    if (!state) return make_error(where + state.err().message);
    p.app->reset_state(std::move(*state), chain.head_hash);
  }
  p.lg = std::make_unique<node_ledger>(*p.app, &p.stats, cfg.testing.propose_invalid_every);
  // The host's state derived from the chain (the federation's elections): from the records the
  // store kept with the electing blocks, or by replaying the stored heights over the genesis
  // state built above (still whole: it moves into the app only when nothing is stored).
  auto replayed = restore_host(*p.store, chain.head, *genesis, p.app->state(), cfg, where);
  if (!replayed) return replayed.err();
  p.fed_replayed_at_start = *replayed;
  if (cfg.ext_on_commit && !p.elections)
    p.lg->set_commit_hook([pp = &p](const ledger::block& b, bool applied, ledger_changes& stored) {
      if (!applied) ext_commit(*pp, ledger::block_delta{}, b.header.height);
      if (pp->cfg.ext_record_at) stored.host_record = pp->cfg.ext_record_at(b.header.height);
    });
  if (p.elections) {
    // The tally and the elections are derived from the chain: a restart rebuilds them from the
    // election records the store keeps and the loaded UTXO set (an older store: by replaying
    // every stored height's changes and proposers, as on_commit saw them).
    auto r = restore_elections(*p.store, chain, p.app->state(), *p.elections, where);
    if (!r) return r.err();
    p.elections_start = std::move(*r);
    p.lg->set_commit_hook([ep = p.elections.get(), pp = &p](const ledger::block& b, bool applied,
                                                            ledger_changes& stored) {
      // A refused block (more than f faulty nodes) is stored without changes: count it alike.
      if (!applied) {
        ledger::block_delta d;
        d.height = b.header.height;
        ep->on_commit(d, b.header.height);
        if (pp->cfg.ext_on_commit) ext_commit(*pp, d, b.header.height);
      }
      if (pp->cfg.ext_record_at) stored.host_record = pp->cfg.ext_record_at(b.header.height);
      // What an electing block elected is stored with it, before the proposer is noted.
      stored.election = ep->record_at(b.header.height);
      ep->note_proposer(b.header.height, b.header.proposer);
    });
  }
  return {};
}

/// Builds the DPoS rules (in an extension_set, which the federation joins later) and the
/// election provider from the genesis's `dpos:` section; consensus.nodes is the universe.
result<void> open_dpos(node_runtime::impl& p) {
  const auto& cfg = p.cfg;
  const auto& d = *cfg.dpos;
  namespace ld = ledger::dpos;
  auto params = ledger::params_of(*cfg.genesis);
  p.dpos_rules = std::make_unique<ld::dpos_rules>(params.native, d.rules);
  p.ext = std::make_unique<ledger::extension_set>();
  if (auto r =
          p.ext->add(p.dpos_rules.get(), {ld::veto_input}, {ld::vote_output, ld::register_output});
      !r)
    return r.err();
  ld::elected_set genesis;
  for (auto i : d.genesis_set) {
    const auto& n = cfg.nodes.at(i);
    genesis.members.push_back(
        ld::member{{}, n.key, n.addr.address + ":" + std::to_string(n.addr.port), "", 0});
  }
  ld::super_policy policy;
  if (d.stake_and_delay) {
    std::map<std::string, std::size_t> idx;
    double worst = 0;
    for (std::size_t i = 0; i < d.regions.size(); ++i) {
      idx[d.regions[i]] = i;
      for (auto v : d.delay_ms[i])
        worst = std::max(worst, v);
    }
    // An undeclared region (a genesis member, or a name outside the list) counts as the worst.
    auto delay = [idx, rows = d.delay_ms, worst](const ld::member& a, const ld::member& b) {
      auto ia = idx.find(a.region), ib = idx.find(b.region);
      if (ia == idx.end() || ib == idx.end()) return worst * 1000.0;
      return rows[ia->second][ib->second] * 1000.0;
    };
    policy = ld::stake_and_delay(d.supers, delay, d.max_group);
  } else {
    policy = ld::stake_only(d.supers);
  }
  p.elections = std::make_unique<bbft::election_provider>(d.election, std::move(policy), p.set,
                                                          std::move(genesis));
  if (!p.elections->set_of(0))
    return make_error(cfg.source.string() + ": dpos: the genesis set has no valid grouping");
  return {};
}

} // namespace

result<std::unique_ptr<node_runtime>> node_runtime::start(const node_config& cfg,
                                                          const crypto::key_pair& key) {
  auto p = std::make_unique<impl>();
  p->cfg = cfg;
  std::vector<crypto::public_key> keys;
  for (const auto& n : cfg.nodes)
    keys.push_back(n.key);
  auto set = crypto::validator_set::make(std::move(keys));
  if (!set) return make_error(cfg.source.string() + ": consensus.nodes: " + set.err().message);
  p->set = std::make_shared<const crypto::validator_set>(std::move(*set));
  auto me = p->set->index_of(key.pub());
  if (!me)
    return make_error(cfg.source.string() + ": the key in " + cfg.key_file.string() +
                      " (public key " + to_hex(key.pub()) + ") is not in consensus.nodes");
  p->me = *me;
  if (cfg.dpos) {
    if (auto r = open_dpos(*p); !r) return r.err();
    p->topo = p->elections->set_of(0)->topo();
  } else {
    std::vector<std::uint32_t> supers;
    std::vector<std::vector<std::uint32_t>> groups;
    for (const auto& g : cfg.groups) {
      supers.push_back(g.super_node);
      groups.push_back(g.members);
    }
    auto topo = bbft::topology::explicit_groups(static_cast<std::uint32_t>(cfg.nodes.size()),
                                                std::move(supers), std::move(groups));
    if (!topo) return make_error(cfg.source.string() + ": consensus.groups: " + topo.err().message);
    p->topo = std::make_shared<const bbft::topology>(std::move(*topo));
  }
  const auto& scheme = crypto::ed25519_scheme();
  p->certs = crypto::make_signature_list_scheme(scheme);

  auto st = chain_store::open(cfg.data_dir, cfg.sync_writes);
  if (!st) return st.err();
  p->store = std::move(*st);
  // The stored chain is checked header by header; only the top the core keeps in memory is
  // decoded in full, so that a restart's memory and time do not grow with the chain's bodies.
  // The DPoS elections need the proposers of the last epoch at most (the heights since the last
  // election); nothing else needs them.
  const std::uint64_t proposers_top =
      cfg.dpos ? std::max<std::uint64_t>(1, cfg.dpos->election.epoch_blocks) : 0;
  // With node.check_chain_at_start: window, only the heights the start needs are walked.
  auto chain = p->store->load_for_restart(
      cfg.retained_blocks, bbft::genesis_block()->hash(), {}, proposers_top,
      cfg.check_whole_chain_at_start ? chain_store::all_heights : 0);
  if (!chain) return make_error(cfg.data_dir.string() + ": " + chain.err().message);

  bbft::core_config cc;
  cc.me = p->me;
  cc.topo = p->topo;
  cc.validators = p->set;
  cc.certs = p->certs.get();
  cc.signer = scheme.make_signer(key.seed());
  cc.p = cfg.protocol;
  cc.sets = p->elections.get(); // null without dpos: the fixed set, as before
  // The core keeps a window of the chain; peers catching up from below it are served from the
  // store (node.retained_blocks; 0 keeps the whole chain in memory).
  cc.retained_blocks = cfg.retained_blocks;
  codec::limits lim;
  lim.max_message_bytes = cfg.limits.max_message_bytes;
  if (cfg.retained_blocks > 0) {
    p->archive = std::make_unique<store_archive>(*p->store, lim);
    cc.archive = p->archive.get();
  }
  if (cfg.ledger == ledger_mode::butxo) {
    if (auto r = open_ledger(*p, *chain); !r) return r.err();
    cc.app = p->lg.get();
  }
  auto core = std::make_shared<bbft::node_core>(std::move(cc));
  // Client transactions accepted before a restart and not committed then (BUTXO mode).
  std::vector<std::pair<std::uint64_t, bytes>> reload;
  if (p->lg) {
    auto pend = p->store->load_pending();
    if (!pend) return make_error(cfg.data_dir.string() + ": " + pend.err().message);
    reload = std::move(*pend);
  }
  p->decoded_at_start = chain->top.size();
  p->checked_at_start = chain->checked;
  if (auto r = core->restore(chain->top); !r)
    return make_error(cfg.data_dir.string() + ": stored chain refused: " + r.err().message);

  p->sh = std::make_shared<shared_state>();
  auto& sh = *p->sh;
  sh.me = p->me;
  for (const auto& n : cfg.nodes)
    sh.peers.push_back(n.addr);
  sh.lim = cfg.limits;
  sh.checker = std::make_unique<envelope_checker>(*p->set, scheme, cfg.limits.max_message_bytes);
  sh.envelope_signer = scheme.make_signer(key.seed());
  sh.stats = &p->stats;
  sh.link_faults_enabled = cfg.testing.link_faults;
  sh.links.resize(cfg.nodes.size());
  if (chain->head > 0) {
    sh.certified_height = chain->top.back().cert.height;
    sh.certified_hash = chain->top.back().cert.block_hash;
  }

  p->env = std::make_unique<production_env>(p->sh, *p->store, lim);
  p->env->set_ledger(p->lg.get());

  p->sys_cfg.load<caf::io::middleman>();
  p->sys_cfg.add_message_type<std::vector<std::uint8_t>>("bytes");
  p->sys = std::make_unique<caf::actor_system>(p->sys_cfg);
  auto& sys = *p->sys;
  p->node = sys.spawn(ledger_node_actor, core, static_cast<bbft::node_env*>(p->env.get()),
                      p->lg.get(), p->store.get(), std::move(reload),
                      static_cast<const bbft::election_provider*>(p->elections.get()), p->set,
                      cfg.dpos ? cfg.dpos->election.epoch_blocks : std::uint64_t{0});
  sh.node = p->node;
  p->transport = sys.spawn(transport, p->sh);
  p->timers = sys.spawn(timer_relay, p->sh);
  p->env->bind(p->transport, p->timers);

  auto port =
      sys.middleman().publish(p->transport, cfg.listen.port, cfg.listen.address.c_str(), true);
  if (!port) {
    auto err = make_error("cannot listen on " + cfg.listen.address + ":" +
                          std::to_string(cfg.listen.port) + ": " + sys.render(port.error()));
    // The system waits for its actors when it goes: stop them first.
    node_runtime failed(std::move(p));
    return err;
  }
  // The transport starts the node actor once its peers are connected (or after start_wait).
  caf::anon_send(p->transport, bbft::start_atom::value);
  p->stats.set_committed_height(core->committed_height());
  // The view and pool live in the node actor: ask it when metrics are scraped.
  p->stats.set_sampler([raw = p.get()](node::metrics& m) {
    caf::scoped_actor self{*raw->sys};
    self->request(raw->node, std::chrono::seconds(1), bbft::status_atom::value)
        .receive(
            [&](bbft::node_status& s) {
              m.set_status(s.view, s.pool_size);
              if (raw->archive) m.set_archive(raw->archive->reads(), raw->archive->failures());
              if (raw->cfg.protocol.relay == bbft::relay_mode::compact) {
                const auto& t = s.stats;
                m.set_compact({t.compact_rebuilt, t.compact_no_round_trip, t.compact_fetches,
                               t.compact_missing, t.compact_collisions, t.compact_failed,
                               t.compact_prefilled, t.gossip_batches});
              }
            },
            [](caf::error&) {});
  });
  return std::unique_ptr<node_runtime>(new node_runtime(std::move(p)));
}

node_runtime::node_runtime(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

node_runtime::~node_runtime() {
  if (!impl_ || !impl_->sys) return;
  auto& p = *impl_;
  p.stats.set_sampler({});
  caf::anon_send_exit(p.transport, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(p.timers, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(p.node, caf::exit_reason::user_shutdown);
  p.node = p.transport = p.timers = nullptr;
  p.sys.reset(); // waits for the actors; the store and env outlive them
}

result<status_view> node_runtime::status(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  caf::scoped_actor self{*p.sys};
  result<status_view> out = make_error("status: no answer");
  self->request(p.node, timeout, ledger_status_atom::value)
      .receive(
          [&](ledger_status_reply& r) {
            const auto& s = r.node;
            status_view v;
            v.id = s.id;
            v.view = s.view;
            v.committed_height = s.committed_height;
            v.committed_hash = s.committed_hash;
            v.leader = s.expected_leader;
            v.pool_size = s.pool_size;
            v.stats = s.stats;
            {
              std::lock_guard lock(p.sh->certified_mu);
              v.certified_height = std::max(p.sh->certified_height, s.committed_height);
              v.certified_hash = p.sh->certified_height >= s.committed_height ? p.sh->certified_hash
                                                                              : s.committed_hash;
            }
            v.peers_connected = p.stats.peers_connected();
            v.chain_blocks_in_memory = r.chain_blocks_in_memory;
            v.lowest_in_memory = r.lowest_in_memory;
            if (p.archive) {
              v.archive_reads = p.archive->reads();
              v.archive_failures = p.archive->failures();
            }
            v.txs_tracked = r.txs_tracked;
            v.txs_resent = r.txs_resent;
            v.txs_dropped = r.txs_dropped;
            v.peers_total = p.cfg.nodes.size() - 1;
            if (r.ledger) {
              v.ledger = true;
              v.utxo_set_hash = r.utxo_set_hash;
              v.utxos = r.utxos;
              v.pool_bytes = r.pool_bytes;
              v.pool_orphans = r.pool_orphans;
              auto params = ledger::params_of(*p.cfg.genesis);
              v.chain = params.chain;
              v.native_asset = params.native;
              v.min_fee_per_kb = params.min_fee_per_kb;
            }
            v.dpos = r.dpos;
            v.epoch = r.epoch;
            v.in_set = r.in_set;
            v.set_size = r.set_size;
            v.supers = r.supers;
            out = v;
          },
          [&](caf::error& e) { out = make_error("status: " + p.sys->render(e)); });
  return out;
}

result<std::vector<tx_verdict>> node_runtime::submit_ledger(std::vector<ledger::transaction> txs,
                                                            std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  caf::scoped_actor self{*p.sys};
  result<std::vector<tx_verdict>> out = make_error("submit: no answer");
  self->request(p.node, timeout, ledger_submit_atom::value, bbft::tx_list(std::move(txs)))
      .receive([&](verdict_list& v) { out = std::move(v); },
               [&](caf::error& e) { out = make_error("submit: " + p.sys->render(e)); });
  return out;
}

result<std::optional<bytes>> node_runtime::pending_tx(const crypto::hash256& id,
                                                      std::chrono::milliseconds timeout,
                                                      std::string* dropped) {
  auto& p = *impl_;
  caf::scoped_actor self{*p.sys};
  result<std::optional<bytes>> out = make_error("pending: no answer");
  self->request(p.node, timeout, pending_tx_atom::value, bytes(id.data.begin(), id.data.end()))
      .receive(
          [&](pending_reply& r) {
            if (dropped) *dropped = r.dropped;
            out = r.found ? std::optional<bytes>(std::move(r.tx)) : std::optional<bytes>();
          },
          [&](caf::error& e) { out = make_error("pending: " + p.sys->render(e)); });
  return out;
}

result<void> node_runtime::set_link_fault(std::uint32_t peer, double drop, std::uint32_t delay_ms) {
  auto& sh = *impl_->sh;
  if (!sh.link_faults_enabled)
    return make_error("link faults are not enabled (testing.link_faults)");
  if (peer >= sh.links.size() || peer == sh.me)
    return make_error("peer " + std::to_string(peer) + " is not another node of the set");
  if (!(drop >= 0 && drop <= 1)) return make_error("drop must be within [0, 1]");
  if (delay_ms > 60'000) return make_error("delay_ms must be at most 60000");
  std::lock_guard lock(sh.link_mu);
  sh.links[peer] = link_fault{drop, delay_ms};
  return {};
}

bool node_runtime::link_faults_enabled() const {
  return impl_->sh->link_faults_enabled;
}

result<election_view> node_runtime::election(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  if (!p.elections) return make_error("this node's genesis has no 'dpos' section");
  caf::scoped_actor self{*p.sys};
  result<election_view> out = make_error("election: no answer");
  self->request(p.node, timeout, election_atom::value)
      .receive([&](election_reply& r) { out = std::move(r.view); },
               [&](caf::error& e) { out = make_error("election: " + p.sys->render(e)); });
  return out;
}

bool node_runtime::dpos_enabled() const {
  return impl_->elections != nullptr;
}

bool node_runtime::ledger_enabled() const {
  return impl_->lg != nullptr;
}

result<std::uint64_t> node_runtime::submit(std::vector<ledger::transaction> txs,
                                           std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  caf::scoped_actor self{*p.sys};
  result<std::uint64_t> out = make_error("submit: no answer");
  self->request(p.node, timeout, bbft::submit_atom::value, bbft::tx_list(std::move(txs)))
      .receive([&](std::uint64_t n) { out = n; },
               [&](caf::error& e) { out = make_error("submit: " + p.sys->render(e)); });
  return out;
}

const chain_store& node_runtime::store() const {
  return *impl_->store;
}
node::metrics& node_runtime::stats() {
  return impl_->stats;
}
std::uint32_t node_runtime::index() const {
  return impl_->me;
}
std::uint64_t node_runtime::blocks_decoded_at_start() const {
  return impl_->decoded_at_start;
}
std::uint64_t node_runtime::heights_checked_at_start() const {
  return impl_->checked_at_start;
}
std::uint64_t node_runtime::heights_replayed_at_start() const {
  return std::max(impl_->elections_start.heights_replayed, impl_->fed_replayed_at_start);
}
std::size_t node_runtime::election_records_at_start() const {
  return impl_->elections_start.from_records ? impl_->elections_start.records : 0;
}

} // namespace bystack::node
