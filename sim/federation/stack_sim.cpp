#include "sim/federation/stack_sim.hpp"

#include "sim/federation/peg_setup.hpp"

#include "actors/federation/address.hpp"
#include "actors/federation/collector_core.hpp"
#include "actors/federation/member_core.hpp"
#include "actors/federation/supply.hpp"
#include "actors/mainchain/mainchain_core.hpp"
#include "actors/mainchain/merkle_proof.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/ledger/butxo_app.hpp"
#include "runtime/ledger/extension_set.hpp"
#include "runtime/ledger/wallet.hpp"
#include "sim/rng.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <set>
#include <sstream>

namespace bystack::sim::federation {

namespace fed = bystack::federation;
namespace mc = bystack::mainchain;
using crypto::hash256;

// -- the actors hosting the federation's cores ---------------------------------------------------

/// Where the actors hand their cores' effects (the run's message network).
class stack_host {
public:
  virtual ~stack_host() = default;
  virtual void member_effects(std::size_t member, std::vector<fed::member_effect> fx) = 0;
  virtual void collector_tx(std::size_t collector, ledger::tx t) = 0;
};

struct mainchain_view {
  std::vector<fed::federation_coin> coins;
  std::uint64_t height = 0;
  std::set<hash256> mined; ///< the best chain's transactions (members replace dead releases)
};
struct released_pegout {
  hash256 pegout;
};
/// Mail to a member: a final pegout, its mainchain node's view, a share, a release seen mined.
struct member_mail {
  std::variant<fed::pegout_request, mainchain_view, fed::signature_share, released_pegout> v;
};
/// Mail to a collector: its mainchain node's recent blocks and tip, or a committed sidechain
/// state to step on (`committed` is read while the actor handles the mail, before the replica
/// moves on: the run's scheduler delivers it at once).
struct collector_mail {
  std::vector<mc::block_ptr> blocks;
  hash256 tip;
  const ledger::utxo_set* committed = nullptr;
  std::uint64_t height = 0;
};

} // namespace bystack::sim::federation

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::sim::federation::member_mail)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::sim::federation::collector_mail)

namespace bystack::sim::federation {

namespace {

template <class... F> struct overloaded : F... { using F::operator()...; };
template <class... F> overloaded(F...) -> overloaded<F...>;

/// The member's mail: a final pegout, its mainchain node's view, a share, a release seen mined;
/// its effects (shares, a release) go to the host.
void handle(fed::member_core& core, stack_host& host, std::size_t index, const member_mail& m) {
  std::visit(
      overloaded{[&](const fed::pegout_request& p) { core.on_pegout(p); },
                 [&](const mainchain_view& v) { core.on_mainchain(v.coins, v.height, v.mined); },
                 [&](const fed::signature_share& s) { core.on_share(s); },
                 [&](const released_pegout& r) { core.on_released(r.pegout); }},
      m.v);
  auto fx = core.take_effects();
  if (!fx.empty()) host.member_effects(index, std::move(fx));
}

/// The collector's mail: mainchain blocks and tips in, a sidechain transaction out per step.
void handle(fed::collector_core& core, stack_host& host, std::size_t index,
            const collector_mail& m) {
  for (const auto& b : m.blocks)
    core.on_mainchain_block(b);
  if (!m.tip.is_zero()) core.on_mainchain_tip(m.tip);
  if (m.committed)
    if (auto t = core.step(*m.committed, m.height)) host.collector_tx(index, *t);
}

template <class Core> struct hosted_state {
  std::shared_ptr<Core> core;
  stack_host* host = nullptr;
  std::size_t index = 0;
  static inline const char* name =
      std::is_same_v<Core, fed::member_core> ? "federation-member" : "federation-collector";
};

/// One CAF actor hosting one of the federation's pure cores (a member's or a collector's): each
/// mail goes to the core through handle() above.
template <class Core, class Mail>
caf::behavior hosted_actor(caf::stateful_actor<hosted_state<Core>>* self,
                           std::shared_ptr<Core> core, stack_host* host, std::size_t index) {
  self->state.core = std::move(core);
  self->state.host = host;
  self->state.index = index;
  return {[self](const Mail& m) {
    auto& st = self->state;
    handle(*st.core, *st.host, st.index, m);
  }};
}

constexpr std::uint64_t collector_funds = 1'000'000;
constexpr std::size_t blocks_told = 64; ///< a collector hears of its node's last blocks

} // namespace

struct federation_stack::impl final : stack_host {
  impl(const stack_params& p, std::uint64_t seed, const crypto::signature_scheme& scheme)
      : p_(p), seed_(seed), scheme_(scheme), rng_(seed ^ 0x7374616b66656431ull) {}

  // -- set-up ---------------------------------------------------------------------------------

  result<void> init() {
    if (p_.members == 0 || p_.threshold == 0 || p_.threshold > p_.members)
      return make_error("federation: threshold must be within 1..members");
    if (p_.mainchain_nodes == 0) return make_error("federation: mainchain_nodes must be >= 1");
    auto key = [&](std::uint32_t tag) { return make_peg_key(scheme_, tag, seed_, 0x73); };
    for (std::size_t i = 0; i < p_.users; ++i)
      users_.push_back(key(static_cast<std::uint32_t>(1000 + i)));
    for (std::size_t i = 0; i < p_.members; ++i)
      members_.push_back(key(static_cast<std::uint32_t>(2000 + i)));
    for (std::size_t i = 0; i < p_.collectors; ++i)
      collectors_.push_back(key(static_cast<std::uint32_t>(3000 + i)));
    for (std::size_t i = 0; i < p_.mainchain_nodes; ++i)
      miners_.push_back(key(static_cast<std::uint32_t>(4000 + i)));
    issuer_ = key(4999);
    if (p_.reorg_depth > 0) attacker_ = key(4998);
    std::vector<crypto::public_key> keys;
    for (const auto& m : members_)
      keys.push_back(m.s->pub());
    auto prog = fed::federation_program(keys, p_.threshold);
    if (!prog) return prog.err();
    fed_ = *prog;
    setup_ = make_peg_setup("mainchain-stack-sim", issuer_.prog, users_, p_.mc_block_ms, pow_,
                            scheme_, fed_, p_.confirmations);
    btm_ = setup_.btm;
    mc_spec_ = setup_.mc_spec;
    fp_ = setup_.fp;
    for (std::size_t i = 0; i < p_.mainchain_nodes; ++i) {
      nodes_.push_back(std::make_unique<mc::mainchain_core>(setup_.node));
      tips_.push_back(nodes_.back()->tip_hash());
    }
    rules_ = std::make_unique<fed::sidechain_rules>(fp_, pow_);
    if (auto ok = ext_.add(rules_.get(), {fed::claim_input, fed::header_input, fed::release_input},
                           {fed::pegout_output});
        !ok)
      return ok.err();
    checker_ = std::make_unique<ledger::signature_checker>(scheme_);
    us_.resize(p_.users);
    sent_.resize(p_.users);
    return {};
  }

