// What rebuilding the DPoS elections costs at a restart as the stored chain grows: the time and
// peak resident memory of bringing an election provider to the stored head in two ways:
//   records  the store's election records, the vote tally of the loaded UTXO set and the
//            proposers since the last election (node::restore_elections, what a start does), and
//   replay   every stored height's undo data decoded and fed to the provider with its proposer
//            (what a start did before the records, and still does for a store without them).
// Each block transfers OUTPUTS outputs (it spends the previous block's and creates as many; with
// `grow`, it spends nothing, so that the UTXO set grows by OUTPUTS a block) and carries some DPoS
// votes; the chain has 30 candidate nodes, 21 seats, 7 super nodes and
// epochs of EPOCH blocks.
// Usage:
//   bystack-elections-restart-bench create DIR BLOCKS OUTPUTS EPOCH [grow]
//   bystack-elections-restart-bench load DIR records|replay EPOCH   prints one CSV line
// scripts/elections-restart-bench.sh runs both over a few chain lengths.
#include "actors/common/epochs.hpp"
#include "actors/node/node_core.hpp"
#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/node/elections_restart.hpp"

#include "bench/max_rss.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace bystack;
namespace dpos = ledger::dpos;

constexpr std::uint32_t universe_size = 30;

int usage() {
  std::fprintf(stderr, "usage: bystack-elections-restart-bench create DIR BLOCKS OUTPUTS EPOCH "
                       "[grow]\n"
                       "       bystack-elections-restart-bench load DIR records|replay EPOCH\n");
  return 2;
}

using bench::max_rss_mib;

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

crypto::public_key key_of(std::uint32_t i) {
  crypto::public_key k{};
  k.fill(static_cast<std::uint8_t>(i + 1));
  k[0] = 0xb7;
  return k;
}

std::unique_ptr<bbft::election_provider> make_provider(std::uint64_t epoch_blocks) {
  std::vector<crypto::public_key> keys;
  for (std::uint32_t i = 0; i < universe_size; ++i)
    keys.push_back(key_of(i));
  auto universe = std::make_shared<const crypto::validator_set>(
      crypto::validator_set::make(std::move(keys)).value());
  dpos::election_params p;
  p.epoch_blocks = epoch_blocks;
  p.consensus_size = 21;
  p.min_size = 4;
  dpos::elected_set genesis;
  for (std::uint32_t i = 0; i < 21; ++i)
    genesis.members.push_back(dpos::member{{}, universe->key(i), "n", "r", 0});
  return std::make_unique<bbft::election_provider>(p, dpos::stake_only(7), universe, genesis);
}

