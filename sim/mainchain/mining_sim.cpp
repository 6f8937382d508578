#include "sim/mainchain/mining_sim.hpp"

#include "actors/miner/attacks.hpp"
#include "runtime/crypto/modelled.hpp"
#include "runtime/ledger/wallet.hpp"
#include "sim/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <queue>
#include <unordered_map>

namespace bystack::sim::mainchain {

namespace mc = bystack::mainchain;

namespace {

/// Folds values into a 64-bit FNV-1a style trace hash.
struct trace {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void add(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
};

double exp_draw(rng64& r) {
  return -std::log(1.0 - r.uniform01());
}

/// Returns a key pair's program for a tag (modelled signatures: simulation only).
struct wallet_key {
  std::unique_ptr<crypto::signer> s;
  ledger::control_program prog;
};
wallet_key make_key(std::uint32_t tag) {
  crypto::secret_seed seed{};
  for (std::size_t i = 0; i < 4; ++i)
    seed[i] = static_cast<std::uint8_t>(tag >> (8 * i));
  seed[31] = 0x5a;
  wallet_key k;
  k.s = crypto::modelled_scheme().make_signer(seed);
  k.prog = ledger::control_program::single(k.s->pub());
  return k;
}

/// The genesis every run shares: a native asset with a block reward; `funded` gets one output.
ledger::genesis_spec make_genesis(const ledger::control_program& funded) {
  ledger::genesis_spec g;
  g.network = "mainchain-sim";
  g.block_reward = 50;
  ledger::asset_definition btm;
  btm.name = "BTM";
  btm.issuer = funded;
  g.assets = {btm};
  g.outputs = {ledger::pay(btm.id(), 1000, funded)};
  return g;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// -- the network run ---------------------------------------------------------------------------

class network_run {
public:
  network_run(const network_params& net, const run_params& run)
      : net_(net), run_(run), topo_rng_(run.seed ^ 0x746f706full), mine_rng_(run.seed),
        tie_rng_(run.seed ^ 0x746965ull) {
    build_topology();
    for (std::size_t i = 0; i < net_.nodes; ++i)
      slow_.push_back(topo_rng_.uniform01() < net_.slow_fraction ? net_.slow_factor : 1.0);
    auto funder = make_key(1'000'000);
    auto genesis = make_genesis(funder.prog);
    for (std::size_t i = 0; i < net_.nodes; ++i) {
      mc::node_config c;
      c.consensus.target_block_ms = static_cast<std::int64_t>(run_.block_interval_s * 1000);
      c.consensus.retarget_blocks = run_.retarget_blocks;
      c.genesis = genesis;
      c.peers = peers_[i];
      c.pow = &pow_;
      c.scheme = &crypto::modelled_scheme();
      c.request_timeout_ms = 60'000;
      bool attacker = run_.selfish && i == 0;
      c.tie_switch_probability = run_.selfish && !attacker ? run_.gamma : 0.0;
      c.tie_seed = tie_rng_.next();
      nodes_.push_back(std::make_unique<mc::mainchain_core>(std::move(c)));
    }
    for (std::size_t m = 0; m < net_.shares.size(); ++m) {
      keys_.push_back(make_key(static_cast<std::uint32_t>(m)));
      miner::miner_config mc_cfg;
      mc_cfg.id = static_cast<std::uint32_t>(m);
      mc_cfg.payout = keys_.back().prog;
      mc_cfg.hash_share = net_.shares[m];
      mc_cfg.block_interval_us = static_cast<std::int64_t>(run_.block_interval_s * 1e6);
      miners_.push_back(std::make_unique<miner::miner_core>(mc_cfg));
    }
    arrival_cpu_free_.assign(net_.nodes, 0);
    uplink_free_.assign(net_.nodes, 0);
    timer_due_.assign(net_.nodes, -1);
  }

  run_result go();

private:
  struct event {
    std::int64_t t;
    std::uint64_t seq;
    enum kind : std::uint8_t { deliver, arrive_block, found, timer } k;
    std::uint32_t node; // receiver, or miner for `found`
    std::uint32_t from;
    mc::effect msg;
    bool operator>(const event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  struct mined {
    mc::hash256 hash;
    std::uint64_t height;
    std::uint32_t miner;
    std::int64_t t;
    std::vector<std::int64_t> arrival; // per node, -1 until received
  };

  void build_topology();
  void push(std::int64_t t, event::kind k, std::uint32_t node, std::uint32_t from, mc::effect m) {
    queue_.push(event{t, seq_++, k, node, from, std::move(m)});
  }
  std::int64_t latency_us(std::uint32_t a, std::uint32_t b) const {
    return link_latency_us_.at(key(a, b));
  }
  static std::uint64_t key(std::uint32_t a, std::uint32_t b) {
    if (a > b) std::swap(a, b);
    return (static_cast<std::uint64_t>(a) << 32) | b;
  }
  std::uint64_t bytes_of(const mc::effect& e) const;
  void dispatch(std::uint32_t node);
  void send(std::uint32_t from, std::uint32_t to, mc::effect e);
  void handle(const event& ev);
  void run_miner_effects(std::uint32_t m);
  void attacker_check();
  void note_block(std::uint32_t node, const mc::block_ptr& b);

  network_params net_;
  run_params run_;
  rng64 topo_rng_;
  rng64 mine_rng_;
  rng64 tie_rng_;
  mc::modelled_pow pow_;
  std::vector<std::vector<mc::peer_id>> peers_;
  std::unordered_map<std::uint64_t, std::int64_t> link_latency_us_;
  std::unordered_map<std::uint64_t, double> link_bandwidth_;
  std::vector<std::unique_ptr<mc::mainchain_core>> nodes_;
  std::vector<std::unique_ptr<miner::miner_core>> miners_;
  std::vector<wallet_key> keys_;
  std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0;
  std::vector<std::int64_t> arrival_cpu_free_;
  std::vector<std::int64_t> uplink_free_;
  std::vector<std::int64_t> timer_due_;
  std::vector<double> slow_; ///< per node: 1, or slow_factor
  std::vector<mined> mined_;
  std::unordered_map<mc::hash256, std::size_t> mined_index_;
  std::vector<std::pair<std::int64_t, std::uint64_t>> node0_height_times_; // (time, height)
  miner::selfish_strategy selfish_;
  run_result res_;
  trace trace_;
};

void network_run::build_topology() {
  peers_.assign(net_.nodes, {});
  auto link = [&](std::uint32_t a, std::uint32_t b, double lat_ms, double bw) {
    if (a == b || link_latency_us_.count(key(a, b))) return;
    link_latency_us_[key(a, b)] = static_cast<std::int64_t>(lat_ms * 1000);
    link_bandwidth_[key(a, b)] = bw;
    peers_[a].push_back(b);
    peers_[b].push_back(a);
  };
  auto n = static_cast<std::uint32_t>(net_.nodes);
  // A ring first keeps the graph connected; then random links.
  for (std::uint32_t a = 0; a < n && n > 1; ++a)
    link(a, (a + 1) % n, topo_rng_.uniform(net_.latency_min_ms, net_.latency_max_ms),
         net_.bandwidth_mbps);
  if (net_.out_degree + 1 >= net_.nodes) {
    for (std::uint32_t a = 0; a < n; ++a)
      for (std::uint32_t b = a + 1; b < n; ++b)
        link(a, b, topo_rng_.uniform(net_.latency_min_ms, net_.latency_max_ms),
             net_.bandwidth_mbps);
  }
  for (std::uint32_t a = 0; a < n; ++a)
    for (std::size_t k = 1; k < net_.out_degree; ++k)
      link(a, static_cast<std::uint32_t>(topo_rng_.below(n)),
           topo_rng_.uniform(net_.latency_min_ms, net_.latency_max_ms), net_.bandwidth_mbps);
  if (net_.miners_relay)
    for (std::uint32_t a = 0; a < net_.shares.size(); ++a)
      for (std::uint32_t b = a + 1; b < net_.shares.size(); ++b) {
        if (link_latency_us_.count(key(a, b))) {
          link_latency_us_[key(a, b)] = static_cast<std::int64_t>(net_.relay_latency_ms * 1000);
          link_bandwidth_[key(a, b)] = net_.relay_bandwidth_mbps;
        } else {
          link(a, b, net_.relay_latency_ms, net_.relay_bandwidth_mbps);
        }
      }
}

std::uint64_t network_run::bytes_of(const mc::effect& e) const {
  constexpr std::uint64_t envelope = 24;
  if (auto* h = std::get_if<mc::send_headers>(&e))
    return envelope + h->headers.size() * mc::header_bytes;
  if (auto* r = std::get_if<mc::request_headers>(&e)) return envelope + r->locator.size() * 32;
  if (auto* r = std::get_if<mc::request_blocks>(&e)) return envelope + r->hashes.size() * 32;
  if (auto* b = std::get_if<mc::send_blocks>(&e))
    return envelope + b->blocks.size() * net_.block_bytes;
  if (auto* t = std::get_if<mc::send_tx>(&e)) return envelope + ledger::encoded_size(*t->tx);
  return envelope;
}

void network_run::send(std::uint32_t from, std::uint32_t to, mc::effect e) {
  ++res_.messages;
  auto bytes = bytes_of(e);
  double bw = link_bandwidth_.at(key(from, to)) / slow_[from];
  std::int64_t start = std::max(now_, uplink_free_[from]);
  std::int64_t tx_us = bw > 0 ? static_cast<std::int64_t>(static_cast<double>(bytes) * 8 / bw) : 0;
  // A relay link with its own bandwidth does not queue behind the node's ordinary uplink.
  bool relay = net_.miners_relay && from < net_.shares.size() && to < net_.shares.size();
  std::int64_t done = relay ? now_ + tx_us : start + tx_us;
  if (!relay) uplink_free_[from] = done;
  bool is_block = std::holds_alternative<mc::send_blocks>(e);
  push(done + latency_us(from, to), is_block ? event::arrive_block : event::deliver, to, from,
       std::move(e));
}

void network_run::note_block(std::uint32_t node, const mc::block_ptr& b) {
  auto it = mined_index_.find(b->hash());
  if (it == mined_index_.end()) return;
  auto& m = mined_[it->second];
  if (m.arrival[node] < 0) m.arrival[node] = now_;
}

void network_run::dispatch(std::uint32_t node) {
  auto& n = *nodes_[node];
  for (auto& e : n.take_effects()) {
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, mc::template_ready>) {
            if (x.miner < miners_.size()) miners_[x.miner]->on_template(x);
          } else if constexpr (std::is_same_v<T, mc::tip_changed>) {
            trace_.add(static_cast<std::uint64_t>(now_));
            trace_.add(node);
            trace_.add(x.tip.prefix64());
            if (x.disconnected > 0) {
              ++res_.reorgs;
              if (res_.reorg_depths.size() <= x.disconnected)
                res_.reorg_depths.resize(x.disconnected + 1, 0);
              ++res_.reorg_depths[x.disconnected];
            }
            if (node == 0) node0_height_times_.emplace_back(now_, x.height);
          } else if constexpr (std::is_same_v<T, mc::set_timer>) {
            auto due = now_ + x.delay_ms * 1000;
            if (timer_due_[node] < now_ || timer_due_[node] > due) {
              timer_due_[node] = due;
              push(due, event::timer, node, node, mc::effect{});
            }
          } else if constexpr (std::is_same_v<T, mc::rejected>) {
            ++res_.rejected;
          } else {
            send(node, x.to, std::move(e));
          }
        },
        e);
  }
}

void network_run::attacker_check() {
  if (!run_.selfish) return;
  auto& a = *nodes_[0];
  if (a.public_height() <= selfish_.public_height()) return;
  if (auto up_to = selfish_.on_public_block(a.public_height(), a.height()))
    a.publish(a.hash_at(std::min(*up_to, a.height())));
}

void network_run::run_miner_effects(std::uint32_t m) {
  auto& node = *nodes_[m];
  for (auto& e : miners_[m]->take_effects()) {
    if (auto* r = std::get_if<miner::request_template>(&e)) {
      node.on_template_request(r->miner, miners_[m]->config().payout, now_ / 1000);
    } else if (auto* f = std::get_if<miner::found_timer>(&e)) {
      push(now_ + f->delay_us, event::found, m, m, mc::effect{});
    } else if (auto* s = std::get_if<miner::submit_block>(&e)) {
      const auto& b = s->blk;
      mined_index_.emplace(b->hash(), mined_.size());
      mined_.push_back(
          {b->hash(), b->hdr().height, m, now_, std::vector<std::int64_t>(net_.nodes, -1)});
      mined_.back().arrival[m] = now_;
      trace_.add(b->hash().prefix64());
      bool withhold = run_.selfish && m == 0;
      node.on_block_mined(b, now_ / 1000, !withhold);
      if (withhold) {
        if (auto up_to = selfish_.on_own_block(b->hdr().height))
          node.publish(node.hash_at(std::min(*up_to, node.height())));
      }
    }
    dispatch(m);
  }
}

void network_run::handle(const event& ev) {
  auto& n = *nodes_[ev.node];
  auto now_ms = now_ / 1000;
  switch (ev.k) {
  case event::found:
    miners_[ev.node]->on_found(now_, exp_draw(mine_rng_));
    run_miner_effects(ev.node);
    return;
  case event::timer:
    if (timer_due_[ev.node] != now_) return; // superseded
    timer_due_[ev.node] = -1;
    n.on_timer(now_ms);
    break;
  case event::arrive_block: {
    // The receiver validates one block at a time.
    auto per_block = static_cast<std::int64_t>(net_.validate_ms_per_mb *
                                               static_cast<double>(net_.block_bytes) / 1e6 * 1000);
    auto& x = std::get<mc::send_blocks>(ev.msg);
    per_block = static_cast<std::int64_t>(static_cast<double>(per_block) * slow_[ev.node]);
    auto ready = std::max(now_, arrival_cpu_free_[ev.node]) +
                 per_block * static_cast<std::int64_t>(x.blocks.size());
    arrival_cpu_free_[ev.node] = ready;
    push(ready, event::deliver, ev.node, ev.from, ev.msg);
    return;
  }
  case event::deliver:
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, mc::send_headers>) {
            n.on_headers(ev.from, x.headers, now_ms);
          } else if constexpr (std::is_same_v<T, mc::request_headers>) {
            n.on_request_headers(ev.from, x.locator);
          } else if constexpr (std::is_same_v<T, mc::request_blocks>) {
            n.on_request_blocks(ev.from, x.hashes);
          } else if constexpr (std::is_same_v<T, mc::send_blocks>) {
            for (const auto& b : x.blocks) {
              note_block(ev.node, b);
              n.on_block(ev.from, b, now_ms);
            }
          } else if constexpr (std::is_same_v<T, mc::send_tx>) {
            n.on_tx(ev.from, x.tx, now_ms);
          }
        },
        ev.msg);
    break;
  }
  if (ev.node == 0) attacker_check();
  dispatch(ev.node);
}