  void extend_genesis(ledger::genesis_spec& g) {
    auto native = g.assets.at(g.native_index).id();
    auto txid = ledger::genesis_txid(g);
    for (std::size_t i = 0; i < collectors_.size(); ++i) {
      auto o = ledger::pay(native, collector_funds, collectors_[i].prog);
      funding_.push_back(ledger::output_id(txid, static_cast<std::uint32_t>(g.outputs.size()), o));
      g.outputs.push_back(o);
    }
    if (p_.lying_collector || p_.double_claim) { // collector 0's spare output for its lies
      auto o = ledger::pay(native, collector_funds, collectors_[0].prog);
      spare_ = ledger::output_id(txid, static_cast<std::uint32_t>(g.outputs.size()), o);
      spare_out_ = o;
      g.outputs.push_back(o);
    }
  }

  void start(caf::actor_system& sys, std::function<void()> run_actors,
             const ledger::genesis_spec& g) {
    sys_ = &sys;
    run_actors_ = std::move(run_actors);
    sc_params_ = ledger::params_of(g);
    sc_ = ledger::genesis_state(g).value();
    for (std::size_t i = 0; i < p_.members; ++i) {
      auto core = std::make_shared<fed::member_core>(
          fed::member_config{fp_, members_[i].s.get(), &scheme_});
      member_cores_.push_back(core);
      member_actors_.push_back(i < online() ? sys.spawn(hosted_actor<fed::member_core, member_mail>,
                                                        core, static_cast<stack_host*>(this), i)
                                            : caf::actor{});
    }
    for (std::size_t i = 0; i < p_.collectors; ++i)
      spawn_collector(i, funding_.at(i));
    if (p_.crash_collector_at_s >= 0 && p_.collectors > 0) {
      at(static_cast<std::int64_t>(p_.crash_collector_at_s * 1e6), [this] { crash_collector(); });
      at(static_cast<std::int64_t>((p_.crash_collector_at_s + p_.restart_after_s) * 1e6),
         [this] { restart_collector(); });
    }
    if (p_.members_return_at_s >= 0 && p_.offline_members > 0)
      at(static_cast<std::int64_t>(p_.members_return_at_s * 1e6), [this] { members_return(); });
    at(next_mining(), [this] { mine(); });
    for (std::size_t i = 0; i < p_.users; ++i) {
      auto t = static_cast<std::int64_t>(rng_.uniform(0, p_.start_window_s * 1e6));
      if (i == 0 && p_.reorg_depth > 0) t = 1'000'000; // the double-spending user goes first
      at(t, [this, i] { pegin(i); });
    }
  }

  void spawn_collector(std::size_t i, const hash256& funding) {
    auto cc = peg_collector(fp_, sc_params_, collectors_[i], funding, btm_);
    cc.ext_bytes_max = ledger::max_ext_input_bytes; // what the nodes decode (beyond: skipped)
    auto core = std::make_shared<fed::collector_core>(cc);
    if (collector_cores_.size() <= i) {
      collector_cores_.resize(i + 1);
      collector_actors_.resize(i + 1);
    }
    collector_cores_[i] = core;
    collector_actors_[i] = sys_->spawn(hosted_actor<fed::collector_core, collector_mail>, core,
                                       static_cast<stack_host*>(this), i);
    tell_collector(i);
  }

  /// Kills collector 0's actor (its core and what it held in memory are gone).
  void crash_collector() {
    if (!collector_actors_[0]) return;
    caf::anon_send_exit(collector_actors_[0], caf::exit_reason::kill);
    collector_actors_[0] = caf::actor{};
    collector_stats_before_crash_ = collector_cores_[0]->stats();
  }

  /// Spawns collector 0 again from nothing but its key: its funding is the one output it owns
  /// in the committed state, its mainchain view what its node serves.
  void restart_collector() {
    if (collector_actors_[0]) return;
    hash256 funding;
    for (const auto& [id, e] : sc_.entries())
      if (e.out.owner == collectors_[0].prog && id != spare_) funding = id; // not the lies' spare
    ++r_.collector_restarts;
    spawn_collector(0, funding);
  }

  bool live(std::size_t m) const { return m < member_actors_.size() && member_actors_[m]; }
  std::size_t online() const {
    return p_.members > p_.offline_members ? p_.members - p_.offline_members : 0;
  }
  std::size_t node_of_member(std::size_t i) const { return i % nodes_.size(); }
  std::size_t node_of_collector(std::size_t i) const { return (i + 1) % nodes_.size(); }

  // -- events ---------------------------------------------------------------------------------

  struct event {
    std::int64_t t;
    std::uint64_t seq;
    std::function<void()> f;
  };
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  void at(std::int64_t t, std::function<void()> f) { q_.push(event{t, seq_++, std::move(f)}); }
  std::int64_t lat() const { return static_cast<std::int64_t>(p_.latency_ms * 1000); }
  std::int64_t now_ms() const { return now_ / 1000; }
  std::int64_t next_mining() {
    return now_ +
           static_cast<std::int64_t>(-std::log(1.0 - rng_.uniform01()) * p_.mc_block_ms * 1000.0);
  }

