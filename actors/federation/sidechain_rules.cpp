#include "actors/federation/sidechain_rules.hpp"

#include "actors/federation/address.hpp"
#include "actors/mainchain/header_codec.hpp"
#include "runtime/ledger/detail/encoding.hpp"
#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace bystack::federation {

using ledger::rule;
using ledger::tx_error;
using ledger::detail::reader;
using ledger::detail::writer;

namespace {

tx_error fail(rule r, std::string detail) {
  return tx_error{r, std::move(detail)};
}

std::string short_hex(const hash256& h) {
  return h.hex().substr(0, 16);
}

hash256 tagged(std::string_view tag, const hash256& h) {
  crypto::sha3_256_hasher s;
  s.update(byte_view{reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size()});
  s.update(h);
  return s.finish();
}

hash256 tagged(std::string_view tag, std::uint64_t n) {
  crypto::sha3_256_hasher s;
  s.update(byte_view{reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size()});
  s.update_u64(n);
  return s.finish();
}

hash256 header_record_id(const hash256& h) {
  return tagged("fed-header", h);
}

hash256 tip_record_id(std::uint64_t n) {
  return tagged("fed-tip", n);
}

/// The issuer no witness can satisfy: two signatures of one key.
ledger::control_program unissuable() {
  ledger::control_program p;
  p.threshold = 2;
  auto marker = tagged("fed-unissuable", hash256{});
  crypto::public_key k;
  std::copy(marker.data.begin(), marker.data.end(), k.begin());
  p.keys = {k};
  return p;
}

/// The pseudo asset whose issued supply counts the tip changes (one unit per tip record).
const ledger::asset_definition& tip_counter() {
  static const ledger::asset_definition d = [] {
    ledger::asset_definition x;
    x.name = "mainchain-tip";
    x.issuer = unissuable();
    return x;
  }();
  return d;
}

constexpr std::uint8_t pegged_tag[] = {'p', 'e', 'g'};

void put_tx(writer& w, const ledger::tx& t) {
  auto b = ledger::encode(t);
  w.blob(byte_view{b.data(), b.size()});
}

ledger::tx get_tx(reader& r, const char* field) {
  auto b = r.blob(field, ledger::max_tx_bytes);
  if (!r.ok()) return {};
  auto t = ledger::decode_tx(byte_view{b.data(), b.size()});
  if (!t) {
    r.fail(std::string(field) + ": " + t.err().message);
    return {};
  }
  return std::move(t).value();
}

template <class T> result<T> finish(reader& r, T v, const char* what) {
  if (!r.ok()) return make_error(std::string(what) + ": " + r.err());
  if (!r.at_end()) return make_error(std::string(what) + ": trailing bytes");
  return v;
}

bytes record_data(const mainchain::header& h, const pow::uint256& work) {
  bytes out;
  writer w(out);
  put(w, h);
  for (auto l : work.limbs)
    w.u64(l);
  return out;
}

/// Remembers, per thread, which keys the inputs of the transaction being checked consumed, so
/// that two inputs of one transaction cannot claim one output (apply_tx only runs once the
/// whole transaction passed). A repeated check of the same input is not a repeat.
struct tx_scratch {
  hash256 txid;
  std::map<hash256, hash256> used; ///< key -> input id
  bool use(const hash256& txid_now, const hash256& key, const hash256& iid) {
    if (txid_now != txid) {
      txid = txid_now;
      used.clear();
    }
    auto [it, fresh] = used.emplace(key, iid);
    return fresh || it->second == iid;
  }
};
thread_local tx_scratch scratch;

const hash256& header_input_key() {
  static const hash256 k = tagged("fed-one-header-input", hash256{});
  return k;
}

} // namespace

// -- payloads -----------------------------------------------------------------------------------

bytes encode_headers(const std::vector<mainchain::header>& hs) {
  bytes out;
  writer w(out);
  w.u32(static_cast<std::uint32_t>(hs.size()));
  for (const auto& h : hs)
    put(w, h);
  return out;
}

result<std::vector<mainchain::header>> decode_headers(byte_view b, std::size_t max) {
  reader r(b);
  std::vector<mainchain::header> hs;
  auto n = r.count("headers", max);
  for (std::size_t i = 0; i < n && r.ok(); ++i)
    hs.push_back(mainchain::get_header(r));
  if (r.ok() && hs.empty()) r.fail("headers: none");
  return finish(r, std::move(hs), "header relay");
}

