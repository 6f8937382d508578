#include "runtime/ledger/rules.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

namespace bystack::ledger {

namespace {

tx_error fail(rule r, std::string detail) {
  return tx_error{r, std::move(detail)};
}

std::string short_hex(const hash256& h) {
  return h.hex().substr(0, 16);
}

/// The (asset, lot) a unit belongs to; lot is zero for fungible kinds.
struct holding {
  asset_id asset;
  hash256 lot;
  auto operator<=>(const holding&) const = default;
};

struct balance {
  asset_kind kind = asset_kind::byte;
  std::uint64_t unit = 1;
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};

tx_error check_program(const control_program& p, const char* what) {
  if (p.keys.empty() || p.keys.size() > max_multisig_keys)
    return fail(rule::bad_program, std::string(what) + " has " + std::to_string(p.keys.size()) +
                                       " keys (1 to " + std::to_string(max_multisig_keys) + ")");
  if (p.threshold == 0 || p.threshold > p.keys.size())
    return fail(rule::bad_program, std::string(what) + " needs " + std::to_string(p.threshold) +
                                       " of " + std::to_string(p.keys.size()) + " keys");
  return {};
}

/// Checks a witness against a program: distinct key indices inside the program and at least
/// threshold signatures; the signatures themselves go to `sigs`.
tx_error check_witness(const std::vector<key_signature>& w, const control_program& p,
                       const hash256& digest, std::vector<sig_job>& sigs, const char* what) {
  std::uint32_t seen = 0;
  for (const auto& s : w) {
    if (s.key_index >= p.keys.size())
      return fail(rule::bad_witness, std::string(what) + ": key index " +
                                         std::to_string(s.key_index) + " beyond the " +
                                         std::to_string(p.keys.size()) + " keys");
    if (seen & (1u << s.key_index))
      return fail(rule::bad_witness,
                  std::string(what) + ": key " + std::to_string(s.key_index) + " signs twice");
    seen |= 1u << s.key_index;
    sigs.push_back(sig_job{p.keys[s.key_index], digest, &s.signature});
  }
  if (w.size() < p.threshold)
    return fail(rule::threshold_not_met, std::string(what) + ": " + std::to_string(w.size()) +
                                             " of " + std::to_string(p.threshold) +
                                             " required signatures");
  return {};
}

tx_error check_definition(const asset_definition& d) {
  if (d.decimals > max_decimals)
    return fail(rule::bad_definition, "decimals " + std::to_string(d.decimals) + " above " +
                                          std::to_string(max_decimals));
  if (d.name.empty()) return fail(rule::bad_definition, "the asset has no name");
  if (auto e = check_program(d.issuer, "issuer"); !e.ok()) return e;
  if (d.max_supply != 0 && d.max_supply % d.unit() != 0 && !divisible(d.kind))
    return fail(rule::bad_definition, "max_supply is not a whole number of units");
  return {};
}

} // namespace

const char* rule_name(rule r) {
  static constexpr const char* names[] = {"ok",
                                          "malformed",
                                          "too-large",
                                          "wrong-chain",
                                          "bad-version",
                                          "expired",
                                          "no-inputs",
                                          "no-outputs",
                                          "duplicate-input",
                                          "missing-input",
                                          "bad-program",
                                          "bad-witness",
                                          "bad-signature",
                                          "threshold-not-met",
                                          "zero-amount",
                                          "amount-overflow",
                                          "unbalanced",
                                          "lot-conservation",
                                          "token-conservation",
                                          "quark-split",
                                          "indivisible-amount",
                                          "fungible-lot",
                                          "unknown-asset",
                                          "bad-definition",
                                          "bad-issue",
                                          "issuance-reused",
                                          "supply-exceeded",
                                          "fee-too-low",
                                          "coinbase-misplaced",
                                          "coinbase-too-large",
                                          "unknown-kind",
                                          "bad-retire",
                                          "block-too-large",
                                          "unknown-candidate",
                                          "locked-output",
                                          "bad-vote",
                                          "bad-reward"};
  static_assert(sizeof(names) / sizeof(names[0]) == rule_count);
  auto i = static_cast<std::size_t>(r);
  return i < rule_count ? names[i] : "unknown-rule";
}

std::string tx_error::message() const {
  return std::string(rule_name(code)) + (detail.empty() ? "" : ": " + detail);
}

signature_checker::signature_checker(const crypto::signature_scheme& scheme,
                                     std::size_t cache_entries)
    : scheme_(&scheme), capacity_(std::max<std::size_t>(1, cache_entries)) {}

bool signature_checker::verify(const sig_job& j) {
  crypto::sha3_256_hasher h;
  h.update(byte_view{j.key.data(), j.key.size()});
  h.update(j.digest);
  h.update(byte_view{j.signature->data(), j.signature->size()});
  auto key = h.finish();
  {
    std::lock_guard lock(mutex_);
    if (cache_.count(key) != 0) {
      ++hits_;
      return true;
    }
  }
  crypto::crypto_meter meter;
  bool ok = scheme_->verify(j.key, j.digest, *j.signature, meter);
  std::lock_guard lock(mutex_);
  ++verified_;
  if (ok && cache_.insert(key).second) {
    if (order_.size() < capacity_) {
      order_.push_back(key);
    } else {
      cache_.erase(order_[next_evict_]);
      order_[next_evict_] = key;
      next_evict_ = (next_evict_ + 1) % capacity_;
    }
  }
  return ok;
}

tx_error extension_rules::check_input(
    const input& in, const hash256&, const hash256&, const utxo_view&,
    const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t, asset_kind)>&,
    std::vector<sig_job>&) const {
  return fail(rule::unknown_kind, std::string("input kind ") +
                                      input_kind_name(static_cast<std::uint8_t>(in.kind)) + " (" +
                                      std::to_string(static_cast<int>(in.kind)) + ")");
}