  std::vector<ledger::transaction> advance(std::int64_t t) {
    while (!q_.empty() && q_.top().t <= t) {
      auto e = q_.top();
      q_.pop();
      now_ = std::max(now_, e.t);
      e.f();
      run_actors_();
    }
    now_ = std::max(now_, t);
    return std::exchange(outbox_, {});
  }

  void send_member(std::size_t i, member_mail m) {
    if (i < member_actors_.size() && member_actors_[i])
      caf::anon_send(member_actors_[i], std::move(m));
  }
  void send_collector(std::size_t i, collector_mail m) {
    if (i < collector_actors_.size() && collector_actors_[i])
      caf::anon_send(collector_actors_[i], std::move(m));
  }

  // -- stack_host -----------------------------------------------------------------------------

  void member_effects(std::size_t i, std::vector<fed::member_effect> fx) override {
    for (auto& e : fx) {
      if (auto* b = std::get_if<fed::broadcast_share>(&e)) {
        for (std::size_t j = 0; j < p_.members; ++j)
          if (j != i && live(j))
            at(now_ + lat(), [this, j, s = b->share] { send_member(j, member_mail{s}); });
      } else if (auto* s = std::get_if<fed::submit_release>(&e)) {
        submit_mc(node_of_member(i), std::make_shared<const ledger::tx>(s->release));
      }
    }
  }

  void collector_tx(std::size_t c, ledger::tx t) override {
    if (c == 0 && p_.double_claim) claim_again(t.inputs, true); // the race: both at once
    at(now_ + lat(), [this, w = ledger::wrap(t)] { outbox_.push_back(w); });
    ++r_.stack_txs;
  }

  // -- the mainchain ----------------------------------------------------------------------------

  /// A transaction reaches node `first` after the latency and every other node after twice it.
  void submit_mc(std::size_t first, mc::tx_ptr t) {
    for (std::size_t j = 0; j < nodes_.size(); ++j)
      at(now_ + (j == first ? 1 : 2) * lat(), [this, j, t] {
        (void)nodes_[j]->on_tx(mc::self_peer, t, now_ms());
        (void)nodes_[j]->take_effects();
      });
  }

  void mine() {
    at(next_mining(), [this] { mine(); });
    auto i = static_cast<std::size_t>(rng_.below(nodes_.size()));
    auto& node = *nodes_[i];
    auto txs = node.pool().candidates(2000);
    auto b = make_peg_block(setup_, node.child_header(now_ms()), miners_[i].prog,
                            {txs.begin(), txs.end()});
    node.on_block_mined(b, now_ms());
    (void)node.take_effects();
    ++r_.mc_blocks;
    on_node(i);
    for (std::size_t j = 0; j < nodes_.size(); ++j)
      if (j != i)
        at(now_ + lat(), [this, i, j, b] {
          nodes_[j]->on_block(static_cast<mc::peer_id>(i), b, now_ms());
          (void)nodes_[j]->take_effects();
          on_node(j);
        });
  }

  /// Node j's best chain may have changed: its collectors and members hear of it.
  void on_node(std::size_t j) {
    auto& node = *nodes_[j];
    if (node.tip_hash() == tips_[j]) return;
    tips_[j] = node.tip_hash();
    auto height = node.height();
    if (j == 0) tr_add(node.tip_hash().prefix64());
    for (std::size_t c = 0; c < p_.collectors; ++c)
      if (node_of_collector(c) == j) at(now_ + lat(), [this, c] { tell_collector(c); });
    auto coins = coins_of(node);
    auto mined = mined_on(node);
    std::vector<hash256> released;
    for (const auto& t : node.block_at(height)->txs())
      for (const auto& o : t->outputs)
        if (o.data.size() == 32) {
          hash256 peg;
          std::copy(o.data.begin(), o.data.end(), peg.data.begin());
          if (pegout_owner_.count(peg) != 0) released.push_back(peg);
        }
    for (std::size_t m = 0; m < p_.members; ++m)
      if (node_of_member(m) == j && live(m))
        at(now_ + lat(), [this, m, coins, height, mined, released] {
          send_member(m, member_mail{mainchain_view{coins, height, mined}});
          for (const auto& peg : released)
            send_member(m, member_mail{released_pegout{peg}});
        });
    if (j != 0) return;
    for (std::uint64_t h = 1; h <= height; ++h) // the release first seen on node 0's chain
      for (const auto& t : node.block_at(h)->txs())
        for (const auto& o : t->outputs)
          if (o.data.size() == 32) {
            hash256 peg;
            std::copy(o.data.begin(), o.data.end(), peg.data.begin());
            if (pegout_owner_.count(peg) != 0) first_release_.emplace(peg, t->id());
          }
    for (const auto& peg : released) {
      auto& u = us_[pegout_owner_.at(peg)];
      if (u.released) continue;
      u.released = true;
      ++r_.releases;
      r_.pegout_s.push_back(static_cast<double>(now_) / 1e6 - u.burn_at_s);
      tr_add(peg.prefix64());
    }
    check_supply();
    if (p_.reorg_depth > 0) maybe_attack();
  }

  /// The ids of the transactions on a node's best chain.
  static std::set<hash256> mined_on(const mc::mainchain_core& node) {
    std::set<hash256> out;
    for (std::uint64_t h = 1; h <= node.height(); ++h)
      for (const auto& t : node.block_at(h)->txs())
        out.insert(t->id());
    return out;
  }

