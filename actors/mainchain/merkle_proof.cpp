#include "actors/mainchain/merkle_proof.hpp"

namespace bystack::mainchain {

namespace {

// The same node domain as tx_root (block.cpp): a path must lead to the root a header holds.
constexpr std::uint8_t node_domain[] = {'m', 'c', '-', 'm', 'k', 'l'};

hash256 node_of(const hash256& left, const hash256& right) {
  crypto::sha3_256_hasher h;
  h.update(byte_view{node_domain, sizeof node_domain});
  h.update(left);
  h.update(right);
  return h.finish();
}

} // namespace

merkle_path make_merkle_path(const std::vector<hash256>& ids, std::uint32_t index) {
  merkle_path p;
  p.index = index;
  p.count = static_cast<std::uint32_t>(ids.size());
  std::vector<hash256> level = ids;
  std::size_t i = index;
  while (level.size() > 1) {
    auto n = level.size();
    if (i % 2 == 1) {
      p.siblings.push_back(level[i - 1]);
    } else if (i + 1 < n) {
      p.siblings.push_back(level[i + 1]);
    } // else: the odd last node, carried up without a sibling
    std::vector<hash256> next;
    next.reserve((n + 1) / 2);
    for (std::size_t k = 0; k + 1 < n; k += 2)
      next.push_back(node_of(level[k], level[k + 1]));
    if (n % 2 == 1) next.push_back(level[n - 1]);
    level = std::move(next);
    i /= 2;
  }
  return p;
}

merkle_path make_merkle_path(const std::vector<tx_ptr>& txs, std::uint32_t index) {
  std::vector<hash256> ids;
  ids.reserve(txs.size());
  for (const auto& t : txs)
    ids.push_back(t->id());
  return make_merkle_path(ids, index);
}

result<hash256> merkle_root_of(const hash256& leaf, const merkle_path& path) {
  if (path.count == 0 || path.index >= path.count)
    return make_error("merkle path: index " + std::to_string(path.index) + " of " +
                      std::to_string(path.count) + " transactions");
  hash256 node = leaf;
  std::uint64_t i = path.index;
  std::uint64_t n = path.count;
  std::size_t used = 0;
  while (n > 1) {
    bool carried = i % 2 == 0 && i + 1 == n;
    if (!carried) {
      if (used == path.siblings.size())
        return make_error("merkle path: " + std::to_string(path.siblings.size()) +
                          " siblings are too few");
      const auto& s = path.siblings[used++];
      node = i % 2 == 1 ? node_of(s, node) : node_of(node, s);
    }
    i /= 2;
    n = (n + 1) / 2;
  }
  if (used != path.siblings.size())
    return make_error("merkle path: " + std::to_string(path.siblings.size() - used) +
                      " siblings too many");
  return node;
}

void put(ledger::detail::writer& w, const merkle_path& p) {
  w.u32(p.index);
  w.u32(p.count);
  w.u32(static_cast<std::uint32_t>(p.siblings.size()));
  for (const auto& s : p.siblings)
    w.hash(s);
}

merkle_path get_merkle_path(ledger::detail::reader& r) {
  merkle_path p;
  p.index = r.u32("path.index");
  p.count = r.u32("path.count");
  auto n = r.count("path.siblings", merkle_path_siblings_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i)
    p.siblings.push_back(r.hash("path.sibling"));
  return p;
}

} // namespace bystack::mainchain
