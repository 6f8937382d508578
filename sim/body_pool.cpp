#include "sim/body_pool.hpp"

#include <cstring>

namespace bystack::sim {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

std::uint64_t word(const std::uint8_t* p, std::size_t n) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, n < 8 ? n : 8);
  return w;
}

} // namespace

std::uint64_t body_pool::key_of(const list& l) {
  // A cheap key: equal lists have equal keys; a clash only costs a comparison.
  std::uint64_t h = l.size();
  for (const auto& tx : l) {
    h = mix(h, word(tx.sender.data(), tx.sender.size()));
    h = mix(h, tx.nonce);
    h = mix(h, tx.payload.size() ^ (word(tx.payload.data(), tx.payload.size()) << 8));
    h = mix(h, word(tx.signature.data(), tx.signature.size()));
  }
  return h;
}

void body_pool::intern(proto::batch_txs& txs) {
  const auto& body = txs.body();
  if (!body || body->empty()) return;
  ++stats_.lookups;
  auto& bucket = by_key_[key_of(*body)];
  for (auto& w : bucket) {
    auto held = w.lock();
    if (!held) continue;
    if (held == body) return;
    if (*held == *body) {
      ++stats_.shared;
      txs = proto::batch_txs(std::move(held));
      return;
    }
  }
  // Reuse an expired slot of the bucket, else add one.
  bool placed = false;
  for (auto& w : bucket)
    if (w.expired()) {
      w = body;
      placed = true;
      break;
    }
  if (!placed) {
    bucket.push_back(body);
    ++entries_;
  }
  if (++since_forget_ >= (std::size_t{1} << 16)) forget_expired();
}

void body_pool::intern(proto::message& m) {
  if (auto* b = std::get_if<proto::tx_batch>(&m))
    intern(b->txs);
  else if (auto* r = std::get_if<proto::block_batches>(&m))
    for (auto& b : r->batches)
      intern(b.txs);
  else if (auto* c = std::get_if<proto::compact_proposal>(&m))
    for (auto& b : c->prefilled)
      intern(b.txs);
}

void body_pool::forget_expired() {
  since_forget_ = 0;
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    auto& v = it->second;
    std::size_t before = v.size();
    std::erase_if(v, [](const auto& w) { return w.expired(); });
    entries_ -= before - v.size();
    if (v.empty())
      it = by_key_.erase(it);
    else
      ++it;
  }
}

} // namespace bystack::sim