  /// The federation's unspent coins on a node's best chain, by id.
  std::vector<fed::federation_coin> coins_of(const mc::mainchain_core& node) const {
    std::vector<fed::federation_coin> coins;
    for (const auto& [id, e] : node.state().entries())
      if (e.out.owner == fed_) coins.push_back(fed::federation_coin{id, e.out, e.height});
    std::sort(coins.begin(), coins.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return coins;
  }

  /// Hands collector c its node's recent blocks and tip.
  void tell_collector(std::size_t c) {
    const auto& node = *nodes_[node_of_collector(c)];
    collector_mail m;
    auto height = node.height();
    for (auto h = height > blocks_told ? height - blocks_told : 1; h <= height; ++h)
      m.blocks.push_back(node.block_at(h));
    m.tip = node.tip_hash();
    send_collector(c, std::move(m));
    if (c == 0 && p_.lying_collector && collector_actors_[0]) forge();
  }

  // -- the sidechain ----------------------------------------------------------------------------

  void on_commit(const ledger::block& b, std::int64_t t) {
    at(t, [this, b] { replay(b); });
  }

  /// Applies a committed block to the replica, as bystack-federationd replays the sidechain.
  void replay(const ledger::block& b) {
    std::vector<ledger::tx> txs;
    for (const auto& w : b.txs)
      if (auto t = ledger::unwrap(w)) txs.push_back(std::move(*t));
    auto height = b.header.height;
    auto chk = ledger::check_block(txs, height, sc_, sc_params_, *checker_, {}, &ext_);
    if (!chk.err.ok()) {
      ++r_.replay_failures;
      if (r_.supply_discrepancy.empty())
        r_.supply_discrepancy =
            "sidechain block " + std::to_string(height) + " does not replay: " + chk.err.message();
      return;
    }
    sc_.apply(chk.delta);
    sc_.set_height(height);
    ++r_.sc_blocks;
    r_.sc_txs += txs.size();
    tr_add(sc_.hash().prefix64());
    fed::scan_sidechain_block(scan_, txs, height, sc_);
    for (const auto& t : txs) {
      if (forged_.count(t.id()) != 0) ++r_.forged_committed;
      if (second_.count(t.id()) != 0) ++r_.second_claims_committed;
      if (forged_.count(t.id()) != 0 || second_.count(t.id()) != 0) // the spare moved on
        spare_ = ledger::output_id(t.id(), 0, t.outputs[0]);
      if (p_.double_claim) claim_again(t.inputs, false); // a second claim of what was claimed
    }
    for (const auto& t : txs)
      for (const auto& in : t.inputs) {
        if (in.kind == fed::claim_input) ++r_.claims;
        if (in.kind == fed::release_input) ++r_.records;
        if (in.kind == fed::header_input) {
          ++header_inputs_;
          if (auto hs = fed::decode_headers(byte_view{in.ext.data(), in.ext.size()},
                                            fp_.headers_per_input_max))
            r_.headers += hs->size();
        }
      }
    for (const auto& po : fed::pegouts_in_block(txs, height, sc_, fp_)) {
      for (std::size_t i = 0; i < p_.members; ++i)
        if (live(i)) at(now_ + lat(), [this, i, po] { send_member(i, member_mail{po}); });
      if (p_.members_return_at_s >= 0) final_pegouts_.push_back(po);
      if (p_.byzantine_members > 0) at(now_ + lat(), [this, po] { steal(po); });
    }
    users_progress();
    // Collectors step on the committed state now (the replica moves on at the next commit).
    for (std::size_t c = 0; c < p_.collectors; ++c)
      send_collector(c, collector_mail{{}, {}, &sc_, height});
  }

  void users_progress() {
    peg_latencies got;
    peg_progress(
        us_, sc_, static_cast<double>(now_) / 1e6, got,
        [this](std::size_t i) { at(now_ + lat(), [this, i] { trade(i); }); },
        [this](std::size_t i) { at(now_ + lat(), [this, i] { pegout(i); }); });
    r_.pegin_s.insert(r_.pegin_s.end(), got.pegin_s.begin(), got.pegin_s.end());
    r_.record_s.insert(r_.record_s.end(), got.record_s.begin(), got.record_s.end());
    resend();
  }

  /// A user's trade or burn still not committed resend_after_s after it was last sent goes out
  /// again, unchanged, as a wallet rebroadcasts an unconfirmed transaction.
  void resend() {
    if (p_.resend_after_s <= 0) return;
    auto now_s = static_cast<double>(now_) / 1e6;
    for (std::size_t i = 0; i < sent_.size(); ++i) {
      auto& s = sent_[i];
      if (s.sends == 0) continue;
      const auto& u = us_[i];
      bool committed = s.burn ? u.burn_at_s >= 0 : u.burn_sent;
      if (committed || now_s - s.last_s < p_.resend_after_s) continue;
      s.last_s = now_s;
      ++s.sends;
      ++r_.resent;
      submit_sc(s.t);
    }
  }

  void submit_sc(const ledger::tx& t) {
    ++r_.stack_txs;
    at(now_ + lat(), [this, w = ledger::wrap(t)] { outbox_.push_back(w); });
  }

  // -- users ------------------------------------------------------------------------------------

  void pegin(std::size_t i) {
    auto& u = us_[i];
    auto t = make_pegin(setup_, i, users_[i], fed_, 1000 + rng_.below(4000), u);
    if (i == 0 && p_.reorg_depth > 0) { // the same coin, paid back to the user
      pegin0_ = t.id();
      pegin0_output_ = ledger::output_id(pegin0_, 0, t.outputs[0]);
      ledger::tx c;
      c.chain = fp_.mainchain;
      c.inputs.push_back(ledger::spend_of(t.inputs[0].spent_output));
      c.outputs.push_back(ledger::pay(btm_.id(), peg_user_funds, users_[0].prog));
      ledger::sign_input(c, 0, users_[0].prog, *users_[0].s);
      conflict_ = std::make_shared<const ledger::tx>(c);
    }
    ++r_.pegins;
    u.pegin_at_s = static_cast<double>(now_) / 1e6;
    submit_mc(i % nodes_.size(), std::make_shared<const ledger::tx>(t));
  }

  void trade(std::size_t i) {
    auto t = make_trade(setup_, sc_params_.chain, users_[i], users_[(i + 1) % users_.size()].prog,
                        us_[i]);
    ++r_.trades;
    sent_[i] =
        user_tx{t, false, static_cast<double>(now_) / 1e6, static_cast<double>(now_) / 1e6, 1};
    submit_sc(t);
  }

  void pegout(std::size_t i) {
    auto t = make_pegout(setup_, sc_params_.chain, users_[i], us_[i]);
    pegout_owner_[us_[i].pegout] = i;
    ++r_.pegouts;
    sent_[i] =
        user_tx{t, true, static_cast<double>(now_) / 1e6, static_cast<double>(now_) / 1e6, 1};
    submit_sc(t);
  }

  // -- faults ----------------------------------------------------------------------------------

  /// The offline members come back: each replays the final pegouts so far and reads its node's
  /// federation coins, as a restarted member does.
  void members_return() {
    r_.releases_before_return = r_.releases;
    for (std::size_t i = online(); i < p_.members; ++i) {
      member_actors_[i] = sys_->spawn(hosted_actor<fed::member_core, member_mail>, member_cores_[i],
                                      static_cast<stack_host*>(this), i);
      for (const auto& po : final_pegouts_)
        send_member(i, member_mail{po});
      const auto& node = *nodes_[node_of_member(i)];
      send_member(i, member_mail{mainchain_view{coins_of(node), node.height(), mined_on(node)}});
    }
  }

  /// A sidechain transaction from collector 0's spare output carrying `ext` (a lie), checked
  /// against the committed state as a validator checks it; the refusal is counted by rule.
  ledger::tx spare_tx(std::vector<ledger::input> ext) {
    ledger::tx t;
    t.chain = sc_params_.chain;
    t.inputs = std::move(ext);
    t.inputs.push_back(ledger::spend_of(spare_));
    t.outputs.push_back(ledger::pay(spare_out_.asset, spare_out_.amount, collectors_[0].prog));
    ledger::sign_input(t, t.inputs.size() - 1, collectors_[0].prog, *collectors_[0].s);
    ledger::tx_summary sum;
    auto err = ledger::check_tx(t, sc_, sc_params_, ledger::tx_context{sc_.height() + 1, false},
                                *checker_, sum, nullptr, &ext_);
    if (!err.ok()) {
      auto why = err.message();
      refusals_[why.substr(0, why.find(':'))] += 1;
    }
    submit_sc(t);
    return t;
  }

  /// Collector 0 lies, in turn: a real pegin with a tenfold amount, and a pegin transaction in
  /// a block that was never mined (its Merkle path right for that block).
  void forge() {
    const auto& node = *nodes_[node_of_collector(0)];
    bool wrong_amount = (r_.forged_wrong_amount + r_.forged_not_mined) % 2 == 0;
    if (wrong_amount) {
      for (auto h = node.height(); h >= 1 && h + 20 > node.height(); --h) {
        auto b = node.block_at(h);
        for (std::uint32_t ti = 0; ti < b->txs().size(); ++ti) {
          const auto& t = *b->txs()[ti];
          if (t.outputs.empty() || t.outputs[0].owner != fed_ || t.outputs[0].data.empty())
            continue;
          fed::claim_payload c{btm_, t, 0, mc::make_merkle_path(b->txs(), ti), b->hash()};
          c.mc_tx.outputs[0].amount *= 10;
          forged_.insert(spare_tx({fed::make_claim_input(c)}).id());
          ++r_.forged_wrong_amount;
          return;
        }
      }
    }
    ledger::tx t; // pays the federation from a coin that does not exist, for the liar
    t.chain = fp_.mainchain;
    hash256 nowhere;
    nowhere.data[0] = 0xfa;
    for (std::size_t i = 0; i < 8; ++i)
      nowhere.data[1 + i] = static_cast<std::uint8_t>(r_.forged_not_mined >> (8 * i));
    t.inputs.push_back(ledger::spend_of(nowhere));
    auto o = ledger::pay(btm_.id(), 4000, fed_);
    o.data = ledger::encode(collectors_[0].prog);
    t.outputs.push_back(o);
    auto ptr = std::make_shared<const ledger::tx>(t);
    auto b = make_peg_block(setup_, node.child_header(now_ms()), collectors_[0].prog, {ptr});
    fed::claim_payload c{btm_, t, 0, mc::make_merkle_path(b->txs(), 1), b->hash()};
    forged_.insert(spare_tx({fed::make_claim_input(c)}).id());
    ++r_.forged_not_mined;
  }

  /// Collector 0 claims the claims in `inputs` again, from its spare output.
  void claim_again(const std::vector<ledger::input>& inputs, bool race) {
    std::vector<ledger::input> claims;
    for (const auto& in : inputs)
      if (in.kind == fed::claim_input) claims.push_back(in);
    if (claims.empty()) return;
    second_.insert(spare_tx(std::move(claims)).id());
    ++r_.second_claims;
    race_copies_ += race ? 1 : 0;
  }

  /// The Byzantine members sign a release of up to 8 federation coins to member 0 for pegout
  /// `po`, send their shares to the honest members and submit it with their signatures.
  void steal(const fed::pegout_request& po) {
    ledger::tx theft;
    theft.chain = fp_.mainchain;
    std::uint64_t sum = 0;
    for (const auto& c : coins_of(*nodes_[node_of_member(0)])) {
      theft.inputs.push_back(ledger::spend_of(c.id));
      sum += c.out.amount;
      if (theft.inputs.size() == 8) break;
    }
    if (theft.inputs.empty()) return;
    theft.outputs.push_back(ledger::pay(btm_.id(), sum, members_[0].prog));
    auto id = theft.id();
    auto signed_theft = theft;
    for (std::size_t j = 0; j < p_.byzantine_members; ++j) {
      fed::signature_share sh{po.id, id, 0, {}};
      auto k = std::find(fed_.keys.begin(), fed_.keys.end(), members_[j].s->pub());
      sh.key_index = static_cast<std::uint8_t>(k - fed_.keys.begin());
      for (const auto& in : theft.inputs)
        sh.signatures.push_back(members_[j].s->sign(ledger::sighash(ledger::input_id(in), id)));
      for (std::size_t i = 0; i < theft.inputs.size(); ++i)
        signed_theft.inputs[i].witness.push_back(
            ledger::key_signature{sh.key_index, sh.signatures[i]});
      for (std::size_t m = p_.byzantine_members; m < p_.members; ++m)
        if (live(m)) {
          ++r_.theft_shares;
          at(now_ + lat(), [this, m, sh] { send_member(m, member_mail{sh}); });
        }
    }
    for (auto& in : signed_theft.inputs) // witnesses in ascending key index, as the rule wants
      std::sort(in.witness.begin(), in.witness.end(),
                [](const auto& a, const auto& b) { return a.key_index < b.key_index; });
    thefts_.insert(id);
    ++r_.thefts_submitted;
    submit_mc(node_of_member(0), std::make_shared<const ledger::tx>(signed_theft));
  }

  /// The double spend: once user 0's pegin is deep enough on node 0 (and, at or beyond the
  /// confirmation depth, claimed), a branch two blocks longer than every node's chain, holding
  /// the conflicting payment, reaches every node.
  void maybe_attack() {
    if (attacked_ || !conflict_) return;
    const auto& node = *nodes_[0];
    std::uint64_t at_height = 0;
    for (std::uint64_t h = 1; h <= node.height() && at_height == 0; ++h)
      for (const auto& t : node.block_at(h)->txs())
        if (t->id() == pegin0_) at_height = h;
    if (at_height == 0 || node.height() - at_height + 1 < p_.reorg_depth) return;
    if (p_.reorg_depth >= p_.confirmations && !us_[0].claimed) return;
    if (p_.reorg_after_release) { // a release spending the pegin, confirmations deep
      std::uint64_t release_height = 0;
      for (std::uint64_t h = at_height; h <= node.height() && release_height == 0; ++h)
        for (const auto& t : node.block_at(h)->txs())
          for (const auto& in : t->inputs)
            if (in.spent_output == pegin0_output_) release_height = h;
      if (release_height == 0 || node.height() - release_height + 1 < p_.confirmations) return;
    }
    attacked_ = true;
    claimed_before_reorg_ = us_[0].claimed;
    std::uint64_t top = 0;
    for (const auto& n : nodes_)
      top = std::max(top, n->height());
    auto branch = make_branch(setup_, node, at_height, top - at_height + 3, conflict_, pegin0_,
                              attacker_.prog);
    attack_tip_ = branch.back()->hash();
    for (std::size_t j = 0; j < nodes_.size(); ++j)
      at(now_ + lat(), [this, j, branch] {
        for (const auto& b : branch)
          nodes_[j]->on_block(static_cast<mc::peer_id>(nodes_.size()), b, now_ms());
        (void)nodes_[j]->take_effects();
        if (j == 0 && nodes_[0]->tip_hash() == attack_tip_) ++r_.reorgs;
        on_node(j);
      });
  }

  /// Checks that each fault had its expected outcome; what did not happen goes to the report.
  void judge_faults() {
    auto& f = r_.fault_failures;
    std::map<hash256, std::vector<hash256>> final_releases; // pegout -> its releases
    for (std::uint64_t h = 1; h <= nodes_[0]->height(); ++h)
      for (const auto& t : nodes_[0]->block_at(h)->txs())
        for (const auto& o : t->outputs)
          if (o.data.size() == 32) {
            hash256 peg;
            std::copy(o.data.begin(), o.data.end(), peg.data.begin());
            if (pegout_owner_.count(peg) != 0) final_releases[peg].push_back(t->id());
          }
    for (const auto& [peg, ids] : final_releases)
      (ids.size() == 1 ? r_.released_once : r_.released_twice) += 1;
    for (const auto& [peg, first] : first_release_) {
      auto it = final_releases.find(peg);
      if (it != final_releases.end() && it->second == std::vector<hash256>{first}) continue;
      ++r_.releases_removed;
      if (it != final_releases.end() && it->second.size() == 1) ++r_.releases_replaced;
    }
    if (r_.released_twice != 0)
      f.push_back(std::to_string(r_.released_twice) +
                  " pegouts released twice on the final mainchain");
    if (p_.reorg_after_release) {
      if (r_.releases_removed == 0)
        f.push_back("reorg_after_release: the reorganisation removed no release");
      if (r_.releases_replaced != r_.releases_removed)
        f.push_back("reorg_after_release: " + std::to_string(r_.releases_removed) +
                    " releases removed, only " + std::to_string(r_.releases_replaced) +
                    " replaced by one release each");
    }
    for (const auto& [why, n] : refusals_)
      r_.refusals += (r_.refusals.empty() ? "" : "; ") + why + ": " + std::to_string(n);
    std::set<hash256> outputs;
    for (const auto& c : scan_.claims)
      outputs.insert(c.mainchain_output);
    r_.claimed_outputs = outputs.size();
    for (std::uint64_t h = 1; h <= nodes_[0]->height(); ++h)
      for (const auto& t : nodes_[0]->block_at(h)->txs())
        if (thefts_.count(t->id()) != 0) ++r_.thefts_mined;
    if (p_.lying_collector) {
      if (r_.forged_wrong_amount == 0 || r_.forged_not_mined == 0)
        f.push_back("lying_collector: not both kinds of forged claims were sent");
      if (r_.forged_committed != 0)
        f.push_back("lying_collector: " + std::to_string(r_.forged_committed) +
                    " forged claims were committed");
    }
    if (p_.double_claim) {
      if (r_.second_claims == 0) f.push_back("double_claim: no second claim was sent");
      if (r_.claims != r_.claimed_outputs)
        f.push_back("double_claim: " + std::to_string(r_.claims) + " claims committed for " +
                    std::to_string(r_.claimed_outputs) + " outputs");
    }
    if (p_.lying_collector || p_.double_claim) {
      std::uint64_t lies = r_.forged_wrong_amount + r_.forged_not_mined + r_.second_claims;
      std::uint64_t refused = 0;
      for (const auto& [why, n] : refusals_)
        refused += n;
      // Refused at once: all but the race copies (checked before the first claim committed).
      if (refused + r_.second_claims_committed < lies - race_copies_)
        f.push_back("lies: " + std::to_string(lies) + " sent, only " + std::to_string(refused) +
                    " refused by the rules against the committed state");
    }
    if (p_.byzantine_members > 0) {
      if (r_.theft_shares == 0 || r_.thefts_submitted == 0)
        f.push_back("byzantine_members: no theft was attempted");
      if (r_.thefts_mined != 0) f.push_back("byzantine_members: a theft was mined");
      if (r_.shares_refused < r_.theft_shares)
        f.push_back("byzantine_members: honest members accepted " +
                    std::to_string(r_.theft_shares - r_.shares_refused) + " theft shares");
    }
    if (online() < p_.threshold) {
      auto before = p_.members_return_at_s >= 0 ? r_.releases_before_return : r_.releases;
      if (before != 0)
        f.push_back("offline_members: " + std::to_string(before) +
                    " releases with fewer than m members online");
      if (p_.members_return_at_s < 0 && r_.pending_pegouts != r_.pegouts)
        f.push_back("offline_members: pegouts lost: " + std::to_string(r_.pending_pegouts) +
                    " waiting of " + std::to_string(r_.pegouts));
    }
    if (p_.reorg_depth > 0) {
      if (r_.reorgs != 1) f.push_back("reorg_depth: the attacker's branch did not win");
      bool deep = p_.reorg_depth >= p_.confirmations;
      if (!deep && (us_[0].claimed || !r_.supply_ok))
        f.push_back("reorg_depth: a pegin removed before its confirmations was claimed");
      if (deep) {
        hash256 claim_tx;
        for (const auto& c : scan_.claims)
          if (c.mainchain_output == pegin0_output_) claim_tx = c.sidechain_tx;
        bool named =
            !r_.supply_ok && !claim_tx.is_zero() &&
            r_.supply_discrepancy.find(pegin0_output_.hex().substr(0, 16)) != std::string::npos &&
            r_.supply_txs == std::vector<hash256>{claim_tx};
        if (!claimed_before_reorg_ || !named)
          f.push_back("reorg_depth: the supply checker did not flag exactly the claim of the "
                      "removed pegin " +
                      pegin0_output_.hex().substr(0, 16));
      }
      if (r_.reorgs == 1) r_.pegins_removed = 1;
    }
  }

  /// Every due user whose peg stopped short of a pending or completed pegout, in words.
  void find_stuck() {
    auto at = [](double s) {
      std::ostringstream o;
      o.setf(std::ios::fixed);
      o.precision(1);
      o << s << " s";
      return o.str();
    };
    for (std::size_t i = 0; i < us_.size(); ++i) {
      const auto& u = us_[i];
      if (u.pegin_at_s < 0 || (i == 0 && r_.pegins_removed > 0)) continue; // not due
      const auto& s = sent_[i];
      auto sent = [&] {
        return " sent at " + at(s.first_s) + " (" + std::to_string(s.sends) +
               (s.sends == 1 ? " time" : " times") + ", last at " + at(s.last_s) +
               "), never committed";
      };
      std::string why;
      if (!u.claimed)
        why = "pegin sent at " + at(u.pegin_at_s) + ", never claimed";
      else if (!u.traded)
        why = "claimed, trade never sent";
      else if (!u.burn_sent)
        why = "trade" + sent();
      else if (u.burn_at_s < 0)
        why = "burn" + sent();
      else if (u.released && !u.recorded)
        why = "burn committed at " + at(u.burn_at_s) + ", released, never recorded";
      if (!why.empty()) r_.stuck.push_back("user " + std::to_string(i) + ": " + why);
    }
  }

  // -- the supply checker -----------------------------------------------------------------------

  void check_supply() {
    const auto& node = *nodes_[0];
    std::vector<mc::block_ptr> chain;
    for (std::uint64_t h = 1; h <= node.height(); ++h)
      chain.push_back(node.block_at(h));
    fed::count_sidechain_units(scan_, sc_);
    auto rep = fed::check_supply(fed::scan_mainchain(chain, fed_), scan_, p_.confirmations);
    ++r_.supply_checks;
    if (!rep.ok && r_.supply_ok) {
      r_.supply_ok = false;
      r_.supply_discrepancy = rep.discrepancy;
      r_.supply_txs = rep.txs;
    }
  }

  void stop(std::int64_t t) {
    (void)advance(t);
    check_supply();
    if (r_.replay_failures > 0) r_.supply_ok = false;
    for (const auto& m : member_cores_)
      r_.shares_refused += m->stats().shares_refused;
    for (const auto& u : us_)
      if (u.burn_at_s >= 0 && !u.released) ++r_.pending_pegouts;
    for (const auto& c : collector_cores_)
      if (c) r_.headers_built += c->stats().headers_relayed;
    r_.headers_built += collector_stats_before_crash_.headers_relayed;
    r_.mc_height = nodes_[0]->height();
    judge_faults();
    find_stuck();
    r_.end_s = static_cast<double>(t) / 1e6;
    r_.chain_trace_hash = trace_;
    if (p_.byzantine_members > 0) {
      // Refused thefts leave no mark on either chain: the trace records the attempts.
      tr_add(r_.theft_shares);
      tr_add(r_.shares_refused);
      tr_add(r_.thefts_submitted);
      tr_add(r_.thefts_mined);
    }
    r_.trace_hash = trace_;
    for (auto& a : member_actors_)
      if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& a : collector_actors_)
      if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run_actors_();
  }

