#include "actors/federation/member_core.hpp"

#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <limits>

namespace bystack::federation {

namespace {

/// Bounds the shares kept for releases this member has not built yet.
constexpr std::size_t early_shares_max = 4096;

/// A release's inputs: `candidates` spent in their order until they hold `amount`.
struct selected_inputs {
  std::vector<ledger::input> inputs;
  std::uint64_t sum = 0;    ///< what the inputs hold (short of the amount if the coins are)
  std::uint64_t newest = 0; ///< the highest height among them
};

/// Selects the release's inputs; none if covering `amount` takes more than max_tx_inputs.
std::optional<selected_inputs> select_inputs(const std::vector<const federation_coin*>& candidates,
                                             std::uint64_t amount) {
  selected_inputs s;
  for (const auto* c : candidates) {
    if (s.sum >= amount) break;
    if (s.inputs.size() == ledger::max_tx_inputs) return std::nullopt;
    s.inputs.push_back(ledger::spend_of(c->id));
    s.sum += c->out.amount;
    s.newest = std::max(s.newest, c->height);
  }
  return s;
}

/// The release of pegout `p` from the selected inputs, with the change back to `fed`.
ledger::tx release_of(const pegout_request& p, const ledger::control_program& fed,
                      const hash256& chain, selected_inputs in) {
  ledger::tx t;
  t.chain = chain;
  t.inputs = std::move(in.inputs);
  auto pay = ledger::pay(p.mainchain_asset, p.amount - p.mainchain_fee, p.destination, p.lot);
  pay.data = release_memo(p.id);
  t.outputs.push_back(std::move(pay));
  if (in.sum > p.amount)
    t.outputs.push_back(ledger::pay(p.mainchain_asset, in.sum - p.amount, fed, p.lot));
  return t;
}

} // namespace

std::vector<pegout_request> pegouts_in_block(const std::vector<ledger::tx>& txs,
                                             std::uint64_t height, const ledger::utxo_view& state,
                                             const federation_params& p) {
  std::vector<pegout_request> out;
  auto tip = light_client(p, state).tip().hdr.height;
  auto depth = p.pegin_confirmations > 0 ? p.pegin_confirmations - 1 : 0;
  auto anchor = tip >= depth ? tip - depth : 0;
  for (std::size_t ti = 0; ti < txs.size(); ++ti) {
    const auto& t = txs[ti];
    std::optional<hash256> txid;
    for (std::size_t oi = 0; oi < t.outputs.size(); ++oi) {
      const auto& o = t.outputs[oi];
      if (o.kind != pegout_output) continue;
      const auto* def = state.asset(o.asset);
      auto mc = def ? mainchain_asset_of(*def) : std::nullopt;
      auto payload = decode_pegout(byte_view{o.data.data(), o.data.size()});
      if (!mc || !payload) continue; // a committed block holds only valid pegouts
      if (!txid) txid = t.id();
      pegout_request r;
      r.id = ledger::output_id(*txid, static_cast<std::uint32_t>(oi), o);
      r.sequence = (height << 26) | (static_cast<std::uint64_t>(ti) << 9) | oi;
      r.mainchain_asset = *mc;
      r.amount = o.amount;
      r.lot = o.lot;
      r.destination = payload->destination;
      r.mainchain_fee = payload->mainchain_fee;
      r.anchor_height = anchor;
      out.push_back(std::move(r));
    }
  }
  return out;
}

member_core::member_core(member_config cfg) : cfg_(std::move(cfg)) {}

std::optional<std::uint8_t> member_core::index_in(const ledger::control_program& p) const {
  for (std::size_t k = 0; k < p.keys.size(); ++k)
    if (cfg_.signer && p.keys[k] == cfg_.signer->pub()) return static_cast<std::uint8_t>(k);
  return std::nullopt;
}

void member_core::on_pegout(const pegout_request& p) {
  if (!known_.insert(p.id).second) return;
  pegouts_.emplace(p.sequence, p);
  // A pegout anchored at or above a rotation places its migration too (hosts that do not call
  // on_sidechain): before the pegouts of its block, as on_sidechain would.
  const auto& rots = cfg_.params.rotations;
  for (std::size_t r = 0; r < rots.size(); ++r)
    if (slot_.count(r) == 0 && p.anchor_height >= rots[r].from_height)
      slot_[r] = (p.sequence >> 26) << 26;
  advance();
}

void member_core::on_mainchain(std::vector<federation_coin> unspent, std::uint64_t height) {
  unspent_.clear();
  for (auto& c : unspent)
    unspent_.emplace(c.id, std::move(c));
  mc_height_ = height;
  have_view_ = true;
  advance();
}

void member_core::on_mainchain(std::vector<federation_coin> unspent, std::uint64_t height,
                               std::set<hash256> mined) {
  unspent_.clear();
  for (auto& c : unspent)
    unspent_.emplace(c.id, std::move(c));
  mc_height_ = height;
  have_view_ = true;
  mined_ = std::move(mined);
  have_mined_ = true;
  replace_dead();
  advance();
}

void member_core::replace_dead() {
  auto k = std::max<std::uint64_t>(1, cfg_.params.release_confirmations);
  std::set<hash256> pending; // outputs of planned transactions not mined and not dead
  std::vector<hash256> gone;
  for (const auto& key : order_) {
    const auto& t = planned_.at(key);
    auto id = t.id();
    if (mined_.count(id) != 0) {
      dead_since_.erase(key);
      continue;
    }
    bool dead = false;
    for (const auto& in : t.inputs)
      if (unspent_.count(in.spent_output) == 0 && pending.count(in.spent_output) == 0) dead = true;
    if (!dead) {
      dead_since_.erase(key);
      for (std::uint32_t o = 0; o < t.outputs.size(); ++o)
        pending.insert(ledger::output_id(id, o, t.outputs[o]));
      continue;
    }
    auto since = dead_since_.emplace(key, mc_height_).first->second;
    // Migrations are not replaced (their place among the releases is fixed by the sidechain),
    // and nothing is replaced while one dead transaction may still come back: every member
    // then replaces the same set at once, and no replacement spends a dead one's change.
    if (migration_keys_.count(key) != 0 || mc_height_ + 1 < since + k) return;
    gone.push_back(key);
  }
  if (gone.empty()) return;
  for (const auto& key : gone) {
    planned_.erase(key);
    program_.erase(key);
    signed_.erase(key);
    shares_.erase(key);
    early_.erase(key);
    submitted_.erase(key);
    released_.erase(key);
    dead_since_.erase(key);
    replacing_.insert(key);
    order_.erase(std::find(order_.begin(), order_.end(), key));
    ++replaced_;
  }
  // What the remaining plan spends and creates.
  planned_spent_.clear();
  planned_change_.clear();
  for (const auto& key : order_) {
    const auto& t = planned_.at(key);
    auto txid = t.id();
    for (const auto& in : t.inputs)
      planned_spent_.insert(in.spent_output);
    for (std::size_t o = migration_keys_.count(key) != 0 ? 0 : 1; o < t.outputs.size(); ++o)
      planned_change_.emplace(
          ledger::output_id(txid, static_cast<std::uint32_t>(o), t.outputs[o]),
          federation_coin{ledger::output_id(txid, static_cast<std::uint32_t>(o), t.outputs[o]),
                          t.outputs[o], 0});
  }
}

std::optional<ledger::tx> member_core::build_replacement(const pegout_request& p) const {
  if (!have_view_) return std::nullopt;
  const auto& fed = federation_at(cfg_.params, p.anchor_height);
  auto fits = [&](const federation_coin& c) {
    return c.out.kind == ledger::output_kind::control && c.out.owner == fed &&
           c.out.asset == p.mainchain_asset && c.out.lot == p.lot &&
           planned_spent_.count(c.id) == 0;
  };
  // Planned change first, at height 0 whether or not this member's view has it mined yet, so
  // that every member orders the same coins alike.
  std::map<hash256, const federation_coin*> seen;
  std::vector<std::pair<std::uint64_t, hash256>> order;
  for (const auto& [id, c] : planned_change_)
    if (fits(c) && seen.emplace(id, &c).second) order.emplace_back(0, id);
  for (const auto& [id, c] : unspent_)
    if (fits(c) && seen.emplace(id, &c).second) order.emplace_back(c.height, id);
  std::sort(order.begin(), order.end());
  std::vector<const federation_coin*> candidates;
  for (const auto& [h, id] : order)
    candidates.push_back(seen.at(id)); // planned change at height 0, as ordered
  auto selected = select_inputs(candidates, p.amount);
  auto depth = cfg_.params.release_confirmations > 0 ? cfg_.params.release_confirmations - 1 : 0;
  if (!selected || selected->sum < p.amount || p.mainchain_fee >= p.amount ||
      mc_height_ < selected->newest + depth)
    return std::nullopt;
  return release_of(p, fed, cfg_.params.mainchain, std::move(*selected));
}

void member_core::on_released(const hash256& pegout) {
  released_.insert(pegout);
  shares_.erase(pegout);
  early_.erase(pegout);
}

const ledger::tx* member_core::signed_release(const hash256& pegout) const {
  auto it = signed_.find(pegout);
  return it == signed_.end() ? nullptr : &it->second;
}

std::optional<ledger::tx> member_core::build_release(const pegout_request& p) const {
  if (!have_view_ || mc_height_ < p.anchor_height) return std::nullopt;
  const auto& fed = federation_at(cfg_.params, p.anchor_height);
  std::map<hash256, const federation_coin*> candidates; // ordered by id: the same everywhere
  auto fits = [&](const federation_coin& c) {
    return c.out.kind == ledger::output_kind::control && c.out.owner == fed &&
           c.out.asset == p.mainchain_asset && c.out.lot == p.lot && !is_fee_reserve(c.out) &&
           planned_spent_.count(c.id) == 0;
  };
  for (const auto& [id, c] : unspent_)
    if (c.height <= p.anchor_height && fits(c)) candidates.emplace(id, &c);
  for (const auto& [id, c] : planned_change_)
    if (fits(c)) candidates.emplace(id, &c);
  std::vector<const federation_coin*> ordered;
  for (const auto& [id, c] : candidates)
    ordered.push_back(c);
  auto selected = select_inputs(ordered, p.amount);
  if (!selected || selected->sum < p.amount || p.mainchain_fee >= p.amount) return std::nullopt;
  return release_of(p, fed, cfg_.params.mainchain, std::move(*selected));
}

void member_core::advance() {
  if (!cfg_.signer) return;
  const auto& rots = cfg_.params.rotations;
  for (const auto& [seq, p] : pegouts_) {
    if (program_.count(p.id) != 0) continue; // planned
    if (!migrate_before(seq)) return;
    // The federation of the anchor releases: its coins must have been migrated to it.
    std::size_t in_force = 0;
    while (in_force < rots.size() && rots[in_force].from_height <= p.anchor_height)
      ++in_force;
    if (in_force > migrated_) return;
    auto t = replacing_.count(p.id) != 0 ? build_replacement(p) : build_release(p);
    // Coins at or below the anchor always cover a pegout unless a deep reorganisation took
    // some (a double-spent pegin): then, with the chain's ids known, it takes the oldest coins
    // deep enough, as a replacement does, so that one shortfall does not stop every later
    // pegout whose coins are there.
    if (!t && have_mined_ && mc_height_ >= p.anchor_height) t = build_replacement(p);
    if (!t) return; // later pegouts wait: their coins depend on this one's release
    plan(p.id, std::move(*t), federation_at(cfg_.params, p.anchor_height), false);
  }
  migrate_before(std::numeric_limits<std::uint64_t>::max());
}

bool member_core::migrate_before(std::uint64_t seq) {
  const auto& rots = cfg_.params.rotations;
  while (migrated_ < rots.size()) {
    auto it = slot_.find(migrated_);
    if (it == slot_.end() || it->second > seq) return true; // its place is later
    auto txs = build_migration(migrated_);
    if (!txs) return false;
    const auto& old = migrated_ == 0 ? cfg_.params.federation : rots[migrated_ - 1].program;
    for (std::size_t c = 0; c < txs->size(); ++c)
      plan(migration_key(migrated_, c), std::move((*txs)[c]), old, true);
    ++migrated_;
  }
  return true;
}

hash256 member_core::migration_key(std::size_t r, std::size_t chunk) const {
  const auto& rot = cfg_.params.rotations.at(r);
  crypto::sha3_256_hasher h;
  static constexpr char tag[] = "fed-migration";
  h.update(byte_view{reinterpret_cast<const std::uint8_t*>(tag), sizeof tag - 1});
  h.update(rot.program.address());
  h.update_u64(rot.from_height);
  h.update_u64(chunk);
  return h.finish();
}

std::optional<std::vector<ledger::tx>> member_core::build_migration(std::size_t r) const {
  const auto& rots = cfg_.params.rotations;
  if (r >= rots.size()) return std::nullopt;
  const auto& rot = rots[r];
  const auto& old = r == 0 ? cfg_.params.federation : rots[r - 1].program;
  // The last mainchain height whose pegins to the old federation the sidechain honours.
  auto last = rot.from_height + cfg_.params.grace_blocks;
  last = last > 0 ? last - 1 : 0;
  auto depth = cfg_.params.pegin_confirmations > 0 ? cfg_.params.pegin_confirmations - 1 : 0;
  if (!have_view_ || mc_height_ < last + depth) return std::nullopt;
  std::map<hash256, const federation_coin*> coins; // ordered by id: the same everywhere
  // The old federation's fee reserve (migration fees): apart from the pegged coins.
  std::map<hash256, federation_coin> reserve;
  auto native = [&](const federation_coin& c) {
    return c.out.asset == cfg_.params.mainchain_native && c.out.lot == hash256{};
  };
  for (const auto& [id, c] : unspent_)
    if (c.out.kind == ledger::output_kind::control && c.out.owner == old && c.height <= last &&
        planned_spent_.count(id) == 0) {
      if (!is_fee_reserve(c.out))
        coins.emplace(id, &c);
      else if (native(c))
        reserve.emplace(id, c);
    }
  for (const auto& [id, c] : planned_change_)
    if (c.out.owner == old && planned_spent_.count(id) == 0) {
      if (!is_fee_reserve(c.out))
        coins.emplace(id, &c);
      else if (native(c))
        reserve.emplace(id, c);
    }
  const auto fee = cfg_.params.migration_fee;
  std::vector<ledger::tx> out;
  for (auto it = coins.begin(); it != coins.end();) {
    ledger::tx t;
    t.chain = cfg_.params.mainchain;
    // The fee first: reserve coins in id order until they cover it (the change of the previous
    // chunk's reserve included); without enough, the migration waits for the reserve.
    std::uint64_t reserve_in = 0;
    while (fee > 0 && reserve_in < fee && !reserve.empty()) {
      auto r = reserve.begin();
      t.inputs.push_back(ledger::spend_of(r->first));
      reserve_in += r->second.out.amount;
      reserve.erase(r);
    }
    if (reserve_in < fee) return std::nullopt;
    std::map<std::pair<ledger::asset_id, hash256>, std::uint64_t> sums; // (asset, lot)
    for (; it != coins.end() && t.inputs.size() < ledger::max_tx_inputs; ++it) {
      t.inputs.push_back(ledger::spend_of(it->first));
      sums[{it->second->out.asset, it->second->out.lot}] += it->second->out.amount;
    }
    for (const auto& [k, amount] : sums)
      t.outputs.push_back(ledger::pay(k.first, amount, rot.program, k.second));
    if (reserve_in > fee) {
      // What the reserve keeps goes to the new federation's reserve.
      auto change = ledger::pay(cfg_.params.mainchain_native, reserve_in - fee, rot.program);
      change.data = fee_reserve_memo();
      t.outputs.push_back(std::move(change));
    }
    out.push_back(std::move(t));
  }
  return out;
}

result<void> member_core::add_rotation(federation_rotation r) {
  auto ok = federation::add_rotation(cfg_.params, std::move(r));
  if (ok) advance();
  return ok;
}

void member_core::on_sidechain(std::uint64_t height, std::uint64_t anchor) {
  const auto& rots = cfg_.params.rotations;
  for (std::size_t r = 0; r < rots.size(); ++r)
    if (slot_.count(r) == 0 && anchor >= rots[r].from_height) slot_[r] = height << 26;
  advance();
}

void member_core::plan(const hash256& key, ledger::tx t, const ledger::control_program& program,
                       bool migration) {
  auto txid = t.id();
  program_.emplace(key, program);
  order_.push_back(key);
  planned_.emplace(key, t);
  if (migration) migration_keys_.insert(key);
  for (const auto& in : t.inputs)
    planned_spent_.insert(in.spent_output);
  // A release returns its change in output 1; a migration pays every output to the federation.
  for (std::size_t k = migration ? 0 : 1; k < t.outputs.size(); ++k) {
    federation_coin c{ledger::output_id(txid, static_cast<std::uint32_t>(k), t.outputs[k]),
                      t.outputs[k], 0};
    planned_change_.emplace(c.id, c);
  }
  auto index = index_in(program);
  if (!index) return; // planned like everyone, but signed by that federation's members
  if (guard_ && !guard_(key, txid)) {
    ++stats_.refused_to_sign; // planned (coin selection stays in step), not signed
    return;
  }
  signature_share own{key, txid, *index, {}};
  for (const auto& in : t.inputs)
    own.signatures.push_back(cfg_.signer->sign(ledger::sighash(ledger::input_id(in), txid)));
  shares_[key][*index] = own.signatures;
  signed_.emplace(key, std::move(t));
  ++stats_.releases_signed;
  out_.push_back(broadcast_share{own});
  if (auto it = early_.find(key); it != early_.end()) {
    auto waiting = std::move(it->second);
    early_.erase(it);
    for (const auto& s : waiting)
      on_share(s);
  }
  try_submit(key);
}

bool member_core::share_valid(const signature_share& s, const ledger::tx& t) const {
  const auto& keys = program_.at(s.pegout).keys;
  if (!cfg_.scheme || s.key_index >= keys.size() || s.signatures.size() != t.inputs.size())
    return false;
  auto txid = t.id();
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    crypto::crypto_meter meter;
    const auto& sig = s.signatures[i];
    if (!cfg_.scheme->verify(keys[s.key_index],
                             ledger::sighash(ledger::input_id(t.inputs[i]), txid),
                             byte_view{sig.data(), sig.size()}, meter))
      return false;
  }
  return true;
}

