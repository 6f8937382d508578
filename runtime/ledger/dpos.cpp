#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/detail/encoding.hpp"

namespace bystack::ledger::dpos {

namespace {

constexpr std::uint8_t registration_version = 1;

tx_error fail(rule r, std::string detail) {
  return tx_error{r, std::move(detail)};
}

std::string short_hex(const hash256& h) {
  return h.hex().substr(0, 16);
}

bool program_ok(const control_program& p) {
  return !p.keys.empty() && p.keys.size() <= max_multisig_keys && p.threshold != 0 &&
         p.threshold <= p.keys.size();
}

/// Checks a witness against the program that owns the unlocked output (as for a spend).
tx_error check_witness(const std::vector<key_signature>& w, const control_program& p,
                       const hash256& digest, std::vector<sig_job>& sigs) {
  std::uint32_t seen = 0;
  for (const auto& s : w) {
    if (s.key_index >= p.keys.size())
      return fail(rule::bad_witness, "key index " + std::to_string(s.key_index) + " beyond the " +
                                         std::to_string(p.keys.size()) + " keys");
    if (seen & (1u << s.key_index))
      return fail(rule::bad_witness, "key " + std::to_string(s.key_index) + " signs twice");
    seen |= 1u << s.key_index;
    sigs.push_back(sig_job{p.keys[s.key_index], digest, &s.signature});
  }
  if (w.size() < p.threshold)
    return fail(rule::threshold_not_met, std::to_string(w.size()) + " of " +
                                             std::to_string(p.threshold) + " required signatures");
  return {};
}

bool candidate_of(const output& o, hash256& out) {
  if (o.data.size() != out.data.size()) return false;
  std::copy(o.data.begin(), o.data.end(), out.data.begin());
  return true;
}

bool locked_of(const input& in, hash256& out) {
  if (in.ext.size() != out.data.size()) return false;
  std::copy(in.ext.begin(), in.ext.end(), out.data.begin());
  return true;
}

} // namespace

bytes encode(const registration& r) {
  bytes out;
  detail::writer w(out);
  w.u8(registration_version);
  w.raw(byte_view{r.node_key.data(), r.node_key.size()});
  w.blob(as_bytes(r.address));
  w.blob(as_bytes(r.region));
  return out;
}

result<registration> decode_registration(byte_view data) {
  detail::reader rd(data);
  registration r;
  auto v = rd.u8("registration.version");
  if (rd.ok() && v != registration_version)
    return make_error("registration: unknown version " + std::to_string(v));
  auto k = rd.hash("registration.node_key");
  std::copy(k.data.begin(), k.data.end(), r.node_key.begin());
  auto a = rd.blob("registration.address", max_address_bytes);
  auto g = rd.blob("registration.region", max_region_bytes);
  if (!rd.ok()) return make_error("registration: " + rd.err());
  if (!rd.at_end()) return make_error("registration: trailing bytes");
  r.address.assign(a.begin(), a.end());
  r.region.assign(g.begin(), g.end());
  return r;
}

tx_error dpos_rules::check_input(const input& in, const hash256& iid, const hash256& txid,
                                 const utxo_view& view,
                                 const std::function<tx_error(const asset_id&, const hash256&,
                                                              std::uint64_t, asset_kind)>& credit,
                                 std::vector<sig_job>& sigs) const {
  // Without a height no lock can be checked: only a veto of an output created at height 0
  // would pass, so treat the transaction as entering block 0.
  return check_input_at(0, in, iid, txid, view, credit, sigs);
}

tx_error dpos_rules::check_input_at(
    std::uint64_t height, const input& in, const hash256& iid, const hash256& txid,
    const utxo_view& view,
    const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t, asset_kind)>&
        credit,
    std::vector<sig_job>& sigs) const {
  if (in.kind != veto_input) return extension_rules::check_input(in, iid, txid, view, credit, sigs);
  // An extension input encodes only its payload: the unlocked output's id.
  hash256 locked;
  if (!locked_of(in, locked) || in.amount != 0 || in.nonce != 0 || !in.spent_output.is_zero())
    return fail(rule::bad_vote, "a veto's payload is the 32-byte id of what it unlocks");
  const auto* e = view.find(locked);
  if (!e)
    return fail(rule::missing_input,
                "veto of " + short_hex(locked) + ": unknown or already unlocked");
  if (e->out.kind != vote_output && e->out.kind != register_output)
    return fail(rule::bad_vote, "a veto unlocks a vote or a registration only");
  if (height < e->height + p_.vote_lock_blocks)
    return fail(rule::locked_output, "locked until height " +
                                         std::to_string(e->height + p_.vote_lock_blocks) +
                                         ", the block is at " + std::to_string(height));
  if (auto err = check_witness(in.witness, e->out.owner, sighash(iid, txid), sigs); !err.ok())
    return err;
  return credit(e->out.asset, e->out.lot, e->out.amount, asset_kind::byte);
}

