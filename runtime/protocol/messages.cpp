#include "runtime/protocol/messages.hpp"

#include <array>

namespace bystack::proto {

namespace {

// Each signed statement has its own domain prefix so that a signature over one kind of statement
// can never be replayed as another (a vote is not a proposal even over the same fields).
constexpr std::string_view proposal_domain{"bystack/proposal\0", 17};
constexpr std::string_view vote_domain{"bystack/vote\0", 13};
constexpr std::string_view view_change_domain{"bystack/view-change\0", 20};

hash256 round_digest(std::string_view domain, std::uint64_t height, std::uint64_t view,
                     const hash256& block_hash) {
  // Every receiver of a proposal or vote recomputes the same few digests (a simulated view hashes
  // the same statement once per node): remember the last ones per thread. A digest is a pure
  // function of its inputs, so this changes nothing but the time spent.
  struct entry {
    const char* domain = nullptr;
    std::uint64_t height = 0;
    std::uint64_t view = 0;
    hash256 block_hash;
    hash256 digest;
  };
  constexpr std::size_t memo_entries = 64;
  thread_local std::array<entry, memo_entries> memo{};
  auto slot = (block_hash.prefix64() ^ view * 0x9e3779b97f4a7c15ULL ^ height ^
               reinterpret_cast<std::uintptr_t>(domain.data())) %
              memo_entries;
  auto& e = memo[slot];
  if (e.domain == domain.data() && e.height == height && e.view == view &&
      e.block_hash == block_hash)
    return e.digest;
  thread_local crypto::sha3_256_hasher h;
  h.update(as_bytes(domain));
  h.update_u64(height);
  h.update_u64(view);
  h.update(block_hash);
  e = entry{domain.data(), height, view, block_hash, h.finish()};
  return e.digest;
}

// Indexed like the alternatives of `message`; the static_assert below keeps them in step.
constexpr std::array<std::string_view, 14> type_names{
    "proposal",           "vote",          "group_certificate",
    "commit_certificate", "view_change",   "sync_request",
    "sync_response",      "tx_batch",      "timeout_certificate",
    "tx_announce",        "tx_request",    "compact_proposal",
    "block_request",      "block_batches",
};
static_assert(type_names.size() == std::variant_size_v<message>);

} // namespace

std::string_view type_name(const message& m) {
  return type_names.at(m.index());
}

hash256 proposal_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash) {
  return round_digest(proposal_domain, height, view, block_hash);
}

hash256 vote_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash) {
  return round_digest(vote_domain, height, view, block_hash);
}

hash256 batch_id(const tx_batch& b) {
  crypto::sha3_256_hasher h;
  // Not the sender: the same transactions submitted to several nodes in the same grouping (a
  // wallet broadcasting) make one batch, which gossip then carries to no node twice.
  h.update(as_bytes(std::string_view{"bystack/tx-batch/v2"}));
  h.update(ledger::merkle_root(b.txs));
  return h.finish();
}

hash256 short_id_key(const hash256& header_hash, std::uint64_t salt) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(std::string_view{"bystack/short-id/v1"}));
  h.update(header_hash);
  h.update_u64(salt);
  return h.finish();
}

std::uint64_t short_id_of(const hash256& key, const hash256& batch, std::uint32_t bytes) {
  crypto::sha3_256_hasher h;
  h.update(key);
  h.update(batch);
  auto d = h.finish();
  std::uint64_t x = 0;
  for (std::uint32_t i = 0; i < std::min<std::uint32_t>(bytes, 8); ++i)
    x = x << 8 | d.data[i];
  return x;
}

hash256 view_change_digest(std::uint64_t view, std::uint64_t high_qc_view) {
  thread_local crypto::sha3_256_hasher h;
  h.update(as_bytes(view_change_domain));
  h.update_u64(view);
  h.update_u64(high_qc_view);
  return h.finish();
}

} // namespace bystack::proto
