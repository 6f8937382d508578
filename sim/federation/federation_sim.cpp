#include "sim/federation/federation_sim.hpp"

#include "sim/federation/peg_setup.hpp"

#include "actors/federation/address.hpp"
#include "actors/federation/collector_core.hpp"
#include "actors/federation/election.hpp"
#include "actors/federation/member_core.hpp"
#include "actors/federation/supply.hpp"
#include "actors/mainchain/mainchain_core.hpp"
#include "runtime/crypto/modelled.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/wallet.hpp"
#include "sim/rng.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <stdexcept>

namespace bystack::sim::federation {

namespace fed = bystack::federation;
namespace mc = bystack::mainchain;
using crypto::hash256;

namespace {

peg_key make_key(std::uint32_t tag) {
  return make_peg_key(crypto::modelled_scheme(), tag, 0, 0x6b);
}

/// Folds values into a 64-bit FNV-1a trace hash.
struct trace {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void add(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
};

class federation_run {
public:
  explicit federation_run(const fed_sim_params& p) : p_(p), rng_(p.seed) {
    if (p.members == 0 || p.threshold == 0 || p.threshold > p.members)
      throw std::invalid_argument("federation: threshold must be within 1..members");
    for (std::size_t i = 0; i < p.users; ++i)
      users_.push_back(make_key(static_cast<std::uint32_t>(1000 + i)));
    auto keys_n = p.members + (p.elections ? p.newcomers : 0);
    if (keys_n > 16) throw std::invalid_argument("federation: at most 16 members and newcomers");
    for (std::size_t i = 0; i < keys_n; ++i)
      members_.push_back(make_key(static_cast<std::uint32_t>(2000 + i)));
    for (std::size_t i = 0; i < p.collectors; ++i)
      collectors_.push_back(make_key(static_cast<std::uint32_t>(3000 + i)));
    miner_ = make_key(4000);
    issuer_ = make_key(4001);
    std::vector<crypto::public_key> keys;
    for (std::size_t i = 0; i < p.members; ++i)
      keys.push_back(members_[i].s->pub());
    fed_ = fed::federation_program(keys, p.threshold).value();
    if (p.elections) {
      ep_.epoch_blocks = p.epoch_blocks;
      ep_.collectors = static_cast<std::uint32_t>(p.collectors);
      ep_.activation_margin_blocks = p.activation_margin_blocks;
      ep_.grace_blocks = p.grace_blocks;
      auto g = fed::genesis_term(keys, ep_).value(); // the initial producers act as members
      fed_ = g.program;
      elector_ = std::make_unique<fed::federation_elector>(g, ep_);
      voter_ = make_key(4002);
    }
    programs_ = {fed_};

    // The mainchain: BTM, every user funded; no retarget within a run.
    setup_ = make_peg_setup("mainchain-fed-sim", issuer_.prog, users_, p.mc_block_ms, pow_,
                            crypto::modelled_scheme(), fed_, p.confirmations);
    btm_ = setup_.btm;
    mc_spec_ = setup_.mc_spec;
    node_ = std::make_unique<mc::mainchain_core>(setup_.node);

    // The sidechain: its native asset funds the collectors' fees (none are charged here).
    ledger::asset_definition scn;
    scn.name = "SCN";
    scn.issuer = issuer_.prog;
    sc_spec_.network = "sidechain-fed-sim";
    sc_spec_.assets = {scn};
    for (const auto& c : collectors_)
      sc_spec_.outputs.push_back(ledger::pay(scn.id(), 1'000'000, c.prog));
    if (p.elections) { // registrants' deposits, then the voter's funds
      for (const auto& m : members_)
        sc_spec_.outputs.push_back(ledger::pay(scn.id(), 1'000, m.prog));
      sc_spec_.outputs.push_back(ledger::pay(scn.id(), 1'000'000, voter_.prog));
    }
    sc_params_ = ledger::params_of(sc_spec_);
    sc_ = ledger::genesis_state(sc_spec_).value();
    fp_ = setup_.fp;
    if (p.elections) {
      fp_.grace_blocks = p.grace_blocks;
      dpos_ = std::make_unique<ledger::dpos::dpos_rules>(sc_params_.native,
                                                         ledger::dpos::dpos_params{});
    }
    rules_ = std::make_unique<fed::sidechain_rules>(fp_, pow_, dpos_.get());
    checker_ = std::make_unique<ledger::signature_checker>(crypto::modelled_scheme());

    for (std::size_t i = 0; i < members_.size(); ++i)
      mcores_.push_back(std::make_unique<fed::member_core>(
          fed::member_config{fp_, members_[i].s.get(), &crypto::modelled_scheme()}));
    for (std::size_t i = 0; i < p.collectors; ++i)
      ccores_.push_back(
          make_collector(i, ledger::output_id(ledger::genesis_txid(sc_spec_),
                                              static_cast<std::uint32_t>(i), sc_spec_.outputs[i])));
    us_.resize(p.users);
  }

  std::unique_ptr<fed::collector_core> make_collector(std::size_t i, const hash256& funding) {
    return std::make_unique<fed::collector_core>(
        peg_collector(fp_, sc_params_, collectors_[i], funding, btm_));
  }

  /// Restarts collector 0 from nothing but its key: its funding is the one output it owns in
  /// the committed state, its mainchain view what its node serves.
  void restart_collector() {
    hash256 funding;
    for (const auto& [id, e] : sc_.entries())
      if (e.out.owner == collectors_[0].prog) funding = id;
    ccores_[0] = make_collector(0, funding);
    ++r_.collector_restarts;
    feed_collector(*ccores_[0]);
  }

  void feed_collector(fed::collector_core& c) {
    auto height = node_->height();
    for (auto h = height > 64 ? height - 64 : 1; h <= height; ++h)
      c.on_mainchain_block(node_->block_at(h));
    c.on_mainchain_tip(node_->tip_hash());
  }

  fed_sim_report go() {
    r_.seed = p_.seed;
    if (p_.crash_collector_at_s >= 0 && !ccores_.empty()) {
      at(p_.crash_collector_at_s * 1000, [this] { ccores_[0].reset(); });
      at((p_.crash_collector_at_s + p_.restart_after_s) * 1000, [this] { restart_collector(); });
    }
    if (p_.elections) {
      at(p_.vote_at_s * 1000, [this] { register_candidates(); });
      at(p_.vote_at_s * 1000 + 5 * p_.sc_block_ms, [this] { vote(); });
    }
    at(exp_ms(p_.mc_block_ms), [this] { mine(); });
    at(p_.sc_block_ms, [this] { sc_block(); });
    for (std::size_t i = 0; i < p_.users; ++i) {
      // The double-spending user pegs in first.
      auto t =
          i == 0 && p_.double_spend_depth > 0 ? 1.0 : rng_.uniform(0, p_.start_window_s * 1000);
      at(t, [this, i] { pegin(i); });
    }
    double end = p_.duration_s * 1000;
    while (!q_.empty() && q_.top().t <= end) {
      auto e = q_.top();
      q_.pop();
      now_ = e.t;
      e.f();
    }
    check_supply();
    for (const auto& m : mcores_)
      r_.shares_refused += m->stats().shares_refused;
    for (const auto& u : us_) {
      if (u.burn_at_s >= 0 && !u.released) ++r_.pending_pegouts;
      if (u.pegin_at_s >= 0 && !u.claimed) ++r_.unclaimed_pegins;
    }
    r_.trace_hash = tr_.h;
    return r_;
  }

private:
  struct event {
    double t;
    std::uint64_t seq;
    std::function<void()> f;
  };
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  void at(double t, std::function<void()> f) { q_.push(event{t, seq_++, std::move(f)}); }
  double exp_ms(double mean) { return now_ - std::log(1.0 - rng_.uniform01()) * mean; }
  std::int64_t now_i() const { return static_cast<std::int64_t>(now_); }

  // -- the mainchain --------------------------------------------------------------------------

  void mine() {
    at(exp_ms(p_.mc_block_ms), [this] { mine(); });
    auto h = node_->child_header(now_i());
    auto txs = node_->pool().candidates(2000);
    auto b = make_peg_block(setup_, h, miner_.prog, {txs.begin(), txs.end()});
    node_->on_block_mined(b, now_i());
    (void)node_->take_effects();
    ++r_.mc_blocks;
    on_mainchain();
  }

  void on_mainchain() {
    auto height = node_->height();
    if (height > 0)
      for (const auto& t : node_->block_at(height)->txs()) {
        auto id = t->id();
        for (std::uint32_t k = 0; k < t->outputs.size(); ++k) {
          auto oid = ledger::output_id(id, k, t->outputs[k]);
          origin_[oid] = id;
          if (p_.elections && is_federation(t->outputs[k].owner))
            coin_owner_[oid] = t->outputs[k].owner;
        }
      }
    tr_.add(node_->tip_hash().prefix64());
    // Collectors hear of the recent blocks (after a reorganisation, of the new branch too).
    for (auto& c : ccores_)
      if (c) feed_collector(*c);
    // Members see the federation's coins after a delay.
    std::vector<fed::federation_coin> coins;
    for (const auto& [id, e] : node_->state().entries())
      if (is_federation(e.out.owner)) coins.push_back(fed::federation_coin{id, e.out, e.height});
    std::sort(coins.begin(), coins.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (std::size_t i = 0; i < online(); ++i)
      at(now_ + p_.latency_ms, [this, i, coins, height] {
        mcores_[i]->on_mainchain(coins, height);
        pump_member(i);
      });
    // Releases and migrations now in a block.
    if (height > 0)
      for (const auto& t : node_->block_at(height)->txs()) {
        if (auto m = migration_txs_.find(t->id()); m != migration_txs_.end()) {
          ++r_.migrations;
          for (std::size_t i = 0; i < online(); ++i)
            at(now_ + p_.latency_ms, [this, i, key = m->second] { mcores_[i]->on_released(key); });
          migration_txs_.erase(m);
        }
        for (const auto& o : t->outputs)
          if (o.data.size() == 32) {
            hash256 peg;
            std::copy(o.data.begin(), o.data.end(), peg.data.begin());
            auto it = pegout_owner_.find(peg);
            if (it == pegout_owner_.end() || us_[it->second].released) continue;
            auto& u = us_[it->second];
            u.released = true;
            ++r_.releases;
            if (p_.elections && !t->inputs.empty()) {
              auto c = coin_owner_.find(t->inputs[0].spent_output);
              if (c != coin_owner_.end() && c->second != programs_.front()) ++r_.late_pegouts;
            }
            r_.pegout_s.push_back(now_ / 1000 - u.burn_at_s);
            for (std::size_t i = 0; i < online(); ++i)
              at(now_ + p_.latency_ms, [this, i, peg] { mcores_[i]->on_released(peg); });
          }
      }
    attack();
    check_supply();
  }

  std::size_t online() const {
    return mcores_.size() > p_.offline_members ? mcores_.size() - p_.offline_members : 0;
  }

  bool is_federation(const ledger::control_program& owner) const {
    return std::find(programs_.begin(), programs_.end(), owner) != programs_.end();
  }

  // -- elections --------------------------------------------------------------------------------

  /// Every member and newcomer registers as a DPoS candidate with its genesis deposit.
  void register_candidates() {
    const auto& native = sc_params_.native;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      auto slot = static_cast<std::uint32_t>(collectors_.size() + i);
      ledger::tx t;
      t.chain = sc_params_.chain;
      t.inputs.push_back(ledger::spend_of(
          ledger::output_id(ledger::genesis_txid(sc_spec_), slot, sc_spec_.outputs[slot])));
      t.outputs.push_back(ledger::dpos::make_registration(
          native, 1, {members_[i].s->pub(), "member-" + std::to_string(i) + ":0", "sim"}));
      t.outputs.push_back(ledger::pay(native, 999, members_[i].prog));
      ledger::sign_input(t, 0, members_[i].prog, *members_[i].s);
      registrations_.push_back(ledger::output_id(t.id(), 0, t.outputs[0]));
      submit_sc(std::move(t));
    }
  }

  /// The voter backs the newcomers over the last members (see fed_sim_params::elections).
  void vote() {
    const auto& native = sc_params_.native;
    auto slot = static_cast<std::uint32_t>(collectors_.size() + members_.size());
    ledger::tx t;
    t.chain = sc_params_.chain;
    t.inputs.push_back(ledger::spend_of(
        ledger::output_id(ledger::genesis_txid(sc_spec_), slot, sc_spec_.outputs[slot])));
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < registrations_.size(); ++i) {
      std::uint64_t v = i >= p_.members ? 50 : i + p_.newcomers >= p_.members ? 10 : 100;
      t.outputs.push_back(ledger::dpos::make_vote(native, v, registrations_[i], voter_.prog));
      total += v;
    }
    t.outputs.push_back(ledger::pay(native, 1'000'000 - total, voter_.prog));
    ledger::sign_input(t, 0, voter_.prog, *voter_.s);
    submit_sc(std::move(t));
  }

  /// Follows a committed election: the sidechain's rules, the collectors, the members (after a
  /// message delay, before any later block's pegouts), the users' wallets and the checker.
  void on_term(const fed::federation_term& t) {
    r_.schedule += "epoch " + std::to_string(t.epoch) + " (sidechain height " +
                   std::to_string(t.sidechain_from) + "): " + std::to_string(t.program.threshold) +
                   " of " + std::to_string(t.members.size()) + ", " + std::to_string(t.replaced) +
                   " replaced, mainchain from " + std::to_string(t.mainchain_from) + "; ";
    tr_.add(t.mainchain_from);
    tr_.add(t.program.address().prefix64());
    if (t.program == programs_.back()) return; // collectors only
    ++r_.rotations;
    fed::federation_rotation rot{t.program, t.mainchain_from, t.sidechain_from};
    if (!rules_->add_rotation(rot) || !fed::add_rotation(fp_, rot))
      throw std::logic_error("federation: an elected rotation was refused");
    programs_.push_back(t.program);
    for (auto& c : ccores_)
      if (c) (void)c->add_rotation(rot);
    for (std::size_t i = 0; i < online(); ++i)
      at(now_ + p_.latency_ms, [this, i, rot] {
        (void)mcores_[i]->add_rotation(rot);
        pump_member(i);
      });
  }

  // -- the double-spend attacker ------------------------------------------------------------

  void attack() {
    if (p_.double_spend_depth == 0 || attacked_ || !conflict_) return;
    // Where is user 0's pegin?
    std::uint64_t at_height = 0;
    for (std::uint64_t h = 1; h <= node_->height() && at_height == 0; ++h)
      for (const auto& t : node_->block_at(h)->txs())
        if (t->id() == pegin0_) at_height = h;
    if (at_height == 0 || node_->height() - at_height + 1 < p_.double_spend_depth) return;
    attacked_ = true;
    // A private branch from the block before, one block longer, spending the coins elsewhere;
    // the other transactions of the replaced blocks move to it, but for those that spend the
    // pegin's outputs (a release paid from it), directly or through another.
    auto branch = make_branch(setup_, *node_, at_height, node_->height() - at_height + 2, conflict_,
                              pegin0_, users_[0].prog);
    for (const auto& b : branch)
      node_->on_block(1, b, now_i());
    (void)node_->take_effects();
    if (node_->tip_hash() == branch.back()->hash()) {
      ++r_.reorgs;
      on_mainchain();
    }
  }

  // -- the sidechain --------------------------------------------------------------------------

  void sc_block() {
    at(now_ + p_.sc_block_ms, [this] { sc_block(); });
    auto height = sc_.height() + 1;
    ledger::utxo_overlay view(sc_);
    ledger::block_delta scratch;
    std::vector<ledger::tx> chosen;
    for (auto& t : pool_) {
      ledger::tx_summary s;
      auto err = ledger::check_tx(t, view, sc_params_, ledger::tx_context{height, false}, *checker_,
                                  s, nullptr, rules_.get());
      if (!err.ok()) {
        ++r_.refused;
        if (forged_.count(s.id.is_zero() ? t.id() : s.id) != 0) ++r_.forged_refused;
        continue;
      }
      ledger::apply_tx(t, s.id, view, scratch, sc_params_, height, rules_.get());
      chosen.push_back(std::move(t));
    }
    pool_.clear();
    auto r = ledger::check_block(chosen, height, sc_, sc_params_, *checker_, {}, rules_.get());
    if (!r.err.ok()) throw std::logic_error("sidechain block: " + r.err.message());
    sc_.apply(r.delta);
    sc_.set_height(height);
    if (elector_) {
      tally_.apply(r.delta);
      auto lc_tip = fed::light_client(rules_->params(), sc_).tip().hdr.height;
      if (auto t = elector_->on_commit(height, tally_, lc_tip)) on_term(*t);
    }
    ++r_.sc_blocks;
    r_.sc_txs += chosen.size();
    tr_.add(sc_.hash().prefix64());
    fed::scan_sidechain_block(scan_, chosen, height, sc_);
    for (const auto& t : chosen)
      for (const auto& in : t.inputs) {
        if (in.kind == fed::claim_input) {
          ++r_.claims;
          if (elector_) count_grace_claim(in);
        }
        if (in.kind == fed::release_input) ++r_.records;
      }
    // Members learn the final pegouts.
    auto pegouts = fed::pegouts_in_block(chosen, height, sc_, fp_);
    for (const auto& po : pegouts)
      for (std::size_t i = 0; i < online(); ++i)
        at(now_ + p_.latency_ms, [this, i, po] {
          mcores_[i]->on_pegout(po);
          if (i == 0 && p_.byzantine_member) steal(po);
          pump_member(i);
        });
    if (elector_) {
      auto tip = fed::light_client(fp_, sc_).tip().hdr.height;
      auto anchor = tip >= p_.confirmations - 1 ? tip - (p_.confirmations - 1) : 0;
      for (std::size_t i = 0; i < online(); ++i)
        at(now_ + p_.latency_ms, [this, i, height, anchor] {
          mcores_[i]->on_sidechain(height, anchor);
          pump_member(i);
        });
    }
    users_progress();
    // Collectors compare their views with the new state.
    for (std::size_t i = 0; i < ccores_.size(); ++i) {
      if (!ccores_[i]) continue; // crashed
      if (auto t = ccores_[i]->step(sc_, height)) submit_sc(std::move(*t));
      if (i == 0 && p_.lying_collector) forge();
    }
  }

  void count_grace_claim(const ledger::input& in) {
    auto c = fed::decode_claim(byte_view{in.ext.data(), in.ext.size()});
    if (!c) return;
    auto b = fed::light_client(fp_, sc_).find(c->block);
    if (b && c->mc_tx.outputs.at(c->output_index).owner != fed::federation_at(fp_, b->hdr.height))
      ++r_.grace_claims;
  }

  void submit_sc(ledger::tx t) {
    at(now_ + p_.latency_ms, [this, t = std::move(t)] { pool_.push_back(t); });
  }

  void users_progress() {
    peg_latencies got;
    peg_progress(
        us_, sc_, now_ / 1000, got,
        [this](std::size_t i) { at(now_ + p_.latency_ms, [this, i] { trade(i); }); },
        [this](std::size_t i) { at(now_ + p_.latency_ms, [this, i] { pegout(i); }); });
    r_.pegin_s.insert(r_.pegin_s.end(), got.pegin_s.begin(), got.pegin_s.end());
    r_.record_s.insert(r_.record_s.end(), got.record_s.begin(), got.record_s.end());
  }

  // -- users ------------------------------------------------------------------------------------

  void pegin(std::size_t i) {
    auto& u = us_[i];
    const auto* owner = &fed_;
    if (p_.elections && (p_.stale_every == 0 || i % p_.stale_every != p_.stale_every - 1))
      owner = &fed::federation_at(fp_, node_->height() + 1);
    auto t = make_pegin(setup_, i, users_[i], *owner, 1000 + rng_.below(4000), u);
    auto ptr = std::make_shared<const ledger::tx>(t);
    auto res = node_->on_tx(mc::self_peer, ptr, now_i());
    (void)node_->take_effects();
    if (res.status != ledger::admit_status::accepted) return;
    ++r_.pegins;
    u.pegin_at_s = now_ / 1000;
    auto txid = t.id();
    if (i == 0 && p_.double_spend_depth > 0) {
      pegin0_ = txid;
      auto coin = t.inputs[0].spent_output;
      ledger::tx c;
      c.chain = fp_.mainchain;
      c.inputs.push_back(ledger::spend_of(coin));
      c.outputs.push_back(ledger::pay(btm_.id(), peg_user_funds, users_[0].prog));
      ledger::sign_input(c, 0, users_[0].prog, *users_[0].s);
      conflict_ = std::make_shared<const ledger::tx>(c);
    }
  }

  void trade(std::size_t i) {
    auto t = make_trade(setup_, sc_params_.chain, users_[i], users_[(i + 1) % users_.size()].prog,
                        us_[i]);
    ++r_.trades;
    submit_sc(std::move(t));
  }

  void pegout(std::size_t i) {
    auto t = make_pegout(setup_, sc_params_.chain, users_[i], us_[i]);
    pegout_owner_[us_[i].pegout] = i;
    ++r_.pegouts;
    submit_sc(std::move(t));
  }

  // -- members ----------------------------------------------------------------------------------

  void pump_member(std::size_t i) {
    for (auto& e : mcores_[i]->take_effects()) {
      if (auto* b = std::get_if<fed::broadcast_share>(&e)) {
        for (std::size_t j = 0; j < online(); ++j)
          if (j != i)
            at(now_ + p_.latency_ms, [this, j, s = b->share] {
              mcores_[j]->on_share(s);
              pump_member(j);
            });
      } else if (auto* s = std::get_if<fed::submit_release>(&e)) {
        if (pegout_owner_.count(s->pegout) == 0) migration_txs_[s->release.id()] = s->pegout;
        at(now_ + p_.latency_ms, [this, t = s->release] {
          (void)node_->on_tx(mc::self_peer, std::make_shared<const ledger::tx>(t), now_i());
          (void)node_->take_effects();
        });
      }
    }
  }

  /// A Byzantine member signs a release of everything the federation holds to itself and
  /// sends its share as if it paid the pegout.
  void steal(const fed::pegout_request& po) {
    ledger::tx theft;
    theft.chain = fp_.mainchain;
    std::uint64_t sum = 0;
    for (const auto& [id, e] : node_->state().entries())
      if (e.out.owner == fed_) {
        theft.inputs.push_back(ledger::spend_of(id));
        sum += e.out.amount;
        if (theft.inputs.size() == 8) break;
      }
    if (theft.inputs.empty()) return;
    theft.outputs.push_back(ledger::pay(btm_.id(), sum, members_[0].prog));
    fed::signature_share s{po.id, theft.id(), 0, {}};
    auto k = std::find(fed_.keys.begin(), fed_.keys.end(), members_[0].s->pub());
    s.key_index = static_cast<std::uint8_t>(k - fed_.keys.begin());
    for (const auto& in : theft.inputs)
      s.signatures.push_back(
          members_[0].s->sign(ledger::sighash(ledger::input_id(in), theft.id())));
    for (std::size_t j = 1; j < online(); ++j)
      at(now_ + p_.latency_ms, [this, j, s] { mcores_[j]->on_share(s); });
  }

  // -- a lying collector ------------------------------------------------------------------------

  /// Submits a claim of a real federation output with its amount inflated.
  void forge() {
    for (std::uint64_t h = node_->height(); h >= 1 && h + 20 > node_->height(); --h) {
      auto b = node_->block_at(h);
      for (std::uint32_t ti = 0; ti < b->txs().size(); ++ti) {
        const auto& t = *b->txs()[ti];
        if (t.outputs.empty() || t.outputs[0].owner != fed_) continue;
        fed::claim_payload c{btm_, t, 0, mc::make_merkle_path(b->txs(), ti), b->hash()};
        c.mc_tx.outputs[0].amount *= 10;
        ledger::tx x;
        x.chain = sc_params_.chain;
        x.inputs.push_back(fed::make_claim_input(c));
        x.outputs.push_back(ledger::pay(sc_spec_.assets[0].id(), 1, collectors_[0].prog));
        forged_.insert(x.id());
        submit_sc(std::move(x));
        return;
      }
    }
  }

  // -- the supply checker -----------------------------------------------------------------------

  void check_supply() {
    std::vector<mc::block_ptr> chain;
    for (std::uint64_t h = 1; h <= node_->height(); ++h)
      chain.push_back(node_->block_at(h));
    fed::count_sidechain_units(scan_, sc_);
    auto rep = fed::check_supply(fed::scan_mainchain(chain, programs_), scan_, p_.confirmations);
    ++r_.supply_checks;
    if (!rep.ok && r_.supply_ok) {
      r_.supply_ok = false;
      r_.supply_discrepancy = rep.discrepancy;
    }
  }

  fed_sim_params p_;
  rng64 rng_;
  fed_sim_report r_;
  trace tr_;
  std::priority_queue<event, std::vector<event>, later> q_;
  std::uint64_t seq_ = 0;
  double now_ = 0;

  std::vector<peg_key> users_, members_, collectors_;
  peg_key miner_, issuer_;
  peg_setup setup_;
  ledger::asset_definition btm_;
  ledger::control_program fed_;
  ledger::genesis_spec mc_spec_;
  mc::modelled_pow pow_;
  std::unique_ptr<mc::mainchain_core> node_;

  ledger::genesis_spec sc_spec_;
  ledger::chain_params sc_params_;
  ledger::utxo_set sc_;
  fed::federation_params fp_;
  std::unique_ptr<fed::sidechain_rules> rules_;
  std::unique_ptr<ledger::signature_checker> checker_;
  std::vector<ledger::tx> pool_;
  fed::sidechain_scan scan_;
  std::set<hash256> forged_;

  std::vector<std::unique_ptr<fed::member_core>> mcores_;
  std::vector<std::unique_ptr<fed::collector_core>> ccores_;
  std::vector<peg_user> us_;
  std::map<hash256, std::size_t> pegout_owner_;

  std::map<hash256, hash256> origin_; ///< mainchain output -> its transaction (attack only)

  // Elections (p_.elections).
  fed::federation_election_params ep_;
  std::unique_ptr<fed::federation_elector> elector_;
  std::unique_ptr<ledger::dpos::dpos_rules> dpos_;
  ledger::dpos::vote_tally tally_;
  peg_key voter_;
  std::vector<hash256> registrations_;
  std::vector<ledger::control_program> programs_;         ///< every federation, genesis first
  std::map<hash256, hash256> migration_txs_;              ///< submitted migration -> its key
  std::map<hash256, ledger::control_program> coin_owner_; ///< federation outputs (elections)
  hash256 pegin0_;
  mc::tx_ptr conflict_;
  bool attacked_ = false;
};

} // namespace

double quantile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

fed_sim_params fault_case(const fed_sim_params& base, std::uint64_t seed) {
  auto p = base;
  p.seed = seed;
  rng64 r(seed ^ 0x66617531ull);
  p.offline_members = r.below(p.members - p.threshold + 1);
  p.byzantine_member = r.below(2) == 1;
  p.lying_collector = p.collectors > 1 && r.below(2) == 1;
  p.double_spend_depth =
      p.confirmations > 1 && r.below(2) == 1 ? 1 + r.below(p.confirmations - 1) : 0;
  return p;
}

fed_sim_report run_federation_sim(const fed_sim_params& p) {
  federation_run run(p);
  return run.go();
}

} // namespace bystack::sim::federation
