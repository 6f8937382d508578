// bystack-mainchaind: a proof-of-work mainchain node (docs/mainchain.md, "Real nodes").
//
//   bystack-mainchaind --config FILE.yaml [--check]
//
// Runs the pure mainchain core (actors/mainchain) with a RocksDB block store, a TCP peer
// transport, the HTTP API and Prometheus metrics, and, when the config has a `mining:` section,
// a miner thread computing Tensority. --check loads the config, prints a summary and exits.

#include "runtime/mainchain/api.hpp"
#include "runtime/mainchain/node.hpp"

#include <csignal>
#include <cstring>
#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view usage =
    "usage: bystack-mainchaind --config FILE.yaml [--check]\n"
    "\n"
    "Runs a proof-of-work mainchain node; see docs/mainchain.md for the config keys, the API\n"
    "and the metrics. --check only loads the config and prints what it would run.\n";

} // namespace

int main(int argc, char** argv) {
  using namespace bystack::mainchaind;
  std::string config;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a == "--check") {
      check = true;
    } else if (a == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (a.starts_with("--config=")) {
      config = std::string(a.substr(9));
    } else {
      std::cerr << "bystack-mainchaind: unexpected argument '" << a << "'\n" << usage;
      return 2;
    }
  }
  if (config.empty()) {
    std::cerr << "bystack-mainchaind: --config FILE.yaml is required\n" << usage;
    return 2;
  }
  auto cfg = load_config(config);
  if (!cfg) {
    std::cerr << "bystack-mainchaind: " << cfg.err().message << '\n';
    return 2;
  }
  if (check) {
    node n(*cfg);
    std::cout << "node " << cfg->name << ": peers " << cfg->peers.size() << ", genesis block "
              << n.genesis_header().hash().hex() << ", bits 0x" << std::hex
              << cfg->consensus.genesis_bits << std::dec << ", target block "
              << cfg->consensus.target_block_ms << " ms, retarget every "
              << cfg->consensus.retarget_blocks << " blocks, mining "
              << (cfg->mining.enabled ? "on" : "off") << '\n';
    return 0;
  }
  // Every thread inherits the blocked signals; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  node n(*cfg);
  if (auto r = n.start(); !r) {
    std::cerr << "bystack-mainchaind: " << r.err().message << '\n';
    return 1;
  }
  api_server api(n);
  if (auto r = api.start(); !r) {
    std::cerr << "bystack-mainchaind: " << r.err().message << '\n';
    n.stop();
    return 1;
  }
  std::cerr << "[" << cfg->name << "] API on " << cfg->api.address << ":" << cfg->api.port
            << ", peers on " << cfg->listen.address << ":" << cfg->listen.port << '\n';
  int sig = 0;
  sigwait(&set, &sig);
  std::cerr << "[" << cfg->name << "] stopping (" << strsignal(sig) << ")\n";
  api.stop();
  n.stop();
  return 0;
}