run_result network_run::go() {
  res_.seed = run_.seed;
  for (std::uint32_t m = 0; m < miners_.size(); ++m) {
    miners_[m]->start(0, exp_draw(mine_rng_));
    run_miner_effects(m);
  }
  while (!queue_.empty() && mined_.size() < run_.blocks) {
    auto ev = queue_.top();
    queue_.pop();
    now_ = ev.t;
    handle(ev);
  }
  // Let the last blocks propagate (no more mining) so that every node settles.
  while (!queue_.empty()) {
    auto ev = queue_.top();
    queue_.pop();
    if (ev.k == event::found) continue;
    now_ = ev.t;
    handle(ev);
  }
  if (run_.selfish) {
    // Publish whatever the pool still withholds, as the end of the game.
    auto& a = *nodes_[0];
    a.publish(a.tip_hash());
    dispatch(0);
    while (!queue_.empty()) {
      auto ev = queue_.top();
      queue_.pop();
      if (ev.k == event::found) continue;
      now_ = ev.t;
      handle(ev);
    }
  }
  res_.sim_seconds = static_cast<double>(now_) / 1e6;
  res_.mined = mined_.size();
  // The reference chain: node 0's, or the first honest node's in a selfish run.
  const auto& ref = *nodes_[run_.selfish && nodes_.size() > 1 ? 1 : 0];
  res_.final_height = ref.height();
  // Heights within the last few blocks may still change; leave them out.
  std::uint64_t settled = ref.height() > 6 ? ref.height() - 6 : 0;
  std::vector<double> prop;
  double miner_delay_sum = 0;
  std::uint64_t miner_delay_n = 0;
  std::vector<double> c1;
  std::vector<double> c6;
  for (const auto& m : mined_) {
    if (m.height > settled) continue;
    ++res_.counted;
    bool main = ref.hash_at(m.height) == m.hash;
    if (!main) {
      ++res_.stale;
      continue;
    }
    ++res_.main_blocks;
    if (m.miner == 0) ++res_.attacker_blocks;
    double wsum = 0;
    for (std::size_t i = 0; i < net_.nodes; ++i) {
      if (i == m.miner || m.arrival[i] < 0) continue;
      double d = static_cast<double>(m.arrival[i] - m.t) / 1e6;
      prop.push_back(d);
      if (i < net_.shares.size()) wsum += net_.shares[i] * d;
    }
    miner_delay_sum += wsum;
    ++miner_delay_n;
    if (m.arrival[0] >= 0) c1.push_back(static_cast<double>(m.arrival[0] - m.t) / 1e6);
    // Node 0 holds 5 blocks on top once its best chain first reaches height + 5 (after m).
    auto it = std::lower_bound(node0_height_times_.begin(), node0_height_times_.end(),
                               std::make_pair(m.t, std::uint64_t{0}));
    for (; it != node0_height_times_.end(); ++it)
      if (it->second >= m.height + 5) {
        c6.push_back(static_cast<double>(it->first - m.t) / 1e6);
        break;
      }
  }
  res_.propagation_p50_s = percentile(prop, 0.5);
  res_.propagation_p90_s = percentile(prop, 0.9);
  double s = 0;
  for (double d : prop)
    s += d;
  res_.propagation_mean_s = prop.empty() ? 0 : s / static_cast<double>(prop.size());
  res_.miner_delay_s = miner_delay_n ? miner_delay_sum / static_cast<double>(miner_delay_n) : 0;
  res_.confirm1_p50_s = percentile(c1, 0.5);
  res_.confirm6_p50_s = percentile(c6, 0.5);
  res_.confirm6_p90_s = percentile(c6, 0.9);
  trace_.add(res_.stale);
  trace_.add(ref.tip_hash().prefix64());
  res_.trace_hash = trace_.h;
  return res_;
}

} // namespace

