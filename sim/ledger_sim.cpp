#include "sim/ledger_sim.hpp"

#include "actors/node/node_core.hpp"
#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <cmath>

namespace bystack::sim {

using ledger::asset_kind;
using ledger::control_program;
using ledger::tx;

namespace {

constexpr std::uint64_t expiry_blocks = 20;
constexpr std::size_t genesis_outputs_per_wallet = 8;
constexpr std::uint64_t atomic_lot_units = 1'000'000;
constexpr std::uint64_t quark_tokens_per_issue = 8;
constexpr std::uint64_t tickets_per_wallet = 100;

crypto::secret_seed wallet_seed(std::uint64_t seed, std::uint32_t i) {
  crypto::sha3_256_hasher h;
  h.update_u64(0x77616c6c65747321ULL).update_u64(seed).update_u64(i);
  return h.finish().data;
}

std::uint64_t owner_code(bool multisig, std::uint32_t index) {
  return (multisig ? std::uint64_t{1} << 32 : 0) | index;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

} // namespace

// -- checker ----------------------------------------------------------------------------------

void ledger_checker::on_commit(std::uint32_t node, std::uint64_t height,
                               const crypto::hash256& state_hash) {
  ++r_.state_checks;
  auto [it, fresh] = by_height_.emplace(height, state_hash);
  if (!fresh && it->second != state_hash && r_.state_mismatches++ == 0)
    r_.first_mismatch = "node " + std::to_string(node) + " holds UTXO set " +
                        state_hash.hex().substr(0, 16) + " at height " + std::to_string(height) +
                        ", another honest node " + it->second.hex().substr(0, 16);
}

void ledger_checker::check_supply(const ledger::utxo_set& s, std::uint64_t height) {
  ++r_.supply_checks;
  auto unspent = s.supply_by_asset();
  std::map<ledger::asset_id, bool> seen;
  for (const auto& [id, def] : s.assets())
    seen[id] = true;
  for (const auto& [id, amount] : unspent)
    seen[id] = true;
  for (const auto& [id, _] : seen) {
    auto u = unspent.count(id) ? unspent.at(id) : 0;
    auto issued = s.issued(id);
    auto retired = s.retired(id);
    if (retired > issued || u != issued - retired) {
      if (r_.supply_violations++ == 0)
        r_.first_supply_violation = "height " + std::to_string(height) + ": asset " +
                                    id.hex().substr(0, 16) + " has " + std::to_string(u) +
                                    " unspent units, issued " + std::to_string(issued) +
                                    " minus retired " + std::to_string(retired);
    }
  }
}

// -- memo scheme --------------------------------------------------------------------------------

bool memo_signature_scheme::verify(const crypto::public_key& pk, const crypto::hash256& digest,
                                   byte_view sig, crypto::crypto_meter& meter) const {
  crypto::sha3_256_hasher h;
  h.update(byte_view{pk.data(), pk.size()}).update(digest).update(sig);
  auto key = h.finish();
  if (auto it = memo_.find(key); it != memo_.end()) {
    if (sig.size() == inner_.signature_size()) ++meter.verifies;
    return it->second;
  }
  bool ok = inner_.verify(pk, digest, sig, meter);
  if (memo_.size() >= max_entries) memo_.clear();
  memo_.emplace(key, ok);
  return ok;
}

std::shared_ptr<const ledger::block_validation>
shared_validations::find(const crypto::hash256& b) const {
  if (auto it = now_.find(b); it != now_.end()) return it->second;
  if (auto it = old_.find(b); it != old_.end()) return it->second;
  return nullptr;
}

void shared_validations::store(const crypto::hash256& b,
                               std::shared_ptr<const ledger::block_validation> v) {
  if (now_.size() >= generation_max) old_ = std::exchange(now_, {});
  now_.emplace(b, std::move(v));
}

// -- workload -----------------------------------------------------------------------------------

ledger_workload::ledger_workload(const ledger_spec& spec, std::uint64_t seed,
                                 const crypto::signature_scheme& scheme)
    : spec_(spec), rng_(seed ^ 0x6c6564676572ULL), scheme_(scheme) {
  auto n = std::max<std::uint32_t>(4, spec.wallets);
  for (std::uint32_t i = 0; i < n; ++i) {
    wallet w;
    w.signer = scheme.make_signer(wallet_seed(seed, i));
    w.program = control_program::single(w.signer->pub());
    owners_[w.program.address()] = owner_ref{false, i};
    wallets_.push_back(std::move(w));
  }
  for (std::uint32_t g = 0; g + 2 < n; g += 3) {
    control_program p;
    p.threshold = 2;
    for (std::uint32_t k = 0; k < 3; ++k)
      p.keys.push_back(wallets_[g + k].signer->pub());
    owners_[p.address()] = owner_ref{true, static_cast<std::uint32_t>(multisigs_.size())};
    multisigs_.push_back(std::move(p));
  }
  if (spec.genesis) {
    genesis_ = *spec.genesis;
  } else {
    genesis_.network = "bystack-sim";
    genesis_.min_fee_per_kb = spec.fee_per_kb;
    genesis_.block_reward = spec.block_reward;
    ledger::asset_definition btm{"BTM", asset_kind::byte, 8, 0, {}, {}, 0};
    btm.issuer.keys.clear(); // nobody issues the native asset: coinbase only
    ledger::asset_definition gold{"GOLD", asset_kind::atomic, 2, 0, wallets_[1].program, {}, 0};
    ledger::asset_definition item{"ITEM", asset_kind::quark, 0, 0, wallets_[2].program, {}, 0};
    ledger::asset_definition ticket{"TICKET", asset_kind::quantum, 0, 0, wallets_[3].program, {},
                                    0};
    genesis_.assets = {btm, gold, item, ticket};
    genesis_.native_index = 0;
    auto per = std::max<std::uint64_t>(1, spec.initial_balance / genesis_outputs_per_wallet);
    for (std::uint32_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < genesis_outputs_per_wallet; ++k)
        genesis_.outputs.push_back(ledger::pay(btm.id(), per, wallets_[i].program));
      genesis_.outputs.push_back(ledger::pay(ticket.id(), tickets_per_wallet, wallets_[i].program));
    }
    for (const auto& p : multisigs_)
      for (std::size_t k = 0; k < genesis_outputs_per_wallet / 2; ++k)
        genesis_.outputs.push_back(ledger::pay(btm.id(), per, p));
  }
  params_ = ledger::params_of(genesis_);
  native_ = params_.native;
  for (const auto& a : genesis_.assets) {
    if (a.kind == asset_kind::atomic && atomic_.is_zero()) {
      atomic_ = a.id();
      atomic_def_ = a;
    }
    if (a.kind == asset_kind::quark && quark_.is_zero()) {
      quark_ = a.id();
      quark_def_ = a;
    }
    if (a.kind == asset_kind::quantum && quantum_.is_zero()) quantum_ = a.id();
  }
  // The wallets learn their genesis outputs as any other block's.
  auto txid = ledger::genesis_txid(genesis_);
  for (std::uint32_t i = 0; i < genesis_.outputs.size(); ++i) {
    const auto& o = genesis_.outputs[i];
    auto it = owners_.find(o.owner.address());
    if (it == owners_.end()) continue;
    available_[{owner_code(it->second.multisig, it->second.index), o.asset}].push_back(
        holding{ledger::output_id(txid, i, o), o});
  }
}

std::optional<ledger_workload::holding> ledger_workload::take(const owner_ref& owner,
                                                              const ledger::asset_id& asset,
                                                              std::uint64_t min_amount,
                                                              std::uint64_t height) {
  auto it = available_.find({owner_code(owner.multisig, owner.index), asset});
  if (it == available_.end()) return std::nullopt;
  auto& v = it->second;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].out.amount < min_amount) continue;
    auto h = v[i];
    v[i] = v.back();
    v.pop_back();
    reserved_[h.id] = reservation{height + expiry_blocks, it->first.first, h};
    taken_.push_back(h.id);
    return h;
  }
  return std::nullopt;
}