  void tr_add(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      trace_ ^= (x >> (8 * i)) & 0xff;
      trace_ *= 0x100000001b3ull;
    }
  }

  stack_params p_;
  std::uint64_t seed_;
  const crypto::signature_scheme& scheme_;
  rng64 rng_;
  stack_report r_;
  std::uint64_t trace_ = 0xcbf29ce484222325ull;
  std::priority_queue<event, std::vector<event>, later> q_;
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0;
  caf::actor_system* sys_ = nullptr;
  std::function<void()> run_actors_;
  std::vector<ledger::transaction> outbox_;

  std::vector<peg_key> users_, members_, collectors_, miners_;
  peg_key issuer_;
  peg_setup setup_;
  ledger::asset_definition btm_;
  ledger::control_program fed_;
  ledger::genesis_spec mc_spec_;
  mc::modelled_pow pow_;
  std::vector<std::unique_ptr<mc::mainchain_core>> nodes_;
  std::vector<hash256> tips_;

  fed::federation_params fp_;
  std::unique_ptr<fed::sidechain_rules> rules_;
  ledger::extension_set ext_;
  std::unique_ptr<ledger::signature_checker> checker_;
  ledger::chain_params sc_params_;
  ledger::utxo_set sc_;
  fed::sidechain_scan scan_;
  std::vector<hash256> funding_;
  std::uint64_t header_inputs_ = 0;