void member_core::on_share(const signature_share& s) {
  if (released_.count(s.pegout) != 0) return;
  auto it = signed_.find(s.pegout);
  if (it == signed_.end()) {
    // Not built here yet (this member's views lag), or a share for no pegout at all (a
    // Byzantine member): kept, bounded, and judged once this member has its own release.
    std::size_t total = 0;
    for (const auto& [p, v] : early_)
      total += v.size();
    if (total < early_shares_max && early_[s.pegout].size() < ledger::max_multisig_keys)
      early_[s.pegout].push_back(s);
    return;
  }
  if (s.release != it->second.id()) {
    ++stats_.shares_refused;
    ++stats_.conflicts;
    return;
  }
  if (!share_valid(s, it->second)) {
    ++stats_.shares_refused;
    return;
  }
  ++stats_.shares_accepted;
  shares_[s.pegout][s.key_index] = s.signatures;
  try_submit(s.pegout);
}

void member_core::try_submit(const hash256& pegout) {
  if (submitted_.count(pegout) != 0) return;
  const auto& got = shares_[pegout];
  auto threshold = program_.at(pegout).threshold;
  if (got.size() < threshold) return;
  auto t = signed_.at(pegout);
  std::size_t used = 0;
  for (const auto& [k, sigs] : got) { // ascending key index
    if (used == threshold) break;
    for (std::size_t i = 0; i < t.inputs.size(); ++i)
      t.inputs[i].witness.push_back(ledger::key_signature{k, sigs[i]});
    ++used;
  }
  submitted_.insert(pegout);
  ++stats_.releases_submitted;
  out_.push_back(submit_release{pegout, std::move(t)});
}

} // namespace bystack::federation