crypto::hash256 id_of(std::uint64_t n) {
  crypto::hash256 h;
  for (int i = 0; i < 8; ++i)
    h.data[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  h.data[31] = 0x7b;
  return h;
}

template <class T> bool ok(const result<T>& r) {
  if (r) return true;
  std::fprintf(stderr, "%s\n", r.err().message.c_str());
  return false;
}

int create(const std::string& dir, std::uint64_t blocks, std::uint32_t outputs,
           std::uint64_t epoch_blocks, bool grow) {
  auto st = node::chain_store::open(dir, false);
  if (!ok(st)) return 1;
  auto genesis = ledger::utxo_set{};
  if (!ok((*st)->write_ledger_genesis(genesis, crypto::hash256{}))) return 1;
  auto elections = make_provider(epoch_blocks);
  ledger::utxo_set state;
  std::uint64_t next = 1, rng = 88172645463325252ull;
  auto draw = [&] { return rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; };
  std::vector<std::pair<crypto::hash256, ledger::utxo_entry>> prev, votes;
  std::vector<crypto::hash256> candidates;
  const ledger::control_program owner = ledger::control_program::single(key_of(99));
  auto parent = bbft::genesis_block()->hash();
  for (std::uint64_t h = 1; h <= blocks; ++h) {
    ledger::block_delta d;
    d.height = h;
    if (!grow) d.spent = std::move(prev);
    prev.clear();
    for (std::uint32_t i = 0; i < outputs; ++i) {
      auto id = id_of(next++);
      ledger::utxo_entry e{ledger::pay({}, 1 + i, owner), h};
      e.out.data.assign(60, static_cast<std::uint8_t>(i)); // about 100 bytes an output
      d.created.emplace_back(id, e);
      prev.emplace_back(id, std::move(e));
    }
    if (h <= universe_size) { // every node registers
      auto id = id_of(next++);
      d.created.emplace_back(
          id,
          ledger::utxo_entry{
              dpos::make_registration({}, 1, dpos::registration{key_of(h - 1), "a:1", "r"}), h});
      candidates.push_back(id);
    }
    for (int v = 0; v < 2; ++v) { // two votes a block, one withdrawn every fifth block
      auto id = id_of(next++);
      ledger::utxo_entry e{
          dpos::make_vote({}, 1 + draw() % 1000, candidates[draw() % candidates.size()], owner), h};
      d.created.emplace_back(id, e);
      votes.emplace_back(id, std::move(e));
    }
    if (h % 5 == 0) {
      auto i = draw() % votes.size();
      d.spent.push_back(votes[i]);
      votes.erase(votes.begin() + static_cast<std::ptrdiff_t>(i));
    }
    state.apply(d);
    state.set_height(h);
    auto proposer = static_cast<std::uint32_t>(draw() % universe_size);
    elections->on_commit(d, h);
    node::ledger_changes ch;
    ch.election = elections->record_at(h);
    elections->note_proposer(h, proposer);
    ch.delta = std::move(d);
    ch.utxo_hash = state.hash();
    ch.utxo_count = state.size();
    ledger::transaction tx;
    tx.nonce = h;
    tx.signature.assign(64, 0);
    auto b = std::make_shared<const ledger::block>(
        ledger::make_block(h, h, parent, h - 1, 1000 * h, proposer, {tx}));
    proto::block_certificate c;
    c.height = h;
    c.view = h;
    c.block_hash = b->hash();
    if (!ok((*st)->append({b, c}, &ch))) return 1;
    parent = c.block_hash;
  }
  return 0;
}

int load(const std::string& dir, const std::string& mode, std::uint64_t epoch_blocks) {
  auto st = node::chain_store::open(dir, false);
  if (!ok(st)) return 1;
  // What a start reads anyway: the chain (header records, top 1,024 decoded) and the UTXO set.
  auto t0 = std::chrono::steady_clock::now();
  // As a start does: the proposers of the last epoch only (the replay below needs every one).
  auto chain =
      (*st)->load_for_restart(1024, bbft::genesis_block()->hash(), {},
                              mode == "records" ? epoch_blocks : node::chain_store::all_heights);
  if (!ok(chain)) return 1;
  auto state = (*st)->load_ledger();
  if (!ok(state)) return 1;
  const double read_s = since(t0);
  auto elections = make_provider(epoch_blocks);
  auto t1 = std::chrono::steady_clock::now();
  std::size_t records = 0;
  std::uint64_t replayed = 0;
  if (mode == "records") {
    auto r = node::restore_elections(**st, *chain, *state, *elections, dir + ": ");
    if (!ok(r)) return 1;
    if (!r->from_records) {
      std::fprintf(stderr, "%s: the store has no election records (%s)\n", dir.c_str(),
                   r->why_replayed.c_str());
      return 1;
    }
    records = r->records;
  } else { // the replay a start did before the records
    for (std::uint64_t h = 1; h <= chain->head; ++h) {
      auto d = node::stored_delta(**st, h, dir + ": ");
      if (!ok(d)) return 1;
      elections->on_commit(*d, h);
      elections->note_proposer(h, chain->proposers[h - 1]);
      ++replayed;
    }
  }
  const double elections_s = since(t1);
  // Both ways must end at the same sets: a fingerprint of every elected set's members.
  std::uint64_t sig = 0;
  for (std::uint64_t e = 0; e <= elections->epoch_of(chain->head) + 2; ++e)
    if (auto s = elections->set_of(e))
      for (auto m : s->members())
        sig = sig * 31 + m + 1;
  std::printf("%s,%llu,%zu,%llu,%.3f,%.3f,%.1f,%llu\n", mode.c_str(),
              static_cast<unsigned long long>(chain->head), records,
              static_cast<unsigned long long>(replayed), read_s, elections_s, max_rss_mib(),
              static_cast<unsigned long long>(sig));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string cmd = argv[1];
  if (cmd == "create" && (argc == 6 || (argc == 7 && std::string(argv[6]) == "grow")))
    return create(argv[2], std::strtoull(argv[3], nullptr, 10),
                  static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)),
                  std::strtoull(argv[5], nullptr, 10), argc == 7);
  if (cmd == "load" && argc == 5) {
    std::string mode = argv[3];
    if (mode != "records" && mode != "replay") return usage();
    return load(argv[2], mode, std::strtoull(argv[4], nullptr, 10));
  }
  return usage();
}