bytes encode(const claim_payload& c) {
  bytes out;
  writer w(out);
  ledger::detail::put(w, c.definition);
  put_tx(w, c.mc_tx);
  w.u32(c.output_index);
  mainchain::put(w, c.path);
  w.hash(c.block);
  return out;
}

result<claim_payload> decode_claim(byte_view b) {
  reader r(b);
  claim_payload c;
  c.definition = ledger::detail::get_definition(r);
  c.mc_tx = get_tx(r, "claim.tx");
  c.output_index = r.u32("claim.output_index");
  c.path = mainchain::get_merkle_path(r);
  c.block = r.hash("claim.block");
  return finish(r, std::move(c), "claim");
}

bytes encode(const pegout_payload& p) {
  bytes out;
  writer w(out);
  ledger::detail::put(w, p.destination);
  w.u64(p.mainchain_fee);
  return out;
}

result<pegout_payload> decode_pegout(byte_view b) {
  reader r(b);
  pegout_payload p;
  p.destination = ledger::detail::get_program(r, "pegout.destination");
  p.mainchain_fee = r.u64("pegout.mainchain_fee");
  return finish(r, std::move(p), "pegout");
}

bytes encode(const release_payload& x) {
  bytes out;
  writer w(out);
  w.hash(x.pegout);
  put_tx(w, x.mc_tx);
  mainchain::put(w, x.path);
  w.hash(x.block);
  return out;
}

result<release_payload> decode_release(byte_view b) {
  reader r(b);
  release_payload x;
  x.pegout = r.hash("release.pegout");
  x.mc_tx = get_tx(r, "release.tx");
  x.path = mainchain::get_merkle_path(r);
  x.block = r.hash("release.block");
  return finish(r, std::move(x), "release");
}

ledger::input make_header_input(const std::vector<mainchain::header>& hs) {
  ledger::input in;
  in.kind = header_input;
  in.ext = encode_headers(hs);
  return in;
}

ledger::input make_claim_input(const claim_payload& c) {
  ledger::input in;
  in.kind = claim_input;
  in.ext = encode(c);
  return in;
}

ledger::input make_release_input(const release_payload& r) {
  ledger::input in;
  in.kind = release_input;
  in.ext = encode(r);
  return in;
}

ledger::output make_pegout_output(const ledger::asset_id& asset, std::uint64_t amount,
                                  const pegout_payload& p, const hash256& lot) {
  ledger::output o;
  o.kind = pegout_output;
  o.asset = asset;
  o.amount = amount;
  o.lot = lot;
  o.data = encode(p);
  return o;
}

const ledger::control_program& federation_at(const federation_params& p, std::uint64_t height) {
  const ledger::control_program* cur = &p.federation;
  for (const auto& r : p.rotations)
    if (r.from_height <= height) cur = &r.program;
  return *cur;
}

bool accepts_pegin(const federation_params& p, const ledger::control_program& owner,
                   std::uint64_t height, std::uint64_t sidechain_height) {
  const ledger::control_program* prev = nullptr;
  const ledger::control_program* cur = &p.federation;
  std::uint64_t since = 0;
  for (const auto& r : p.rotations)
    if (r.from_height <= height && r.sidechain_from <= sidechain_height) {
      prev = cur;
      cur = &r.program;
      since = r.from_height;
    }
  if (owner == *cur) return true;
  return prev && owner == *prev && height < since + p.grace_blocks;
}

result<void> add_rotation(federation_params& p, federation_rotation r) {
  const auto& last = p.rotations.empty() ? p.federation : p.rotations.back().program;
  if (!p.rotations.empty() && r.from_height <= p.rotations.back().from_height)
    return make_error("rotation: from height " + std::to_string(r.from_height) +
                      " not above the previous rotation's " +
                      std::to_string(p.rotations.back().from_height));
  if (auto ok = check_rotation(last, r.program); !ok) return ok;
  p.rotations.push_back(std::move(r));
  return {};
}

std::vector<ledger::control_program> federations(const federation_params& p) {
  std::vector<ledger::control_program> out{p.federation};
  for (const auto& r : p.rotations)
    out.push_back(r.program);
  return out;
}

// -- assets and ids -----------------------------------------------------------------------------