  std::vector<std::shared_ptr<fed::member_core>> member_cores_;
  std::vector<caf::actor> member_actors_;
  std::vector<std::shared_ptr<fed::collector_core>> collector_cores_;
  std::vector<caf::actor> collector_actors_;
  fed::collector_stats collector_stats_before_crash_;

  std::vector<peg_user> us_;
  /// A user's last sidechain transaction (its trade, then its burn), kept to send it again.
  struct user_tx {
    ledger::tx t;
    bool burn = false;
    double first_s = 0, last_s = 0;
    std::uint32_t sends = 0; ///< 0: nothing sent yet
  };
  std::vector<user_tx> sent_;
  std::map<hash256, std::size_t> pegout_owner_;

  // Faults.
  std::vector<fed::pegout_request> final_pegouts_; ///< for members who come back
  hash256 spare_;                                  ///< collector 0's output for its lies
  ledger::output spare_out_;
  std::set<hash256> forged_, second_, thefts_;
  std::map<std::string, std::uint64_t> refusals_;
  std::uint64_t race_copies_ = 0;
  peg_key attacker_;
  hash256 pegin0_, pegin0_output_, attack_tip_;
  mc::tx_ptr conflict_;
  bool attacked_ = false, claimed_before_reorg_ = false;
  std::map<hash256, hash256> first_release_; ///< pegout -> its release first seen on node 0
};

