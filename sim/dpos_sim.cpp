#include "sim/dpos_sim.hpp"

#include "actors/common/epochs.hpp"
#include "actors/node/node_core.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/crypto/modelled.hpp"
#include "runtime/ledger/butxo_app.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/wallet.hpp"
#include "sim/ledger_sim.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <queue>
#include <set>

namespace bystack::sim {

namespace ld = bystack::ledger::dpos;

result<dpos_config> load_dpos_config(const std::filesystem::path& file) {
  auto doc = config::yaml_document::load(file);
  if (!doc) return doc.err();
  try {
    dpos_config c;
    auto root = doc->root();
    c.name = root.optional<std::string>("name", "dpos");
    c.seed = root.optional<std::uint64_t>("seed", 7);
    c.candidates = static_cast<std::uint32_t>(root.optional_int("candidates", 200, 4, 5000));
    c.seats = static_cast<std::uint32_t>(root.optional_int("seats", 21, 4, 1000));
    c.supers = static_cast<std::uint32_t>(root.optional_int("supers", 5, 1, 1000));
    c.epoch_blocks =
        static_cast<std::uint64_t>(root.optional_int("epoch_blocks", 20, 4, 1'000'000));
    c.epochs = static_cast<std::uint32_t>(root.optional_int("epochs", 8, 3, 10'000));
    c.voters = static_cast<std::uint32_t>(root.optional_int("voters", 3000, 1, 1'000'000));
    c.vote_lock_blocks =
        static_cast<std::uint64_t>(root.optional_int("vote_lock_blocks", 5, 0, 1'000'000));
    c.shifts_per_epoch =
        static_cast<std::uint32_t>(root.optional_int("shifts_per_epoch", 2, 0, 1000));
    c.shift_share = root.optional_double("shift_share", 0.05, 0, 1);
    c.popularity_drift = root.optional_double("popularity_drift", 0.5, 0, 10);
    c.policy = root.optional_choice("policy", "stake", {"stake", "delay"});
    c.max_group = static_cast<std::uint32_t>(root.optional_int("max_group", 0, 0, 1000));
    c.block_interval_us =
        static_cast<std::int64_t>(root.optional_double("block_interval_ms", 500, 1, 1e6) * 1000);
    c.view_timeout_us =
        static_cast<std::int64_t>(root.optional_double("view_timeout_ms", 4000, 1, 1e7) * 1000);
    c.group_wait_us =
        static_cast<std::int64_t>(root.optional_double("group_wait_ms", 1000, 1, 1e7) * 1000);
    c.max_sim_seconds = root.optional_double("max_sim_seconds", 600, 1, 1e7);
    auto net = root.optional<std::string>("network_from", "scenarios/default.yaml");
    if (auto crash = root.optional_map("crash")) {
      auto nodes = crash->list("nodes");
      for (std::size_t i = 0; i < nodes.size(); ++i)
        c.crash.push_back(nodes.at<std::uint32_t>(i));
      c.crash_at_s = crash->optional_double("at_s", 0, 0, 1e7);
      crash->finish();
    }
    if (auto rw = root.optional_map("rewards")) {
      c.rewards = true;
      c.block_reward =
          static_cast<std::uint64_t>(rw->optional_int("block_reward", 1000, 0, 1'000'000'000));
      c.producer_share_pct =
          static_cast<std::uint32_t>(rw->optional_int("producer_share_pct", 30, 0, 100));
      c.min_voter_payout =
          static_cast<std::uint64_t>(rw->optional_int("min_voter_payout", 1, 1, 1'000'000'000));
      c.vote_fee = static_cast<std::uint64_t>(rw->optional_int("vote_fee", 0, 0, 1'000'000));
      rw->finish();
    }
    {
      auto fl = root.list("faults");
      for (std::size_t i = 0; i < fl.size(); ++i) {
        auto m = fl.map_at(i);
        dpos_config::fault f;
        f.kind =
            m.optional_choice("kind", "crash", {"crash", "isolate", "partition", "equivocate"});
        auto nodes = m.list("nodes", true);
        for (std::size_t k = 0; k < nodes.size(); ++k)
          f.nodes.push_back(nodes.at<std::uint32_t>(k));
        f.at_s = m.optional_double("at_s", 0, 0, 1e7);
        if (m.has("until_s")) f.until_s = m.optional_double("until_s", 0, f.at_s, 1e7);
        for (auto nd : f.nodes)
          if (nd >= c.candidates) fl.fail(i, "node " + std::to_string(nd) + " is no candidate");
        if (f.kind == "crash" && f.until_s) fl.fail(i, "a crash is for good (no until_s)");
        c.faults.push_back(std::move(f));
      }
    }
    if (root.has("regions")) {
      // An inline network (generated schedules): region names, the RTT matrix in ms row by row
      // (k x k numbers), jitter; network_from is then unused.
      auto names = root.list("regions", true);
      for (std::size_t i = 0; i < names.size(); ++i)
        c.regions.push_back(names.at<std::string>(i));
      auto flat = root.list("rtt_ms", true);
      const auto k = c.regions.size();
      if (k == 0 || flat.size() != k * k) root.fail("rtt_ms", "needs regions x regions numbers");
      c.rtt_ms.assign(k, std::vector<double>(k, 0));
      for (std::size_t i = 0; i < k * k; ++i) {
        auto v = flat.at<double>(i);
        if (!(v >= 0 && v < 1e5)) flat.fail(i, "an RTT in ms, 0..100000");
        c.rtt_ms[i / k][i % k] = v;
      }
      c.jitter_ms = root.optional_double("jitter_ms", 1, 0, 1000);
    }
    root.finish();
    if (c.seats > c.candidates) root.fail("seats", "more seats than candidates");
    if (!c.regions.empty()) return c;
    for (auto n : c.crash)
      if (n >= c.candidates) root.fail("crash", "node " + std::to_string(n) + " is no candidate");
    auto path = std::filesystem::path(net);
    if (path.is_relative() && !std::filesystem::exists(path))
      path = file.parent_path() / ".." / path;
    auto s = load_scenario(path);
    if (!s) return make_error(file.string() + ": network_from: " + s.err().message);
    const auto& l = s->network.latency;
    if (l.model != latency_model::kind::regions)
      return make_error(file.string() + ": network_from: needs a regions latency model");
    c.regions = l.region_names;
    c.rtt_ms = l.rtt_ms;
    c.jitter_ms = l.jitter_ms;
    return c;
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

namespace {

crypto::secret_seed seed_for(std::uint64_t seed, std::uint32_t kind, std::uint32_t i) {
  crypto::secret_seed s{};
  for (int k = 0; k < 8; ++k) {
    s[k] = static_cast<std::uint8_t>(seed >> (8 * k));
    s[8 + k] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(i) >> (8 * k));
  }
  s[16] = static_cast<std::uint8_t>(kind);
  s[31] = 0x5d;
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct voter {
  std::unique_ptr<crypto::signer> signer;
  ledger::control_program prog;
  crypto::hash256 genesis_out;
  std::uint64_t stake = 0;
  crypto::hash256 vote;     ///< the vote output in force (zero: none yet)
  crypto::hash256 proposed; ///< a vote submitted but not seen committed yet
  std::uint64_t proposed_amount = 0;
  std::uint32_t candidate = 0;
};

} // namespace

std::string check_reward_conservation(const std::vector<dpos_block_reward>& blocks,
                                      std::uint64_t block_reward) {
  std::uint64_t issued = 0, fees = 0, paid = 0;
  for (const auto& b : blocks) {
    if (b.to_producer + b.to_voters != b.issued)
      return "height " + std::to_string(b.height) + ": coinbase outputs " +
             std::to_string(b.to_producer + b.to_voters) + " != issued " + std::to_string(b.issued);
    if (b.issued != block_reward + b.fees)
      return "height " + std::to_string(b.height) + ": issued " + std::to_string(b.issued) +
             " != reward " + std::to_string(block_reward) + " + fees " + std::to_string(b.fees);
    issued += b.issued;
    fees += b.fees;
    paid += b.to_producer + b.to_voters;
  }
  if (issued != block_reward * blocks.size() + fees || paid != issued)
    return "issued " + std::to_string(issued) + " != reward x " + std::to_string(blocks.size()) +
           " blocks + fees " + std::to_string(fees);
  return {};
}

dpos_result run_dpos(const dpos_config& cfg) {
  dpos_result res;
  res.cfg = cfg;
  rng64 rng(cfg.seed);
  const auto& scheme = crypto::modelled_scheme();
  auto certs = crypto::make_signature_list_scheme(scheme);
  const std::uint32_t n = cfg.candidates;
  const auto regions = static_cast<std::uint32_t>(cfg.regions.size());
  auto region_of = [&](std::uint32_t node) { return node % regions; };

  // Keys of the candidate nodes (the universe) and of the voters.
  std::vector<crypto::public_key> keys;
  for (std::uint32_t i = 0; i < n; ++i)
    keys.push_back(scheme.make_signer(seed_for(cfg.seed, 1, i))->pub());
  auto universe = std::make_shared<const crypto::validator_set>(keys);
  std::vector<voter> voters(cfg.voters);

  // Genesis: a deposit for every candidate, stakes between 1,000 and 100,000 for the voters.
  ledger::genesis_spec g;
  g.network = "bystack-dpos-sim";
  if (cfg.rewards) g.block_reward = cfg.block_reward;
  ledger::asset_definition btm;
  btm.name = "BTM";
  btm.issuer = ledger::control_program::single(keys[0]);
  g.assets = {btm};
  const auto native = btm.id();
  const std::uint64_t deposit = 1000;
  for (std::uint32_t i = 0; i < n; ++i)
    g.outputs.push_back(ledger::pay(native, deposit, ledger::control_program::single(keys[i])));
  for (std::uint32_t v = 0; v < cfg.voters; ++v) {
    auto& w = voters[v];
    w.signer = scheme.make_signer(seed_for(cfg.seed, 2, v));
    w.prog = ledger::control_program::single(w.signer->pub());
    w.stake = static_cast<std::uint64_t>(1000 * std::pow(10.0, 2 * rng.uniform01()));
    g.outputs.push_back(ledger::pay(native, w.stake, w.prog));
  }
  auto gtx = ledger::genesis_txid(g);
  for (std::uint32_t v = 0; v < cfg.voters; ++v)
    voters[v].genesis_out = ledger::output_id(gtx, n + v, g.outputs[n + v]);
  auto state = ledger::genesis_state(g);
  if (!state) {
    res.rejected["genesis: " + state.err().message] = 1;
    return res;
  }
  auto params = ledger::params_of(g);
  ld::dpos_rules rules(native, ld::dpos_params{cfg.vote_lock_blocks, 1, deposit});

  // Election and super-node policy.
  ld::election_params ep;
  ep.epoch_blocks = cfg.epoch_blocks;
  ep.consensus_size = cfg.seats;
  ep.min_size = std::max<std::uint32_t>(4, cfg.seats / 2);
  ld::elected_set genesis_set;
  for (std::uint32_t i = 0; i < cfg.seats; ++i)
    genesis_set.members.push_back(
        ld::member{{}, keys[i], "node-" + std::to_string(i), cfg.regions[region_of(i)], 0});
  std::map<std::string, std::uint32_t> region_index;
  for (std::uint32_t r = 0; r < regions; ++r)
    region_index[cfg.regions[r]] = r;
  auto delay = [&](const ld::member& a, const ld::member& b) {
    auto ia = region_index.count(a.region) ? region_index[a.region] : 0;
    auto ib = region_index.count(b.region) ? region_index[b.region] : 0;
    return cfg.rtt_ms[ia][ib] * 500.0; // one way, in microseconds
  };
  auto policy = cfg.policy == "delay" ? ld::stake_and_delay(cfg.supers, delay, cfg.max_group)
                                      : ld::stake_only(cfg.supers);

  // Nodes: each with its own ledger application and election provider.
  shared_validations memo;
  std::vector<std::unique_ptr<bbft::election_provider>> providers;
  std::vector<std::unique_ptr<ledger::butxo_app>> apps;
  std::vector<std::unique_ptr<bbft::node_core>> cores;
  // Per canonical height, from the first node that commits it: (issued, fees) of its delta.
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> delta_at;
  bbft::params pp;
  pp.view_timeout_us = cfg.view_timeout_us;
  pp.max_view_timeout_us = cfg.view_timeout_us * 8;
  pp.group_wait_us = cfg.group_wait_us;
  pp.block_interval_us = cfg.block_interval_us;
  pp.sync_retry_us = 1'000'000;
  for (std::uint32_t i = 0; i < n; ++i) {
    providers.push_back(
        std::make_unique<bbft::election_provider>(ep, policy, universe, genesis_set));
    ledger::butxo_options o;
    o.params = params;
    o.ext = &rules;
    o.genesis_block = bbft::genesis_block()->hash();
    o.memo = &memo;
    o.on_commit = [p = providers.back().get(), &delta_at, native](const ledger::block_delta& d,
                                                                  std::uint64_t h) {
      p->on_commit(d, h);
      if (delta_at.count(h)) return;
      std::uint64_t issued = 0, fees = 0;
      for (const auto& [a, x] : d.issued)
        if (a == native) issued += x;
      for (const auto& [a, x] : d.retired)
        if (a == native) fees += x;
      delta_at[h] = {issued, fees};
    };
    // The proposers of committed blocks, in commit order and before the election that a
    // block's commit may run (super-node demotion), the same on every node however its commits
    // are batched (a node catching up commits many at once).
    o.on_commit_header = [p = providers.back().get()](const ledger::block_header& h) {
      p->note_proposer(h.height, h.proposer);
    };
    if (cfg.rewards) {
      ledger::butxo_options::reward_split rs;
      rs.params = ledger::rewards::reward_params{cfg.producer_share_pct, cfg.min_voter_payout};
      rs.self = i;
      rs.producer_key = [&keys](std::uint32_t p) -> std::optional<crypto::public_key> {
        if (p >= keys.size()) return std::nullopt;
        return keys[p];
      };
      o.rewards = rs;
    }
    apps.push_back(std::make_unique<ledger::butxo_app>(std::move(o), *state, scheme));
    bbft::core_config cc;
    cc.me = i;
    cc.topo = providers.back()->set_of(0)->topo();
    cc.validators = universe;
    cc.certs = certs.get();
    cc.signer = scheme.make_signer(seed_for(cfg.seed, 1, i));
    cc.p = pp;
    cc.app = apps.back().get();
    cc.sets = providers.back().get();
    cores.push_back(std::make_unique<bbft::node_core>(std::move(cc)));
  }

  // The event loop.
  struct event {
    std::int64_t t;
    std::uint64_t seq;
    std::uint32_t node;
    std::uint32_t from;
    bbft::msg_ptr msg; // null: a timer
    bbft::timer_kind kind;
    std::uint64_t view;
    std::uint64_t token;
    bool operator>(const event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  std::priority_queue<event, std::vector<event>, std::greater<>> queue;
  std::uint64_t seq = 0;
  std::vector<std::array<std::uint64_t, bbft::timer_kind_count>> tokens(n);
  std::set<std::uint32_t> down;
  auto in_window = [](const dpos_config::fault& f, std::int64_t t) {
    return t >= static_cast<std::int64_t>(f.at_s * 1e6) &&
           (!f.until_s || t < static_cast<std::int64_t>(*f.until_s * 1e6));
  };
  auto lists = [](const std::vector<std::uint32_t>& v, std::uint32_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  // Whether a message from a to b sent or delivered at t is lost to a link fault.
  auto cut = [&](std::uint32_t a, std::uint32_t b, std::int64_t t) {
    for (const auto& f : cfg.faults) {
      if (!in_window(f, t)) continue;
      if (f.kind == "isolate" && (lists(f.nodes, a) || lists(f.nodes, b))) return true;
      if (f.kind == "partition" && lists(f.nodes, a) != lists(f.nodes, b)) return true;
    }
    return false;
  };
  auto equivocates = [&](std::uint32_t a, std::int64_t t) {
    for (const auto& f : cfg.faults)
      if (f.kind == "equivocate" && in_window(f, t) && lists(f.nodes, a)) return true;
    return false;
  };
  std::vector<std::unique_ptr<crypto::signer>> byz_signers(n);
  // Byzantine nodes (equivocators) are not judged by the liveness checker.
  std::set<std::uint32_t> byzantine;
  for (const auto& f : cfg.faults)
    if (f.kind == "equivocate") byzantine.insert(f.nodes.begin(), f.nodes.end());
  std::unordered_map<crypto::hash256, std::int64_t> proposed_at;
  std::map<std::uint64_t, crypto::hash256> canonical;
  std::map<std::uint64_t, std::int64_t> first_commit;
  std::vector<std::map<std::uint64_t, std::int64_t>> commit_at(n);
  std::vector<std::uint64_t> height(n, 0);
  std::uint64_t top = 0; // highest height committed anywhere
  std::uint32_t top_node = 0;
  std::int64_t now = 0;
  // The trace hash: every handled event (time, node, sender, message kind or timer) and every
  // commit (node, height, block id), in the loop's order, so the same config and seed give the
  // same hash and a change to the protocol, the workload or the network model shows.
  std::uint64_t trace = 0xcbf29ce484222325ULL ^ cfg.seed;
  auto mix = [&trace](std::uint64_t x) {
    trace ^= x + 0x9e3779b97f4a7c15ULL + (trace << 6) + (trace >> 2);
    trace *= 0x100000001b3ULL;
  };
  auto link_us = [&](std::uint32_t a, std::uint32_t b) {
    double ms =
        cfg.rtt_ms[region_of(a)][region_of(b)] / 2 + rng.uniform(-cfg.jitter_ms, cfg.jitter_ms);
    return static_cast<std::int64_t>(std::max(0.05, ms) * 1000);
  };
  std::function<void(std::uint32_t, std::int64_t)> pump = [&](std::uint32_t i, std::int64_t t) {
    for (auto& e : cores[i]->take_effects()) {
      if (auto* s = std::get_if<bbft::send_effect>(&e)) {
        const auto* p = std::get_if<proto::proposal>(s->msg.get());
        if (p) proposed_at.try_emplace(p->block->hash(), t);
        if (p && p->leader == i && s->to.size() > 1 && equivocates(i, t)) {
          // Half of the receivers get another block for the same height and view, signed by
          // the leader: both are valid on their own.
          auto other = *p->block;
          other.header.timestamp_ms += 1;
          auto p2 = *p;
          p2.block = std::make_shared<const ledger::block>(std::move(other));
          if (!byz_signers[i]) byz_signers[i] = scheme.make_signer(seed_for(cfg.seed, 1, i));
          p2.signature = byz_signers[i]->sign(proto::proposal_digest(
              p2.block->header.height, p2.block->header.view, p2.block->hash()));
          auto m2 = std::make_shared<const proto::message>(std::move(p2));
          ++res.equivocations;
          for (std::size_t k = 0; k < s->to.size(); ++k)
            queue.push(
                event{t + link_us(i, s->to[k]), seq++, s->to[k], i, k % 2 ? m2 : s->msg, {}, 0, 0});
          continue;
        }
        for (auto to : s->to)
          queue.push(event{t + link_us(i, to), seq++, to, i, s->msg, {}, 0, 0});
      } else if (auto* tm = std::get_if<bbft::timer_effect>(&e)) {
        auto token = ++tokens[i][static_cast<std::size_t>(tm->kind)];
        queue.push(event{t + tm->delay_us, seq++, i, i, nullptr, tm->kind, tm->view, token});
      } else if (auto* c = std::get_if<bbft::commit_effect>(&e)) {
        auto h = c->block->header.height;
        auto hash = c->block->hash();
        auto [it, fresh] = canonical.try_emplace(h, hash);
        if (!fresh && it->second != hash) ++res.safety_violations;
        if (fresh) {
          first_commit[h] = t;
          res.txs_committed += c->block->txs.size();
          if (cfg.rewards) {
            dpos_block_reward br;
            br.height = h;
            br.proposer = c->block->header.proposer;
            auto producer = br.proposer < keys.size()
                                ? ledger::control_program::single(keys[br.proposer])
                                : ledger::control_program{};
            if (!c->block->txs.empty())
              if (auto cb = ledger::unwrap(c->block->txs[0]);
                  cb && cb->inputs.size() == 1 &&
                  cb->inputs[0].kind == ledger::input_kind::coinbase)
                for (const auto& o : cb->outputs) {
                  if (o.asset != native) continue;
                  if (o.owner == producer) {
                    br.to_producer += o.amount;
                  } else {
                    br.to_voters += o.amount;
                    ++br.voter_outputs;
                  }
                }
            res.block_rewards.push_back(br);
          }
        }
        mix(0xc0ULL ^ (static_cast<std::uint64_t>(i) << 8));
        mix(h);
        mix(hash.prefix64());
        commit_at[i][h] = t;
        height[i] = h;
        if (h > top) {
          top = h;
          top_node = i;
        }
      } else if (auto* r = std::get_if<bbft::reject_effect>(&e)) {
        ++res.rejected[r->reason];
      }
    }
  };

  // The voting workload: registrations first, then every voter's vote, then rounds of moves.
  std::vector<double> appeal(n);
  for (auto& a : appeal)
    a = std::exp(rng.normal(0, 1));
  auto pick_candidate = [&] {
    double total = 0;
    for (auto a : appeal)
      total += a;
    double x = rng.uniform(0, total);
    for (std::uint32_t c = 0; c < n; ++c) {
      x -= appeal[c];
      if (x <= 0) return c;
    }
    return n - 1;
  };
  std::vector<crypto::hash256> reg_ids(n);
  auto submit = [&](std::vector<ledger::tx> txs, std::int64_t t) {
    if (txs.empty()) return;
    std::vector<ledger::transaction> wrapped;
    for (const auto& x : txs)
      wrapped.push_back(ledger::wrap(x));
    // To the super nodes of the set deciding next (they forward to the next leaders).
    auto ref = top_node;
    auto s = providers[ref]->set_of(providers[ref]->epoch_of(height[ref] + 1));
    for (auto sn : s->topo()->supers())
      if (!down.count(sn)) {
        std::vector<ledger::app_verdict> verdicts;
        cores[sn]->submit(wrapped, t, &verdicts);
        for (const auto& v : verdicts)
          if (!v.ok())
            ++res.rejected[std::string("submit: ") + v.reason + " " + v.detail.substr(0, 60)];
        pump(sn, t);
      }
  };
  {
    std::vector<ledger::tx> regs;
    for (std::uint32_t i = 0; i < n; ++i) {
      ledger::tx t;
      t.chain = params.chain;
      t.inputs.push_back(ledger::spend_of(ledger::output_id(gtx, i, g.outputs[i])));
      ld::registration r{keys[i], "node-" + std::to_string(i) + ":7000", cfg.regions[region_of(i)]};
      t.outputs.push_back(ld::make_registration(native, deposit, r));
      auto signer = scheme.make_signer(seed_for(cfg.seed, 1, i));
      ledger::sign_input(t, 0, ledger::control_program::single(keys[i]), *signer);
      reg_ids[i] = ledger::output_id(t.id(), 0, t.outputs[0]);
      regs.push_back(std::move(t));
    }
    res.registrations = regs.size();
    for (std::uint32_t i = 0; i < n; ++i) {
      cores[i]->start(0);
      pump(i, 0);
    }
    submit(std::move(regs), 0);
  }
  bool voted = false;
  std::uint64_t driven = 0; // last canonical height the workload reacted to
  auto vote_tx = [&](voter& w, bool veto) {
    ledger::tx t;
    t.chain = params.chain;
    t.inputs.push_back(veto ? ld::make_veto(w.vote) : ledger::spend_of(w.genesis_out));
    auto c = pick_candidate();
    // With rewards, every vote pays vote_fee (while the stake covers it): fees to split.
    auto fee = cfg.vote_fee < w.stake ? cfg.vote_fee : 0;
    w.proposed_amount = w.stake - fee;
    t.outputs.push_back(ld::make_vote(native, w.proposed_amount, reg_ids[c], w.prog));
    ledger::sign_input(t, 0, w.prog, *w.signer);
    w.proposed = ledger::output_id(t.id(), 0, t.outputs[0]);
    w.candidate = c;
    return t;
  };
  auto drive = [&](std::int64_t t) {
    // React once per new canonical height, on the state of the most advanced node.
    if (top <= driven) return;
    auto ref = top_node;
    auto h = top;
    driven = h;
    const auto& st = apps[ref]->state();
    for (auto& w : voters)
      if (!w.proposed.is_zero() && st.find(w.proposed)) {
        w.vote = w.proposed;
        w.stake = w.proposed_amount;
        w.proposed = {};
      }
    if (h % cfg.epoch_blocks == 1 && h > 1)
      for (auto& a : appeal)
        a *= std::exp(rng.normal(0, cfg.popularity_drift));
    std::vector<ledger::tx> txs;
    if (!voted) {
      if (!st.find(reg_ids[n - 1]) || !st.find(reg_ids[0])) return;
      voted = true;
      for (auto& w : voters)
        txs.push_back(vote_tx(w, false));
      res.votes_submitted += txs.size();
    } else if (cfg.shifts_per_epoch > 0 &&
               h % std::max<std::uint64_t>(1, cfg.epoch_blocks / cfg.shifts_per_epoch) == 0) {
      auto moves = static_cast<std::size_t>(cfg.shift_share * static_cast<double>(voters.size()));
      for (std::size_t k = 0; k < moves; ++k) {
        auto& w = voters[rng.below(voters.size())];
        if (w.vote.is_zero() || !w.proposed.is_zero()) continue;
        const auto* e = st.find(w.vote);
        if (!e || e->height + cfg.vote_lock_blocks > h + 1) continue;
        txs.push_back(vote_tx(w, true));
        ++res.vetoes_submitted;
      }
    }
    submit(std::move(txs), t);
  };

  const std::uint64_t target = cfg.epochs * cfg.epoch_blocks;
  const auto max_us = static_cast<std::int64_t>(cfg.max_sim_seconds * 1e6);
  bool crashed = cfg.crash.empty();
  auto done = [&] {
    if (top < target) return false;
    // Every live member of the target's epoch committed the target height.
    auto s = providers[top_node]->set_of(providers[top_node]->epoch_of(target));
    if (!s) return false;
    for (auto m : s->members())
      if (!down.count(m) && !byzantine.count(m) && height[m] < target) return false;
    return true;
  };
  while (!queue.empty()) {
    auto ev = queue.top();
    queue.pop();
    if (ev.t > max_us) break;
    now = ev.t;
    if (!crashed && now >= static_cast<std::int64_t>(cfg.crash_at_s * 1e6)) {
      crashed = true;
      down.insert(cfg.crash.begin(), cfg.crash.end());
    }
    for (const auto& f : cfg.faults)
      if (f.kind == "crash" && in_window(f, now)) down.insert(f.nodes.begin(), f.nodes.end());
    if (down.count(ev.node) || (ev.msg && down.count(ev.from))) continue;
    if (ev.msg && !cfg.faults.empty() && cut(ev.from, ev.node, ev.t)) {
      ++res.faults_applied;
      continue;
    }
    mix(static_cast<std::uint64_t>(ev.t));
    mix((static_cast<std::uint64_t>(ev.node) << 32) | ev.from);
    mix(ev.msg ? ev.msg->index() + 1 : 0x100 + static_cast<std::uint64_t>(ev.kind));
    if (ev.msg) {
      cores[ev.node]->on_message(ev.from, ev.msg, ev.t);
    } else {
      if (tokens[ev.node][static_cast<std::size_t>(ev.kind)] != ev.token) continue;
      cores[ev.node]->on_timer(ev.kind, ev.view, ev.t);
    }
    pump(ev.node, ev.t);
    drive(ev.t);
    if (done()) {
      res.completed = true;
      break;
    }
  }
  res.sim_seconds = static_cast<double>(now) / 1e6;
  {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(trace));
    res.trace_hash = buf;
  }
  if (cfg.rewards) {
    for (auto& br : res.block_rewards) {
      if (auto it = delta_at.find(br.height); it != delta_at.end()) {
        br.issued = it->second.first;
        br.fees = it->second.second;
      }
      auto& er = res.epoch_rewards[(br.height - 1) / cfg.epoch_blocks];
      ++er.blocks;
      er.issued += br.issued;
      er.fees += br.fees;
      er.to_producers += br.to_producer;
      er.to_voters += br.to_voters;
      er.voter_outputs += br.voter_outputs;
    }
    res.reward_violation = check_reward_conservation(res.block_rewards, cfg.block_reward);
  }
  for (const auto& c : cores)
    res.views_timed_out += c->stats().views_timed_out;

  // The report, from the most advanced node's provider (every node elects the same sets).
  std::uint32_t ref = 0;
  for (std::uint32_t i = 0; i < n; ++i)
    if (height[i] > height[ref]) ref = i;
  const auto& prov = *providers[ref];
  std::shared_ptr<const bbft::epoch_set> prev;
  for (std::uint64_t e = 0;; ++e) {
    auto s = prov.set_of(e);
    if (!s) break;
    dpos_epoch_report er;
    er.epoch = e;
    er.members = s->members();
    er.supers = s->topo()->supers();
    for (std::uint32_t k = 0; k < s->topo()->super_count(); ++k)
      er.group_sizes.push_back(s->topo()->members(k).size());
    if (prev)
      for (auto m : er.members)
        er.changed += prev->contains(m) ? 0 : 1;
    if (const auto* el = prov.elected(e)) {
      er.carried_over = el->carried_over;
      if (!el->members.empty()) {
        er.votes_top = el->members.front().votes;
        er.votes_last = el->members.back().votes;
      }
    }
    res.epochs.push_back(std::move(er));
    prev = s;
  }
  // The lowest height among the live members of the last epoch reached (the target's epoch when
  // the chain got there).
  auto last = prov.set_of(prov.epoch_of(std::min(target, top)));
  res.committed = top;
  for (std::uint32_t i = 0; i < n && last; ++i)
    if (!down.count(i) && !byzantine.count(i) && last->contains(i)) {
      res.committed = std::min(res.committed, height[i]);
      if (height[i] < target) res.lagging.push_back(i);
    }
  res.top = top;
  std::vector<double> lats, ints;
  for (const auto& [h, hash] : canonical) {
    auto s = prov.set_of(prov.epoch_of(h));
    auto pit = proposed_at.find(hash);
    if (!s || pit == proposed_at.end()) continue;
    // Over the members that stay for the next height (a member leaving at the boundary learns
    // the last commits of its epoch later, by catch-up, and no longer serves).
    auto next = prov.set_of(prov.epoch_of(h + 1));
    double sum = 0;
    std::size_t cnt = 0;
    for (auto m : s->members())
      if (next && !next->contains(m)) {
        continue;
      } else if (auto it = commit_at[m].find(h); it != commit_at[m].end()) {
        sum += static_cast<double>(it->second - pit->second) / 1000.0;
        ++cnt;
      }
    if (cnt == 0) continue;
    dpos_height_report hr;
    hr.height = h;
    hr.latency_ms = sum / static_cast<double>(cnt);
    if (auto prevc = first_commit.find(h - 1); prevc != first_commit.end())
      hr.interval_ms = static_cast<double>(first_commit[h] - prevc->second) / 1000.0;
    res.heights.push_back(hr);
    if (h >= 2) {
      lats.push_back(hr.latency_ms);
      ints.push_back(hr.interval_ms);
    }
  }
  if (!lats.empty()) {
    double sum = 0;
    for (auto l : lats)
      sum += l;
    res.latency_mean_ms = sum / static_cast<double>(lats.size());
    res.latency_p50_ms = median(lats);
    res.latency_max_ms = *std::max_element(lats.begin(), lats.end());
    double isum = 0;
    for (auto x : ints)
      isum += x;
    res.interval_mean_ms = isum / static_cast<double>(ints.size());
  }
  auto med_lat = median(lats), med_int = median(ints);
  for (std::uint64_t e = 2; e * cfg.epoch_blocks < target; ++e) {
    auto b = e * cfg.epoch_blocks + 1;
    double lat = 0, itv = 0;
    for (const auto& hr : res.heights)
      if (hr.height + 1 >= b && hr.height <= b + 1) {
        lat = std::max(lat, hr.latency_ms);
        itv = std::max(itv, hr.interval_ms);
      }
    res.boundary_excess_ms[e] = {lat - med_lat, itv - med_int};
  }
  return res;
}

void print_dpos(const dpos_result& r, std::ostream& out, bool heights) {
  const auto& c = r.cfg;
  out << std::fixed << std::setprecision(1);
  out << "scenario   " << c.name << " (seed " << c.seed << "): " << c.candidates
      << " candidate nodes, " << c.voters << " voters, " << c.seats << " seats, " << c.supers
      << " super nodes, policy " << c.policy << ", epoch " << c.epoch_blocks
      << " blocks, block interval " << static_cast<double>(c.block_interval_us) / 1000 << " ms\n";
  out << "workload   " << r.registrations << " registrations, " << r.votes_submitted << " votes, "
      << r.vetoes_submitted << " veto+revote moves; " << r.txs_committed
      << " transactions committed\n";
  out << "epochs     (members changed vs the previous epoch; super nodes; group sizes)\n";
  for (const auto& e : r.epochs) {
    out << "  epoch " << std::setw(2) << e.epoch << ": " << std::setw(3) << e.members.size()
        << " members, " << std::setw(2) << e.changed << " changed"
        << (e.carried_over ? " (carried over)" : "") << ", votes " << e.votes_top << ".."
        << e.votes_last << ", supers [";
    for (std::size_t k = 0; k < e.supers.size(); ++k)
      out << (k ? " " : "") << e.supers[k];
    out << "] groups [";
    for (std::size_t k = 0; k < e.group_sizes.size(); ++k)
      out << (k ? " " : "") << e.group_sizes[k];
    out << "]\n";
  }
  out << "latency    proposal -> commit over each epoch's members: mean " << r.latency_mean_ms
      << " ms, p50 " << r.latency_p50_ms << " ms, max " << r.latency_max_ms
      << " ms; commit interval mean " << r.interval_mean_ms << " ms\n";
  out << "boundaries (max over the last height before and first two after, minus the median)\n";
  for (const auto& [e, x] : r.boundary_excess_ms)
    out << "  epoch " << std::setw(2) << e << ": latency +" << x.first << " ms, interval +"
        << x.second << " ms\n";
  if (heights)
    for (const auto& hr : r.heights) {
      auto pos = (hr.height - 1) % c.epoch_blocks;
      if (pos + 3 < c.epoch_blocks && pos > 2) continue;
      out << "  height " << std::setw(4) << hr.height << " (epoch "
          << (hr.height - 1) / c.epoch_blocks << "): latency " << hr.latency_ms << " ms, interval "
          << hr.interval_ms << " ms\n";
    }
  if (c.rewards) {
    out << "rewards    block reward " << c.block_reward << ", producer share "
        << c.producer_share_pct << "%, min voter payout " << c.min_voter_payout << ", vote fee "
        << c.vote_fee << " (per epoch: blocks, issued = to producers + to "
        << "voters, voter outputs, fees)\n";
    std::uint64_t blocks = 0, issued = 0, fees = 0, prod = 0, vot = 0;
    for (const auto& [e, x] : r.epoch_rewards) {
      out << "  epoch " << std::setw(2) << e << ": " << std::setw(3) << x.blocks << " blocks, "
          << x.issued << " = " << x.to_producers << " + " << x.to_voters << ", " << x.voter_outputs
          << " voter outputs, fees " << x.fees << "\n";
      blocks += x.blocks;
      issued += x.issued;
      fees += x.fees;
      prod += x.to_producers;
      vot += x.to_voters;
    }
    out << "  total  : " << blocks << " blocks, issued " << issued << " = " << prod
        << " to producers + " << vot
        << " to voters; reward x blocks + fees = " << c.block_reward * blocks + fees
        << "; conservation "
        << (r.reward_violation.empty() ? "ok" : "VIOLATED: " + r.reward_violation) << "\n";
  }
  if (!c.faults.empty())
    out << "faults     " << c.faults.size() << " scheduled; " << r.faults_applied
        << " messages lost, " << r.equivocations << " equivocating proposals\n";
  out << "checkers   safety " << (r.safety_violations == 0 ? "ok" : "VIOLATED") << ", liveness "
      << (r.completed ? "ok" : "FAILED") << " (live members of the last epoch reached height "
      << r.committed << "), views timed out " << r.views_timed_out << ", simulated "
      << r.sim_seconds << " s\n";
  if (!r.completed) {
    out << "  highest commit " << r.top << "; live members short of the target:";
    for (auto m : r.lagging)
      out << " " << m;
    out << "\n";
  }
  std::size_t shown = 0;
  for (const auto& [reason, count] : r.rejected)
    if (shown++ < 8) out << "  refused  " << count << " x " << reason << "\n";
  out << "trace_hash " << r.trace_hash << "\n";
}

} // namespace bystack::sim