ledger::asset_definition pegged_definition(const ledger::asset_definition& mc) {
  ledger::asset_definition d;
  d.name = mc.name;
  d.kind = mc.kind;
  d.decimals = mc.decimals;
  d.issuer = unissuable();
  d.data.assign(std::begin(pegged_tag), std::end(pegged_tag));
  auto id = mc.id();
  d.data.insert(d.data.end(), id.data.begin(), id.data.end());
  return d;
}

std::optional<ledger::asset_id> mainchain_asset_of(const ledger::asset_definition& d) {
  if (d.data.size() != sizeof pegged_tag + 32 || d.issuer != unissuable()) return std::nullopt;
  if (!std::equal(std::begin(pegged_tag), std::end(pegged_tag), d.data.begin()))
    return std::nullopt;
  ledger::asset_id id;
  std::copy(d.data.begin() + sizeof pegged_tag, d.data.end(), id.data.begin());
  return id;
}

hash256 claim_key(const hash256& mainchain_output) {
  return tagged("fed-claim", mainchain_output);
}

hash256 pegin_output_id(const hash256& mainchain_output) {
  return tagged("fed-pegin-output", mainchain_output);
}

bytes release_memo(const hash256& pegout) {
  return bytes(pegout.data.begin(), pegout.data.end());
}

const bytes& fee_reserve_memo() {
  static const bytes memo = [] {
    static constexpr char tag[] = "bystack/federation-fee-reserve";
    return bytes(tag, tag + sizeof tag - 1);
  }();
  return memo;
}

bool is_fee_reserve(const ledger::output& o) {
  return o.data == fee_reserve_memo();
}

// -- the light client ---------------------------------------------------------------------------

std::optional<header_info> light_client::find(const hash256& h) const {
  auto gh = p_->genesis.hash();
  if (h == gh) return header_info{p_->genesis, gh, pow::work_from_bits(p_->genesis.bits)};
  const auto* e = view_->find(header_record_id(h));
  if (!e || e->out.kind != header_record) return std::nullopt;
  reader r(byte_view{e->out.data.data(), e->out.data.size()});
  header_info info;
  info.hdr = mainchain::get_header(r);
  for (auto& l : info.work.limbs)
    l = r.u64("work");
  if (!r.ok()) return std::nullopt;
  info.hash = h;
  return info;
}

std::uint64_t light_client::tip_changes() const {
  return view_->issued(tip_counter().id());
}

header_info light_client::tip() const {
  auto n = tip_changes();
  if (n > 0) {
    if (const auto* e = view_->find(tip_record_id(n)); e && e->out.data.size() == 32) {
      hash256 h;
      std::copy(e->out.data.begin(), e->out.data.end(), h.data.begin());
      if (auto info = find(h)) return *info;
    }
  }
  return *find(p_->genesis.hash());
}

std::optional<hash256> light_client::best_at(std::uint64_t height) const {
  auto t = tip();
  if (height > t.hdr.height || t.hdr.height - height > p_->claim_depth_max) return std::nullopt;
  auto cur = t;
  while (cur.hdr.height > height) {
    auto parent = find(cur.hdr.previous);
    if (!parent) return std::nullopt;
    cur = *parent;
  }
  return cur.hash;
}

std::uint64_t light_client::confirmations(const hash256& block) const {
  auto b = find(block);
  if (!b) return 0;
  auto at = best_at(b->hdr.height);
  if (!at || *at != block) return 0;
  return tip().hdr.height - b->hdr.height + 1;
}