// -- federation_stack ---------------------------------------------------------------------------

result<std::unique_ptr<federation_stack>>
federation_stack::make(const stack_params& p, std::uint64_t seed,
                       const crypto::signature_scheme& scheme) {
  auto m = std::make_unique<impl>(p, seed, scheme);
  if (auto ok = m->init(); !ok) return ok.err();
  return std::unique_ptr<federation_stack>(new federation_stack(std::move(m)));
}

federation_stack::federation_stack(std::unique_ptr<impl> m) : m_(std::move(m)) {}
federation_stack::~federation_stack() = default;

void federation_stack::extend_genesis(ledger::genesis_spec& g) {
  m_->extend_genesis(g);
}
const ledger::extension_rules* federation_stack::rules() const {
  return &m_->ext_;
}
void federation_stack::start(caf::actor_system& sys, std::function<void()> run_actors,
                             const ledger::genesis_spec& genesis) {
  m_->start(sys, std::move(run_actors), genesis);
}
void federation_stack::on_commit(const ledger::block& b, std::int64_t t_us) {
  m_->on_commit(b, t_us);
}
std::vector<ledger::transaction> federation_stack::advance(std::int64_t t_us) {
  return m_->advance(t_us);
}
void federation_stack::stop(std::int64_t t_us) {
  m_->stop(t_us);
}
const stack_report& federation_stack::report() const {
  return m_->r_;
}

