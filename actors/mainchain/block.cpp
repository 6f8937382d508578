#include "actors/mainchain/block.hpp"

namespace bystack::mainchain {

namespace {

constexpr std::uint8_t header_domain[] = {'m', 'c', '-', 'h', 'd', 'r'};
constexpr std::uint8_t node_domain[] = {'m', 'c', '-', 'm', 'k', 'l'};

// Setting up a hasher costs more than hashing a header; keep one per thread.
crypto::sha3_256_hasher& local_hasher() {
  thread_local crypto::sha3_256_hasher h;
  return h;
}

} // namespace

hash256 header::hash() const {
  auto& h = local_hasher();
  h.update(byte_view{header_domain, sizeof header_domain});
  h.update_u64(version);
  h.update_u64(height);
  h.update(previous);
  h.update_u64(timestamp_ms);
  h.update_u64(bits);
  h.update_u64(nonce);
  h.update(tx_root);
  h.update(seed);
  return h.finish();
}

std::size_t block::encoded_bytes() const {
  std::size_t n = header_bytes;
  for (const auto& t : txs_)
    n += ledger::encoded_size(*t);
  return n;
}

hash256 tx_root(const std::vector<tx_ptr>& txs) {
  if (txs.empty()) return hash256{};
  std::vector<hash256> level;
  level.reserve(txs.size());
  for (const auto& t : txs)
    level.push_back(t->id());
  auto& h = local_hasher();
  // Reduce in place: pair i of the current level lands at index i.
  auto n = level.size();
  while (n > 1) {
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) {
      h.update(byte_view{node_domain, sizeof node_domain});
      h.update(level[i]);
      h.update(level[i + 1]);
      level[out++] = h.finish();
    }
    if (n % 2 == 1) level[out++] = level[n - 1];
    n = out;
  }
  return level[0];
}

block_ptr make_block(header h, std::vector<tx_ptr> txs) {
  h.tx_root = tx_root(txs);
  return std::make_shared<const block>(h, std::move(txs));
}

} // namespace bystack::mainchain