ledger::tx_error light_client::check(const std::vector<mainchain::header>& hs,
                                     mainchain::pow_checker* pow) const {
  if (hs.empty()) return fail(rule::malformed, "no headers");
  std::map<hash256, header_info> run; // the headers of this run, by hash
  auto lookup = [&](const hash256& h) -> std::optional<header_info> {
    if (auto it = run.find(h); it != run.end()) return it->second;
    return find(h);
  };
  const auto& c = p_->consensus;
  auto tip_height = tip().hdr.height;
  for (std::size_t i = 0; i < hs.size(); ++i) {
    const auto& h = hs[i];
    auto where = "header " + std::to_string(i) + " (height " + std::to_string(h.height) + ")";
    auto hash = h.hash();
    if (lookup(hash)) return fail(rule::duplicate_input, where + ": already known");
    auto parent = lookup(h.previous);
    if (!parent)
      return fail(rule::missing_input, where + ": unknown parent " + short_hex(h.previous));
    if (i > 0 && h.previous != hs[i - 1].hash())
      return fail(rule::malformed, where + ": does not extend the header before it");
    const auto& p = parent->hdr;
    if (p.height + p_->fork_depth_max < tip_height)
      return fail(rule::malformed, where + ": forks " + std::to_string(tip_height - p.height) +
                                       " blocks below the tip, at most " +
                                       std::to_string(p_->fork_depth_max));
    if (h.version != c.version) return fail(rule::malformed, where + ": bad-version");
    if (h.height != p.height + 1) return fail(rule::malformed, where + ": bad-height");
    // The mainchain's own rules: retarget every K blocks over the span of the window.
    std::uint64_t bits = p.bits;
    if (h.height % c.retarget_blocks == 0) {
      auto first = *parent;
      while (first.hdr.height > h.height - c.retarget_blocks) {
        auto up = lookup(first.hdr.previous);
        if (!up) return fail(rule::missing_input, where + ": retarget window not held");
        first = *up;
      }
      auto span = static_cast<std::int64_t>(p.timestamp_ms) -
                  static_cast<std::int64_t>(first.hdr.timestamp_ms);
      bits = mainchain::retarget_bits(p.bits, span, c);
    }
    if (h.bits != bits) return fail(rule::malformed, where + ": bad-bits");
    auto seed = p.height % pow::seed_epoch_blocks == 0 ? parent->hash : p.seed;
    if (h.seed != seed) return fail(rule::malformed, where + ": bad-seed");
    std::vector<std::uint64_t> ts;
    for (std::optional<header_info> a = parent; a && ts.size() < c.median_time_blocks;
         a = a->hdr.height == 0 ? std::nullopt : lookup(a->hdr.previous))
      ts.push_back(a->hdr.timestamp_ms);
    if (h.timestamp_ms <= mainchain::median_time(ts))
      return fail(rule::malformed, where + ": time-too-old");
    if (pow && !pow->check(h)) return fail(rule::malformed, where + ": bad-pow");
    run.emplace(hash, header_info{h, hash, parent->work + pow::work_from_bits(h.bits)});
  }
  return {};
}

// -- the rules ----------------------------------------------------------------------------------

tx_error sidechain_rules::check_input(
    const ledger::input& in, const hash256& iid, const hash256& txid, const ledger::utxo_view& view,
    const std::function<tx_error(const ledger::asset_id&, const hash256&, std::uint64_t,
                                 ledger::asset_kind)>& credit,
    std::vector<ledger::sig_job>& sigs) const {
  if (in.kind == header_input) {
    auto hs = decode_headers(byte_view{in.ext.data(), in.ext.size()}, p_.headers_per_input_max);
    if (!hs) return fail(rule::malformed, hs.err().message);
    if (!scratch.use(txid, header_input_key(), iid))
      return fail(rule::duplicate_input, "a transaction relays headers in one input only");
    return light_client(p_, view).check(*hs, pow_);
  }
  if (in.kind == claim_input)
    return check_claim(in, iid, txid, view, std::numeric_limits<std::uint64_t>::max());
  if (in.kind == release_input) return check_release(in, iid, txid, view);
  if (next_) return next_->check_input(in, iid, txid, view, credit, sigs);
  return extension_rules::check_input(in, iid, txid, view, credit, sigs);
}

tx_error sidechain_rules::check_input_at(
    std::uint64_t height, const ledger::input& in, const hash256& iid, const hash256& txid,
    const ledger::utxo_view& view,
    const std::function<tx_error(const ledger::asset_id&, const hash256&, std::uint64_t,
                                 ledger::asset_kind)>& credit,
    std::vector<ledger::sig_job>& sigs) const {
  if (in.kind == claim_input) return check_claim(in, iid, txid, view, height);
  if (in.kind == header_input || in.kind == release_input)
    return check_input(in, iid, txid, view, credit, sigs);
  if (next_) return next_->check_input_at(height, in, iid, txid, view, credit, sigs);
  return extension_rules::check_input_at(height, in, iid, txid, view, credit, sigs);
}