tx_error extension_rules::check_output(const output& out, const utxo_view&) const {
  return fail(rule::unknown_kind, std::string("output kind ") +
                                      output_kind_name(static_cast<std::uint8_t>(out.kind)) + " (" +
                                      std::to_string(static_cast<int>(out.kind)) + ")");
}

void extension_rules::apply_input(const input&, const hash256&, const hash256&, utxo_overlay&,
                                  block_delta&, std::uint64_t) const {}

tx_precomputed precompute(const tx& t) {
  tx_precomputed p;
  p.id = t.id();
  p.size = encoded_size(t);
  p.input_ids.reserve(t.inputs.size());
  for (const auto& in : t.inputs)
    p.input_ids.push_back(input_id(in));
  return p;
}

std::uint64_t min_fee(const chain_params& params, std::size_t size) {
  return (params.min_fee_per_kb * size + 999) / 1000;
}

tx_error check_tx(const tx& t, const utxo_view& view, const chain_params& params,
                  const tx_context& ctx, signature_checker& checker, tx_summary& out,
                  std::vector<sig_job>* deferred, const extension_rules* ext) {
  static const extension_rules no_extensions;
  if (ext == nullptr) ext = &no_extensions;
  out = tx_summary{};
  const auto* pre = ctx.pre && ctx.pre->input_ids.size() == t.inputs.size() ? ctx.pre : nullptr;
  out.size = pre ? pre->size : encoded_size(t);
  if (out.size > max_tx_bytes)
    return fail(rule::too_large,
                std::to_string(out.size) + " bytes, the limit is " + std::to_string(max_tx_bytes));
  if (t.version != 1) return fail(rule::bad_version, "version " + std::to_string(t.version));
  if (t.chain != params.chain)
    return fail(rule::wrong_chain,
                "names chain " + short_hex(t.chain) + ", this is " + short_hex(params.chain));
  if (t.expires_at != 0 && ctx.height > t.expires_at)
    return fail(rule::expired, "expired at height " + std::to_string(t.expires_at));
  if (t.inputs.empty()) return fail(rule::no_inputs, "");
  if (t.outputs.empty()) return fail(rule::no_outputs, "");
  if (t.inputs.size() > max_tx_inputs || t.outputs.size() > max_tx_outputs)
    return fail(rule::too_large, "too many inputs or outputs");
  out.id = pre ? pre->id : t.id();

  std::vector<sig_job> local;
  auto& sigs = deferred ? *deferred : local;
  auto sigs_before = sigs.size();
  std::map<holding, balance> bal;
  auto credit = [&](const asset_id& a, const hash256& lot, std::uint64_t amount,
                    asset_kind kind) -> tx_error {
    auto& b = bal[holding{a, lot}];
    b.kind = kind;
    if (__builtin_add_overflow(b.in, amount, &b.in))
      return fail(rule::amount_overflow, "inputs of asset " + short_hex(a));
    return {};
  };
  auto unit_of = [&](const asset_id& a) -> std::uint64_t {
    const auto* d = view.asset(a);
    return d ? d->unit() : 1;
  };

  std::set<hash256> input_ids;
  std::map<asset_id, std::uint64_t> issued_in_tx;
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    const auto& in = t.inputs[i];
    auto where = "input " + std::to_string(i);
    auto iid = pre ? pre->input_ids[i] : input_id(in);
    if (!input_ids.insert(iid).second)
      return fail(rule::duplicate_input, where + " repeats an earlier input");
    switch (in.kind) {
    case input_kind::spend: {
      const auto* e = view.find(in.spent_output);
      if (!e)
        return fail(rule::missing_input,
                    where + ": output " + short_hex(in.spent_output) + " is unknown or spent");
      if (static_cast<std::uint8_t>(e->out.kind) >= 16)
        return fail(rule::locked_output,
                    where + ": a " + output_kind_name(static_cast<std::uint8_t>(e->out.kind)) +
                        " output is unlocked only by its extension's input");
      const auto* def = view.asset(e->out.asset);
      if (!def) return fail(rule::unknown_asset, where + ": asset " + short_hex(e->out.asset));
      if (auto err =
              check_witness(in.witness, e->out.owner, sighash(iid, out.id), sigs, where.c_str());
          !err.ok())
        return err;
      if (auto err = credit(e->out.asset, e->out.lot, e->out.amount, def->kind); !err.ok())
        return err;
      break;
    }
    case input_kind::issue: {
      const auto& d = in.definition;
      if (auto err = check_definition(d); !err.ok()) {
        err.detail = where + ": " + err.detail;
        return err;
      }
      auto aid = d.id();
      if (aid == params.native)
        return fail(rule::bad_issue, where + ": the native asset is created by coinbase only");
      if (in.amount == 0) return fail(rule::zero_amount, where + ": issues nothing");
      if (view.issuance_used(iid))
        return fail(rule::issuance_reused, where + ": this issue input was used before");
      std::uint64_t total = 0;
      if (__builtin_add_overflow(view.issued(aid), in.amount, &total))
        return fail(rule::amount_overflow, where + ": issued supply");
      if (d.max_supply != 0 && total > d.max_supply)
        return fail(rule::supply_exceeded, where + ": " + std::to_string(total) + " issued, max " +
                                               std::to_string(d.max_supply));
      if (auto err = check_witness(in.witness, d.issuer, sighash(iid, out.id), sigs, where.c_str());
          !err.ok())
        return err;
      auto unit = d.unit();
      if (!divisible(d.kind) && in.amount % unit != 0)
        return fail(rule::indivisible_amount,
                    where + ": issues " + std::to_string(in.amount) +
                        " base units of an indivisible asset whose unit is " +
                        std::to_string(unit));
      tx_error err;
      switch (d.kind) {
      case asset_kind::byte:
      case asset_kind::quantum:
        err = credit(aid, hash256{}, in.amount, d.kind);
        break;
      case asset_kind::atomic:
        err = credit(aid, token_id(iid, 0), in.amount, d.kind);
        break;
      case asset_kind::quark: {
        auto tokens = in.amount / unit;
        if (tokens > max_issue_tokens)
          return fail(rule::bad_issue, where + ": " + std::to_string(tokens) + " tokens, at most " +
                                           std::to_string(max_issue_tokens) + " per issue input");
        for (std::uint64_t k = 0; k < tokens && err.ok(); ++k)
          err = credit(aid, token_id(iid, k), unit, d.kind);
        break;
      }
      }
      if (!err.ok()) return err;
      // Within one transaction two issue inputs of a capped asset add up; spends of the same
      // asset do not count, since their units were counted when they were issued.
      auto& in_tx = issued_in_tx[aid];
      std::uint64_t after = 0;
      if (__builtin_add_overflow(in_tx, in.amount, &in_tx) ||
          __builtin_add_overflow(view.issued(aid), in_tx, &after))
        return fail(rule::amount_overflow, where + ": issued supply");
      if (d.max_supply != 0 && after > d.max_supply)
        return fail(rule::supply_exceeded, where + ": issues beyond max_supply");
      break;
    }
    case input_kind::coinbase: {
      if (!ctx.coinbase_allowed || t.inputs.size() != 1)
        return fail(rule::coinbase_misplaced,
                    where + ": a coinbase is the only input of a block's first transaction");
      if (in.nonce != ctx.height)
        return fail(rule::coinbase_misplaced, where + ": names height " + std::to_string(in.nonce) +
                                                  ", the block is at " +
                                                  std::to_string(ctx.height));
      out.coinbase = in.amount;
      if (auto err = credit(params.native, hash256{}, in.amount, asset_kind::byte); !err.ok())
        return err;
      break;
    }
    default: {
      if (in.ext.size() > max_ext_input_bytes)
        return fail(rule::too_large, where + ": extension payload of " +
                                         std::to_string(in.ext.size()) + " bytes, the limit is " +
                                         std::to_string(max_ext_input_bytes));
      auto err = ext->check_input_at(ctx.height, in, iid, out.id, view, credit, sigs);
      if (!err.ok()) {
        err.detail = where + ": " + err.detail;
        return err;
      }
    }
    }
  }

  for (std::size_t i = 0; i < t.outputs.size(); ++i) {
    const auto& o = t.outputs[i];
    auto where = "output " + std::to_string(i);
    if (o.amount == 0) return fail(rule::zero_amount, where);
    switch (o.kind) {
    case output_kind::control:
      if (auto err = check_program(o.owner, (where + " owner").c_str()); !err.ok()) return err;
      break;
    case output_kind::retire:
      if (!o.owner.keys.empty()) return fail(rule::bad_retire, where + ": a retire has no owner");
      break;
    default:
      if (auto err = ext->check_output(o, view); !err.ok()) {
        err.detail = where + ": " + err.detail;
        return err;
      }
    }
    if (o.data.size() > max_data_bytes) return fail(rule::too_large, where + ": data");
    auto it = bal.find(holding{o.asset, o.lot});
    asset_kind kind;
    std::uint64_t unit;
    if (it != bal.end()) {
      kind = it->second.kind;
    } else if (const auto* d = view.asset(o.asset)) {
      kind = d->kind;
    } else {
      // An asset that no input provides: refused by conservation below, named here.
      bool any = false;
      for (const auto& [h, b] : bal)
        any = any || h.asset == o.asset;
      if (!any)
        return fail(rule::unbalanced,
                    where + ": asset " + short_hex(o.asset) + " is not provided by any input");
      kind = asset_kind::byte;
      for (const auto& [h, b] : bal)
        if (h.asset == o.asset) kind = b.kind;
    }
    unit = 1;
    for (const auto& in : t.inputs)
      if (in.kind == input_kind::issue && in.definition.id() == o.asset)
        unit = in.definition.unit();
    if (unit == 1) unit = unit_of(o.asset);
    switch (kind) {
    case asset_kind::byte:
    case asset_kind::quantum:
      if (!o.lot.is_zero())
        return fail(rule::fungible_lot, where + ": a fungible asset's output names a lot");
      if (kind == asset_kind::quantum && o.amount % unit != 0)
        return fail(rule::indivisible_amount, where + ": " + std::to_string(o.amount) +
                                                  " base units, a whole unit is " +
                                                  std::to_string(unit));
      break;
    case asset_kind::atomic:
      break;
    case asset_kind::quark:
      if (o.amount != unit)
        return fail(rule::quark_split, where + ": " + std::to_string(o.amount) +
                                           " base units, a Quark token is exactly " +
                                           std::to_string(unit));
      break;
    }
    auto& b = bal[holding{o.asset, o.lot}];
    b.kind = kind;
    if (__builtin_add_overflow(b.out, o.amount, &b.out)) return fail(rule::amount_overflow, where);
  }

  for (const auto& [h, b] : bal) {
    if (h.asset == params.native && h.lot.is_zero()) {
      if (b.out > b.in)
        return fail(rule::unbalanced, "native asset: outputs " + std::to_string(b.out) +
                                          " exceed inputs " + std::to_string(b.in));
      out.fee = b.in - b.out;
      continue;
    }
    if (b.in == b.out) continue;
    auto what = "asset " + short_hex(h.asset) +
                (h.lot.is_zero() ? std::string() : " lot " + short_hex(h.lot)) + ": inputs " +
                std::to_string(b.in) + ", outputs " + std::to_string(b.out);
    switch (b.kind) {
    case asset_kind::atomic:
      return fail(rule::lot_conservation, what);
    case asset_kind::quark:
      return fail(rule::token_conservation, what);
    default:
      return fail(rule::unbalanced, what);
    }
  }
  if (out.coinbase == 0 && out.fee < min_fee(params, out.size))
    return fail(rule::fee_too_low, "fee " + std::to_string(out.fee) + ", at least " +
                                       std::to_string(min_fee(params, out.size)) + " for " +
                                       std::to_string(out.size) + " bytes");
  // A coinbase's amount counts as issued: what it claims but does not pay out would leave the
  // supply unrecorded.
  if (out.coinbase != 0 && out.fee != 0)
    return fail(rule::unbalanced, "the coinbase claims " + std::to_string(out.fee) +
                                      " native units more than it pays out");

  if (!deferred) {
    for (std::size_t i = sigs_before; i < sigs.size(); ++i)
      if (!checker.verify(sigs[i]))
        return fail(rule::bad_signature, "a witness signature does not verify");
  }
  return {};
}

