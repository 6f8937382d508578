#include "actors/federation/collector_core.hpp"

#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <set>

namespace bystack::federation {

collector_core::collector_core(collector_config cfg)
    : cfg_(std::move(cfg)), funding_(cfg_.funding) {
  for (const auto& d : cfg_.mainchain_assets)
    definitions_.emplace(d.id(), d);
}

void collector_core::on_mainchain_block(const mainchain::block_ptr& b) {
  if (!blocks_.emplace(b->hash(), b).second) return;
  for (const auto& t : b->txs())
    for (const auto& in : t->inputs)
      if (in.kind == ledger::input_kind::issue)
        definitions_.emplace(in.definition.id(), in.definition);
  order_.push_back(b->hash());
  while (order_.size() > cfg_.blocks_kept_max) {
    blocks_.erase(order_.front());
    order_.pop_front();
  }
}

void collector_core::on_mainchain_tip(const hash256& tip) {
  tip_ = tip;
}

std::vector<mainchain::block_ptr> collector_core::unrelayed(const light_client& lc) const {
  std::vector<mainchain::block_ptr> out;
  for (auto it = blocks_.find(tip_); it != blocks_.end();
       it = blocks_.find(it->second->hdr().previous)) {
    if (lc.find(it->first)) break;
    out.push_back(it->second);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<ledger::tx> collector_core::step(const ledger::utxo_view& committed,
                                               std::uint64_t height) {
  const auto key = ledger::control_program::single(cfg_.signer->pub());
  if (in_flight_) {
    auto id = in_flight_->id();
    auto change = ledger::output_id(id, 0, in_flight_->outputs[0]);
    if (committed.find(change)) {
      funding_ = change;
      in_flight_.reset();
    } else if (height <= in_flight_->expires_at) {
      return std::nullopt;
    } else {
      ++stats_.rebuilt;
      in_flight_.reset(); // expired: rebuild on the last committed funding
    }
  }
  const auto* fund = committed.find(funding_);
  if (!fund) return std::nullopt; // nothing to pay fees with

  light_client lc(cfg_.params, committed);
  ledger::tx t;
  t.chain = cfg_.sidechain.chain;
  t.expires_at = height + cfg_.expiry_blocks;
  // Headers the sidechain lacks, oldest first (a run must start at a header it holds).
  auto fresh = unrelayed(lc);
  if (!fresh.empty() && lc.find(fresh.front()->hdr().previous)) {
    std::vector<mainchain::header> hs;
    for (const auto& b : fresh) {
      if (hs.size() == cfg_.params.headers_per_input_max) break;
      hs.push_back(b->hdr());
    }
    t.inputs.push_back(make_header_input(hs));
    stats_.headers_relayed += hs.size();
  }
  // Claims and release records for blocks of the light client's best chain.
  std::size_t claims = 0;
  auto tip = lc.tip();
  for (auto at = lc.find(tip.hash); at && claims < cfg_.claims_per_tx_max;) {
    auto conf = tip.hdr.height - at->hdr.height + 1;
    if (conf > cfg_.scan_blocks_max || conf > cfg_.params.claim_depth_max) break;
    auto it = blocks_.find(at->hash);
    if (it != blocks_.end()) {
      const auto& b = *it->second;
      for (std::uint32_t ti = 0; ti < b.txs().size(); ++ti) {
        const auto& mt = *b.txs()[ti];
        std::optional<hash256> mid;
        for (std::uint32_t oi = 0; oi < mt.outputs.size(); ++oi) {
          const auto& o = mt.outputs[oi];
          if (o.kind != ledger::output_kind::control) continue;
          if (!mid) mid = mt.id();
          if (accepts_pegin(cfg_.params, o.owner, at->hdr.height, height + 1) &&
              conf >= cfg_.params.pegin_confirmations && claims < cfg_.claims_per_tx_max &&
              !committed.issuance_used(claim_key(ledger::output_id(*mid, oi, o)))) {
            auto def = definitions_.find(o.asset);
            if (def == definitions_.end()) continue; // issued before the blocks it was given
            // A release's change, or a payment naming no valid sidechain owner, is no pegin.
            auto dest = ledger::decode_control_program(byte_view{o.data.data(), o.data.size()});
            if (!dest || dest->keys.empty() || dest->keys.size() > ledger::max_multisig_keys ||
                dest->threshold == 0 || dest->threshold > dest->keys.size())
              continue;
            claim_payload c{def->second, mt, oi, mainchain::make_merkle_path(b.txs(), ti),
                            b.hash()};
            auto in = make_claim_input(c);
            if (cfg_.ext_bytes_max > 0 && in.ext.size() > cfg_.ext_bytes_max) {
              ++stats_.oversized;
              continue;
            }
            t.inputs.push_back(std::move(in));
            ++claims;
            ++stats_.claims;
          } else if (o.data.size() == 32 && conf >= cfg_.params.release_confirmations &&
                     claims < cfg_.claims_per_tx_max) {
            hash256 pegout;
            std::copy(o.data.begin(), o.data.end(), pegout.data.begin());
            const auto* e = committed.find(pegout);
            if (!e || e->out.kind != pegout_output) continue;
            release_payload r{pegout, mt, mainchain::make_merkle_path(b.txs(), ti), b.hash()};
            auto in = make_release_input(r);
            if (cfg_.ext_bytes_max > 0 && in.ext.size() > cfg_.ext_bytes_max) {
              ++stats_.oversized;
              continue;
            }
            t.inputs.push_back(std::move(in));
            ++claims;
            ++stats_.releases_recorded;
          }
        }
      }
    }
    if (at->hdr.height == 0) break;
    at = lc.find(at->hdr.previous);
  }
  if (t.inputs.empty()) return std::nullopt;
  t.inputs.push_back(ledger::spend_of(funding_));
  t.outputs.push_back(ledger::pay(fund->out.asset, fund->out.amount, key));
  ledger::sign_input(t, t.inputs.size() - 1, key, *cfg_.signer);
  auto fee = ledger::min_fee(cfg_.sidechain, ledger::encoded_size(t));
  if (fee >= fund->out.amount) return std::nullopt;
  if (fee > 0) {
    t.outputs[0].amount -= fee;
    t.inputs.back().witness.clear();
    ledger::sign_input(t, t.inputs.size() - 1, key, *cfg_.signer);
  }
  in_flight_ = t;
  ++stats_.txs_built;
  return t;
}

} // namespace bystack::federation
