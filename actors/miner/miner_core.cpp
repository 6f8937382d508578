#include "actors/miner/miner_core.hpp"

#include <algorithm>
#include <cmath>

namespace bystack::miner {

std::int64_t miner_core::delay_us(double exp_draw) const {
  if (cfg_.hash_share <= 0) return std::numeric_limits<std::int64_t>::max() / 4;
  double d = exp_draw * static_cast<double>(cfg_.block_interval_us) / cfg_.hash_share;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(d)));
}

void miner_core::start(std::int64_t now_us, double exp_draw) {
  (void)now_us;
  out_.push_back(request_template{cfg_.id});
  if (cfg_.hash_share > 0) out_.push_back(found_timer{delay_us(exp_draw)});
}

void miner_core::on_template(const mainchain::template_ready& t) {
  if (t.miner == cfg_.id) template_ = t;
}

void miner_core::on_found(std::int64_t now_us, double exp_draw) {
  out_.push_back(found_timer{delay_us(exp_draw)});
  if (!template_) return; // no template yet: the work was on nothing
  ++found_;
  out_.push_back(
      submit_block{seal_modelled(*template_, static_cast<std::uint64_t>(now_us / 1000))});
}

block_ptr seal_modelled(const mainchain::template_ready& t, std::uint64_t timestamp_ms) {
  header h = t.hdr;
  h.timestamp_ms = std::max(h.timestamp_ms, timestamp_ms); // tx_root comes filled
  h.nonce = mainchain::modelled_nonce(h);
  return std::make_shared<const mainchain::block>(h, t.txs);
}

std::optional<header> mine_header(header h, const pow::matrix_cache& cache, std::uint64_t tries) {
  for (std::uint64_t i = 0; i < tries; ++i, ++h.nonce)
    if (pow::meets_target(pow::tensority_hash(h.hash(), cache), h.bits)) return h;
  return std::nullopt;
}

} // namespace bystack::miner
