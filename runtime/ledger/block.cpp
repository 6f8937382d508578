#include "runtime/ledger/block.hpp"

#include <array>
#include <string_view>

namespace bystack::ledger {

namespace {

// Domain prefixes keep a transaction, a header and a Merkle node from ever hashing alike; the
// trailing NUL is part of each prefix so that no prefix is a prefix of another.
constexpr std::string_view tx_domain{"bystack/tx\0", 11};
constexpr std::string_view header_domain{"bystack/header\0", 15};
constexpr std::string_view node_domain{"bystack/node\0", 13};

void update_u32(crypto::sha3_256_hasher& h, std::uint32_t x) {
  std::array<std::uint8_t, 4> b{};
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<std::uint8_t>(x >> (8 * i));
  h.update(byte_view{b.data(), b.size()});
}

// Creating a Botan hash object costs an allocation and a lookup by name, which would dominate
// hashing 10,000 small transactions; one hasher per thread is reused (finish() resets it).
crypto::sha3_256_hasher& local_hasher() {
  thread_local crypto::sha3_256_hasher h;
  return h;
}

hash256 tx_id(crypto::sha3_256_hasher& h, const transaction& tx) {
  h.update(as_bytes(tx_domain));
  h.update(byte_view{tx.sender.data(), tx.sender.size()});
  h.update_u64(tx.nonce);
  h.update_u64(tx.payload.size());
  h.update(byte_view{tx.payload.data(), tx.payload.size()});
  return h.finish();
}

} // namespace

hash256 transaction::id() const {
  return tx_id(local_hasher(), *this);
}

hash256 block_header::hash() const {
  // Every node hashes every header several times (proposal, vote, certificates, commit): remember
  // the last few per thread. The hash is a pure function of the header, so only time changes.
  struct entry {
    bool used = false;
    block_header header;
    hash256 digest;
  };
  constexpr std::size_t memo_entries = 16;
  thread_local std::array<entry, memo_entries> memo{};
  auto& e = memo[(parent.prefix64() ^ view * 0x9e3779b97f4a7c15ULL ^ height ^ timestamp_ms ^
                  tx_root.prefix64()) %
                 memo_entries];
  if (e.used && e.header == *this) return e.digest;
  e.used = true;
  e.header = *this;
  e.digest = compute_hash();
  return e.digest;
}

hash256 block_header::compute_hash() const {
  auto& h = local_hasher();
  h.update(as_bytes(header_domain));
  h.update_u64(height);
  h.update_u64(view);
  h.update_u64(parent_view);
  h.update(parent);
  h.update(tx_root);
  h.update_u64(timestamp_ms);
  update_u32(h, proposer);
  update_u32(h, tx_count);
  return h.finish();
}

hash256 merkle_root(const std::vector<transaction>& txs) {
  if (txs.empty()) return hash256{};
  auto& h = local_hasher();
  std::vector<hash256> level;
  level.reserve(txs.size());
  for (const auto& tx : txs)
    level.push_back(tx_id(h, tx));
  // Reduce in place: pair i of the current level lands at index i, so one buffer suffices.
  auto n = level.size();
  while (n > 1) {
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) {
      h.update(as_bytes(node_domain));
      h.update(level[i]);
      h.update(level[i + 1]);
      level[out++] = h.finish();
    }
    if (n % 2 == 1) level[out++] = level[n - 1];
    n = out;
  }
  return level[0];
}

block make_block(std::uint64_t height, std::uint64_t view, const hash256& parent,
                 std::uint64_t parent_view, std::uint64_t timestamp_ms, std::uint32_t proposer,
                 std::vector<transaction> txs) {
  block b;
  b.header.height = height;
  b.header.view = view;
  b.header.parent_view = parent_view;
  b.header.parent = parent;
  b.header.timestamp_ms = timestamp_ms;
  b.header.proposer = proposer;
  b.header.tx_root = merkle_root(txs);
  b.header.tx_count = static_cast<std::uint32_t>(txs.size());
  b.txs = std::move(txs);
  return b;
}

} // namespace bystack::ledger