void ledger_workload::release(const crypto::hash256& id) {
  auto it = reserved_.find(id);
  if (it == reserved_.end()) return;
  available_[{it->second.owner, it->second.h.out.asset}].push_back(it->second.h);
  reserved_.erase(it);
}

bool ledger_workload::finish(tx& t, std::size_t change,
                             const std::vector<std::vector<std::uint32_t>>& signers,
                             const std::vector<control_program>& programs) {
  for (std::size_t i = 0; i < t.inputs.size(); ++i)
    for (std::size_t k = 0; k < signers[i].size(); ++k)
      t.inputs[i].witness.push_back(ledger::key_signature{0, bytes(scheme_.signature_size(), 0)});
  auto fee = ledger::min_fee(params_, ledger::encoded_size(t));
  for (auto& in : t.inputs)
    in.witness.clear();
  auto& c = t.outputs.at(change);
  if (c.amount <= fee) return false;
  c.amount -= fee;
  for (std::size_t i = 0; i < t.inputs.size(); ++i)
    for (auto w : signers[i])
      ledger::sign_input(t, i, programs[i], *wallets_[w].signer);
  return true;
}

std::optional<tx> ledger_workload::make_transfer(std::uint64_t height) {
  auto from = random_wallet();
  auto to = random_wallet();
  auto pay = 1000 + rng_.below(100'000);
  auto h = take({false, from}, native_, pay + 100'000, height);
  if (!h) return std::nullopt;
  tx t;
  t.chain = params_.chain;
  t.expires_at = height + expiry_blocks;
  t.inputs.push_back(ledger::spend_of(h->id));
  t.outputs.push_back(ledger::pay(native_, pay, wallets_[to].program));
  t.outputs.push_back(ledger::pay(native_, h->out.amount - pay, wallets_[from].program));
  if (!finish(t, 1, {{from}}, {h->out.owner})) return std::nullopt;
  return t;
}

std::optional<tx> ledger_workload::make_issue(std::uint64_t height, std::uint32_t issuer,
                                              const ledger::asset_definition& def,
                                              std::uint64_t amount) {
  auto fee_in = take({false, issuer}, native_, 100'000, height);
  if (!fee_in) return std::nullopt;
  tx t;
  t.chain = params_.chain;
  t.expires_at = height + expiry_blocks;
  ledger::input is;
  is.kind = ledger::input_kind::issue;
  is.definition = def;
  is.amount = amount;
  is.nonce = (rng_.next() << 8) ^ ++issue_nonce_;
  t.inputs.push_back(is);
  t.inputs.push_back(ledger::spend_of(fee_in->id));
  auto iid = ledger::input_id(is);
  if (def.kind == asset_kind::quark) {
    for (std::uint64_t k = 0; k < amount / def.unit(); ++k)
      t.outputs.push_back(ledger::pay(def.id(), def.unit(), wallets_[random_wallet()].program,
                                      ledger::token_id(iid, k)));
  } else {
    t.outputs.push_back(
        ledger::pay(def.id(), amount, wallets_[random_wallet()].program,
                    def.kind == asset_kind::atomic ? ledger::token_id(iid, 0) : crypto::hash256{}));
  }
  t.outputs.push_back(ledger::pay(native_, fee_in->out.amount, wallets_[issuer].program));
  if (!finish(t, t.outputs.size() - 1, {{issuer}, {issuer}}, {def.issuer, fee_in->out.owner}))
    return std::nullopt;
  return t;
}

std::optional<tx> ledger_workload::make_kind_transfer(std::uint64_t height,
                                                      const ledger::asset_id& asset,
                                                      const char* kind) {
  // Find a wallet that holds the asset, starting at a random one.
  auto start = random_wallet();
  for (std::uint32_t k = 0; k < wallets_.size(); ++k) {
    auto w = static_cast<std::uint32_t>((start + k) % wallets_.size());
    auto it = available_.find({owner_code(false, w), asset});
    if (it == available_.end() || it->second.empty()) continue;
    auto item = take({false, w}, asset, 1, height);
    auto fee_in = take({false, w}, native_, 100'000, height);
    if (!item || !fee_in) return std::nullopt;
    auto to = random_wallet();
    tx t;
    t.chain = params_.chain;
    t.expires_at = height + expiry_blocks;
    t.inputs.push_back(ledger::spend_of(item->id));
    t.inputs.push_back(ledger::spend_of(fee_in->id));
    const auto& o = item->out;
    if (std::string_view(kind) == "quark" || o.amount < 2) {
      t.outputs.push_back(ledger::pay(asset, o.amount, wallets_[to].program, o.lot));
    } else {
      // Atomic: split within the lot; Quantum: whole units.
      auto part = 1 + rng_.below(o.amount - 1);
      t.outputs.push_back(ledger::pay(asset, part, wallets_[to].program, o.lot));
      t.outputs.push_back(ledger::pay(asset, o.amount - part, wallets_[w].program, o.lot));
    }
    t.outputs.push_back(ledger::pay(native_, fee_in->out.amount, wallets_[w].program));
    if (!finish(t, t.outputs.size() - 1, {{w}, {w}}, {o.owner, fee_in->out.owner}))
      return std::nullopt;
    return t;
  }
  // Nobody holds any: the issuer makes some.
  if (asset == atomic_ && !atomic_.is_zero())
    return make_issue(height, 1, atomic_def_, atomic_lot_units);
  if (asset == quark_ && !quark_.is_zero())
    return make_issue(height, 2, quark_def_, quark_tokens_per_issue * quark_def_.unit());
  return std::nullopt;
}

std::optional<tx> ledger_workload::make_multisig(std::uint64_t height) {
  if (multisigs_.empty()) return std::nullopt;
  auto g = static_cast<std::uint32_t>(rng_.below(multisigs_.size()));
  auto pay = 1000 + rng_.below(100'000);
  auto h = take({true, g}, native_, pay + 100'000, height);
  if (!h) return std::nullopt;
  tx t;
  t.chain = params_.chain;
  t.expires_at = height + expiry_blocks;
  t.inputs.push_back(ledger::spend_of(h->id));
  t.outputs.push_back(ledger::pay(native_, pay, wallets_[random_wallet()].program));
  t.outputs.push_back(ledger::pay(native_, h->out.amount - pay, multisigs_[g]));
  // Two of the three members sign, each on its own.
  auto skip = static_cast<std::uint32_t>(rng_.below(3));
  std::vector<std::uint32_t> who;
  for (std::uint32_t k = 0; k < 3; ++k)
    if (k != skip) who.push_back(3 * g + k);
  if (!finish(t, 1, {who}, {multisigs_[g]})) return std::nullopt;
  return t;
}

std::optional<tx> ledger_workload::make_swap(std::uint64_t height) {
  if (quark_.is_zero()) return std::nullopt;
  // Alice holds an item, Bob pays for it with native units: one transaction, each signs their own.
  auto start = random_wallet();
  for (std::uint32_t k = 0; k < wallets_.size(); ++k) {
    auto alice = static_cast<std::uint32_t>((start + k) % wallets_.size());
    auto it = available_.find({owner_code(false, alice), quark_});
    if (it == available_.end() || it->second.empty()) continue;
    auto bob = random_wallet();
    if (bob == alice) bob = (bob + 1) % static_cast<std::uint32_t>(wallets_.size());
    auto price = 10'000 + rng_.below(1'000'000);
    auto item = take({false, alice}, quark_, 1, height);
    auto coins = take({false, bob}, native_, price + 100'000, height);
    if (!item || !coins) return std::nullopt;
    tx t;
    t.chain = params_.chain;
    t.expires_at = height + expiry_blocks;
    t.inputs.push_back(ledger::spend_of(item->id));
    t.inputs.push_back(ledger::spend_of(coins->id));
    t.outputs.push_back(
        ledger::pay(quark_, item->out.amount, wallets_[bob].program, item->out.lot));
    t.outputs.push_back(ledger::pay(native_, price, wallets_[alice].program));
    t.outputs.push_back(ledger::pay(native_, coins->out.amount - price, wallets_[bob].program));
    if (!finish(t, 2, {{alice}, {bob}}, {item->out.owner, coins->out.owner})) return std::nullopt;
    return t;
  }
  return make_kind_transfer(height, quark_, "quark");
}

void ledger_workload::corrupt(tx& t) {
  switch (rng_.below(4)) {
  case 0: // a flipped signature byte
    if (!t.inputs.empty() && !t.inputs[0].witness.empty())
      t.inputs[0].witness[0].signature[0] ^= 0x01;
    by_kind_["invalid:bad-signature"]++;
    break;
  case 1: // a missing signature
    if (!t.inputs.empty()) t.inputs[0].witness.clear();
    by_kind_["invalid:missing-signature"]++;
    break;
  case 2: // an inflated amount (the signatures no longer match either)
    t.outputs[0].amount += 1'000'000;
    by_kind_["invalid:inflated"]++;
    break;
  default: // meant for another network
    t.chain.data[0] ^= 0xff;
    by_kind_["invalid:wrong-chain"]++;
    break;
  }
}

std::vector<ledger::transaction> ledger_workload::tick(std::int64_t t_us,
                                                       std::uint64_t next_height) {
  // Outputs of transactions that expired without committing come back to their owners (sorted:
  // the order of hash-map iteration must not reach the run).
  std::vector<crypto::hash256> expired;
  for (const auto& [id, r] : reserved_)
    if (r.until + 1 < next_height) expired.push_back(id);
  std::sort(expired.begin(), expired.end());
  for (const auto& id : expired)
    release(id);

  carry_ += spec_.rate_tps * spec_.tick_ms / 1000.0;
  auto n = static_cast<std::uint64_t>(carry_);
  carry_ -= static_cast<double>(n);
  std::vector<ledger::transaction> out;
  for (std::uint64_t i = 0; i < n; ++i) {
    auto r = rng_.uniform01();
    std::optional<tx> t;
    const char* kind = "byte";
    double acc = spec_.swap_share;
    if (r < acc) {
      t = make_swap(next_height);
      kind = "swap";
    } else if (r < (acc += spec_.multisig_share)) {
      t = make_multisig(next_height);
      kind = "multisig";
    } else if (r < (acc += spec_.atomic_share)) {
      t = make_kind_transfer(next_height, atomic_, "atomic");
      kind = "atomic";
    } else if (r < (acc += spec_.quark_share)) {
      t = make_kind_transfer(next_height, quark_, "quark");
      kind = "quark";
    } else if (r < (acc += spec_.quantum_share)) {
      t = make_kind_transfer(next_height, quantum_, "quantum");
      kind = "quantum";
    } else {
      t = make_transfer(next_height);
    }
    auto taken = std::exchange(taken_, {});
    if (!t) {
      // A half-built transaction gives back what it took.
      for (const auto& id : taken)
        release(id);
      continue;
    }
    if (t->inputs.size() >= 1 && t->inputs[0].kind == ledger::input_kind::issue) kind = "issue";
    if (spec_.invalid_share > 0 && rng_.uniform01() < spec_.invalid_share) {
      corrupt(*t);
      ++invalid_;
      for (const auto& id : taken)
        release(id); // it will be refused: its inputs stay spendable
    } else {
      by_kind_[kind]++;
      submitted_at_.emplace(t->id(), t_us);
    }
    ++generated_;
    out.push_back(ledger::wrap(*t));
  }
  return out;
}

void ledger_workload::on_block(const ledger::block& b, std::int64_t t_us) {
  for (const auto& w : b.txs) {
    auto t = ledger::unwrap(w);
    if (!t) continue;
    auto id = t->id();
    for (const auto& in : t->inputs)
      if (in.kind == ledger::input_kind::spend) reserved_.erase(in.spent_output);
    for (std::uint32_t i = 0; i < t->outputs.size(); ++i) {
      const auto& o = t->outputs[i];
      if (o.kind != ledger::output_kind::control) continue;
      auto it = owners_.find(o.owner.address());
      if (it == owners_.end()) continue;
      available_[{owner_code(it->second.multisig, it->second.index), o.asset}].push_back(
          holding{ledger::output_id(id, i, o), o});
    }
    if (auto s = submitted_at_.find(id); s != submitted_at_.end()) {
      ++committed_;
      latency_ms_.push_back(static_cast<double>(t_us - s->second) / 1000.0);
      if (first_commit_us_ < 0) first_commit_us_ = t_us;
      last_commit_us_ = t_us;
      submitted_at_.erase(s);
    }
  }
}

void ledger_workload::fill(ledger_result& r) const {
  r.generated = generated_;
  r.invalid_generated = invalid_;
  r.generated_by_kind = by_kind_;
  r.committed = committed_;
  r.latency_p50_ms = percentile(latency_ms_, 0.50);
  r.latency_p99_ms = percentile(latency_ms_, 0.99);
  if (last_commit_us_ > first_commit_us_)
    r.committed_per_sim_second = static_cast<double>(committed_) /
                                 (static_cast<double>(last_commit_us_ - first_commit_us_) / 1e6);
}

// -- harness ------------------------------------------------------------------------------------

std::unique_ptr<ledger_harness>
ledger_harness::make(const ledger_spec& spec, std::uint64_t seed,
                     const crypto::signature_scheme& scheme, std::uint32_t nodes,
                     const std::vector<crypto::public_key>& node_keys, stack_plugin* plugin) {
  std::unique_ptr<ledger_harness> h(new ledger_harness(spec, scheme));
  h->workload_ = std::make_unique<ledger_workload>(spec, seed, scheme);
  h->genesis_ = h->workload_->genesis();
  if (plugin) {
    plugin->extend_genesis(h->genesis_);
    h->ext_ = plugin->rules();
    h->plugin_ = plugin;
  }
  auto st = ledger::genesis_state(h->genesis_);
  if (!st) return nullptr;
  h->genesis_state_ = std::move(*st);
  h->node_keys_ = node_keys;
  for (std::uint32_t i = 0; i < nodes; ++i)
    h->apps_.push_back(h->make_app(i));
  return h;
}

std::unique_ptr<ledger::butxo_app> ledger_harness::make_app(std::uint32_t node) {
  ledger::butxo_options o;
  o.params = ledger::params_of(genesis_);
  o.ext = ext_;
  if (spec_.coinbase && node < node_keys_.size())
    o.coinbase_to = control_program::single(node_keys_[node]);
  o.signature_cache_entries = 1 << 16;
  o.genesis_block = bbft::genesis_block()->hash();
  o.memo = &validations_;
  return std::make_unique<ledger::butxo_app>(std::move(o), genesis_state_, memo_);
}

void ledger_harness::restart(std::uint32_t node, const std::vector<ledger::block_ptr>& chain) {
  auto fresh = make_app(node);
  for (const auto& b : chain)
    (void)fresh->commit(*b);
  // The old application stays alive: the core it belonged to may outlive this call.
  retired_apps_.push_back(std::exchange(apps_.at(node), std::move(fresh)));
}

void ledger_harness::on_commit(std::uint32_t node, const ledger::block& b, bool honest,
                               bool canonical, std::int64_t t_us) {
  if (!honest) return;
  const auto& app = *apps_.at(node);
  auto h = app.state_hash_at(b.header.height);
  if (!h.is_zero()) checker_.on_commit(node, b.header.height, h);
  if (canonical) {
    workload_->on_block(b, t_us);
    if (plugin_) plugin_->on_commit(b, t_us);
    if (b.header.height > supply_checked_height_) {
      supply_checked_height_ = b.header.height;
      checker_.check_supply(app.state(), b.header.height);
    }
  }
}

ledger_result ledger_harness::finish(const std::vector<std::uint32_t>& honest_nodes) {
  auto r = checker_.result();
  r.enabled = true;
  workload_->fill(r);
  std::uint64_t lowest = UINT64_MAX;
  const ledger::butxo_app* low = nullptr;
  for (auto i : honest_nodes) {
    const auto& a = *apps_.at(i);
    r.signatures_checked += a.stats().signatures_checked;
    r.signature_cache_hits += a.stats().signature_cache_hits;
    r.blocks_refused += a.stats().blocks_refused;
    if (a.state().height() < lowest) {
      lowest = a.state().height();
      low = &a;
    }
  }
  if (low) {
    r.utxos = low->state().size();
    r.state_hash = low->state_hash().hex().substr(0, 16);
  }
  return r;
}

} // namespace bystack::sim