tx_error sidechain_rules::check_claim(const ledger::input& in, const hash256& iid,
                                      const hash256& txid, const ledger::utxo_view& view,
                                      std::uint64_t sidechain_height) const {
  auto c = decode_claim(byte_view{in.ext.data(), in.ext.size()});
  if (!c) return fail(rule::malformed, c.err().message);
  if (c->mc_tx.chain != p_.mainchain)
    return fail(rule::wrong_chain, "the claimed transaction is not a mainchain transaction");
  if (c->output_index >= c->mc_tx.outputs.size())
    return fail(rule::malformed, "output " + std::to_string(c->output_index) + " of " +
                                     std::to_string(c->mc_tx.outputs.size()));
  const auto& out = c->mc_tx.outputs[c->output_index];
  light_client lc(p_, view);
  auto b = lc.find(c->block);
  if (!b) return fail(rule::missing_input, "block " + short_hex(c->block) + " is not relayed");
  if (out.kind != ledger::output_kind::control ||
      !accepts_pegin(p_, out.owner, b->hdr.height, sidechain_height))
    return fail(rule::bad_program, "the output does not pay the federation of height " +
                                       std::to_string(b->hdr.height));
  if (c->definition.id() != out.asset)
    return fail(rule::unknown_asset, "the definition is not of the output's asset");
  auto dest = ledger::decode_control_program(byte_view{out.data.data(), out.data.size()});
  if (!dest || dest->keys.empty() || dest->keys.size() > ledger::max_multisig_keys ||
      dest->threshold == 0 || dest->threshold > dest->keys.size())
    return fail(rule::bad_program, "the output's data names no valid sidechain owner");
  auto txid_mc = c->mc_tx.id();
  auto root = mainchain::merkle_root_of(txid_mc, c->path);
  if (!root) return fail(rule::malformed, root.err().message);
  if (*root != b->hdr.tx_root)
    return fail(rule::malformed, "the transaction is not in block " + short_hex(c->block));
  auto conf = lc.confirmations(c->block);
  if (conf < p_.pegin_confirmations)
    return fail(rule::missing_input, "block " + short_hex(c->block) + " has " +
                                         std::to_string(conf) + " confirmations on the best " +
                                         "chain, " + std::to_string(p_.pegin_confirmations) +
                                         " needed");
  auto oid = ledger::output_id(txid_mc, c->output_index, out);
  auto key = claim_key(oid);
  if (view.issuance_used(key) || !scratch.use(txid, key, iid))
    return fail(rule::issuance_reused, "mainchain output " + short_hex(oid) + " was claimed");
  return {};
}

tx_error sidechain_rules::check_release(const ledger::input& in, const hash256& iid,
                                        const hash256& txid, const ledger::utxo_view& view) const {
  auto r = decode_release(byte_view{in.ext.data(), in.ext.size()});
  if (!r) return fail(rule::malformed, r.err().message);
  const auto* e = view.find(r->pegout);
  if (!e || e->out.kind != pegout_output)
    return fail(rule::missing_input, "pegout " + short_hex(r->pegout) + " is unknown or released");
  if (!scratch.use(txid, r->pegout, iid))
    return fail(rule::duplicate_input, "pegout " + short_hex(r->pegout) + " released twice");
  const auto* def = view.asset(e->out.asset);
  auto mc_asset = def ? mainchain_asset_of(*def) : std::nullopt;
  auto pegout = decode_pegout(byte_view{e->out.data.data(), e->out.data.size()});
  if (!mc_asset || !pegout) return fail(rule::malformed, "the pegout is not a valid pegout");
  if (r->mc_tx.chain != p_.mainchain)
    return fail(rule::wrong_chain, "the release is not a mainchain transaction");
  light_client lc(p_, view);
  auto b = lc.find(r->block);
  if (!b) return fail(rule::missing_input, "block " + short_hex(r->block) + " is not relayed");
  auto root = mainchain::merkle_root_of(r->mc_tx.id(), r->path);
  if (!root) return fail(rule::malformed, root.err().message);
  if (*root != b->hdr.tx_root)
    return fail(rule::malformed, "the release is not in block " + short_hex(r->block));
  auto conf = lc.confirmations(r->block);
  if (conf < p_.release_confirmations)
    return fail(rule::missing_input, "the release's block has " + std::to_string(conf) +
                                         " confirmations, " +
                                         std::to_string(p_.release_confirmations) + " needed");
  auto memo = release_memo(r->pegout);
  for (const auto& o : r->mc_tx.outputs)
    if (o.kind == ledger::output_kind::control && o.data == memo) {
      if (o.owner != pegout->destination || o.asset != *mc_asset ||
          o.amount != e->out.amount - pegout->mainchain_fee || o.lot != e->out.lot)
        return fail(rule::unbalanced, "the release pays other than the pegout asks");
      return {};
    }
  return fail(rule::missing_input, "the transaction pays no output for this pegout");
}