tx_error dpos_rules::check_output(const output& out, const utxo_view& view) const {
  if (out.kind != vote_output && out.kind != register_output)
    return extension_rules::check_output(out, view);
  const bool vote = out.kind == vote_output;
  const char* what = vote ? "vote" : "registration";
  if (out.asset != native_ || !out.lot.is_zero())
    return fail(rule::bad_vote, std::string(what) + ": locks the native asset only");
  if (!program_ok(out.owner)) return fail(rule::bad_program, std::string(what) + ": owner program");
  if (vote) {
    if (out.amount < p_.min_vote)
      return fail(rule::bad_vote, "vote of " + std::to_string(out.amount) + ", at least " +
                                      std::to_string(p_.min_vote));
    hash256 c;
    if (!candidate_of(out, c)) return fail(rule::bad_vote, "vote: data is not a candidate id");
    const auto* reg = view.find(c);
    if (!reg || reg->out.kind != register_output)
      return fail(rule::unknown_candidate, "vote for " + short_hex(c) + ": no registration");
    return {};
  }
  if (out.amount < p_.candidate_deposit)
    return fail(rule::bad_vote, "registration deposit " + std::to_string(out.amount) +
                                    ", at least " + std::to_string(p_.candidate_deposit));
  auto r = decode_registration(byte_view{out.data.data(), out.data.size()});
  if (!r) return fail(rule::bad_vote, r.err().message);
  if (r->address.empty()) return fail(rule::bad_vote, "registration: no network address");
  // Owned by the node key alone: only the node can withdraw, and what the set signs with is
  // the key that locked the deposit.
  if (!(out.owner == control_program::single(r->node_key)))
    return fail(rule::bad_vote, "registration: not owned by its node key alone");
  return {};
}

void dpos_rules::apply_input(const input& in, const hash256&, const hash256&, utxo_overlay& overlay,
                             block_delta& delta, std::uint64_t) const {
  hash256 locked;
  if (in.kind == veto_input && locked_of(in, locked)) overlay.spend(locked, delta);
}

output make_registration(const asset_id& native, std::uint64_t deposit, const registration& r) {
  output o;
  o.kind = register_output;
  o.asset = native;
  o.amount = deposit;
  o.owner = control_program::single(r.node_key);
  o.data = encode(r);
  return o;
}

output make_vote(const asset_id& native, std::uint64_t amount, const hash256& candidate,
                 const control_program& voter) {
  output o;
  o.kind = vote_output;
  o.asset = native;
  o.amount = amount;
  o.owner = voter;
  o.data.assign(candidate.data.begin(), candidate.data.end());
  return o;
}

input make_veto(const hash256& locked_output) {
  input in;
  in.kind = veto_input;
  in.ext.assign(locked_output.data.begin(), locked_output.data.end());
  return in;
}

void vote_tally::add(const hash256& id, const utxo_entry& e) {
  if (e.out.kind == vote_output) {
    hash256 c;
    if (!candidate_of(e.out, c)) return;
    votes_[c] += e.out.amount;
    total_ += e.out.amount;
  } else if (e.out.kind == register_output) {
    auto r = decode_registration(byte_view{e.out.data.data(), e.out.data.size()});
    if (!r) return; // validation refuses such outputs; nothing to count
    regs_[id] = candidate{id, std::move(r).value(), e.out.amount, e.height, 0};
  }
}

void vote_tally::remove(const hash256& id, const utxo_entry& e) {
  if (e.out.kind == vote_output) {
    hash256 c;
    if (!candidate_of(e.out, c)) return;
    auto it = votes_.find(c);
    if (it == votes_.end()) return;
    it->second -= std::min(it->second, e.out.amount);
    total_ -= std::min(total_, e.out.amount);
    if (it->second == 0) votes_.erase(it);
  } else if (e.out.kind == register_output) {
    regs_.erase(id);
  }
}

void vote_tally::apply(const block_delta& d) {
  // Created before spent: an output made and unlocked in one block nets out.
  for (const auto& [id, e] : d.created)
    add(id, e);
  for (const auto& [id, e] : d.spent)
    remove(id, e);
}

void vote_tally::undo(const block_delta& d) {
  for (const auto& [id, e] : d.spent)
    add(id, e);
  for (const auto& [id, e] : d.created)
    remove(id, e);
}

vote_tally vote_tally::from_state(const utxo_set& s) {
  vote_tally t;
  for (const auto& [id, e] : s.entries())
    t.add(id, e);
  return t;
}

std::vector<candidate> vote_tally::candidates() const {
  std::vector<candidate> out;
  out.reserve(regs_.size());
  for (const auto& [id, c] : regs_) {
    out.push_back(c);
    out.back().votes = votes_for(id);
  }
  return out;
}

std::uint64_t vote_tally::votes_for(const hash256& c) const {
  auto it = votes_.find(c);
  return it == votes_.end() ? 0 : it->second;
}

} // namespace bystack::ledger::dpos