// -- the scenario section -----------------------------------------------------------------------

result<stack_params> load_stack_params(const std::string& text, const std::string& name) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  try {
    auto root = doc->root();
    auto f = root.optional_map("federation");
    if (!f) return make_error(name + ": no 'federation:' section");
    stack_params p;
    p.users = static_cast<std::size_t>(f->optional_int("users", 20, 1, 100'000));
    p.members = static_cast<std::size_t>(f->optional_int("members", 5, 1, 16));
    p.threshold = static_cast<std::uint8_t>(f->optional_int("threshold", 3, 1, 16));
    if (p.threshold > p.members) f->fail("threshold", "cannot exceed members");
    p.collectors = static_cast<std::size_t>(f->optional_int("collectors", 2, 0, 64));
    p.mainchain_nodes = static_cast<std::size_t>(f->optional_int("mainchain_nodes", 3, 1, 64));
    p.confirmations = static_cast<std::uint64_t>(f->optional_int("confirmations", 6, 1, 1000));
    p.mc_block_ms = f->optional_double("mainchain_block_ms", 150'000, 10, 1e9);
    p.latency_ms = f->optional_double("latency_ms", 100, 0.001, 1e6);
    p.start_window_s = f->optional_double("start_window_s", 600, 0, 1e9);
    p.offline_members = static_cast<std::size_t>(
        f->optional_int("offline_members", 0, 0, static_cast<std::int64_t>(p.members)));
    if (f->has("crash_collector_at_s"))
      p.crash_collector_at_s = f->optional_double("crash_collector_at_s", -1, 0, 1e9);
    p.restart_after_s = f->optional_double("restart_after_s", 300, 0, 1e9);
    if (f->has("members_return_at_s"))
      p.members_return_at_s = f->optional_double("members_return_at_s", -1, 0, 1e9);
    p.lying_collector = f->optional<bool>("lying_collector", false);
    p.double_claim = f->optional<bool>("double_claim", false);
    p.byzantine_members = static_cast<std::size_t>(
        f->optional_int("byzantine_members", 0, 0, static_cast<std::int64_t>(p.members)));
    if (p.byzantine_members >= p.threshold)
      f->fail("byzantine_members", "must be below the threshold (m or more can steal)");
    if (p.byzantine_members + p.offline_members > p.members)
      f->fail("byzantine_members", "the Byzantine members are online: at most members - "
                                   "offline_members");
    p.reorg_depth = static_cast<std::uint64_t>(f->optional_int("reorg_depth", 0, 0, 1000));
    p.reorg_after_release = f->optional<bool>("reorg_after_release", false);
    p.resend_after_s = f->optional_double("resend_after_s", 30, 0, 1e9);
    if (p.reorg_after_release && p.reorg_depth < p.confirmations)
      f->fail("reorg_after_release", "needs reorg_depth at or beyond confirmations");
    if ((p.lying_collector || p.double_claim) && p.collectors == 0)
      f->fail(p.lying_collector ? "lying_collector" : "double_claim", "needs a collector");
    f->finish();
    return p;
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

std::string without_federation(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  bool inside = false;
  while (std::getline(in, line)) {
    bool top = !line.empty() && line[0] != ' ' && line[0] != '#' && line[0] != '\t';
    if (top) inside = line.rfind("federation:", 0) == 0;
    if (!inside) out += line;
    out += '\n';
  }
  return out;
}

} // namespace bystack::sim::federation