tx_error sidechain_rules::check_output(const ledger::output& out,
                                       const ledger::utxo_view& view) const {
  if (out.kind != pegout_output) {
    if (next_) return next_->check_output(out, view);
    return extension_rules::check_output(out, view);
  }
  const auto* def = view.asset(out.asset);
  if (!def || !mainchain_asset_of(*def))
    return fail(rule::unknown_asset, "a pegout of an asset that is not pegged");
  if (!out.owner.keys.empty() || out.owner.threshold != 1)
    return fail(rule::bad_retire, "a pegout has no owner");
  auto p = decode_pegout(byte_view{out.data.data(), out.data.size()});
  if (!p) return fail(rule::malformed, p.err().message);
  const auto& d = p->destination;
  if (d.keys.empty() || d.keys.size() > ledger::max_multisig_keys || d.threshold == 0 ||
      d.threshold > d.keys.size())
    return fail(rule::bad_program, "the pegout names no valid mainchain owner");
  if (p->mainchain_fee >= out.amount)
    return fail(rule::fee_too_low, "the mainchain fee leaves nothing to release");
  if (p->mainchain_fee > 0 && *mainchain_asset_of(*def) != p_.mainchain_native)
    return fail(rule::fee_too_low, "a mainchain fee needs the mainchain's native asset");
  return {};
}

void sidechain_rules::apply_input(const ledger::input& in, const hash256& iid, const hash256& txid,
                                  ledger::utxo_overlay& overlay, ledger::block_delta& delta,
                                  std::uint64_t height) const {
  if (in.kind == header_input) {
    auto hs = decode_headers(byte_view{in.ext.data(), in.ext.size()}, p_.headers_per_input_max);
    if (!hs) return;
    light_client lc(p_, overlay);
    auto best = lc.tip();
    auto work = lc.find(hs->front().previous);
    if (!work) return;
    auto w = work->work;
    header_info last;
    for (const auto& h : *hs) {
      w = w + pow::work_from_bits(h.bits);
      auto hash = h.hash();
      ledger::utxo_entry rec;
      rec.out.kind = header_record;
      rec.out.data = record_data(h, w);
      rec.height = height;
      overlay.create(header_record_id(hash), std::move(rec), delta);
      last = header_info{h, hash, w};
    }
    if (last.work > best.work) {
      auto n = lc.tip_changes() + 1;
      overlay.issue(tip_counter(), 1, tagged("fed-tip-change", n), delta);
      ledger::utxo_entry rec;
      rec.out.kind = tip_record;
      rec.out.asset = tip_counter().id();
      rec.out.amount = 1;
      rec.out.data = bytes(last.hash.data.begin(), last.hash.data.end());
      rec.height = height;
      overlay.create(tip_record_id(n), std::move(rec), delta);
    }
    return;
  }
  if (in.kind == claim_input) {
    auto c = decode_claim(byte_view{in.ext.data(), in.ext.size()});
    if (!c) return;
    const auto& out = c->mc_tx.outputs.at(c->output_index);
    auto oid = ledger::output_id(c->mc_tx.id(), c->output_index, out);
    auto dest = ledger::decode_control_program(byte_view{out.data.data(), out.data.size()});
    auto def = pegged_definition(c->definition);
    overlay.issue(def, out.amount, claim_key(oid), delta);
    ledger::utxo_entry e;
    e.out = ledger::pay(def.id(), out.amount, *dest, out.lot);
    e.height = height;
    overlay.create(pegin_output_id(oid), std::move(e), delta);
    return;
  }
  if (in.kind == release_input) {
    auto r = decode_release(byte_view{in.ext.data(), in.ext.size()});
    if (!r) return;
    const auto* e = overlay.find(r->pegout);
    if (!e) return;
    delta.retired.emplace_back(e->out.asset, e->out.amount);
    overlay.spend(r->pegout, delta);
    return;
  }
  if (next_) next_->apply_input(in, iid, txid, overlay, delta, height);
}

} // namespace bystack::federation
