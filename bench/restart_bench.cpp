// What a production restart costs as the stored chain grows: the time and peak resident memory
// of reading a RocksDB chain store the way a start does. Three modes:
//   all     decode every stored block (chain_store::load_all, what a start did before),
//   top     check every height's header and certificate and decode only the top `keep` blocks
//           (chain_store::load_for_restart, what a start does with node.retained_blocks = keep),
//   window  as top, but check only the top `keep` heights and the one below them (what a start
//           does with node.check_chain_at_start: window).
// Usage:
//   bystack-restart-bench create DIR BLOCKS TXS   writes BLOCKS blocks of TXS 100-byte transactions
//   bystack-restart-bench load DIR all|top|window [KEEP]  prints one CSV line (run it once per
//   process:
//                                                 the peak resident memory is the process's)
// scripts/restart-bench.sh runs both modes over a few chain lengths.
#include "runtime/node/chain_store.hpp"

#include "bench/max_rss.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace bystack;

int usage() {
  std::fprintf(stderr, "usage: bystack-restart-bench create DIR BLOCKS TXS\n"
                       "       bystack-restart-bench load DIR all|top|window [KEEP]\n");
  return 2;
}

using bench::max_rss_mib;

int create(const std::string& dir, std::uint64_t blocks, std::uint32_t txs) {
  auto st = node::chain_store::open(dir, false);
  if (!st) {
    std::fprintf(stderr, "%s\n", st.err().message.c_str());
    return 1;
  }
  auto parent = bbft::genesis_block()->hash();
  for (std::uint64_t h = 1; h <= blocks; ++h) {
    std::vector<ledger::transaction> list(txs);
    for (std::uint32_t i = 0; i < txs; ++i) {
      list[i].nonce = h * txs + i;
      list[i].payload.assign(100, static_cast<std::uint8_t>(i));
      list[i].signature.assign(64, 0);
    }
    auto b = std::make_shared<const ledger::block>(ledger::make_block(
        h, h, parent, h - 1, 1000 * h, static_cast<std::uint32_t>(h % 7), std::move(list)));
    proto::block_certificate c;
    c.height = h;
    c.view = h;
    c.block_hash = b->hash();
    if (auto w = (*st)->append({b, c}); !w) {
      std::fprintf(stderr, "%s\n", w.err().message.c_str());
      return 1;
    }
    parent = c.block_hash;
  }
  return 0;
}

int load(const std::string& dir, const std::string& mode, std::uint64_t keep) {
  auto st = node::chain_store::open(dir, false);
  if (!st) {
    std::fprintf(stderr, "%s\n", st.err().message.c_str());
    return 1;
  }
  auto head = (*st)->head().value();
  double rss_before = max_rss_mib();
  auto t0 = std::chrono::steady_clock::now();
  std::size_t decoded = 0;
  if (mode == "all") {
    auto c = (*st)->load_all();
    if (!c) {
      std::fprintf(stderr, "%s\n", c.err().message.c_str());
      return 1;
    }
    decoded = c->size();
  } else {
    auto c = (*st)->load_for_restart(keep, bbft::genesis_block()->hash(), {},
                                     mode == "window" ? 0 : node::chain_store::all_heights,
                                     mode == "window" ? 0 : node::chain_store::all_heights);
    if (!c) {
      std::fprintf(stderr, "%s\n", c.err().message.c_str());
      return 1;
    }
    decoded = c->top.size();
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s,%llu,%llu,%zu,%.3f,%.1f,%.1f\n", mode.c_str(),
              static_cast<unsigned long long>(head),
              static_cast<unsigned long long>(mode == "all" ? 0 : keep), decoded, s, rss_before,
              max_rss_mib());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string cmd = argv[1];
  if (cmd == "create" && argc == 5)
    return create(argv[2], std::strtoull(argv[3], nullptr, 10),
                  static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)));
  if (cmd == "load" && (argc == 4 || argc == 5)) {
    std::string mode = argv[3];
    if (mode != "all" && mode != "top" && mode != "window") return usage();
    return load(argv[2], mode, argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 1024);
  }
  return usage();
}