void apply_tx(const tx& t, const hash256& txid, utxo_overlay& overlay, block_delta& delta,
              const chain_params& params, std::uint64_t height, const extension_rules* ext) {
  for (const auto& in : t.inputs) {
    switch (in.kind) {
    case input_kind::spend:
      overlay.spend(in.spent_output, delta);
      break;
    case input_kind::issue:
      overlay.issue(in.definition, in.amount, input_id(in), delta);
      break;
    case input_kind::coinbase:
      overlay.add_coinbase(params.native, in.amount, delta);
      break;
    default:
      if (ext) ext->apply_input(in, input_id(in), txid, overlay, delta, height);
      break;
    }
  }
  for (std::uint32_t i = 0; i < t.outputs.size(); ++i)
    overlay.create(output_id(txid, i, t.outputs[i]), utxo_entry{t.outputs[i], height}, delta);
}

block_check check_block(const std::vector<tx>& txs, std::uint64_t height, const utxo_view& view,
                        const chain_params& params, signature_checker& checker,
                        const parallel_for& run, const extension_rules* ext) {
  block_check r;
  r.delta.height = height;
  if (txs.size() > params.max_block_txs) {
    r.err = fail(rule::block_too_large, std::to_string(txs.size()) + " transactions, at most " +
                                            std::to_string(params.max_block_txs));
    return r;
  }
  // Hashing and encoding do not depend on the state: done first, on the threads when given.
  std::vector<tx_precomputed> pre(txs.size());
  auto prep = [&](std::size_t i) { pre[i] = precompute(txs[i]); };
  if (run && txs.size() > 1) {
    run(txs.size(), prep);
  } else {
    for (std::size_t i = 0; i < txs.size(); ++i)
      prep(i);
  }
  utxo_overlay overlay(view);
  std::vector<sig_job> sigs;
  std::vector<std::size_t> sig_owner; // transaction index of each signature
  std::uint64_t coinbase = 0;
  std::size_t bytes_total = 0;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    tx_summary s;
    auto before = sigs.size();
    auto err = check_tx(txs[i], overlay, params, tx_context{height, i == 0, &pre[i]}, checker, s,
                        &sigs, ext);
    if (!err.ok()) {
      r.err = std::move(err);
      r.err.detail = "transaction " + std::to_string(i) + ": " + r.err.detail;
      r.bad_tx = i;
      return r;
    }
    sig_owner.insert(sig_owner.end(), sigs.size() - before, i);
    bytes_total += s.size;
    coinbase += s.coinbase;
    if (__builtin_add_overflow(r.fees, s.fee, &r.fees)) {
      r.err = fail(rule::amount_overflow, "block fees");
      r.bad_tx = i;
      return r;
    }
    apply_tx(txs[i], s.id, overlay, r.delta, params, height, ext);
  }
  if (bytes_total > params.max_block_bytes) {
    r.err = fail(rule::block_too_large, std::to_string(bytes_total) + " bytes of transactions");
    return r;
  }
  if (coinbase > params.block_reward + r.fees) {
    r.err = fail(rule::coinbase_too_large,
                 "transaction 0: coinbase " + std::to_string(coinbase) + " exceeds reward " +
                     std::to_string(params.block_reward) + " plus fees " + std::to_string(r.fees));
    return r;
  }
  // Signatures last, possibly in parallel; the lowest failing index wins so that the verdict
  // does not depend on the thread count.
  auto hits_before = checker.cache_hits();
  auto verified_before = checker.verified();
  std::vector<std::uint8_t> good(sigs.size(), 0);
  auto job = [&](std::size_t k) { good[k] = checker.verify(sigs[k]) ? 1 : 0; };
  if (run && sigs.size() > 1) {
    run(sigs.size(), job);
  } else {
    for (std::size_t k = 0; k < sigs.size(); ++k)
      job(k);
  }
  r.signatures = checker.verified() - verified_before;
  r.signature_hits = checker.cache_hits() - hits_before;
  for (std::size_t k = 0; k < sigs.size(); ++k)
    if (!good[k]) {
      r.bad_tx = sig_owner[k];
      r.err = fail(rule::bad_signature, "transaction " + std::to_string(r.bad_tx) +
                                            ": a witness signature does not verify");
      r.delta = block_delta{};
      return r;
    }
  return r;
}

} // namespace bystack::ledger