run_result run_network(const network_params& net, const run_params& run) {
  network_run r(net, run);
  return r.go();
}

// -- double spend ------------------------------------------------------------------------------

double_spend_result run_double_spend(const double_spend_params& p) {
  double_spend_result res;
  rng64 rng(p.seed);
  trace tr;
  mc::modelled_pow pow;
  auto attacker = make_key(1);
  auto merchant = make_key(2);
  auto attacker2 = make_key(3);
  auto honest_payout = make_key(4);
  auto genesis = make_genesis(attacker.prog);
  auto params = ledger::params_of(genesis);
  auto coin = ledger::output_id(ledger::genesis_txid(genesis), 0, genesis.outputs[0]);
  auto spend_to = [&](const ledger::control_program& to) {
    ledger::tx t;
    t.chain = params.chain;
    t.inputs.push_back(ledger::spend_of(coin));
    t.outputs.push_back(ledger::pay(params.native, 1000, to));
    ledger::sign_input(t, 0, attacker.prog, *attacker.s);
    return std::make_shared<const ledger::tx>(std::move(t));
  };
  auto payment = spend_to(merchant.prog);
  auto conflict = spend_to(attacker2.prog);
  auto conflict_out = ledger::output_id(conflict->id(), 0, conflict->outputs[0]);
  const mc::peer_id honest_id = 0;
  const mc::peer_id attacker_id = 1;
  const std::int64_t interval_us = 600'000'000;

  for (std::uint64_t trial = 0; trial < p.trials; ++trial) {
    auto config = [&](mc::peer_id peer) {
      mc::node_config c;
      c.consensus.target_block_ms = interval_us / 1000;
      c.consensus.retarget_blocks = 1ull << 40; // work = length, as in the paper's model
      c.genesis = genesis;
      c.peers = {peer};
      c.pow = &pow;
      c.scheme = &crypto::modelled_scheme();
      return c;
    };
    mc::mainchain_core honest(config(attacker_id));
    mc::mainchain_core evil(config(honest_id));
    evil.on_tx(mc::self_peer, conflict, 0);
    miner::miner_core hm({0, honest_payout.prog, 1.0 - p.q, interval_us});
    miner::miner_core am({1, attacker.prog, p.q, interval_us});
    honest.on_template_request(0, honest_payout.prog, 0);
    evil.on_template_request(1, attacker.prog, 0);
    auto feed_templates = [](mc::mainchain_core& n, miner::miner_core& m) {
      for (auto& e : n.take_effects())
        if (auto* t = std::get_if<mc::template_ready>(&e)) m.on_template(*t);
    };
    feed_templates(honest, hm);
    feed_templates(evil, am);
    // The attacker pre-mines one block of its branch (holding the conflicting spend) before it
    // pays, as Rosenfeld's analysis and the catch-up term of Nakamoto's formula assume.
    am.on_found(0, 1.0);
    for (auto& e : am.take_effects())
      if (auto* s = std::get_if<miner::submit_block>(&e)) {
        ++res.blocks;
        evil.on_block_mined(s->blk, 0, false);
      }
    feed_templates(evil, am);
    honest.on_tx(mc::self_peer, payment, 0);
    feed_templates(honest, hm);
    // Both Poisson clocks; by memorylessness each block goes to the honest side with p.
    std::int64_t t_h = 1000 + hm.delay_us(-std::log(1.0 - rng.uniform01()));
    std::int64_t t_a = 1000 + am.delay_us(-std::log(1.0 - rng.uniform01()));
    miner::double_spend_strategy strategy(0, p.z, p.give_up_deficit);
    bool done = false;
    bool success = false;
    while (!done) {
      bool honest_turn = t_h <= t_a;
      auto now = honest_turn ? t_h : t_a;
      auto& m = honest_turn ? hm : am;
      auto& n = honest_turn ? honest : evil;
      m.on_found(now, -std::log(1.0 - rng.uniform01()));
      for (auto& e : m.take_effects()) {
        if (auto* f = std::get_if<miner::found_timer>(&e))
          (honest_turn ? t_h : t_a) = now + f->delay_us;
        if (auto* s = std::get_if<miner::submit_block>(&e)) {
          ++res.blocks;
          n.on_block_mined(s->blk, now / 1000, honest_turn);
        }
      }
      feed_templates(n, m); // announcements are dropped: the attacker's branch stays private
      switch (strategy.decide(honest.height(), evil.height())) {
      case miner::double_spend_strategy::verdict::mine_on:
        break;
      case miner::double_spend_strategy::verdict::give_up:
        done = true;
        break;
      case miner::double_spend_strategy::verdict::publish: {
        done = true;
        evil.publish(evil.tip_hash());
        // Carry messages between the two nodes until quiet.
        for (bool busy = true; busy;) {
          busy = false;
          for (auto* from : {&evil, &honest}) {
            auto from_id = from == &evil ? attacker_id : honest_id;
            auto* to = from == &evil ? &honest : &evil;
            for (auto& e : from->take_effects()) {
              busy = true;
              if (auto* h = std::get_if<mc::send_headers>(&e))
                to->on_headers(from_id, h->headers, now / 1000);
              else if (auto* r = std::get_if<mc::request_headers>(&e))
                to->on_request_headers(from_id, r->locator);
              else if (auto* rb = std::get_if<mc::request_blocks>(&e))
                to->on_request_blocks(from_id, rb->hashes);
              else if (auto* sb = std::get_if<mc::send_blocks>(&e))
                for (const auto& b : sb->blocks)
                  to->on_block(from_id, b, now / 1000);
            }
          }
        }
        success = honest.state().find(conflict_out) != nullptr;
        res.max_reorg_depth = std::max(res.max_reorg_depth, honest.stats().max_reorg_depth);
        break;
      }
      }
    }
    ++res.trials;
    if (success) ++res.successes;
    tr.add(success ? trial : ~trial);
    tr.add(honest.tip_hash().prefix64());
  }
  res.trace_hash = tr.h;
  return res;
}

std::string hex64(std::uint64_t x) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

} // namespace bystack::sim::mainchain
